"""Exports: the form (from My tickets or any agent list), the file, the job page.

The form keeps the list's parameters (tab, q, sort, dir, and for agents the
filters listed in ``exports.AGENT_FILTERS``) so the export holds what the list
showed. Small exports are sent at once (CSV streamed); larger ones become a job.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from comptoir.accounts.models import User

from .conf import export_max_rows, export_sync_max_rows
from .export_jobs import access_export_job, export_job_create
from .exports import ExportParams, available_columns, export_rows, list_filters, user_tz
from .forms import ExportForm
from .models import ExportJob, ExportState
from .surveys import signed_in
from .writers import csv_stream, export_filename, xlsx_write

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download_headers(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def export_new(request: HttpRequest) -> HttpResponseBase:
    user = signed_in(request)
    columns = available_columns(user)
    source = request.POST if request.method == "POST" else request.GET
    filters = list_filters(source, agent=user.is_agent)
    form = ExportForm(request.POST or None, columns=columns)
    error = ""
    if request.method == "POST" and form.is_valid():
        params = ExportParams(
            format=form.cleaned_data["format"],
            fields=form.cleaned_data["columns"],
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
            filters=filters,
        )
        columns_, tickets, rows = export_rows(user, params)
        total = tickets.count()
        if total > export_max_rows():
            error = _("This export has %(n)s rows, more than the %(max)s allowed. Narrow it down.")
            error %= {"n": total, "max": export_max_rows()}
        elif total > export_sync_max_rows():
            job = export_job_create(user=user, params=params, total=total)
            return redirect("reports:export_job", key=job.key)
        else:
            return _send(user, params, [str(c.label) for c in columns_], rows)
    recent = ExportJob.objects.filter(requester=user, expires_at__gt=timezone.now())[:10]
    return render(
        request,
        "reports/export_form.html",
        {"form": form, "filters": filters, "error": error, "recent": list(recent)},
        status=400 if request.method == "POST" else 200,
    )


def _send(
    user: User, params: ExportParams, header: list[str], rows: Iterator[list[Any]]
) -> HttpResponseBase:
    tz, date_format = user_tz(user), user.date_format
    filename = export_filename(params.format)
    if params.format == "csv":
        response = StreamingHttpResponse(
            csv_stream(header, rows, tz=tz, date_format=date_format),
            content_type="text/csv; charset=utf-8",
        )
        return _download_headers(response, filename)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        xlsx_write(path, header, rows, tz=tz, date_format=date_format)
        handle = open(path, "rb")  # noqa: SIM115 - closed by the response
    finally:
        # The open handle keeps the file readable; the name goes at once.
        os.unlink(path)
    return _download_headers(FileResponse(handle, content_type=XLSX), filename)


@login_required
@require_GET
def export_job(request: HttpRequest, key: str) -> HttpResponse:
    job = access_export_job(signed_in(request), key)
    running = job.state in (ExportState.QUEUED, ExportState.RUNNING)
    response = render(
        request,
        "reports/export_job.html",
        {"job": job, "running": running, "expired": job.expires_at <= timezone.now()},
    )
    if running:
        # The page reloads itself until the file is ready, without any script.
        response["Refresh"] = "3"
    return response


@login_required
@require_GET
def export_job_download(request: HttpRequest, key: str) -> HttpResponseBase:
    job = access_export_job(signed_in(request), key)
    if job.state != ExportState.DONE or not job.file or job.expires_at <= timezone.now():
        raise Http404
    content_type = XLSX if job.format == "xlsx" else "text/csv; charset=utf-8"
    response = FileResponse(job.file.open("rb"), content_type=content_type)
    return _download_headers(response, job.filename)
