"""Durations typed by agents, read into whole minutes, and minutes shown back.

Accepted: ``90`` (minutes), ``1:30``, ``1h30``, ``1 h 30 min``, ``1h``, ``45m``,
``45 min``, ``1.5h`` or ``1,5 h`` (hours with a decimal part, rounded to the
minute). No float is involved: decimals are read with ``Decimal``.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# One entry covers at most a day of work.
MAX_ENTRY_MINUTES = 24 * 60

_CLOCK = re.compile(r"^(\d{1,3}):([0-5]\d)$")
_HOURS_MINUTES = re.compile(r"^(\d{1,3})\s*h(?:\s*(\d{1,2})\s*(?:m|min|mn)?)?$")
_DECIMAL_HOURS = re.compile(r"^(\d{1,3}[.,]\d{1,4}|\d{1,3})\s*h$")
_MINUTES = re.compile(r"^(\d{1,5})\s*(?:m|min|mn|minutes?)?$")


def parse_minutes(text: str) -> int:
    """Whole minutes from what an agent typed; ValidationError when unreadable,
    zero, negative or longer than a day."""
    value = " ".join(str(text).strip().lower().split())
    if not value:
        raise ValidationError(_("Enter a duration, for example 90, 1:30, 1h30 or 1.5h."))
    if value.startswith("-"):
        raise ValidationError(_("The duration must be more than zero."))
    minutes: int | None = None
    if match := _CLOCK.match(value):
        minutes = int(match[1]) * 60 + int(match[2])
    elif match := _HOURS_MINUTES.match(value):
        extra = int(match[2] or 0)
        if extra >= 60:
            raise ValidationError(_("Minutes after the hours must be under 60 (1h45, not 1h75)."))
        minutes = int(match[1]) * 60 + extra
    elif match := _DECIMAL_HOURS.match(value):
        try:
            hours = Decimal(match[1].replace(",", "."))
        except InvalidOperation:  # pragma: no cover - the pattern only lets digits through
            hours = Decimal(-1)
        minutes = int((hours * 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    elif match := _MINUTES.match(value):
        minutes = int(match[1])
    if minutes is None:
        raise ValidationError(
            _("“%(value)s” is not a duration. Write 90, 1:30, 1h30 or 1.5h.") % {"value": text}
        )
    if minutes <= 0:
        raise ValidationError(_("The duration must be more than zero."))
    if minutes > MAX_ENTRY_MINUTES:
        raise ValidationError(_("One entry cannot be longer than 24 hours."))
    return minutes


def format_minutes(minutes: int | None) -> str:
    """``1 h 30 min``, ``45 min``, ``-2 h 05 min``: the sign is kept (a balance
    may be negative)."""
    if minutes is None:
        return ""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    if hours:
        return sign + _("%(h)d h %(m)02d min") % {"h": hours, "m": rest}
    return sign + _("%(m)d min") % {"m": rest}


def clock(minutes: int) -> str:
    """``1:30``, ``-0:45``: the same in every language (exports, audit trail)."""
    sign = "-" if minutes < 0 else ""
    hours, rest = divmod(abs(int(minutes)), 60)
    return f"{sign}{hours}:{rest:02d}"
