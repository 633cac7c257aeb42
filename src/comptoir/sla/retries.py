"""Failed background tasks are retried with exponential backoff, then kept for admins.

``django-tasks-db`` marks a failed task FAILED and stops there. This module listens
to ``task_finished``: each failed attempt is recorded as a ``TaskFailure`` and, until
the attempts run out, the same task is enqueued again to run after a delay that
grows each time (``COMPTOIR_TASK_RETRY`` setting: ``attempts``, ``delay`` seconds,
``factor``). The last failure is marked "gave up" and listed in the admin, where
it can be retried by hand. Tasks are written to be idempotent, so running one
again is safe.

A worker killed while it ran a task leaves the task RUNNING forever; the periodic
``recover_abandoned_tasks`` job treats tasks running for longer than
``COMPTOIR_TASK_TIMEOUT`` seconds (default one hour) as failed, which retries them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResult, TaskResultStatus
from django.tasks.signals import task_finished
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import TaskFailure

logger = logging.getLogger(__name__)

DEFAULT_RETRY = {"attempts": 5, "delay": 30, "factor": 4}


class WorkerLostError(RuntimeError):
    """The worker running the task stopped before the task finished."""


def retry_settings() -> dict[str, float]:
    return {**DEFAULT_RETRY, **getattr(settings, "COMPTOIR_TASK_RETRY", {})}


def backoff(attempt: int) -> timedelta:
    """Delay before attempt ``attempt + 1``: delay, delay*factor, delay*factor^2..."""
    conf = retry_settings()
    return timedelta(seconds=conf["delay"] * conf["factor"] ** (attempt - 1))


def _supports_retry(result: TaskResult) -> bool:
    try:
        return bool(result.task.get_backend().supports_defer)
    except Exception:  # an unknown backend or a task that no longer imports
        return False


def record_failure(result: TaskResult, *, now: datetime | None = None) -> TaskFailure | None:
    """Record a failed attempt and enqueue the next one, or give up. Idempotent."""
    if result.status != TaskResultStatus.FAILED or not _supports_retry(result):
        return None
    now = now or timezone.now()
    result_id = str(result.id)
    with transaction.atomic():
        existing = TaskFailure.objects.filter(result_id=result_id).first()
        if existing is not None:
            return existing
        previous = TaskFailure.objects.filter(retry_result_id=result_id).first()
        attempt = previous.attempt + 1 if previous else 1
        error = result.errors[-1] if result.errors else None
        failure = TaskFailure(
            result_id=result_id,
            task_path=result.task.module_path,
            args_kwargs={"args": list(result.args), "kwargs": dict(result.kwargs)},
            attempt=attempt,
            first_result_id=previous.first_result_id if previous else result_id,
            exception=error.exception_class_path if error else "",
            traceback=error.traceback if error else "",
            failed_at=now,
        )
        if attempt >= int(retry_settings()["attempts"]):
            failure.gave_up = True
            logger.error("Task %s gave up after %s attempts", failure.task_path, attempt)
        else:
            failure.retry_at = now + backoff(attempt)
            retry = result.task.using(run_after=failure.retry_at).enqueue(
                *result.args, **result.kwargs
            )
            failure.retry_result_id = str(retry.id)
        failure.save()
    return failure


def retry_now(failure: TaskFailure) -> str:
    """Enqueue a task that gave up once more (admin action); returns the new result id."""
    task = import_string(failure.task_path)
    with transaction.atomic():
        result = task.enqueue(*failure.args_kwargs["args"], **failure.args_kwargs["kwargs"])
        TaskFailure.objects.filter(pk=failure.pk).update(
            retry_result_id=str(result.id), gave_up=False, retry_at=timezone.now()
        )
    return str(result.id)


def on_task_finished(sender: Any, task_result: TaskResult, **kwargs: Any) -> None:
    try:
        record_failure(task_result)
    except Exception:
        # The worker must go on even if the bookkeeping fails.
        logger.exception("Could not schedule a retry for task %s", task_result.id)


def connect() -> None:
    task_finished.connect(on_task_finished, dispatch_uid="comptoir.sla.retries")


def recover_abandoned(*, now: datetime | None = None) -> int:
    """Fail (and so retry) tasks left RUNNING by a worker that died."""
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    timeout = timedelta(seconds=getattr(settings, "COMPTOIR_TASK_TIMEOUT", 3600))
    stale = DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=now - timeout
    )
    recovered = 0
    for db_result in stale.iterator(chunk_size=100):
        with transaction.atomic():
            locked = (
                DBTaskResult.objects.select_for_update(skip_locked=True)
                .filter(pk=db_result.pk, status=TaskResultStatus.RUNNING)
                .first()
            )
            if locked is None:
                continue
            locked.set_failed(WorkerLostError("The worker stopped while running this task."))
            record_failure(locked.task_result, now=now)
            recovered += 1
    return recovered
