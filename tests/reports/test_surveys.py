"""Satisfaction surveys: asked once per resolution, answered only when confirmed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from comptoir.mail.models import OutboundMail
from comptoir.reports.models import Survey, SurveyTrigger
from comptoir.reports.surveys import survey_token
from comptoir.tickets import services
from tests import factories
from tests.reports.conftest import reopen, resolve
from tests.reports.helpers import links_in, path_of, survey_mails, survey_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(customer):
    return factories.make_ticket(customer, subject="Planning export broken", language="en")


# -- asking ----------------------------------------------------------------------------


def test_resolving_a_ticket_mails_the_requester_five_faces(ticket, customer, agent):
    resolve(ticket, agent)

    [sent] = survey_mails(customer.email)
    assert f"[{ticket.reference}]" in sent.subject
    assert sorted(links_in(sent.body)) == [1, 2, 3, 4, 5]
    html = sent.alternatives[0].content
    assert "😀" in html and "Very satisfied" in html
    # Threaded like every mail of the ticket, and stored by the email channel.
    stored = OutboundMail.objects.get(kind="survey")
    assert stored.ticket == ticket and stored.state == "sent"
    assert sent.extra_headers["Message-ID"] == f"<{stored.message_id}>"
    assert stored.in_reply_to  # answers the previous mail the customer received


def test_one_survey_per_resolution_and_again_after_reopening(ticket, customer, agent):
    resolve(ticket, agent)
    services.ticket_close(ticket=ticket, actor=agent)
    assert len(survey_mails(customer.email)) == 1

    reopen(ticket, agent)
    resolve(ticket, agent)

    assert len(survey_mails(customer.email)) == 2
    assert Survey.objects.filter(ticket=ticket).count() == 2


def test_when_set_to_closing_resolving_asks_nothing_and_closing_asks(ticket, customer, agent):
    survey_settings(trigger=SurveyTrigger.CLOSED)

    resolve(ticket, agent)
    assert survey_mails(customer.email) == []

    services.ticket_close(ticket=ticket, actor=agent)
    assert len(survey_mails(customer.email)) == 1


def test_three_point_scale_offers_three_faces(ticket, customer, agent):
    survey_settings(scale=3)

    resolve(ticket, agent)

    [sent] = survey_mails(customer.email)
    assert sorted(links_in(sent.body)) == [1, 3, 5]


def test_no_survey_when_switched_off(ticket, customer, agent):
    survey_settings(enabled=False)

    resolve(ticket, agent)

    assert survey_mails(customer.email) == [] and not Survey.objects.exists()


def test_a_rollback_sends_no_survey(ticket, customer, agent):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        resolve(ticket, agent)
        raise RuntimeError("crash after the change")

    # (The test backend runs tasks at once; a real worker only ever sees committed jobs.)
    assert not Survey.objects.exists()
    assert not OutboundMail.objects.filter(kind="survey").exists()


# -- the link --------------------------------------------------------------------------------


def answer_link(customer, score: int) -> str:
    [sent] = survey_mails(customer.email)
    return path_of(links_in(sent.body)[score])


def test_following_a_link_preselects_the_face_and_records_nothing(ticket, customer, agent, client):
    resolve(ticket, agent)

    page = client.get(answer_link(customer, 2))

    assert page.status_code == 200
    checked = re.findall(r'<input type="radio" name="score" value="(\d)"[^>]*checked', page.text)
    assert checked == ["2"]
    assert Survey.objects.get().answered_at is None  # a link scanner records nothing


def test_confirming_records_the_rating_and_comment_without_login(ticket, customer, agent, client):
    resolve(ticket, agent)
    link = answer_link(customer, 4)

    response = client.post(link.split("?")[0], {"score": "4", "comment": "Rapide, merci !"})

    assert response.status_code == 302
    survey = Survey.objects.get()
    assert (survey.score, survey.comment) == (4, "Rapide, merci !")
    thanks = client.get(response["Location"]).content.decode()
    assert "your answer has been recorded" in thanks


def test_the_answer_can_be_changed_until_the_deadline_then_not(ticket, customer, agent, client):
    resolve(ticket, agent)
    link = answer_link(customer, 5).split("?")[0]
    client.post(link, {"score": "5"})
    client.post(link, {"score": "3", "comment": "Second thoughts"})
    assert Survey.objects.get().score == 3

    with time_machine.travel(timezone.now() + timedelta(days=15)):
        response = client.post(link, {"score": "1"})

    assert response.status_code == 410  # the signed link itself has expired
    assert Survey.objects.get().score == 3


def test_a_forged_link_is_refused(ticket, customer, agent, client):
    resolve(ticket, agent)
    token = survey_token(Survey.objects.get())

    response = client.get(f"/reports/survey/{token[:-2]}xx/?score=5")

    assert response.status_code == 404


def test_a_score_outside_the_scale_is_refused(ticket, customer, agent, client):
    survey_settings(scale=3)
    resolve(ticket, agent)
    link = answer_link(customer, 3).split("?")[0]

    response = client.post(link, {"score": "2"})

    assert response.status_code == 400
    assert Survey.objects.get().answered_at is None


# -- bad ratings --------------------------------------------------------------------------


def test_a_bad_rating_notifies_the_groups_supervisor_once(customer, agent, client):
    group = factories.SupportGroupFactory(name="Planning")
    boss = factories.AgentFactory(email="boss@support.test", role="supervisor")
    other = factories.AgentFactory(email="other-boss@support.test", role="supervisor")
    group.agents.add(boss, agent)
    ticket = factories.make_ticket(customer, language="en", group=group)
    resolve(ticket, agent)
    link = answer_link(customer, 1).split("?")[0]

    client.post(link, {"score": "1", "comment": "Nobody answered for a week."})
    client.post(link, {"score": "2", "comment": "Still bad."})  # bad to bad: no new mail

    to_boss = [m for m in mail.outbox if boss.email in m.to and "rated ticket" in m.body]
    assert len(to_boss) == 1
    assert "Nobody answered for a week." in to_boss[0].body
    assert "Very dissatisfied" in to_boss[0].body
    assert not [m for m in mail.outbox if other.email in m.to and "rated ticket" in m.body]


def test_a_good_rating_notifies_nobody(ticket, customer, agent, supervisor, client):
    resolve(ticket, agent)
    client.post(answer_link(customer, 5).split("?")[0], {"score": "5"})

    assert not [m for m in mail.outbox if supervisor.email in m.to and "rated" in m.body]


def test_without_group_every_supervisor_hears_of_a_bad_rating(
    ticket, customer, agent, supervisor, client
):
    resolve(ticket, agent)
    client.post(answer_link(customer, 2).split("?")[0], {"score": "2"})

    assert [m for m in mail.outbox if supervisor.email in m.to and "rated" in m.body]


# -- the portal's ticket page ----------------------------------------------------------


def test_the_requester_answers_on_the_resolved_tickets_page(ticket, customer, agent, client):
    resolve(ticket, agent)
    client.force_login(customer)

    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Satisfaction survey" in page and "Send my answer" in page

    response = client.post(
        f"/reports/tickets/{ticket.number}/survey/", {"score": "4", "comment": "Bien"}
    )
    assert response.status_code == 302
    assert Survey.objects.get().score == 4
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "Your answer:" in page and "Satisfied" in page


def test_no_survey_block_on_an_open_ticket(ticket, customer, client):
    client.force_login(customer)

    page = client.get(f"/tickets/{ticket.number}/").content.decode()

    assert "Satisfaction survey" not in page


def test_agents_see_rating_and_comment_on_the_ticket(ticket, customer, agent, client):
    resolve(ticket, agent)
    client.post(answer_link(customer, 2).split("?")[0], {"score": "2", "comment": "Trop lent"})
    client.force_login(agent)

    page = client.get(f"/tickets/{ticket.number}/").content.decode()

    assert "Dissatisfied" in page and "Trop lent" in page


def test_another_customer_cannot_answer_someone_elses_survey(
    ticket, customer, other_customer, agent, client
):
    resolve(ticket, agent)
    client.force_login(other_customer)

    response = client.post(f"/reports/tickets/{ticket.number}/survey/", {"score": "1"})

    assert response.status_code == 404
    assert Survey.objects.get().answered_at is None


def test_the_desk_reads_surveys_and_latest_scores(ticket, customer, agent):
    from comptoir.reports.queries import latest_scores, ticket_surveys
    from comptoir.reports.surveys import survey_answer
    from comptoir.tickets.models import Ticket

    resolve(ticket, agent)
    survey_answer(survey=Survey.objects.get(), score=2, comment="Lent")
    reopen(ticket, agent)
    resolve(ticket, agent)
    survey_answer(survey=Survey.objects.order_by("-pk").first(), score=5)

    assert [s.score for s in ticket_surveys(ticket)] == [5, 2]
    assert latest_scores(Ticket.objects.all()) == {ticket.pk: 5}


def test_a_duplicate_closed_by_a_merge_asks_nothing(customer, agent):
    kept = factories.make_ticket(customer, subject="Export broken", language="en")
    duplicate = factories.make_ticket(customer, subject="Export broken again", language="en")

    services.ticket_merge(source=duplicate, target=kept, actor=agent)

    duplicate.refresh_from_db()
    assert duplicate.category == "closed"
    assert not Survey.objects.exists() and survey_mails(customer.email) == []
