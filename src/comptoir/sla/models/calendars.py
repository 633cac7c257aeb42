"""Business calendars: a time zone, opening hours per weekday, public and custom closed days."""

from __future__ import annotations

from collections.abc import Container
from datetime import date, time
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

import holidays
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.sla.calendar import Schedule


def validate_time_zone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(_("Unknown time zone: %(value)s."), params={"value": value})


def validate_holiday_country(value: str) -> None:
    if value and value.upper() not in holidays.list_supported_countries():
        raise ValidationError(
            _("No public holidays are known for the country code %(value)s."),
            params={"value": value},
        )


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=8,
        blank=True,
        validators=[validate_holiday_country],
        help_text=_("A country code such as FR, BE or CA; empty for no public holidays."),
    )
    holiday_subdivision = models.CharField(
        _("region"),
        max_length=16,
        blank=True,
        help_text=_("Optional region code for regional holidays, such as 67 for Bas-Rhin."),
    )
    is_default = models.BooleanField(
        _("default calendar"),
        default=False,
        help_text=_("Used by automation rules that count business time without a calendar."),
    )
    # Bumped on every save (the admin saves the calendar with its inlines), so
    # each process knows when its cached schedule is stale.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.holiday_country and self.holiday_subdivision:
            try:
                holidays.country_holidays(
                    self.holiday_country.upper(), subdiv=self.holiday_subdivision
                )
            # The holidays package answers an unknown subdivision with
            # NotImplementedError: a user's input error, shown on the field.
            except NotImplementedError as error:
                raise ValidationError(
                    {"holiday_subdivision": _("Unknown region for this country.")}
                ) from error

    def schedule(self) -> Schedule:
        """The pure-function view of this calendar, cached per process until it changes."""
        key = (self.pk, self.updated_at)
        cached = _SCHEDULES.get(self.pk)
        if cached is not None and cached[0] == key:
            return cached[1]
        hours: dict[int, list[tuple[time, time]]] = {}
        for row in self.opening_hours.all():
            hours.setdefault(row.weekday, []).append((row.start, row.end))
        closed = ClosedDays(
            frozenset(self.closed_days.values_list("date", flat=True)),
            self.holiday_country.upper(),
            self.holiday_subdivision,
        )
        schedule = Schedule.build(ZoneInfo(self.time_zone), hours, closed)
        _SCHEDULES[self.pk] = (key, schedule)
        return schedule


_SCHEDULES: dict[Any, tuple[Any, Schedule]] = {}


class ClosedDays(Container[date]):
    """Custom closed days plus a country's public holidays (computed per year on demand)."""

    def __init__(self, custom: frozenset[date], country: str = "", subdivision: str = "") -> None:
        self.custom = custom
        self.public: holidays.HolidayBase | None = (
            holidays.country_holidays(country, subdiv=subdivision or None) if country else None
        )

    def __contains__(self, day: object) -> bool:
        if day in self.custom:
            return True
        return self.public is not None and day in self.public


class OpeningHours(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="opening_hours"
    )
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    start = models.TimeField(_("opens at"))
    end = models.TimeField(
        _("closes at"), help_text=_("00:00 means midnight at the end of the day.")
    )

    class Meta:
        ordering = ["weekday", "start"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    def clean(self) -> None:
        if self.start is not None and self.end is not None and time(0) != self.end <= self.start:
            raise ValidationError(_("The closing time must be after the opening time."))


class ClosedDay(models.Model):
    calendar = models.ForeignKey(
        BusinessCalendar, on_delete=models.CASCADE, related_name="closed_days"
    )
    date = models.DateField(_("date"))
    label = models.CharField(_("reason"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("closed day")
        verbose_name_plural = _("closed days")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_closed_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.label}".strip()
