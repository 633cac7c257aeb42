"""Large exports run as a task: progress, a download for the requester only, expiry."""

from __future__ import annotations

import io
from datetime import timedelta

import openpyxl
import pytest
import time_machine
from django.core.files.storage import default_storage
from django.utils import timezone

from comptoir.reports.export_jobs import export_jobs_purge
from comptoir.reports.models import ExportJob, ExportState
from tests import factories

pytestmark = pytest.mark.django_db

EXPORT = "/reports/exports/new/"


@pytest.fixture
def small_threshold(settings):
    settings.COMPTOIR_EXPORT_SYNC_MAX_ROWS = 2


@pytest.fixture
def three_tickets(customer):
    return [factories.make_ticket(customer, subject=f"Ticket {n}") for n in range(3)]


def request_export(client, fmt: str = "xlsx"):
    return client.post(EXPORT, {"format": fmt, "columns": ["number", "subject"], "tab": "all"})


def test_a_large_export_becomes_a_job_with_a_download_link(
    small_threshold, three_tickets, customer, client
):
    client.force_login(customer)

    response = request_export(client)

    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/exports/{job.key}/"
    # The test settings run tasks at once: the job is already done.
    assert (job.state, job.total, job.done) == (ExportState.DONE, 3, 3)
    page = client.get(response["Location"])
    assert "3 tickets exported." in page.content.decode()
    assert "Refresh" not in page.headers
    download = client.get(f"/reports/exports/{job.key}/download/")
    assert download["Content-Disposition"].startswith("attachment;")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert sorted(row[1] for row in sheet.iter_rows(min_row=2, values_only=True)) == [
        "Ticket 0",
        "Ticket 1",
        "Ticket 2",
    ]


def test_a_csv_job_writes_the_same_file_as_a_direct_export(
    small_threshold, three_tickets, customer, client
):
    client.force_login(customer)
    request_export(client, "csv")

    job = ExportJob.objects.get()
    body = b"".join(client.get(f"/reports/exports/{job.key}/download/").streaming_content)

    assert body.startswith(b"\xef\xbb\xbfNumber,Subject\r\n")
    assert body.count(b"\r\n") == 4


def test_only_the_requester_can_see_or_download_the_job(
    small_threshold, three_tickets, customer, other_customer, agent, client
):
    client.force_login(customer)
    request_export(client)
    job = ExportJob.objects.get()

    for intruder in (other_customer, agent):
        client.force_login(intruder)
        assert client.get(f"/reports/exports/{job.key}/").status_code == 404
        assert client.get(f"/reports/exports/{job.key}/download/").status_code == 404
    client.logout()
    assert client.get(f"/reports/exports/{job.key}/download/").status_code == 302  # to login


def test_a_job_in_progress_shows_its_progress_and_reloads(customer, client):
    job = ExportJob.objects.create(
        requester=customer,
        format="csv",
        total=4000,
        done=1000,
        state=ExportState.RUNNING,
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=24),
    )
    client.force_login(customer)

    page = client.get(f"/reports/exports/{job.key}/")

    html = page.content.decode()
    assert '<progress id="export-progress" max="100" value="25">' in html
    assert "1000 of 4000 tickets" in html
    assert page["Refresh"] == "3"
    assert client.get(f"/reports/exports/{job.key}/download/").status_code == 404


def test_expired_exports_cannot_be_downloaded_and_are_purged(
    small_threshold, three_tickets, customer, client
):
    client.force_login(customer)
    request_export(client)
    job = ExportJob.objects.get()
    name = job.file.name
    assert default_storage.exists(name)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        assert client.get(f"/reports/exports/{job.key}/download/").status_code == 404
        assert "has expired" in client.get(f"/reports/exports/{job.key}/").content.decode()
        assert export_jobs_purge() == 1

    assert not ExportJob.objects.exists()
    assert not default_storage.exists(name)


def test_the_job_still_sees_only_what_the_requester_sees(
    small_threshold, customer, other_customer, client
):
    for n in range(3):
        factories.make_ticket(customer, subject=f"Mine {n}")
    factories.make_ticket(other_customer, subject="Someone else's")
    client.force_login(customer)

    request_export(client, "csv")

    job = ExportJob.objects.get()
    body = b"".join(client.get(f"/reports/exports/{job.key}/download/").streaming_content)
    assert b"Someone else" not in body and body.count(b"Mine") == 3
