"""Notifications: who gets what, in which language, threaded, and never lost."""

import email
import email.policy
import itertools
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.mail.ingest import mail_ingest
from comptoir.mail.models import DeliveryState, MailSettings, NotificationPreference, OutboundMail
from comptoir.mail.tasks import outbound_retry_due
from comptoir.mail.threads import token_number
from comptoir.tickets import services
from comptoir.tickets.models import Status
from tests.factories import AgentFactory, SupportGroupFactory, make_ticket

from .conftest import make_mail

pytestmark = pytest.mark.django_db


def english(*people):
    User.objects.filter(pk__in=[p.pk for p in people]).update(language="en")
    for person in people:
        person.refresh_from_db()


def test_acknowledgement_of_a_mail_answers_it_in_thread(support):
    result = mail_ingest(raw=make_mail(message_id="<first@example.test>", subject="Export"))
    ack = OutboundMail.objects.get()

    assert ack.kind == "received" and ack.to_address == "claire@example.test"
    assert ack.in_reply_to == "<first@example.test>" and ack.references == "<first@example.test>"
    assert f"#{result.ticket}" in ack.subject and "Export" in ack.subject
    assert token_number(ack.reply_to) == result.ticket
    assert ack.state == DeliveryState.SENT
    sent = mail.outbox[0]
    assert sent.extra_headers["Message-ID"] == f"<{ack.message_id}>"
    assert sent.reply_to == [ack.reply_to]
    assert sent.alternatives and "##-" in sent.body.splitlines()[0]


def test_agent_reply_threads_on_the_previous_mail_and_carries_text_and_files(
    support, customer, agent
):
    english(customer)
    ticket = make_ticket(customer)
    ack = OutboundMail.objects.get(kind="received")
    from django.core.files.base import ContentFile

    from comptoir.tickets.attachments import attachment_store

    file = attachment_store(file=ContentFile(b"%PDF-1.4 x"), filename="guide.pdf", user=agent)
    services.ticket_reply(
        ticket=ticket, author=agent, body_html="<p>See the guide</p>", attachments=[file]
    )
    reply = OutboundMail.objects.get(kind="reply")

    assert reply.in_reply_to == f"<{ack.message_id}>"
    assert reply.references.split() == [f"<{ack.message_id}>"]
    assert reply.subject == ack.subject
    sent = mail.outbox[-1]
    assert "See the guide" in sent.body and "guide.pdf" in sent.body
    assert [a[0] for a in sent.attachments] == ["guide.pdf"]
    html = sent.alternatives[0][0]
    assert "See the guide" in html and "Sophie Agent" in html


def test_mail_is_in_the_recipients_language(support, customer, agent):
    User.objects.filter(pk=customer.pk).update(language="fr")
    ticket = make_ticket(customer, subject="Export")
    assert "Demande" in mail.outbox[0].subject
    User.objects.filter(pk=customer.pk).update(language="en")
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Hi</p>")
    assert "Request" in mail.outbox[-1].subject


def test_each_customer_notification(support, customer, agent):
    english(customer)
    ticket = make_ticket(customer)
    services.ticket_assign(ticket=ticket, actor=agent, assignee=agent)
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=Status.objects.get(slug="it-working")
    )
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=Status.objects.get(slug="resolved")
    )
    services.ticket_close(ticket=ticket, actor=agent)
    kinds = list(
        OutboundMail.objects.filter(to_address=customer.email)
        .order_by("pk")
        .values_list("kind", flat=True)
    )
    assert kinds == ["received", "assigned", "status", "resolved", "survey", "closed"]
    bodies = [m.body for m in mail.outbox if m.to == [customer.email]]
    assert "Sophie Agent is now handling" in bodies[1]
    assert "reopen" in bodies[3]


def test_a_customer_setting_switches_a_kind_off(support, customer, agent):
    MailSettings.objects.update(notify_status=False)
    ticket = make_ticket(customer)
    services.ticket_change_status(
        ticket=ticket, actor=agent, status=Status.objects.get(slug="it-working")
    )
    assert not OutboundMail.objects.filter(kind="status").exists()


def test_personal_preferences_are_respected(support, customer, agent):
    NotificationPreference.objects.create(user=customer, received=False)
    make_ticket(customer)
    assert mail.outbox == []


def test_agent_notifications(support, customer, agent):
    english(customer, agent)
    colleague = AgentFactory(email="colleague@support.test", language="en")
    group = SupportGroupFactory()
    group.agents.add(agent, colleague)

    ticket = make_ticket(customer, group=group)
    new_in_group = {m.to[0] for m in mail.outbox if "New ticket" in m.body}
    assert new_in_group == {agent.email, colleague.email}

    services.ticket_assign(ticket=ticket, actor=colleague, assignee=agent)
    assert OutboundMail.objects.filter(kind="agent_assigned", to_address=agent.email).exists()

    services.ticket_reply(ticket=ticket, author=customer, body_html="<p>News</p>")
    assert OutboundMail.objects.filter(kind="agent_customer_reply", to_address=agent.email).exists()
    assert not OutboundMail.objects.filter(kind="agent_customer_reply", to_address=colleague.email)

    services.ticket_reply(
        ticket=ticket,
        author=agent,
        body_html=f"<p>@{colleague.email} can you look?</p>",
        internal=True,
    )
    mentioned = OutboundMail.objects.get(kind="agent_mentioned")
    assert mentioned.to_address == colleague.email
    assert not OutboundMail.objects.filter(ticket_message__internal=True, to_address=customer.email)


def test_a_note_without_mention_mails_nobody(support, customer, agent):
    ticket = make_ticket(customer)
    mail.outbox.clear()
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>hmm</p>", internal=True)
    assert mail.outbox == []


def test_notifications_are_written_once_even_if_the_task_runs_twice(support, customer):
    ticket = make_ticket(customer)
    from comptoir.mail.tasks import notify_ticket_event

    args = {"ticket_id": ticket.pk, "event": "created", "actor_id": customer.pk, "message_id": None}
    assert notify_ticket_event.call(**args, key="same") == 1
    assert notify_ticket_event.call(**args, key="same") == 0


def test_an_smtp_server_down_delays_mail_and_loses_none(support, customer, smtp):
    smtp.stop()
    ticket = make_ticket(customer)
    ack = OutboundMail.objects.get()
    assert ack.state == DeliveryState.RETRYING and ack.attempts == 1 and ack.last_error

    with time_machine.travel(timezone.now() + timedelta(minutes=30)):
        assert outbound_retry_due.call() == 0
    ack.refresh_from_db()
    assert ack.state == DeliveryState.RETRYING and ack.attempts == 2

    smtp.start()
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert outbound_retry_due.call() == 1
    ack.refresh_from_db()
    assert ack.state == DeliveryState.SENT and ack.sent_at is not None
    received = email.message_from_bytes(smtp.messages[0], policy=email.policy.default)
    # A long Message-ID may be folded onto its own line: the value is the same.
    assert received["Message-ID"].strip() == f"<{ack.message_id}>"
    assert f"#{ticket.number}" in received["Subject"]
    assert received.get_body(("html",)) is not None and received.get_body(("plain",)) is not None


def test_sending_gives_up_after_the_configured_attempts(support, customer, smtp):
    MailSettings.objects.update(max_send_attempts=2)
    smtp.stop()
    make_ticket(customer)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        outbound_retry_due.call()
    assert OutboundMail.objects.get().state == DeliveryState.FAILED


def test_mail_threads_in_the_customers_client(support, customer, agent, smtp):
    """Every mail the customer receives references the previous one."""
    english(customer)
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>One</p>")
    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Two</p>")
    mails = [email.message_from_bytes(m, policy=email.policy.default) for m in smtp.messages]
    assert len(mails) == 3
    for previous, current in itertools.pairwise(mails):
        assert current["In-Reply-To"].strip() == previous["Message-ID"].strip()
        assert previous["Message-ID"].strip() in current["References"]
    assert len({m["Subject"] for m in mails}) == 1
