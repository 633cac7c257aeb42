"""A contract sets the SLA policy and the starting priority of its organisation's tickets."""

from datetime import date

import pytest
from django.urls import reverse

from comptoir.contracts.models import Contract
from comptoir.sla.models import SlaPolicy, TicketSla
from comptoir.tickets.models import Priority, Ticket
from tests.factories import CustomerFactory, make_ticket, priority, ticket_type

pytestmark = pytest.mark.django_db


def test_the_contracts_sla_policy_wins(contract, manager, frozen):
    generic = SlaPolicy.objects.filter(active=True).first()
    special = SlaPolicy.objects.create(name="Contrat premium", order=999)
    contract.sla_policy = special
    contract.save()
    ticket = make_ticket(manager, subject="Urgent export")
    assert TicketSla.objects.get(ticket=ticket).policy == special
    other = make_ticket(CustomerFactory(), subject="No contract")
    assert TicketSla.objects.get(ticket=other).policy == generic


def test_an_inactive_policy_on_the_contract_is_ignored(contract, manager, frozen):
    contract.sla_policy = SlaPolicy.objects.create(name="Old", active=False)
    contract.save()
    ticket = make_ticket(manager, subject="Export")
    assert TicketSla.objects.get(ticket=ticket).policy != contract.sla_policy


def test_a_ticket_without_a_chosen_priority_takes_the_contracts(contract, manager, frozen):
    from comptoir.tickets import services

    high = Priority.objects.exclude(is_default=True).first()
    contract.default_priority = high
    contract.save()
    ticket = services.ticket_create(
        requester=manager,
        subject="Printer",
        description_html="<p>It jams.</p>",
        type=ticket_type(),
        organisation=manager.organisations.first(),
    )
    assert ticket.priority == high
    chosen = make_ticket(manager, subject="Chosen", priority=priority("normal"))
    assert chosen.priority == priority("normal")
    lone = services.ticket_create(
        requester=CustomerFactory(),
        subject="Printer",
        description_html="<p>It jams.</p>",
        type=ticket_type(),
    )
    assert lone.priority.is_default


def test_the_portal_form_starts_on_the_contracts_priority(client, contract, manager):
    high = Priority.objects.exclude(is_default=True).filter(active=True).first()
    contract.default_priority = high
    contract.save()
    client.force_login(manager)
    page = client.get(reverse("portal:ticket_new")).content.decode()
    assert f'<option value="{high.pk}" selected' in page


def test_contracts_of_an_organisation_cannot_overlap(org, frozen):
    from django.core.exceptions import ValidationError

    from comptoir.contracts import services

    services.contract_create(organisation_id=org.pk, start=date(2026, 1, 1), minutes=60)
    with pytest.raises(ValidationError):
        services.contract_create(organisation_id=org.pk, start=date(2026, 6, 1), minutes=60)
    assert Contract.objects.count() == 1
    assert Ticket.objects.count() == 0


def test_without_any_active_priority_the_form_still_opens_and_creating_says_why(
    client, contract, manager
):
    from django.core.exceptions import ValidationError

    from comptoir.tickets import services

    Priority.objects.update(active=False)
    client.force_login(manager)
    assert client.get(reverse("portal:ticket_new")).status_code == 200
    with pytest.raises(ValidationError, match="No active priority"):
        services.ticket_create(
            requester=manager,
            subject="Printer",
            description_html="<p>It jams.</p>",
            type=ticket_type(),
            organisation=manager.organisations.first(),
        )
    assert not Ticket.objects.filter(subject="Printer").exists()
