"""Automation rules: conditions on tickets, a trigger (time or event) and actions."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from comptoir.tickets.models import Category

from .calendars import BusinessCalendar


class Trigger(models.TextChoices):
    TIME = "time", _("Time passes (checked every few minutes)")
    TICKET_CREATED = "ticket_created", _("A ticket is created")
    CUSTOMER_REPLIED = "customer_replied", _("The customer replies")
    AGENT_REPLIED = "agent_replied", _("An agent replies publicly")


class Since(models.TextChoices):
    STATUS = "status", _("the ticket entered its current status category")
    CREATED = "created", _("the ticket was created")
    UPDATED = "updated", _("the ticket last changed")
    CUSTOMER_REPLY = "customer_reply", _("the customer's last reply")
    AGENT_REPLY = "agent_reply", _("an agent's last public reply")


class DelayUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")


class Clock(models.TextChoices):
    BUSINESS = "business", _("business time (opening hours and days of the calendar)")
    CALENDAR = "calendar", _("calendar time (around the clock)")


class RunOn(models.TextChoices):
    ANY_DAY = "any_day", _("Any day")
    LAST_DAY_OF_MONTH = "last_day_of_month", _("Only on the last day of the month")


class AutomationRule(models.Model):
    name = models.CharField(_("name"), max_length=150, unique=True)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    trigger = models.CharField(
        _("when"), max_length=20, choices=Trigger.choices, default=Trigger.TIME
    )
    category = models.CharField(
        _("status category"),
        max_length=20,
        choices=Category.choices,
        blank=True,
        help_text=_("Empty: any status."),
    )
    ticket_types = models.ManyToManyField(
        "tickets.TicketType",
        blank=True,
        related_name="+",
        verbose_name=_("ticket types"),
        help_text=_("Empty: any type."),
    )
    priorities = models.ManyToManyField(
        "tickets.Priority",
        blank=True,
        related_name="+",
        verbose_name=_("priorities"),
        help_text=_("Empty: any priority."),
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("organisations"),
        help_text=_("Empty: any organisation."),
    )
    delay_amount = models.PositiveIntegerField(
        _("after"), default=0, help_text=_("Time rules only: how long after the event.")
    )
    delay_unit = models.CharField(
        _("unit"), max_length=10, choices=DelayUnit.choices, default=DelayUnit.DAYS
    )
    clock = models.CharField(
        _("counted in"), max_length=10, choices=Clock.choices, default=Clock.BUSINESS
    )
    since = models.CharField(_("since"), max_length=20, choices=Since.choices, default=Since.STATUS)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("business calendar"),
        help_text=_("Empty: the default calendar."),
    )
    run_on = models.CharField(
        _("run on"), max_length=20, choices=RunOn.choices, default=RunOn.ANY_DAY
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("automation rule")
        verbose_name_plural = _("automation rules")

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.trigger != Trigger.TIME and (self.delay_amount or self.run_on != RunOn.ANY_DAY):
            raise ValidationError(_("Only time rules have a delay or a day to run on."))

    @property
    def delay(self) -> timedelta:
        return timedelta(**{str(self.delay_unit): self.delay_amount})


class ActionKind(models.TextChoices):
    SET_STATUS = "set_status", _("Set the status")
    SET_PRIORITY = "set_priority", _("Set the priority")
    SET_TYPE = "set_type", _("Set the type")
    SET_GROUP = "set_group", _("Set the group")
    ASSIGN = "assign", _("Assign to an agent")
    ADD_NOTE = "add_note", _("Add an internal note")
    NOTIFY = "notify", _("Send an email")


class Recipients(models.TextChoices):
    REQUESTER = "requester", _("The requester")
    ASSIGNEE = "assignee", _("The assigned agent")
    GROUP = "group", _("The agents of the ticket's group")


class NoticeTemplate(models.TextChoices):
    AUTO_RESOLVED = "auto_resolved", _("Resolved for lack of reply (with how to reopen)")
    AUTO_CLOSED = "auto_closed", _("Closed automatically")
    CUSTOM = "custom", _("The message below")


class AutomationAction(models.Model):
    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="actions")
    order = models.PositiveIntegerField(_("order"), default=0)
    kind = models.CharField(_("action"), max_length=20, choices=ActionKind.choices)
    status = models.ForeignKey(
        "tickets.Status",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("status"),
    )
    priority = models.ForeignKey(
        "tickets.Priority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("priority"),
    )
    ticket_type = models.ForeignKey(
        "tickets.TicketType",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("type"),
    )
    group = models.ForeignKey(
        "accounts.SupportGroup",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("group"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent"),
        limit_choices_to={"role__in": ["agent", "admin"]},
    )
    note = models.TextField(_("internal note"), blank=True)
    recipients = models.CharField(
        _("to"), max_length=20, choices=Recipients.choices, default=Recipients.REQUESTER
    )
    template = models.CharField(
        _("email"), max_length=20, choices=NoticeTemplate.choices, default=NoticeTemplate.CUSTOM
    )
    message_en = models.TextField(_("message (English)"), blank=True)
    message_fr = models.TextField(_("message (French)"), blank=True)
    message_es = models.TextField(_("message (Spanish)"), blank=True)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self) -> str:
        return str(self.get_kind_display())

    _REQUIRED = {
        ActionKind.SET_STATUS: "status",
        ActionKind.SET_PRIORITY: "priority",
        ActionKind.SET_TYPE: "ticket_type",
        ActionKind.SET_GROUP: "group",
        ActionKind.ASSIGN: "assignee",
        ActionKind.ADD_NOTE: "note",
    }

    def clean(self) -> None:
        needed = self._REQUIRED.get(ActionKind(self.kind)) if self.kind else None
        if needed and not getattr(self, f"{needed}_id" if needed != "note" else needed, None):
            raise ValidationError({needed: _("This action needs a value.")})
        if (
            self.kind == ActionKind.NOTIFY
            and self.template == NoticeTemplate.CUSTOM
            and not (self.message_en or self.message_fr or self.message_es)
        ):
            raise ValidationError({"message_en": _("Write the message to send.")})

    @property
    def message(self) -> str:
        lang = (translation.get_language() or "en")[:2]
        return getattr(self, f"message_{lang}", "") or self.message_en or self.message_fr


class AutomationRun(models.Model):
    """A rule applied to a ticket for one occurrence of its event: the unique
    constraint makes every rule act at most once per occurrence, whatever the
    number of workers, retries or restarts."""

    rule = models.ForeignKey(AutomationRule, on_delete=models.CASCADE, related_name="runs")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    occurrence = models.CharField(max_length=64)
    since_at = models.DateTimeField(null=True, blank=True)
    ran_at = models.DateTimeField(_("ran at"))

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("automation run")
        verbose_name_plural = _("automation runs")
        constraints = [
            models.UniqueConstraint(
                fields=["rule", "ticket", "occurrence"], name="sla_automation_run_once"
            )
        ]
        indexes = [models.Index(fields=["rule", "ticket", "since_at"], name="sla_run_rule_since")]

    def __str__(self) -> str:
        return f"{self.rule} · {self.ticket_id}"
