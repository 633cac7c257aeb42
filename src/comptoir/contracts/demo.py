"""The contracts' part of the demo data: the first crèche buys monthly
assistance hours (seed 004), revised up last month, with a few time entries on
its tickets. Idempotent, like the rest of the demo data."""

from __future__ import annotations

from datetime import timedelta

from comptoir.accounts.models import Organisation, User
from comptoir.tickets.models import Ticket, TicketEvent

from . import services
from .balance import add_months, helpdesk_today, month_start
from .models import Contract

ORGANISATION = "Crèche Les Petits Loups"
AGENT = "camille"

# days before today, minutes, billable, note
ENTRIES = (
    (70, 45, True, "Analyse du problème de facturation"),
    (40, 90, True, "Correction des modèles de documents"),
    (25, 30, False, "Appel de suivi (offert)"),
    (12, 60, True, "Paramétrage des prélèvements SEPA"),
    (3, 25, True, "Vérification avec la directrice"),
)


def seed_contracts(people: dict[str, User]) -> int:
    """A contract for the demo crèche; returns the number of entries added."""
    organisation = Organisation.objects.filter(name=ORGANISATION).first()
    agent = people.get(AGENT)
    if organisation is None or agent is None:
        return 0
    if Contract.objects.filter(organisation=organisation).exists():
        return 0
    today = helpdesk_today()
    start = add_months(month_start(today), -3)
    contract = services.contract_create(
        organisation_id=organisation.pk,
        start=start,
        minutes=120,
        name="Assistance mensuelle 2 h",
        carry_over_cap=360,
        low_threshold=60,
    )
    contract.account_agents.add(agent)
    services.contract_revise_allowance(
        contract=contract, month=add_months(month_start(today), -1), minutes=180, actor=agent
    )
    tickets = list(Ticket.objects.filter(organisation=organisation).order_by("created_at")[:5])
    added = 0
    for index, (days, minutes, billable, note) in enumerate(ENTRIES):
        if not tickets:
            break
        ticket = tickets[index % len(tickets)]
        day = max(today - timedelta(days=days), start)
        entry = services.time_entry_create(
            ticket=ticket, agent=agent, minutes=minutes, day=day, billable=billable, note=note
        )
        # The demo's stories are dated in the past: the entry's audit event takes
        # the ticket's last moment, so its history stays in order.
        TicketEvent.objects.filter(
            ticket=ticket, field=services.TIME_FIELD, created_at__gte=entry.created_at
        ).update(created_at=ticket.updated_at)
        added += 1
    return added
