"""Business-time arithmetic: examples from the seeds, then properties checked by hypothesis."""

from __future__ import annotations

import time as walltime
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.sla.calendar import (
    NeverOpenError,
    Schedule,
    add_business_minutes,
    add_business_time,
    business_minutes_between,
    business_time_between,
    is_business_time,
    local_to_utc,
    next_business_instant,
    subtract_business_time,
)
from comptoir.sla.models import ClosedDays

PARIS = ZoneInfo("Europe/Paris")
OFFICE = Schedule.build(
    PARIS,
    {day: [(time(9), time(18))] for day in range(5)},
    ClosedDays(frozenset({date(2026, 12, 24)}), "FR"),
)
# Several intervals a day, one crossing the spring and autumn changes (Sunday 1:00-4:00),
# one ending at midnight.
SPLIT = Schedule.build(
    PARIS,
    {
        0: [(time(8, 30), time(12)), (time(14), time(17, 30))],
        2: [(time(9), time(12))],
        4: [(time(20), time(0))],
        6: [(time(1), time(4))],
    },
    ClosedDays(frozenset(), "FR"),
)


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def test_friday_1755_plus_one_business_hour_is_monday_0955():
    due = add_business_minutes(OFFICE, paris(2026, 3, 27, 17, 55), 60)
    assert due == paris(2026, 3, 30, 9, 55)


def test_a_french_public_holiday_is_skipped():
    # Monday 13 July 17:00 + 2 business hours: 14 July (Bastille Day) is closed.
    due = add_business_minutes(OFFICE, paris(2026, 7, 13, 17, 0), 120)
    assert due == paris(2026, 7, 15, 10, 0)


def test_a_custom_closed_day_is_skipped():
    due = add_business_minutes(OFFICE, paris(2026, 12, 23, 17, 30), 60)
    # 24 December is a custom closed day, 25 December a public holiday.
    assert due == paris(2026, 12, 28, 9, 30)


def test_an_interval_across_the_spring_change_counts_the_hours_that_really_pass():
    sunday = date(2026, 3, 29)
    [(start, end)] = SPLIT.day_intervals(sunday)
    assert end - start == timedelta(hours=2)  # 1:00 to 4:00, but 2:00-3:00 never happens
    autumn = SPLIT.day_intervals(date(2026, 10, 25))
    assert autumn[0][1] - autumn[0][0] == timedelta(hours=4)  # 2:00-3:00 happens twice


def test_a_wall_clock_time_in_the_spring_gap_is_the_end_of_the_gap():
    assert local_to_utc(datetime(2026, 3, 29, 2, 30), PARIS) == datetime(2026, 3, 29, 1, tzinfo=UTC)


def test_measuring_over_a_week_end_counts_only_opening_hours():
    assert business_minutes_between(OFFICE, paris(2026, 3, 27, 17), paris(2026, 3, 30, 10)) == 120
    assert business_minutes_between(OFFICE, paris(2026, 3, 30, 10), paris(2026, 3, 27, 17)) == -120


def test_next_business_instant():
    assert next_business_instant(OFFICE, paris(2026, 3, 28, 12)) == paris(2026, 3, 30, 9)
    assert next_business_instant(OFFICE, paris(2026, 3, 30, 12)) == paris(2026, 3, 30, 12)
    assert next_business_instant(OFFICE, paris(2026, 3, 30, 18)) == paris(2026, 3, 31, 9)


def test_business_days_count_whole_open_days():
    days = OFFICE.whole_days()
    # Waiting since Monday 10:00: five business days later is the next Monday 10:00.
    assert add_business_time(days, paris(2026, 3, 2, 10), timedelta(days=5)) == paris(
        2026, 3, 9, 10
    )
    # Easter Monday (6 April 2026) does not count.
    assert add_business_time(days, paris(2026, 4, 1, 10), timedelta(days=3)) == paris(
        2026, 4, 7, 10
    )


def test_a_calendar_that_never_opens_is_an_error_not_a_hang():
    never = Schedule.build(PARIS, {})
    with pytest.raises(NeverOpenError):
        add_business_minutes(never, paris(2026, 1, 1), 1)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        add_business_minutes(OFFICE, datetime(2026, 1, 1), 1)


def test_24_7_is_plain_arithmetic():
    start = paris(2026, 3, 28, 23)
    assert add_business_minutes(None, start, 90) == start + timedelta(minutes=90)


def test_cost_grows_with_days_not_minutes():
    start = paris(2026, 1, 5, 9)
    began = walltime.perf_counter()
    due = add_business_minutes(OFFICE, start, 250 * 9 * 60)  # about a year of business time
    measured = business_time_between(OFFICE, start, due)
    elapsed = walltime.perf_counter() - began
    assert measured == timedelta(minutes=250 * 9 * 60)
    assert elapsed < 0.5, f"a year of business time took {elapsed:.3f}s"


# -- properties ---------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.integers(min_value=1, max_value=60 * 24 * 90).map(lambda m: timedelta(minutes=m))
schedules = st.sampled_from([OFFICE, SPLIT, OFFICE.whole_days(), SPLIT.whole_days()])


@settings(max_examples=300, deadline=None)
@given(schedules, instants, durations)
def test_adding_then_measuring_gives_back_the_duration(schedule, start, delta):
    due = add_business_time(schedule, start, delta)
    assert business_time_between(schedule, start, due) == delta


@settings(max_examples=300, deadline=None)
@given(schedules, instants, durations)
def test_results_never_fall_in_closed_time(schedule, start, delta):
    due = add_business_time(schedule, start, delta)
    # The due instant is inside opening hours or exactly at the end of an interval.
    just_before = due - timedelta(microseconds=1)
    assert is_business_time(schedule, just_before)
    back = subtract_business_time(schedule, start, delta)
    assert is_business_time(schedule, back)


@settings(max_examples=300, deadline=None)
@given(schedules, instants, instants, durations)
def test_subtract_is_the_exact_cutoff_for_sweeps(schedule, event, now, delta):
    cutoff = subtract_business_time(schedule, now, delta)
    assert (event <= cutoff) == (add_business_time(schedule, event, delta) <= now)


@settings(max_examples=200, deadline=None)
@given(schedules, instants, instants, instants)
def test_measuring_is_additive(schedule, a, b, c):
    a, b, c = sorted([a, b, c])
    assert business_time_between(schedule, a, c) == business_time_between(
        schedule, a, b
    ) + business_time_between(schedule, b, c)


@settings(max_examples=200, deadline=None)
@given(instants, durations)
def test_holidays_are_never_business_time(start, delta):
    due = add_business_time(OFFICE, start, delta)
    fr = holidays.country_holidays("FR")
    local_day = (due - timedelta(microseconds=1)).astimezone(PARIS).date()
    assert local_day not in fr and local_day.weekday() < 5
