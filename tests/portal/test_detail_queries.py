"""The ticket page reads its side rows (products, themes, participants, the people
who may be added, surveys) in one round trip, and still shows each of them."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from comptoir.reports.models import Survey
from comptoir.tickets import services
from comptoir.tickets.models import Category, TicketParticipant
from tests import factories
from tests.accounts.helpers import customer
from tests.portal.helpers import text

pytestmark = pytest.mark.django_db


def page(client, ticket):
    return client.get(reverse("portal:ticket", args=[ticket.number]))


def set_category(ticket, agent, category):
    return services.ticket_change_status(
        ticket=ticket, actor=agent, status=services.status_for_category(category)
    )


@pytest.fixture
def lutins():
    return factories.OrganisationFactory(name="Crèche Les Lutins")


@pytest.fixture
def claire(lutins):
    return customer("claire@lutins.example", lutins)


@pytest.fixture
def ticket(claire, lutins):
    return factories.make_ticket(
        claire, subject="Payroll export", language="en", organisation=lutins
    )


def test_the_page_runs_the_same_queries_whatever_its_side_rows(client, claire, lutins, agent):
    ticket = factories.make_ticket(
        claire, subject="Payroll export", language="en", organisation=lutins
    )
    client.force_login(claire)
    page(client, ticket)
    with CaptureQueriesContext(connection) as bare:
        page(client, ticket)

    ticket.products.set([factories.ProductFactory(name=f"Product {n}") for n in range(4)])
    ticket.themes.set([factories.ThemeFactory(name=f"Theme {n}") for n in range(4)])
    for n in range(12):
        person = customer(f"colleague{n:02}@lutins.example", lutins)
        if n % 2:
            TicketParticipant.objects.create(
                ticket=ticket, user=person, created_at=ticket.created_at
            )
    for n in range(6):
        services.ticket_reply(ticket=ticket, author=agent, body_html=f"<p>Answer {n}</p>")
    set_category(ticket, agent, Category.RESOLVED)
    set_category(ticket, agent, Category.OPEN)
    set_category(ticket, agent, Category.RESOLVED)
    assert Survey.objects.filter(ticket=ticket).count() == 2
    with CaptureQueriesContext(connection) as full:
        response = page(client, ticket)

    shown = text(response)
    assert "Product 3" in shown and "Theme 3" in shown and "Answer 5" in shown
    assert shown.count("colleague") == 12  # 6 participants, 6 people who may be added
    assert "Satisfaction survey" in shown
    assert len(full) == len(bare)
    # Session, user, ticket, messages, their files, and the side rows.
    assert len(bare) == 6, [q["sql"][:60] for q in bare.captured_queries]


def test_names_keep_their_order(client, claire, lutins, ticket):
    ticket.products.set([factories.ProductFactory(name=n) for n in ("Zeta", "Alpha", "Mu")])
    ticket.themes.set([factories.ThemeFactory(name=n) for n in ("Paie", "Export")])
    later = customer("zoe@lutins.example", lutins)
    sooner = customer("bob@lutins.example", lutins)
    for n, person in enumerate((later, sooner)):
        TicketParticipant.objects.create(
            ticket=ticket,
            user=person,
            created_at=ticket.created_at + timedelta(minutes=n),
        )
    for email, last in (("b@lutins.example", "Martin"), ("a@lutins.example", "Durand")):
        person = customer(email, lutins)
        person.last_name = last
        person.first_name = "Jo"
        person.save()
    client.force_login(claire)

    html = page(client, ticket).text

    assert "Alpha, Mu, Zeta" in html and "Export, Paie" in html
    # Participants in the order they were added; candidates by name.
    assert html.index("zoe@lutins.example") < html.index("bob@lutins.example")
    select = html[html.index('id="cc-person"') :]
    assert select.index("Jo Durand") < select.index("Jo Martin")
    assert "zoe@lutins.example" not in select and "claire@lutins.example" not in select


def test_the_survey_shows_on_resolved_and_reopened_tickets(client, claire, agent, ticket):
    client.force_login(claire)
    assert "Satisfaction survey" not in text(page(client, ticket))

    set_category(ticket, agent, Category.RESOLVED)
    shown = text(page(client, ticket))
    assert "Satisfaction survey" in shown and "Send my answer" in shown

    survey = Survey.objects.get()
    survey.score, survey.comment, survey.answered_at = 4, "Bien", timezone.now()
    survey.save()
    set_category(ticket, agent, Category.OPEN)
    shown = text(page(client, ticket))
    # Reopened: the answer stays visible, the survey is closed.
    assert "Your answer:" in shown and "Bien" in shown and "This survey is closed." in shown

    client.force_login(agent)
    assert "Bien" in text(page(client, ticket))


def test_someone_elses_survey_is_not_shown_to_a_copied_colleague(
    client, claire, lutins, agent, ticket
):
    colleague = customer("paul@lutins.example", lutins)
    TicketParticipant.objects.create(ticket=ticket, user=colleague, created_at=ticket.created_at)
    set_category(ticket, agent, Category.RESOLVED)
    client.force_login(colleague)

    assert "Satisfaction survey" not in text(page(client, ticket))


def test_the_add_form_shows_only_to_those_who_manage_participants(client, claire, lutins, ticket):
    copied = customer("paul@lutins.example", lutins)
    manager = customer("marc@lutins.example", lutins, is_manager=True)
    customer("lea@lutins.example", lutins)
    TicketParticipant.objects.create(ticket=ticket, user=copied, created_at=ticket.created_at)

    for viewer, sees_form in ((claire, True), (manager, True), (copied, False)):
        client.force_login(viewer)
        html = page(client, ticket).text
        assert "paul@lutins.example" in html  # the participants list, for everyone
        assert ("Add people to the conversation" in html) is sees_form, viewer.email
        assert ('id="cc-person"' in html and "lea@lutins.example" in html) is sees_form
