"""Satisfaction surveys, export jobs and the per-ticket timings reports read.

No business rule lives here: surveys change through ``surveys``, export jobs
through ``exports_jobs``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyTrigger(models.TextChoices):
    RESOLVED = "resolved", _("When the ticket is resolved (or closed without being resolved)")
    CLOSED = "closed", _("When the ticket is closed")


class SurveyScale(models.IntegerChoices):
    THREE = 3, _("3 faces")
    FIVE = 5, _("5 faces")


class SurveySettings(models.Model):
    """The satisfaction survey's settings, one row, edited in the admin."""

    enabled = models.BooleanField(_("send satisfaction surveys"), default=True)
    trigger = models.CharField(
        _("ask"), max_length=10, choices=SurveyTrigger.choices, default=SurveyTrigger.RESOLVED
    )
    scale = models.PositiveSmallIntegerField(
        _("scale"), choices=SurveyScale.choices, default=SurveyScale.FIVE
    )
    answer_days = models.PositiveIntegerField(
        _("days to answer or change the answer"),
        default=14,
        help_text=_("The links in the email and the form on the ticket work this long."),
    )
    bad_score = models.PositiveSmallIntegerField(
        _("bad rating"),
        default=2,
        help_text=_(
            "Ratings at or below this score (1 = very dissatisfied, 5 = very satisfied) are "
            "mailed to the supervisors of the ticket's group. 0: never."
        ),
    )

    class Meta:
        verbose_name = _("survey settings")
        verbose_name_plural = _("survey settings")

    def __str__(self) -> str:
        return str(_("Survey settings"))

    @classmethod
    def load(cls) -> SurveySettings:
        obj, _created = cls.objects.get_or_create(pk=1)
        return obj


class Survey(models.Model):
    """One question per resolution: a ticket reopened and resolved again is asked
    again. ``score`` is on 1..5 whatever the scale, so that averages mix scales."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="surveys", verbose_name=_("ticket")
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("asked"),
    )
    # The resolution this survey is about (Ticket.resolved_at at that moment).
    resolved_at = models.DateTimeField(_("resolution"))
    scale = models.PositiveSmallIntegerField(_("scale"), choices=SurveyScale.choices)
    created_at = models.DateTimeField(_("sent"), db_index=True)
    answer_until = models.DateTimeField(_("answers accepted until"))
    score = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.UniqueConstraint(
                fields=["ticket", "resolved_at"], name="survey_one_per_resolution"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id} · {self.created_at:%Y-%m-%d}"


class TicketTiming(models.Model):
    """Business time to the first response, computed once when it happens, so
    that reports take medians with the database instead of a calendar loop."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, primary_key=True, related_name="timing"
    )
    response_business = models.DurationField(_("first response (business time)"))

    class Meta:
        verbose_name = _("ticket timing")
        verbose_name_plural = _("ticket timings")

    def __str__(self) -> str:
        return str(self.ticket_id)


class ExportState(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("In progress")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


def export_path(instance: ExportJob, filename: str) -> str:
    # Never the user's words in a stored name.
    return f"exports/{instance.key.hex[:2]}/{instance.key.hex}"


class ExportJob(models.Model):
    """A large export run by a task; only its requester may download it, until it expires."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("requested by"),
    )
    params = models.JSONField(_("parameters"), default=dict)
    format = models.CharField(_("format"), max_length=8)
    state = models.CharField(
        _("state"), max_length=10, choices=ExportState.choices, default=ExportState.QUEUED
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    done = models.PositiveIntegerField(_("rows written"), default=0)
    file = models.FileField(upload_to=export_path, max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=120, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return self.filename or str(self.key)

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, round(100 * self.done / self.total))
