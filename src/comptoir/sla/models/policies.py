"""SLA policies, their targets, and the SLA state kept per ticket."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calendars import BusinessCalendar


class SlaPolicy(models.Model):
    """Chosen for a ticket by its conditions, in order: the first match wins.
    An empty condition matches everything."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)
    calendar = models.ForeignKey(
        BusinessCalendar,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="policies",
        verbose_name=_("business calendar"),
        help_text=_("Empty: the clock runs 24 hours a day, 7 days a week."),
    )
    priorities = models.ManyToManyField(
        "tickets.Priority", blank=True, related_name="+", verbose_name=_("priorities")
    )
    ticket_types = models.ManyToManyField(
        "tickets.TicketType", blank=True, related_name="+", verbose_name=_("ticket types")
    )
    organisations = models.ManyToManyField(
        "accounts.Organisation", blank=True, related_name="+", verbose_name=_("organisations")
    )

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """Response and resolution times for a priority and/or a type; the most
    specific target of the policy applies (priority and type, then priority,
    then type, then neither)."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.ForeignKey(
        "tickets.Priority",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("priority"),
        help_text=_("Empty: any priority."),
    )
    ticket_type = models.ForeignKey(
        "tickets.TicketType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ticket type"),
        help_text=_("Empty: any type."),
    )
    response_minutes = models.PositiveIntegerField(
        _("response time (business minutes)"),
        null=True,
        blank=True,
        help_text=_("From reception to the first acknowledgement by an agent."),
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution time (business minutes)"),
        null=True,
        blank=True,
        help_text=_("From the acknowledgement to the resolution, paused while waiting on you."),
    )

    class Meta:
        ordering = ["policy", "priority__order", "ticket_type__order", "pk"]
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")

    def __str__(self) -> str:
        return f"{self.priority or '*'} / {self.ticket_type or '*'}"

    def clean(self) -> None:
        same = SlaTarget.objects.filter(
            models.Q(policy_id=self.policy_id),
            models.Q(priority__isnull=True)
            if self.priority_id is None
            else models.Q(priority_id=self.priority_id),
            models.Q(ticket_type__isnull=True)
            if self.ticket_type_id is None
            else models.Q(ticket_type_id=self.ticket_type_id),
        ).exclude(pk=self.pk)
        if self.policy_id and same.exists():
            raise ValidationError(_("This policy already has a target for this priority and type."))

    @property
    def response_time(self) -> timedelta | None:
        return None if self.response_minutes is None else timedelta(minutes=self.response_minutes)

    @property
    def resolution_time(self) -> timedelta | None:
        if self.resolution_minutes is None:
            return None
        return timedelta(minutes=self.resolution_minutes)


class ClockState(models.TextChoices):
    IDLE = "idle", _("Not started")
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused while waiting on the customer")
    STOPPED = "stopped", _("Stopped")


class TicketSla(models.Model):
    """A ticket's SLA clocks. Due instants are stored (and indexed) so that the
    checks are set-based; ``next_check_at`` is the next instant at which a
    threshold (80 % or due) is crossed and nobody has been told yet."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="sla"
    )
    policy = models.ForeignKey(
        SlaPolicy, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the policy was matched on, to re-match when the ticket is requalified.
    matched_on = models.CharField(max_length=64, blank=True)
    response_target = models.DurationField(_("response target"), null=True, blank=True)
    resolution_target = models.DurationField(_("resolution target"), null=True, blank=True)

    # The ticket's status category as last seen, and since when (automations count from it).
    category = models.CharField(max_length=20, blank=True)
    category_since = models.DateTimeField(null=True, blank=True)
    last_customer_reply_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_agent_reply_at = models.DateTimeField(null=True, blank=True, db_index=True)

    response_due_at = models.DateTimeField(_("response due"), null=True, blank=True, db_index=True)
    response_warn_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    response_warned = models.BooleanField(default=False)
    response_breached = models.BooleanField(_("response breached"), default=False, db_index=True)

    resolution_state = models.CharField(
        max_length=10, choices=ClockState.choices, default=ClockState.IDLE
    )
    resolution_elapsed = models.DurationField(default=timedelta(0))
    resolution_running_since = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(
        _("resolution due"), null=True, blank=True, db_index=True
    )
    resolution_warn_at = models.DateTimeField(null=True, blank=True)
    resolution_met_at = models.DateTimeField(null=True, blank=True)
    resolution_warned = models.BooleanField(default=False)
    resolution_breached = models.BooleanField(
        _("resolution breached"), default=False, db_index=True
    )

    paused_since = models.DateTimeField(null=True, blank=True)
    paused_total = models.DurationField(_("time paused"), default=timedelta(0))

    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ticket SLA")
        verbose_name_plural = _("ticket SLAs")
        indexes = [
            models.Index(fields=["category", "category_since"], name="sla_ticket_cat_since"),
        ]

    def __str__(self) -> str:
        return str(self.ticket_id)


class SlaSettings(models.Model):
    """One row, edited in the admin."""

    show_commitment_to_customers = models.BooleanField(
        _("show the SLA commitment to customers"),
        default=True,
        help_text=_("Customers see the response and resolution times for their ticket's priority."),
    )

    class Meta:
        verbose_name = _("SLA settings")
        verbose_name_plural = _("SLA settings")

    def __str__(self) -> str:
        return str(_("SLA settings"))

    @classmethod
    def load(cls) -> SlaSettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj
