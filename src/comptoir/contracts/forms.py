"""Forms of the contracts app: they only parse; rules live in ``services``."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .durations import parse_minutes


class TimeEntryForm(forms.Form):
    duration = forms.CharField(
        label=_("Time spent"),
        max_length=20,
        help_text=_("Minutes (90) or hours: 1:30, 1h30, 1.5h."),
        error_messages={"required": _("Enter a duration, for example 90, 1:30, 1h30 or 1.5h.")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "size": 8}),
    )
    day = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "invalid": _("Enter a date such as 2026-03-31."),
            "required": _("Enter the day the time was spent."),
        },
    )
    billable = forms.BooleanField(label=_("Billable (counts against the hours)"), required=False)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"day": timezone.localdate(), "billable": True})
        super().__init__(*args, **kwargs)
        self.fields["duration"].widget.attrs["placeholder"] = "1h30"

    def clean_duration(self) -> int:
        return parse_minutes(self.cleaned_data["duration"])

    def clean_day(self) -> date:
        day: date = self.cleaned_data["day"]
        # The agent's own today, plus a day of slack for time zones ahead.
        if day > timezone.localdate() + timedelta(days=1):
            raise forms.ValidationError(_("Time cannot be logged in the future."))
        if day.year < 2000:
            raise forms.ValidationError(_("Enter a date such as 2026-03-31."))
        return day
