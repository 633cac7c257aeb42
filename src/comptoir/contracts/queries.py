"""Reads of the contracts app, and who may see an organisation's hours.

Agents see every organisation's hours; a customer sees those of the
organisations they manage (``Membership.is_manager``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from comptoir.accounts.models import Organisation
from comptoir.tickets.models import Priority, Ticket

from .balance import add_months, contract_months, helpdesk_today, month_start
from .models import Contract, TimeEntry

# Time entries listed beside a ticket (the total counts them all).
PANEL_ENTRIES = 50


def active_contract(organisation_id: int | None, day: date | None = None) -> Contract | None:
    """The organisation's contract running on ``day`` (today by default)."""
    if organisation_id is None:
        return None
    day = day or helpdesk_today()
    return (
        Contract.objects.filter(organisation_id=organisation_id, start__lte=day)
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .order_by("-start")
        .first()
    )


def default_priority_for(organisation: Organisation | None) -> Priority | None:
    """The priority of a new ticket the customer did not prioritise: the one of
    the organisation's active contract, else the helpdesk's default (None when
    no priority is active at all)."""
    if organisation is not None:
        contract = active_contract(organisation.pk)
        if contract is not None and contract.default_priority_id is not None:
            priority = Priority.objects.filter(pk=contract.default_priority_id, active=True).first()
            if priority is not None:
                return priority
    from comptoir.tickets.services import config_cached

    return config_cached("contracts:default-priority", _helpdesk_default_priority)


def _helpdesk_default_priority() -> Priority | None:
    found = Priority.objects.filter(is_default=True, active=True).first()
    return found or Priority.objects.filter(active=True).order_by("order", "pk").first()


def hours_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations whose hours ``user`` may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Organisation.objects.none()
    if user.is_agent:
        return Organisation.objects.filter(contracts__isnull=False).distinct()
    return Organisation.objects.filter(memberships__user=user, memberships__is_manager=True)


def may_see_hours(user: Any) -> bool:
    return hours_organisations(user).exists()


def access_hours_organisation(user: Any, organisation_id: int | None) -> Organisation:
    """The organisation asked for (or the first one) if ``user`` may see its
    hours; else 404, as for a page that does not exist."""
    organisations = hours_organisations(user).order_by("name")
    found = (
        organisations.filter(pk=organisation_id).first()
        if organisation_id is not None
        else organisations.first()
    )
    if found is None:
        raise Http404
    return found


@dataclass(frozen=True)
class TicketLine:
    number: int
    subject: str
    billable: int
    not_billable: int


@dataclass(frozen=True)
class Statement:
    contract: Contract
    month: date
    carried_in: int
    credited: int
    used: int
    expired: int
    carried_out: int
    complete: bool
    not_billable: int
    tickets: list[TicketLine]
    balance: int


def statement_months(contract: Contract, today: date | None = None) -> list[date]:
    """The months a statement exists for, newest first."""
    today = today or helpdesk_today()
    last = month_start(today)
    if contract.end is not None:
        last = min(last, month_start(contract.end))
    months = []
    current = month_start(contract.start)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months[::-1]


def monthly_statement(contract: Contract, month: date, today: date | None = None) -> Statement:
    """One month of ``contract``: credited, carried in, used per ticket, carried
    out or expired. Three queries whatever the number of tickets and entries."""
    today = today or helpdesk_today()
    lines = contract_months(contract, today=today)
    month = month_start(month)
    line = next((m for m in lines if m.month == month), None)
    rows = (
        TimeEntry.objects.filter(contract=contract, date__gte=month, date__lt=add_months(month, 1))
        .values("ticket__number", "ticket__subject")
        .annotate(
            billable_total=Sum("minutes", filter=Q(billable=True)),
            other_total=Sum("minutes", filter=Q(billable=False)),
        )
        .order_by("ticket__number")
    )
    tickets = [
        TicketLine(
            number=row["ticket__number"],
            subject=row["ticket__subject"],
            billable=int(row["billable_total"] or 0),
            not_billable=int(row["other_total"] or 0),
        )
        for row in rows
    ]
    return Statement(
        contract=contract,
        month=month,
        carried_in=line.carried_in if line else 0,
        credited=line.credited if line else 0,
        used=line.used if line else 0,
        expired=line.expired if line else 0,
        carried_out=line.carried_out if line else 0,
        complete=line.complete if line else True,
        not_billable=sum(t.not_billable for t in tickets),
        tickets=tickets,
        balance=lines[-1].carried_out if lines else 0,
    )


def ticket_entries(ticket: Ticket) -> tuple[list[TimeEntry], int, int]:
    """The ticket's latest entries (at most ``PANEL_ENTRIES``), their count and
    total minutes."""
    entries = list(
        TimeEntry.objects.filter(ticket=ticket)
        .select_related("agent")
        .order_by("-date", "-pk")[:PANEL_ENTRIES]
    )
    totals = TimeEntry.objects.filter(ticket=ticket).aggregate(n=Count("pk"), total=Sum("minutes"))
    return entries, int(totals["n"] or 0), int(totals["total"] or 0)


def contract_sla_policy_id(ticket: Ticket) -> int | None:
    """The SLA policy named by the contract of the ticket's organisation active
    when the ticket was opened (one query; None without one)."""
    if ticket.organisation_id is None:
        return None
    opened = ticket.created_at
    day = (
        timezone.localdate(opened, timezone=ZoneInfo(settings.TIME_ZONE))
        if opened
        else helpdesk_today()
    )
    return (
        Contract.objects.filter(
            organisation_id=ticket.organisation_id,
            start__lte=day,
            sla_policy__isnull=False,
        )
        .filter(Q(end__isnull=True) | Q(end__gte=day))
        .order_by("-start")
        .values_list("sla_policy_id", flat=True)
        .first()
    )


def organisations_without_hours(organisation_ids: set[int]) -> set[int]:
    """Of ``organisation_ids``, those whose active contract has no hours left
    (three queries whatever the number of organisations)."""
    from .balance import balances

    ids = {i for i in organisation_ids if i is not None}
    if not ids:
        return set()
    today = helpdesk_today()
    contracts = list(
        Contract.objects.filter(organisation_id__in=ids, start__lte=today).filter(
            Q(end__isnull=True) | Q(end__gte=today)
        )
    )
    left = balances(contracts, today=today)
    return {c.organisation_id for c in contracts if left[c.pk] <= 0}
