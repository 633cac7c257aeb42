import pytest
from django.core.exceptions import ValidationError

from comptoir.contracts.durations import clock, format_minutes, parse_minutes


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [
        ("90", 90),
        ("1:30", 90),
        ("1h30", 90),
        ("1 h 30 min", 90),
        ("1H30", 90),
        ("1h", 60),
        ("45m", 45),
        ("45 min", 45),
        ("1.5h", 90),
        ("1,5 h", 90),
        ("0.25h", 15),
        ("2h05", 125),
        (" 10 ", 10),
    ],
)
def test_agents_type_durations_the_way_they_say_them(typed, minutes):
    assert parse_minutes(typed) == minutes


@pytest.mark.parametrize(
    "typed", ["", "0", "0:00", "-30", "-1h", "abc", "1h75", "1.5", "1:75", "25h", "1h30x", "9999"]
)
def test_unreadable_or_empty_durations_are_refused(typed):
    with pytest.raises(ValidationError):
        parse_minutes(typed)


def test_minutes_read_back_as_hours_with_the_sign_kept():
    assert format_minutes(90) == "1 h 30 min"
    assert format_minutes(45) == "45 min"
    assert format_minutes(-125) == "-2 h 05 min"
    assert clock(90) == "1:30"
    assert clock(-45) == "-0:45"
