"""Workloads that are not web pages, each run in a fresh process so that its
peak memory is its own: ``python -m bench.offline NAME [SECONDS]``.

Prints one JSON row (the keys of bench/results/latest.json). For batch work
(ingestion, sweep, export) ``requests`` counts the items handled, ``rps`` is
items per second and the three latency columns hold the duration of the
whole batch.
"""

from __future__ import annotations

import json
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from io import StringIO
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from comptoir.accounts.models import Role, User  # noqa: E402
from comptoir.tickets.models import Category, Ticket  # noqa: E402

MAILS = 1_000
EXPORT_ROWS = 100_000
TEXT_FR = (
    "Bonjour, depuis la mise à jour de ce matin la facture du mois ne s'affiche plus "
    "dans le portail et l'équipe comptable attend le document pour la clôture. "
    "Pouvez-vous regarder rapidement ? Le message d'erreur parle d'un délai dépassé. "
    "Merci d'avance pour votre aide, bonne journée."
)
TEXT_EN = (
    "Hello, since this morning's update the monthly invoice no longer shows in the "
    "portal and our accounting team needs it to close the month. Could you have a look? "
    "The error message mentions a timeout. Thanks in advance for your help."
)
WORDS_FR, WORDS_EN = TEXT_FR.split(" "), TEXT_EN.split(" ")


def rss_mb() -> float:
    """Peak resident size of this process (VmHWM: unlike ru_maxrss, not
    inherited from the parent through exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def counting() -> Iterator[list[int]]:
    box = [0]

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        box[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        yield box


def batch_row(name: str, items: int, seconds: float, queries: int, errors: int = 0) -> dict:
    ms = round(seconds * 1000, 1)
    return {
        "workload": name,
        "concurrency": 1,
        "requests": items,
        "errors": errors,
        "rps": round(items / seconds, 1) if seconds else 0.0,
        "p50_ms": ms,
        "p95_ms": ms,
        "p99_ms": ms,
        "queries_per_request": round(queries / items, 1) if items else None,
        "rss_mb": round(rss_mb(), 1),
    }


def _text(rng: random.Random, words: list[str]) -> str:
    count = rng.randint(50, 200)
    return " ".join(words[i % len(words)] for i in range(rng.randrange(50), count + 50))


def write_mails(folder: Path, count: int = MAILS, seed: int = 42) -> None:
    """``count`` mails from distinct known customers: 70 % new requests,
    30 % answers to one of the sender's tickets (``[#number]`` in the subject)."""
    rng = random.Random(seed)
    people = list(
        User.objects.filter(role=Role.CUSTOMER, is_active=True)
        .order_by("pk")
        .values_list("pk", "email", "language")[: count * 2]
    )
    rng.shuffle(people)
    now = timezone.now()
    for i, (pk, email, language) in enumerate(people[:count]):
        words = WORDS_EN if language == "en" else WORDS_FR
        message = EmailMessage()
        message["From"] = email
        message["To"] = "support@comptoir.localhost"
        message["Date"] = format_datetime(now - timedelta(seconds=count - i))
        message["Message-ID"] = make_msgid(domain="clients.example")
        subject = f"Demande {i}: facture introuvable"
        if rng.random() < 0.3:
            number = Ticket.objects.filter(requester_id=pk).values_list("number", flat=True).first()
            if number:
                subject = f"Re: [#{number}] {subject}"
        message["Subject"] = subject
        message.set_content(_text(rng, words))
        (folder / f"{i:05d}.eml").write_bytes(bytes(message))


def ingest(seconds: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_mails(folder)
        out = StringIO()
        with counting() as queries:
            started = time.perf_counter()
            call_command("ingest_email", str(folder), stdout=out)
            elapsed = time.perf_counter() - started
    outcomes = [json.loads(line)["outcome"] for line in out.getvalue().splitlines() if line]
    errors = sum(o in ("failed", "rejected") for o in outcomes)
    return batch_row("mail ingestion (ingest_email)", len(outcomes), elapsed, queries[0], errors)


def _latency_row(name: str, latencies: list[float], elapsed: float, queries: int) -> dict:
    latencies = sorted(latencies)

    def pct(p: float) -> float:
        if not latencies:
            return 0.0
        return round(latencies[max(0, int(len(latencies) * p / 100 + 0.5) - 1)] * 1000, 2)

    count = len(latencies)
    return {
        "workload": name,
        "concurrency": 1,
        "requests": count,
        "errors": 0,
        "rps": round(count / elapsed, 1) if elapsed else 0.0,
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "queries_per_request": round(queries / count, 1) if count else None,
        "rss_mb": round(rss_mb(), 1),
    }


def sweep(seconds: float) -> list[dict]:
    """The automation sweep as the periodic task runs it (``run_time_rules``,
    set-based: a chunk of tickets per transaction) over the 1 % due, then the
    SLA threshold check. The consequences of each change (mails, SLA clocks,
    webhooks) are queued as batch tasks, which a worker runs afterwards."""
    from comptoir.sla.automations import run_time_rules, time_rule_tickets
    from comptoir.sla.models import AutomationRule, Trigger
    from comptoir.sla.tasks import check_sla_thresholds

    from .data import ensure_sla_rows

    ensure_sla_rows()
    now = timezone.now()
    rules = list(AutomationRule.objects.filter(active=True, trigger=Trigger.TIME))
    with counting() as queries:
        started = time.perf_counter()
        due = sum(time_rule_tickets(rule, now).count() for rule in rules)
        select = time.perf_counter() - started
    rows = [batch_row("sweep: find the 1 % due (set-based)", due, select, queries[0])]
    with counting() as queries:
        started = time.perf_counter()
        report = run_time_rules(now=now)
        elapsed = time.perf_counter() - started
    changed = sum(report.changed.values())
    rows.append(
        batch_row(
            "sweep: automations, whole sweep (set-based)",
            changed,
            elapsed,
            queries[0],
            errors=len(report.failed),
        )
    )
    with counting() as queries:
        started = time.perf_counter()
        check_sla_thresholds.call(period=f"bench-{time.time()}")
        elapsed = time.perf_counter() - started
    rows.append(batch_row("sweep: SLA threshold check", 1, elapsed, queries[0]))
    return rows


def reply(seconds: float) -> dict:
    from comptoir.tickets.services import ticket_reply

    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()
    assert agent is not None
    ids = list(
        Ticket.objects.filter(category=Category.OPEN)
        .order_by("-pk")
        .values_list("pk", flat=True)[:2_000]
    )
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    with counting() as queries:
        started = time.perf_counter()
        i = 0
        while time.perf_counter() < deadline and i < 100_000:
            t0 = time.perf_counter()
            ticket = Ticket.objects.get(pk=ids[i % len(ids)])
            ticket_reply(ticket=ticket, author=agent, body_html=f"<p>Réponse {i}, merci.</p>")
            latencies.append(time.perf_counter() - t0)
            i += 1
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(latencies[max(0, int(len(latencies) * p / 100 + 0.5) - 1)] * 1000, 2)

    return {
        "workload": "agent reply (ticket_reply service)",
        "concurrency": 1,
        "requests": len(latencies),
        "errors": 0,
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": pct(50),
        "p95_ms": pct(95),
        "p99_ms": pct(99),
        "queries_per_request": round(queries[0] / len(latencies), 1),
        "rss_mb": round(rss_mb(), 1),
    }


def create(seconds: float) -> dict:
    """Portal ticket creation as the web workload posts it, through the test
    client in this process (the request's whole cost: session, form, service)."""
    from django.test import Client

    from comptoir.tickets.models import Priority, TicketType

    creator = (
        User.objects.filter(role=Role.CUSTOMER, is_active=True, organisations__isnull=False)
        .order_by("pk")
        .first()
    )
    assert creator is not None
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(creator)
    data: dict[str, Any] = {
        "type": TicketType.objects.filter(active=True, slug="help").values_list("pk", flat=True)[0],
        "priority": Priority.objects.filter(active=True).order_by("-is_default", "pk")[0].pk,
        "description": "Bonjour, la facture du mois ne s'affiche plus. Merci de regarder.",
        "body_format": "text",
    }
    first_org = creator.organisations.order_by("pk").values_list("pk", flat=True).first()
    if first_org is not None:
        data["organisation"] = first_org
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    with counting() as queries:
        started = time.perf_counter()
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            response = client.post(
                "/tickets/new/", {**data, "subject": f"Bench ticket {len(latencies)}"}
            )
            latencies.append(time.perf_counter() - t0)
            errors += response.status_code != 302
        elapsed = time.perf_counter() - started
    row = _latency_row("create a ticket (portal POST, in process)", latencies, elapsed, queries[0])
    row["errors"] = errors
    return row


def export(fmt: str) -> dict:
    from comptoir.reports.export_jobs import write_export
    from comptoir.reports.exports import ExportParams

    user = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    assert user is not None
    newest = Ticket.objects.order_by("-created_at").values_list("created_at", flat=True)
    cutoff = newest[EXPORT_ROWS - 1] if Ticket.objects.count() > EXPORT_ROWS else None
    params = ExportParams(format=fmt, date_from=cutoff.date() if cutoff else None)
    with tempfile.TemporaryDirectory() as tmp, counting() as queries:
        started = time.perf_counter()
        rows = write_export(user, params, str(Path(tmp) / f"export.{fmt}"))
        elapsed = time.perf_counter() - started
    name = "export CSV" if fmt == "csv" else "export Excel"
    return batch_row(f"{name} ({rows:,} rows)", rows, elapsed, queries[0])


WORKLOADS: dict[str, Callable[[float], Any]] = {
    "ingest": ingest,
    "sweep": sweep,
    "reply": reply,
    "create": create,
    "export-csv": lambda s: export("csv"),
    "export-xlsx": lambda s: export("xlsx"),
}


if __name__ == "__main__":
    name, seconds = sys.argv[1], float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    result = WORKLOADS[name](seconds)
    for row in result if isinstance(result, list) else [result]:
        print("ROW " + json.dumps(row), flush=True)
