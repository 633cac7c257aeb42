"""Seed 003 "Ajouter des gens à la conversation": the requester adds a colleague,
who then sees the ticket, answers it and hears its news; and can be removed."""

import pytest
from django.core import mail
from django.urls import reverse

from comptoir.accounts.models import Role, User
from comptoir.tickets import services
from comptoir.tickets.models import TicketEvent, TicketParticipant
from tests import factories
from tests.accounts.helpers import customer, last_mail_to
from tests.portal.helpers import form, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def lutins():
    return factories.OrganisationFactory(name="Crèche Les Lutins")


@pytest.fixture
def claire(lutins):
    return customer("claire@lutins.example", lutins)


@pytest.fixture
def paul(lutins):
    user = customer("paul@lutins.example", lutins)
    user.first_name, user.last_name = "Paul", "Durand"
    user.save()
    return user


@pytest.fixture
def ticket(claire):
    return factories.make_ticket(claire, subject="Payroll export", language="en")


def add(client, ticket, **data):
    return client.post(reverse("people:add", args=[ticket.number]), data, follow=True)


def test_the_requester_adds_a_colleague_who_then_sees_and_answers(client, claire, paul, ticket):
    # Given Claire on her ticket, where Paul is offered as a colleague
    client.force_login(claire)
    page = client.get(reverse("portal:ticket", args=[ticket.number]))
    assert "Add people to the conversation" in text(page)
    assert "Paul Durand" in text(page)
    mail.outbox.clear()

    # When she adds him
    response = add(client, ticket, person=paul.pk)

    # Then he is listed, told by mail, and the change is in the ticket's history
    assert "Paul Durand has been added to the conversation." in text(response)
    assert "Paul Durand" in text(response)
    assert f"/tickets/{ticket.number}/" in last_mail_to("paul@lutins.example").body
    assert TicketEvent.objects.filter(
        ticket=ticket, field="participants", new_value="paul@lutins.example"
    ).exists()

    # And Paul sees the ticket and replies to it
    client.force_login(paul)
    assert client.get(reverse("portal:ticket", args=[ticket.number])).status_code == 200
    reply = client.post(
        reverse("portal:ticket_reply", args=[ticket.number]), {"body": "Same here"}, follow=True
    )
    assert "Your reply has been sent." in text(reply)
    assert ticket.messages.last().author == paul


def test_people_in_the_conversation_hear_what_the_requester_hears(claire, paul, ticket):
    agent = factories.AgentFactory()
    TicketParticipant.objects.create(ticket=ticket, user=paul, created_at=ticket.created_at)
    mail.outbox.clear()

    services.ticket_reply(ticket=ticket, author=agent, body_html="<p>Fixed in 4.2</p>")

    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == ["claire@lutins.example", "paul@lutins.example"]
    # and when Paul answers, Claire is told, not Paul himself
    mail.outbox.clear()
    services.ticket_reply(ticket=ticket, author=paul, body_html="<p>Thanks</p>")
    assert "claire@lutins.example" in [a for m in mail.outbox for a in m.to]
    assert "paul@lutins.example" not in [a for m in mail.outbox for a in m.to]


def test_someone_outside_the_organisation_cannot_be_added(client, claire, ticket, settings):
    settings.COMPTOIR_CC_ANY_ADDRESS = False
    stranger = customer("eve@elsewhere.example", factories.OrganisationFactory())
    client.force_login(claire)

    by_id = add(client, ticket, person=stranger.pk)
    page = client.get(reverse("portal:ticket", args=[ticket.number]))

    assert "Choose a person or type an email address." in text(by_id)
    assert "eve@elsewhere.example" not in text(page)
    assert 'name="email"' not in page.content.decode()
    assert not TicketParticipant.objects.exists()


def test_any_address_when_allowed_creates_a_contact_with_an_activation_link(
    client, claire, ticket, settings
):
    settings.COMPTOIR_CC_ANY_ADDRESS = True
    client.force_login(claire)
    mail.outbox.clear()

    add(client, ticket, email="Accountant@Cabinet.example")

    contact = User.objects.get(email="accountant@cabinet.example")
    assert contact.role == Role.CUSTOMER and not contact.has_usable_password()
    assert TicketParticipant.objects.filter(ticket=ticket, user=contact).exists()
    assert "/accounts/activate/" in last_mail_to("accountant@cabinet.example").body


def test_a_refused_address_is_kept_in_the_field(client, claire, ticket, settings):
    settings.COMPTOIR_CC_ANY_ADDRESS = True
    client.force_login(claire)
    response = add(client, ticket, email="not an address")
    assert "Enter a valid email address." in text(response)
    assert form(response).values["email"] == ["not an address"]


def test_a_removed_person_no_longer_sees_the_ticket(client, claire, paul, ticket):
    TicketParticipant.objects.create(ticket=ticket, user=paul, created_at=ticket.created_at)
    client.force_login(claire)

    response = client.post(reverse("people:remove", args=[ticket.number, paul.pk]), follow=True)

    assert "Paul Durand has been removed from the conversation." in text(response)
    client.force_login(paul)
    assert client.get(reverse("portal:ticket", args=[ticket.number])).status_code == 404


def test_a_participant_may_leave_but_not_remove_others(client, claire, paul, lutins, ticket):
    marc = customer("marc@lutins.example", lutins)
    for person in (paul, marc):
        TicketParticipant.objects.create(ticket=ticket, user=person, created_at=ticket.created_at)
    client.force_login(paul)

    refused = client.post(reverse("people:remove", args=[ticket.number, marc.pk]))
    left = client.post(reverse("people:remove", args=[ticket.number, paul.pk]), follow=True)

    assert refused.status_code == 403
    assert "You have left the conversation." in text(left)
    assert list(TicketParticipant.objects.values_list("user__email", flat=True)) == [
        "marc@lutins.example"
    ]


def test_the_ticket_page_runs_a_constant_number_of_queries(client, claire, lutins, ticket):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(claire)
    client.get(reverse("portal:ticket", args=[ticket.number]))
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("portal:ticket", args=[ticket.number]))
    for n in range(15):
        person = customer(f"colleague{n}@lutins.example", lutins)
        if n % 2:
            TicketParticipant.objects.create(
                ticket=ticket, user=person, created_at=ticket.created_at
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("portal:ticket", args=[ticket.number]))

    assert text(response).count("colleague") >= 15
    assert len(many) == len(few)


def test_an_agent_may_add_an_outside_address_even_when_customers_may_not(client, ticket, settings):
    settings.COMPTOIR_CC_ANY_ADDRESS = False
    client.force_login(factories.AgentFactory())

    add(client, ticket, email="auditor@firm.example")

    assert TicketParticipant.objects.filter(
        ticket=ticket, user__email="auditor@firm.example"
    ).exists()
