"""An Excel export of 100,000 tickets is written in constant memory and reads back right."""

from __future__ import annotations

import os
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest

from comptoir.reports.export_jobs import write_export
from comptoir.reports.exports import ExportParams
from comptoir.tickets.models import Category, Priority, Status, Ticket, TicketType
from tests import factories

pytestmark = pytest.mark.django_db

ROWS = 100_000
MAX_GROWTH = 100 * 1024 * 1024
START = datetime(2026, 1, 1, 8, tzinfo=UTC)


def bulk_tickets(requester, count: int) -> None:
    """Tickets straight into the table (the services would take minutes for 100,000)."""
    status = Status.objects.get(slug="new")
    kind, priority = TicketType.objects.get(slug="help"), Priority.objects.get(slug="normal")
    batch = []
    for n in range(count):
        at = START + timedelta(minutes=n)
        subject = "=SUM(A1:A9)" if n == 0 else f"Demande n°{n} : réglage"
        batch.append(
            Ticket(
                number=10_000 + n,
                subject=subject,
                requester=requester,
                type=kind,
                priority=priority,
                status=status,
                category=Category.NEW,
                created_at=at,
                updated_at=at,
                language="fr",
            )
        )
        if len(batch) == 5000:
            Ticket.objects.bulk_create(batch)
            batch = []
    Ticket.objects.bulk_create(batch)


def test_a_100000_row_excel_export_stays_under_100_mb_and_reads_back(agent):
    customer = factories.CustomerFactory(email="big@example.test")
    bulk_tickets(customer, ROWS)
    agent.time_zone = "UTC"
    params = ExportParams(
        format="xlsx",
        fields=["number", "subject", "status", "requester", "products", "created_at"],
        filters={"sort": ["number"], "dir": ["asc"]},
    )
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    try:
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        started = time.monotonic()
        written = write_export(agent, params, path)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        size = os.path.getsize(path) / 1024 / 1024
        print(
            f"\n100,000-row Excel export: {elapsed:.1f} s, peak Python memory growth "
            f"{peak / 1024 / 1024:.1f} MB, file {size:.1f} MB"
        )

        assert written == ROWS
        assert peak < MAX_GROWTH
        workbook = openpyxl.load_workbook(path, read_only=True)
        sheet = workbook.active
        rows = sheet.iter_rows(values_only=True)
        assert next(rows) == ("Number", "Subject", "Status", "Requester", "Products", "Created")
        first = next(rows)
        assert first[:2] == (10_000, "=SUM(A1:A9)")  # text, not a formula
        assert first[5] == datetime(2026, 1, 1, 8, 0)
        count, last = 1, first
        for row in rows:
            count, last = count + 1, row
        assert count == ROWS
        assert last[:3] == (10_000 + ROWS - 1, f"Demande n°{ROWS - 1} : réglage", "New")
        workbook.close()
    finally:
        os.unlink(path)
