"""The page of a ticket merged into another leads to that ticket."""

import pytest
from django.urls import reverse

from comptoir.tickets import services
from comptoir.tickets.models import TicketParticipant
from tests.factories import CustomerFactory, make_ticket
from tests.portal.helpers import text

pytestmark = pytest.mark.django_db


def page_url(number):
    return reverse("portal:ticket", args=[number])


def test_the_old_number_of_a_merged_ticket_leads_to_the_one_it_went_into(client, customer, agent):
    duplicate = make_ticket(customer, subject="Printer offline (again)")
    original = make_ticket(customer, subject="Printer offline")
    services.ticket_merge(source=duplicate, target=original, actor=agent)
    client.force_login(customer)

    response = client.get(page_url(duplicate.number), follow=True)

    assert response.redirect_chain == [(page_url(original.number), 302)]
    assert f"Ticket #{duplicate.number} was merged into #{original.number}." in text(response)
    assert "Printer offline" in text(response)


def test_a_participant_who_cannot_see_the_target_stays_on_the_merged_ticket(
    client, customer, agent
):
    colleague = CustomerFactory(email="paul@example.test")
    duplicate = make_ticket(customer, subject="Printer offline (again)")
    TicketParticipant.objects.create(
        ticket=duplicate, user=colleague, added_by=customer, created_at=duplicate.created_at
    )
    original = make_ticket(customer, subject="Printer offline")
    services.ticket_merge(source=duplicate, target=original, actor=agent)
    client.force_login(colleague)

    response = client.get(page_url(duplicate.number))

    assert response.status_code == 200
    # The merge notice is there, and nothing leaks of the ticket they cannot see.
    assert "merged into ticket" in text(response)
    assert client.get(page_url(original.number)).status_code == 404
