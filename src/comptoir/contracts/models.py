"""Assistance contracts: a monthly allowance of hours per organisation, revised
month by month, unused hours carried over, and the time agents log on tickets.

Durations are whole minutes (integers), never floats. No business rule lives
here: every change goes through ``services``, every balance through ``balance``.
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Contract(models.Model):
    """An organisation's assistance contract ("forfait d'assistance mensuel")."""

    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    start = models.DateField(_("start date"), help_text=_("Hours are credited from this month."))
    end = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Empty: the contract runs on.")
    )
    carry_over_cap = models.PositiveIntegerField(
        _("carry-over cap (minutes)"),
        null=True,
        blank=True,
        help_text=_("At most this many unused minutes pass to the next month. Empty: no cap."),
    )
    carry_over_months = models.PositiveIntegerField(
        _("unused hours expire after (months)"),
        null=True,
        blank=True,
        help_text=_(
            "Hours credited in a month can be used during that many following months, "
            "then expire. 0: they are lost at the end of their month. Empty: they never expire."
        ),
    )
    low_threshold = models.PositiveIntegerField(
        _("alert threshold (minutes)"),
        default=60,
        help_text=_("Managers and the account's agents are told when the balance falls under it."),
    )
    account_agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="account_contracts",
        verbose_name=_("account agents"),
        help_text=_("Agents who follow this customer: they get the balance alerts."),
    )
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("SLA policy"),
        help_text=_("Used for the organisation's tickets while the contract is active."),
    )
    default_priority = models.ForeignKey(
        "tickets.Priority",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("default priority"),
        help_text=_("For the organisation's new tickets when the customer does not choose one."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "-start"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        indexes = [models.Index(fields=["organisation", "start"], name="contract_org_start")]

    def __str__(self) -> str:
        return self.name or f"{self.organisation} · {self.start:%Y-%m}"

    def clean(self) -> None:
        if self.end is not None and self.start is not None and self.end < self.start:
            raise ValidationError({"end": _("The end date cannot be before the start date.")})
        if self.organisation_id is None or self.start is None:
            return
        others = Contract.objects.filter(organisation_id=self.organisation_id).exclude(pk=self.pk)
        far = date.max
        for other in others:
            if self.start <= (other.end or far) and other.start <= (self.end or far):
                raise ValidationError(
                    _("This organisation already has a contract over these dates: %(other)s.")
                    % {"other": other}
                )

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class Allowance(models.Model):
    """The monthly allowance from a given month on; a revision adds a row, so the
    history of the contract stays readable."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="allowances")
    effective_month = models.DateField(
        _("from month"), help_text=_("The first day of the month the allowance applies from.")
    )
    minutes = models.PositiveIntegerField(_("minutes per month"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("revised by"),
    )
    created_at = models.DateTimeField(_("revised"), auto_now_add=True)

    class Meta:
        ordering = ["contract", "effective_month"]
        verbose_name = _("monthly allowance")
        verbose_name_plural = _("monthly allowances")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "effective_month"], name="allowance_contract_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.effective_month:%Y-%m}: {self.minutes} min"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.effective_month = self.effective_month.replace(day=1)
        super().save(*args, **kwargs)


class TimeEntry(models.Model):
    """Time an agent spent on a ticket, drawn on the contract active at its date."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        on_delete=models.CASCADE,
        related_name="time_entries",
        verbose_name=_("ticket"),
    )
    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        verbose_name=_("contract"),
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="time_entries",
        verbose_name=_("agent"),
    )
    date = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("minutes"))
    billable = models.BooleanField(_("billable"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        indexes = [
            models.Index(fields=["contract", "billable", "date"], name="timeentry_contract_date"),
            models.Index(fields=["ticket", "date"], name="timeentry_ticket_date"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} · {self.date} · {self.minutes} min"
