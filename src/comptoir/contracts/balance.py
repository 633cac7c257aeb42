"""The hours bank's arithmetic, in whole minutes.

For each month from the contract's start to the current month (or its end):
the month's allowance is credited (it first pays back a negative balance),
billable time is drawn from the oldest credited hours first, and at the end of
a finished month the contract's carry-over rules apply: hours older than the
expiry delay are lost, then anything over the carry-over cap. A negative
balance is carried over whole.

The database gives one sum per month (two queries per contract whatever the
number of entries); the loop below runs over months, never over entries.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .models import Contract, TimeEntry


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def months_between(first: date, last: date) -> list[date]:
    """Every first-of-month from ``first``'s month to ``last``'s, both included."""
    months, current, last = [], month_start(first), month_start(last)
    while current <= last:
        months.append(current)
        current = add_months(current, 1)
    return months


def helpdesk_today() -> date:
    """Today in the helpdesk's time zone (``TIME_ZONE``): the month a balance is
    worked out for is the same for every viewer, whatever their own zone."""
    return timezone.localdate(timezone.now(), timezone=ZoneInfo(settings.TIME_ZONE))


@dataclass(frozen=True)
class MonthLine:
    month: date
    carried_in: int
    credited: int
    used: int
    expired: int
    carried_out: int
    # The current month is not over: its carry-over rules have not applied yet.
    complete: bool


@dataclass
class _Lot:
    month: date
    minutes: int


def _total(lots: Iterable[_Lot]) -> int:
    return sum(lot.minutes for lot in lots)


def _draw(lots: deque[_Lot], minutes: int) -> int:
    """Take ``minutes`` from the oldest lots first; returns what they could not cover."""
    while minutes and lots:
        take = min(lots[0].minutes, minutes)
        lots[0].minutes -= take
        minutes -= take
        if not lots[0].minutes:
            lots.popleft()
    return minutes


def allowance_for(allowances: list[tuple[date, int]], month: date) -> int:
    """The allowance in force in ``month``: the latest revision effective by then."""
    minutes = 0
    for effective, value in allowances:
        if effective <= month:
            minutes = value
        else:
            break
    return minutes


def compute_months(
    *,
    start: date,
    end: date | None,
    allowances: Iterable[tuple[date, int]],
    used: Mapping[date, int],
    today: date,
    carry_over_cap: int | None = None,
    carry_over_months: int | None = None,
) -> list[MonthLine]:
    """The month-by-month account of a contract, up to the current month (or the
    contract's last month). Pure: everything it needs is passed in."""
    revisions = sorted((month_start(m), int(v)) for m, v in allowances)
    current = month_start(today)
    last = min(current, month_start(end)) if end is not None else current
    lots: deque[_Lot] = deque()  # credited hours not used yet, oldest first
    debt = 0
    lines: list[MonthLine] = []
    for month in months_between(start, last) if start <= today else []:
        carried_in = _total(lots) - debt
        credited = allowance_for(revisions, month)
        payback = min(debt, credited)
        debt -= payback
        if credited - payback:
            lots.append(_Lot(month, credited - payback))
        spent = int(used.get(month, 0))
        owed = spent
        owed = _draw(lots, owed)
        debt += owed
        expired = 0
        complete = month < current
        if complete:
            if carry_over_months is not None:
                while lots and add_months(lots[0].month, carry_over_months) <= month:
                    expired += lots.popleft().minutes
            if carry_over_cap is not None:
                excess = max(_total(lots) - carry_over_cap, 0)
                expired += excess - _draw(lots, excess)
        carried_out = _total(lots) - debt
        lines.append(
            MonthLine(
                month=month,
                carried_in=carried_in,
                credited=credited,
                used=spent,
                expired=expired,
                carried_out=carried_out,
                complete=complete,
            )
        )
    return lines


def used_by_month(contract: Contract, *, until: date) -> dict[date, int]:
    """Billable minutes per month, summed by the database (one query)."""
    rows = (
        TimeEntry.objects.filter(contract=contract, billable=True, date__lt=add_months(until, 1))
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(total=Sum("minutes"))
        .order_by("month")
        .values_list("month", "total")
    )
    return {month_start(_as_date(month)): int(total or 0) for month, total in rows}


def _as_date(value: object) -> date:
    if hasattr(value, "date") and callable(value.date):  # a datetime on some backends
        return value.date()  # type: ignore[no-any-return]
    return value  # type: ignore[return-value]


def contract_months(contract: Contract, *, today: date | None = None) -> list[MonthLine]:
    """The account of ``contract`` month by month (two queries)."""
    today = today or helpdesk_today()
    allowances = list(contract.allowances.values_list("effective_month", "minutes"))
    return compute_months(
        start=contract.start,
        end=contract.end,
        allowances=allowances,
        used=used_by_month(contract, until=month_start(today)),
        today=today,
        carry_over_cap=contract.carry_over_cap,
        carry_over_months=contract.carry_over_months,
    )


def contract_balance(contract: Contract, *, today: date | None = None) -> int:
    """Minutes left today: credited so far, carry-over rules applied, minus
    billable time. Negative when more was used than credited."""
    lines = contract_months(contract, today=today)
    return lines[-1].carried_out if lines else 0


def balances(contracts: list[Contract], *, today: date | None = None) -> dict[int, int]:
    """The balance of each of ``contracts`` in two queries (allowances, then
    monthly sums), for lists of tickets."""
    from .models import Allowance

    if not contracts:
        return {}
    today = today or helpdesk_today()
    ids = [c.pk for c in contracts]
    revisions: dict[int, list[tuple[date, int]]] = {pk: [] for pk in ids}
    for contract_id, month, minutes in Allowance.objects.filter(contract_id__in=ids).values_list(
        "contract_id", "effective_month", "minutes"
    ):
        revisions[contract_id].append((month, minutes))
    used: dict[int, dict[date, int]] = {pk: {} for pk in ids}
    rows = (
        TimeEntry.objects.filter(
            contract_id__in=ids, billable=True, date__lt=add_months(month_start(today), 1)
        )
        .annotate(month=TruncMonth("date"))
        .values("contract_id", "month")
        .annotate(total=Sum("minutes"))
        .order_by()
        .values_list("contract_id", "month", "total")
    )
    for contract_id, month, total in rows:
        used[contract_id][month_start(_as_date(month))] = int(total or 0)
    out = {}
    for contract in contracts:
        lines = compute_months(
            start=contract.start,
            end=contract.end,
            allowances=revisions[contract.pk],
            used=used[contract.pk],
            today=today,
            carry_over_cap=contract.carry_over_cap,
            carry_over_months=contract.carry_over_months,
        )
        out[contract.pk] = lines[-1].carried_out if lines else 0
    return out
