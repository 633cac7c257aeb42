"""Large exports as background jobs: enqueued with the job row in one
transaction, written by a task that reports its progress, downloadable by
their requester only, deleted when they expire."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.files import File
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation

from comptoir.accounts.models import User

from .conf import export_expiry_hours
from .exports import ExportParams, export_rows, user_tz
from .models import ExportJob, ExportState
from .writers import csv_stream, export_filename, xlsx_write


@transaction.atomic
def export_job_create(*, user: User, params: ExportParams, total: int) -> ExportJob:
    from .tasks import export_job_run

    now = timezone.now()
    job = ExportJob.objects.create(
        requester=user,
        params=params.to_json(),
        format=params.format,
        total=total,
        created_at=now,
        expires_at=now + timedelta(hours=export_expiry_hours()),
        filename=export_filename(params.format, now),
    )
    export_job_run.enqueue(job_id=job.pk)
    return job


def write_export(
    user: User,
    params: ExportParams,
    path: str,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write the whole export to ``path`` in the user's language, zone and format."""
    with translation.override(user.language or None):
        columns, _tickets, rows = export_rows(user, params)
        header = [str(c.label) for c in columns]
        tz, date_format = user_tz(user), user.date_format
        report = progress
        if params.format == "xlsx":
            return xlsx_write(path, header, rows, tz=tz, date_format=date_format, progress=report)
        count = 0

        def counting(n: int) -> None:
            nonlocal count
            count = n
            if report:
                report(n)

        with open(path, "wb") as handle:
            for chunk in csv_stream(
                header, rows, tz=tz, date_format=date_format, progress=counting
            ):
                handle.write(chunk)
        return count


def export_job_execute(*, job_id: int) -> str:
    """Run one job (idempotent: a finished job is left alone; a job whose worker
    died is written again from the start)."""
    job = ExportJob.objects.select_related("requester").filter(pk=job_id).first()
    if job is None or job.state == ExportState.DONE:
        return "skipped"
    ExportJob.objects.filter(pk=job.pk).update(state=ExportState.RUNNING, done=0, error="")

    def progress(done: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(done=done)

    fd, path = tempfile.mkstemp(suffix=f".{job.format}")
    os.close(fd)
    try:
        count = write_export(job.requester, ExportParams.from_json(job.params), path, progress)
        with open(path, "rb") as handle:
            job.file.save(job.filename, File(handle), save=False)
    except Exception as error:
        ExportJob.objects.filter(pk=job.pk).update(
            state=ExportState.FAILED, error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise
    finally:
        os.unlink(path)
    ExportJob.objects.filter(pk=job.pk).update(
        state=ExportState.DONE,
        file=job.file.name,
        done=count,
        total=count,
        finished_at=timezone.now(),
    )
    return "done"


def access_export_job(user: User, key: str) -> ExportJob:
    """The job if ``user`` requested it, else 404 (someone else's job does not exist)."""
    try:
        value = uuid.UUID(str(key))
    except ValueError:
        raise Http404 from None
    if not getattr(user, "is_authenticated", False):
        raise Http404
    job = ExportJob.objects.filter(key=value, requester=user).first()
    if job is None:
        raise Http404
    return job


def export_jobs_purge(*, now: datetime | None = None) -> int:
    """Delete expired export files and their rows (set-based on an indexed column)."""
    moment = now or timezone.now()
    removed = 0
    for job in ExportJob.objects.filter(expires_at__lte=moment).iterator(chunk_size=200):
        if job.file:
            job.file.delete(save=False)
        job.delete()
        removed += 1
    return removed
