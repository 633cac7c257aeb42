"""Bookkeeping for background work: periodic job claims and task retries."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PeriodicRun(models.Model):
    """One row per (job, period): whoever inserts it runs the job for that period.
    Several schedulers enqueue the same job; the unique constraint lets one run."""

    job = models.CharField(_("job"), max_length=150)
    period = models.CharField(_("period"), max_length=40)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    outcome = models.JSONField(_("outcome"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("periodic run")
        verbose_name_plural = _("periodic runs")
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="sla_periodic_run_once")
        ]

    def __str__(self) -> str:
        return f"{self.job} @ {self.period}"


class TaskFailure(models.Model):
    """A failed attempt of a background task, and what was done about it."""

    result_id = models.CharField(_("task result"), max_length=64, unique=True)
    task_path = models.CharField(_("task"), max_length=255)
    args_kwargs = models.JSONField(_("arguments"), default=dict)
    attempt = models.PositiveIntegerField(_("attempt"))
    first_result_id = models.CharField(max_length=64, db_index=True)
    retry_result_id = models.CharField(_("retried as"), max_length=64, blank=True, db_index=True)
    retry_at = models.DateTimeField(_("retry at"), null=True, blank=True)
    gave_up = models.BooleanField(_("gave up"), default=False, db_index=True)
    exception = models.TextField(_("error"), blank=True)
    traceback = models.TextField(_("traceback"), blank=True)
    failed_at = models.DateTimeField(_("failed at"), db_index=True)

    class Meta:
        ordering = ["-failed_at"]
        verbose_name = _("failed task")
        verbose_name_plural = _("failed tasks")

    def __str__(self) -> str:
        return f"{self.task_path.rsplit('.', 1)[-1]} #{self.attempt}"
