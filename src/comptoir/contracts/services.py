"""Every change to contracts and time entries goes through here.

Each function runs in one transaction and locks the contract it draws on, so
two agents logging time at once see each other's minutes. Time entries write
the ticket's audit event (``TicketEvent``) in that transaction; allowance
revisions are kept as rows (who, when, from which month). When a change makes
the balance cross the contract's alert threshold or go below zero, the alert
mails are written in the same transaction.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.tickets.models import EventKind, Ticket, TicketEvent

from .alerts import balance_changed
from .balance import contract_balance, month_start
from .durations import MAX_ENTRY_MINUTES, clock
from .models import Allowance, Contract, TimeEntry
from .queries import active_contract

# Field of the ticket events written for time entries.
TIME_FIELD = "time_entry"


def _check_agent(actor: User) -> None:
    if not getattr(actor, "is_agent", False):
        raise ValidationError(_("Only agents can log time."))


def _check_minutes(minutes: int) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationError(_("A duration is a whole number of minutes."))
    if minutes <= 0:
        raise ValidationError(_("The duration must be more than zero."))
    if minutes > MAX_ENTRY_MINUTES:
        raise ValidationError(_("One entry cannot be longer than 24 hours."))
    return minutes


def _locked(contract_ids: set[int | None]) -> dict[int, Contract]:
    ids = sorted(i for i in contract_ids if i is not None)
    if not ids:
        return {}
    return {c.pk: c for c in Contract.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _balances(contracts: dict[int, Contract]) -> dict[int, int]:
    return {pk: contract_balance(c) for pk, c in contracts.items()}


def _after(contracts: dict[int, Contract], before: dict[int, int], actor: User | None) -> None:
    for pk, contract in contracts.items():
        balance_changed(
            contract=contract, before=before[pk], after=contract_balance(contract), actor=actor
        )


def _event(ticket: Ticket, actor: User, *, old: str, new: str) -> None:
    TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        kind=EventKind.FIELD,
        field=TIME_FIELD,
        old_value=old,
        new_value=new,
        created_at=timezone.now(),
    )


def _describe(entry: TimeEntry) -> str:
    """How an entry reads in the audit trail: the same in every language."""
    text = f"{clock(entry.minutes)} {entry.date.isoformat()}"
    return text if entry.billable else f"{text} (-)"


@transaction.atomic
def time_entry_create(
    *,
    ticket: Ticket,
    agent: User,
    minutes: int,
    day: date,
    billable: bool = True,
    note: str = "",
) -> TimeEntry:
    """Log ``minutes`` spent by ``agent`` on ``ticket`` on ``day``; the entry
    draws on the contract of the ticket's organisation active on that day."""
    _check_agent(agent)
    _check_minutes(minutes)
    contract = active_contract(ticket.organisation_id, day)
    contracts = _locked({contract.pk if contract else None})
    before = _balances(contracts)
    now = timezone.now()
    entry = TimeEntry.objects.create(
        ticket=ticket,
        contract=contracts.get(contract.pk) if contract else None,
        agent=agent,
        date=day,
        minutes=minutes,
        billable=billable,
        note=note.strip()[:500],
        created_at=now,
        updated_at=now,
    )
    _event(ticket, agent, old="", new=_describe(entry))
    _after(contracts, before, agent)
    return entry


@transaction.atomic
def time_entry_update(
    *,
    entry: TimeEntry,
    actor: User,
    minutes: int | None = None,
    day: date | None = None,
    billable: bool | None = None,
    note: str | None = None,
) -> TimeEntry:
    """Correct an entry; a new date may move it to another contract."""
    _check_agent(actor)
    entry = TimeEntry.objects.select_for_update().select_related("ticket").get(pk=entry.pk)
    old = _describe(entry)
    new_day = day if day is not None else entry.date
    contract = active_contract(entry.ticket.organisation_id, new_day)
    contracts = _locked({entry.contract_id, contract.pk if contract else None})
    before = _balances(contracts)
    if minutes is not None:
        entry.minutes = _check_minutes(minutes)
    if billable is not None:
        entry.billable = billable
    if note is not None:
        entry.note = note.strip()[:500]
    entry.date = new_day
    entry.contract = contracts.get(contract.pk) if contract else None
    entry.updated_at = timezone.now()
    entry.save()
    if _describe(entry) != old:
        _event(entry.ticket, actor, old=old, new=_describe(entry))
    _after(contracts, before, actor)
    return entry


@transaction.atomic
def time_entry_delete(*, entry: TimeEntry, actor: User) -> None:
    _check_agent(actor)
    entry = TimeEntry.objects.select_for_update().select_related("ticket").get(pk=entry.pk)
    contracts = _locked({entry.contract_id})
    before = _balances(contracts)
    _event(entry.ticket, actor, old=_describe(entry), new="")
    entry.delete()
    _after(contracts, before, actor)


@transaction.atomic
def contract_revise_allowance(
    *, contract: Contract, month: date, minutes: int, actor: User | None
) -> Allowance:
    """Set the monthly allowance from ``month`` on (up or down). Earlier months
    keep the allowance they had; a second revision of the same month replaces it."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or minutes < 0:
        raise ValidationError(_("An allowance is a whole number of minutes, zero or more."))
    contracts = _locked({contract.pk})
    locked = contracts[contract.pk]
    month = month_start(month)
    if month < month_start(locked.start) or (
        locked.end is not None and month > month_start(locked.end)
    ):
        raise ValidationError(_("The month must fall within the contract's dates."))
    before = _balances(contracts)
    allowance, _created = Allowance.objects.update_or_create(
        contract=locked,
        effective_month=month,
        defaults={"minutes": minutes, "created_by": actor},
    )
    _after(contracts, before, actor)
    return allowance


@transaction.atomic
def contract_create(
    *,
    organisation_id: int,
    start: date,
    minutes: int,
    end: date | None = None,
    actor: User | None = None,
    **fields: object,
) -> Contract:
    """A new contract with its first monthly allowance."""
    contract = Contract(organisation_id=organisation_id, start=start, end=end, **fields)
    contract.full_clean()
    contract.save()
    contract_revise_allowance(contract=contract, month=start, minutes=minutes, actor=actor)
    return contract
