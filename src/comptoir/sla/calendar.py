"""Business-time arithmetic: pure functions over a weekly schedule, a time zone and closed days.

Instants are timezone-aware datetimes (UTC inside); durations are ``timedelta`` of
*real* elapsed time spent inside opening hours, so an opening interval that spans a
daylight-saving change counts the hours that really passed. ``schedule=None`` means
24/7: plain arithmetic.

Every function walks the calendar one local day at a time, so its cost grows with
the number of days spanned, never with the number of minutes.

Definitions that make the functions agree with each other (the property tests
check them):

- ``business_time_between(s, a, b)`` is the length of ``[a, b)`` inside opening hours;
- ``add_business_time(s, a, d)`` is the earliest instant ``t`` with
  ``business_time_between(s, a, t) >= d``;
- ``subtract_business_time(s, b, d)`` is the latest instant ``t`` with
  ``business_time_between(s, t, b) >= d``; hence, for ``d > 0``,
  ``a <= subtract_business_time(s, b, d)`` exactly when ``add_business_time(s, a, d) <= b``,
  which is what lets a sweep turn "N business hours since X" into one indexed
  ``X <= cutoff`` filter.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MINUTES_PER_DAY = 24 * 60
ZERO = timedelta(0)
# A calendar with no open day for ten years is a configuration error, not a wait.
MAX_CLOSED_DAYS = 3660

DayIntervals = tuple[tuple[int, int], ...]


class NeverOpenError(ValueError):
    """The calendar has no opening hours within ``MAX_CLOSED_DAYS`` days."""


@dataclass(frozen=True)
class Schedule:
    """Opening hours per weekday (Monday first) in minutes since local midnight,
    ``end`` up to 1440 (midnight ending the day), plus days that stay closed."""

    tz: ZoneInfo
    weekly: tuple[DayIntervals, ...]
    closed: Container[date] = field(default=frozenset(), hash=False, compare=False)

    @classmethod
    def build(
        cls,
        tz: str | ZoneInfo,
        hours: Mapping[int, Iterable[tuple[time, time]]],
        closed: Container[date] = frozenset(),
    ) -> Schedule:
        """``hours[weekday]`` lists ``(start, end)`` local times; an ``end`` of 00:00
        means the midnight that ends the day. Overlapping intervals are merged."""
        zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
        weekly = []
        for weekday in range(7):
            spans = []
            for start, end in hours.get(weekday, ()):
                s = start.hour * 60 + start.minute
                e = end.hour * 60 + end.minute or MINUTES_PER_DAY
                if e > s:
                    spans.append((s, e))
            weekly.append(_merge(spans))
        return cls(tz=zone, weekly=tuple(weekly), closed=closed)

    def is_open_day(self, day: date) -> bool:
        return bool(self.weekly[day.weekday()]) and day not in self.closed

    def whole_days(self) -> Schedule:
        """The same calendar where each open day is open from midnight to midnight:
        the clock for delays counted in business days."""
        weekly = tuple(((0, MINUTES_PER_DAY),) if spans else () for spans in self.weekly)
        return Schedule(tz=self.tz, weekly=weekly, closed=self.closed)

    def day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of local ``day`` as UTC instants, in order."""
        if not self.is_open_day(day):
            return []
        result = []
        for s, e in self.weekly[day.weekday()]:
            start, end = _local_to_utc(self.tz, day, s), _local_to_utc(self.tz, day, e)
            # An interval entirely inside a spring-forward gap never happens.
            if end > start:
                result.append((start, end))
        return result


def _merge(spans: list[tuple[int, int]]) -> DayIntervals:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return tuple(merged)


def _local_to_utc(tz: ZoneInfo, day: date, minute: int) -> datetime:
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    return local_to_utc(naive, tz)


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """The instant a wall clock in ``tz`` shows ``naive``: the first one when the
    clock shows it twice (autumn), the end of the gap when it never does (spring)."""
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if first.astimezone(tz).replace(tzinfo=None) == naive:
        return first
    # Inside a gap: fold=1 lands before the transition, fold=0 after it; the
    # transition is the first second whose offset is the later one.
    after = first.astimezone(tz).utcoffset()
    lo = int(naive.replace(tzinfo=tz, fold=1).timestamp())
    hi = int(first.timestamp())
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == after:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


def _check_aware(*instants: datetime) -> None:
    for instant in instants:
        if instant.tzinfo is None:
            raise ValueError("Business-time functions need timezone-aware datetimes.")


def _intervals_from(schedule: Schedule, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals ending after ``start``, in order, endlessly (or NeverOpenError)."""
    day = start.astimezone(schedule.tz).date()
    closed_run = 0
    while True:
        spans = schedule.day_intervals(day)
        closed_run = 0 if spans else closed_run + 1
        if closed_run > MAX_CLOSED_DAYS:
            raise NeverOpenError("The calendar has no opening hours.")
        for istart, iend in spans:
            if iend > start:
                yield istart, iend
        day += timedelta(days=1)


def _intervals_before(schedule: Schedule, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals starting before ``end``, latest first, endlessly (or NeverOpenError)."""
    day = end.astimezone(schedule.tz).date()
    closed_run = 0
    while True:
        spans = schedule.day_intervals(day)
        closed_run = 0 if spans else closed_run + 1
        if closed_run > MAX_CLOSED_DAYS:
            raise NeverOpenError("The calendar has no opening hours.")
        for istart, iend in reversed(spans):
            if istart < end:
                yield istart, iend
        day -= timedelta(days=1)


def add_business_time(schedule: Schedule | None, start: datetime, delta: timedelta) -> datetime:
    """The earliest instant by which ``delta`` of opening hours have passed since ``start``."""
    _check_aware(start)
    if delta < ZERO:
        return subtract_business_time(schedule, start, -delta)
    if schedule is None or delta == ZERO:
        return start + delta
    remaining = delta
    for istart, iend in _intervals_from(schedule, start):
        begin = max(istart, start)
        if remaining <= iend - begin:
            return begin + remaining
        remaining -= iend - begin
    raise AssertionError("unreachable")  # pragma: no cover


def subtract_business_time(schedule: Schedule | None, end: datetime, delta: timedelta) -> datetime:
    """The latest instant from which ``delta`` of opening hours pass until ``end``."""
    _check_aware(end)
    if delta < ZERO:
        return add_business_time(schedule, end, -delta)
    if schedule is None or delta == ZERO:
        return end - delta
    remaining = delta
    for istart, iend in _intervals_before(schedule, end):
        finish = min(iend, end)
        if remaining <= finish - istart:
            return finish - remaining
        remaining -= finish - istart
    raise AssertionError("unreachable")  # pragma: no cover


def business_time_between(schedule: Schedule | None, start: datetime, end: datetime) -> timedelta:
    """Opening hours within ``[start, end)``; negative when ``end`` is before ``start``."""
    _check_aware(start, end)
    if end < start:
        return -business_time_between(schedule, end, start)
    if schedule is None:
        return end - start
    total = ZERO
    day = start.astimezone(schedule.tz).date()
    last = end.astimezone(schedule.tz).date()
    while day <= last:
        for istart, iend in schedule.day_intervals(day):
            if iend > start and istart < end:
                total += min(iend, end) - max(istart, start)
        day += timedelta(days=1)
    return total


def is_business_time(schedule: Schedule | None, instant: datetime) -> bool:
    """Whether ``instant`` falls inside opening hours (intervals are ``[start, end)``)."""
    _check_aware(instant)
    if schedule is None:
        return True
    day = instant.astimezone(schedule.tz).date()
    return any(s <= instant < e for s, e in schedule.day_intervals(day))


def next_business_instant(schedule: Schedule | None, instant: datetime) -> datetime:
    """``instant`` itself when open, else the next opening."""
    _check_aware(instant)
    if schedule is None:
        return instant
    for istart, _iend in _intervals_from(schedule, instant):
        return max(istart, instant)
    raise AssertionError("unreachable")  # pragma: no cover


def add_business_minutes(schedule: Schedule | None, start: datetime, minutes: float) -> datetime:
    return add_business_time(schedule, start, timedelta(minutes=minutes))


def business_minutes_between(schedule: Schedule | None, start: datetime, end: datetime) -> float:
    return business_time_between(schedule, start, end) / timedelta(minutes=1)
