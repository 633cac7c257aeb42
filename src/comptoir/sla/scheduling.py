"""Periodic jobs that run once per period, however many schedulers and workers run.

``crontask`` enqueues a job each time its schedule fires, in every scheduler
process; its lock is a no-op without Redis. So each periodic job is made
idempotent per period instead: the scheduler enqueues it with the period it
fired for (the scheduled minute), and the job first inserts a ``PeriodicRun``
row for (job, period); the unique constraint lets exactly one copy through.

Use it as::

    @periodic("*/5 * * * *")
    @task()
    def sweep(*, period: str = "") -> dict: ...
        with claim_period("sweep", period) as claimed:
            if not claimed:
                return {"skipped": True}
            ...

A job that fails releases its claim so that its retry can run; a job whose
worker is killed keeps it, and the next period catches up (the jobs select by
state, not by period).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.triggers.cron import CronTrigger
from crontask import scheduler
from django.db import IntegrityError, transaction
from django.tasks import Task
from django.utils import timezone

from .models import PeriodicRun


def period_key(instant: datetime) -> str:
    """The scheduled minute an enqueue belongs to, rounded so that schedulers whose
    clocks differ by less than 30 seconds agree."""
    rounded = (instant + timedelta(seconds=30)).replace(second=0, microsecond=0)
    return rounded.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")


def _enqueue_for_period(task: Task) -> None:
    task.enqueue(period=period_key(timezone.now()))


def periodic(schedule: str) -> Callable[[Task], Task]:
    """Schedule ``task`` with a crontab expression (in the project's time zone);
    the task receives ``period=`` and should pass it to ``claim_period``."""
    trigger = CronTrigger.from_crontab(schedule, timezone=timezone.get_default_timezone())

    def decorator(task: Task) -> Task:
        scheduler.add_job(func=_enqueue_for_period, args=(task,), trigger=trigger, name=task.name)
        return task

    return decorator


@contextmanager
def claim_period(job: str, period: str) -> Iterator[bool]:
    """Yield True if this process won (job, period), False if another did.

    An empty ``period`` (a manual run) always runs and records nothing. On an
    exception the claim is released, so a retry of the same period can run."""
    if not period:
        yield True
        return
    try:
        with transaction.atomic():
            run = PeriodicRun.objects.create(job=job, period=period, started_at=timezone.now())
    except IntegrityError:
        yield False
        return
    try:
        yield True
    except BaseException:
        PeriodicRun.objects.filter(pk=run.pk).delete()
        raise
    PeriodicRun.objects.filter(pk=run.pk).update(finished_at=timezone.now())


def record_outcome(job: str, period: str, outcome: Any) -> None:
    if period:
        PeriodicRun.objects.filter(job=job, period=period).update(outcome=outcome)
