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
from django.db.models import Count, Q, QuerySet, Sum, Window
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


@dataclass(frozen=True)
class ContractTerms:
    """What the contracts of an organisation running on one day set for its new
    tickets: the priority they start with and the SLA policy they run on."""

    default_priority_id: int | None = None
    sla_policy_id: int | None = None


NO_TERMS = ContractTerms()


# A contract row: (start, end, default priority id, SLA policy id).
_ContractRow = tuple[date, date | None, int | None, int | None]


def _contracts_by_organisation() -> dict[int, list[_ContractRow]]:
    """Every contract, per organisation, newest first: a small table (a few per
    organisation), which answers for any day, even a ticket opened long ago."""
    by_organisation: dict[int, list[_ContractRow]] = {}
    rows = Contract.objects.order_by("-start").values_list(
        "organisation_id", "start", "end", "default_priority_id", "sla_policy_id"
    )
    for organisation_id, start, end, priority_id, policy_id in rows:
        by_organisation.setdefault(organisation_id, []).append((start, end, priority_id, policy_id))
    return by_organisation


def _running_contracts(organisation_id: int | None, day: date) -> list[_ContractRow]:
    """``organisation_id``'s contracts running on ``day``, newest first, from
    the contracts read with the configuration: once per process for a few
    seconds, and again at once after a contract is saved in this process."""
    from comptoir.tickets.services import config_cached

    if organisation_id is None:
        return []
    contracts = config_cached("contracts:by-organisation", _contracts_by_organisation)
    return [
        row
        for row in contracts.get(organisation_id, ())
        if row[0] <= day and (row[1] is None or row[1] >= day)
    ]


def contract_runs(organisation_id: int | None, day: date) -> bool:
    """Whether a contract of ``organisation_id`` runs on ``day`` (no query)."""
    return bool(_running_contracts(organisation_id, day))


def contract_terms(organisation_id: int | None, day: date) -> ContractTerms:
    """The terms of ``organisation_id``'s contracts running on ``day``: the
    priority of the newest one, the SLA policy of the newest one that names a
    policy (contracts do not overlap, so both are usually the one's)."""
    running = _running_contracts(organisation_id, day)
    rows = [(priority, policy) for _start, _end, priority, policy in running]
    if not rows:
        return NO_TERMS
    return ContractTerms(
        default_priority_id=rows[0][0],
        sla_policy_id=next((policy for _priority, policy in rows if policy is not None), None),
    )


def _opening_day(ticket: Ticket) -> date:
    opened = ticket.created_at
    if opened is None:
        return helpdesk_today()
    return timezone.localdate(opened, timezone=ZoneInfo(settings.TIME_ZONE))


# Where a ticket keeps the terms read for it: creating a ticket needs them
# twice (its priority, then its SLA policy) and pays one query.
_TERMS_ATTR = "_contract_terms"


def remember_contract_terms(ticket: Ticket, terms: ContractTerms) -> None:
    """Keep ``terms`` (read for the ticket's organisation on its opening day) on
    ``ticket``, so that its SLA policy is chosen without reading them again."""
    setattr(ticket, _TERMS_ATTR, (ticket.organisation_id, _opening_day(ticket), terms))


def ticket_contract_terms(ticket: Ticket) -> ContractTerms:
    """The terms of the contract of the ticket's organisation active when the
    ticket was opened (one query, none when already read for this ticket)."""
    if ticket.organisation_id is None:
        return NO_TERMS
    day = _opening_day(ticket)
    kept = getattr(ticket, _TERMS_ATTR, None)
    if kept is not None and kept[0] == ticket.organisation_id and kept[1] == day:
        return kept[2]  # type: ignore[no-any-return]
    terms = contract_terms(ticket.organisation_id, day)
    setattr(ticket, _TERMS_ATTR, (ticket.organisation_id, day, terms))
    return terms


def active_priorities() -> list[Priority]:
    """The active priorities in their order, from the configuration cache."""
    from comptoir.tickets.services import config_cached

    return config_cached(
        "tickets:active-priorities", lambda: list(Priority.objects.filter(active=True))
    )


def priority_from_terms(terms: ContractTerms) -> Priority | None:
    """The priority a new ticket starts with under ``terms``: the contract's when
    it is active, else the helpdesk's default (None when none is active)."""
    if terms.default_priority_id is not None:
        for priority in active_priorities():
            if priority.pk == terms.default_priority_id:
                return priority
    from comptoir.tickets.services import config_cached

    return config_cached("contracts:default-priority", _helpdesk_default_priority)


def default_priority_for(organisation: Organisation | None) -> Priority | None:
    """The priority of a new ticket the customer did not prioritise: the one of
    the organisation's active contract, else the helpdesk's default (None when
    no priority is active at all)."""
    terms = (
        contract_terms(organisation.pk, helpdesk_today()) if organisation is not None else NO_TERMS
    )
    return priority_from_terms(terms)


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
    """Whether ``user`` may open the hours pages. Asked by every portal home:
    remembered per user for as long as the helpdesk's configuration
    (``COMPTOIR_CONFIG_CACHE_SECONDS``, a few seconds; not at all when it is 0),
    like the portal's "organisation's tickets" flag; the hours pages themselves
    still check the rights on each request."""
    from django.core.cache import cache

    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    ttl = float(getattr(settings, "COMPTOIR_CONFIG_CACHE_SECONDS", 5))
    if ttl <= 0:
        return hours_organisations(user).exists()
    key = f"contracts:may-see-hours:{user.pk}"
    value = cache.get(key)
    if value is None:
        value = hours_organisations(user).exists()
        cache.set(key, value, ttl)
    return bool(value)


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
    total minutes, in one query (count and total over every entry, computed
    before the limit)."""
    entries: list[TimeEntry] = list(
        TimeEntry.objects.filter(ticket=ticket)
        .select_related("agent")
        .annotate(all_count=Window(Count("pk")), all_minutes=Window(Sum("minutes")))
        .order_by("-date", "-pk")[:PANEL_ENTRIES]
    )
    if not entries:
        return [], 0, 0
    first: Any = entries[0]
    return entries, int(first.all_count or 0), int(first.all_minutes or 0)


def contract_sla_policy_id(ticket: Ticket) -> int | None:
    """The SLA policy named by the contract of the ticket's organisation active
    when the ticket was opened (one query, none when the ticket's terms were
    already read; None without one)."""
    return ticket_contract_terms(ticket).sla_policy_id


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
