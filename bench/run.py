"""``make bench``: prepare the data, start a real server, run each workload,
print one table and write bench/results/latest.json.

Environment: ``BENCH_TICKETS`` (default 1,000,000), ``BENCH_SECONDS`` per
workload and concurrency (default 10), ``DATABASE_URL`` (PostgreSQL; SQLite
under var/ otherwise), ``BENCH_ONLY`` (comma-separated workload name prefixes), ``BENCH_REINDEX=0``
(skip filling the search index).
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import django

PROJECT = Path(__file__).resolve().parent.parent
RESULTS = Path(os.environ.get("BENCH_RESULTS", PROJECT / "bench" / "results"))
# The server's errors, outside the repository.
SERVER_LOG = Path(tempfile.gettempdir()) / "comptoir-bench-server.log"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comptoir.settings")
# Pages name their static files without the hashed manifest, so the bench needs
# no collectstatic (minutes of compression); no workload requests static files.
os.environ.setdefault("COMPTOIR_PLAIN_STATIC", "1")


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


TICKETS = env_int("BENCH_TICKETS", 1_000_000)
SECONDS = env_float("BENCH_SECONDS", 10.0)
WARMUP = min(2.0, max(0.5, SECONDS / 5))
CONCURRENCY = (1, 8)
ONLY = [w.strip() for w in os.environ.get("BENCH_ONLY", "").split(",") if w.strip()]
COLUMNS = (
    ("workload", "workload", 44),
    ("concurrency", "conc", 4),
    ("requests", "requests", 8),
    ("errors", "err", 4),
    ("rps", "req/s", 8),
    ("p50_ms", "p50 ms", 9),
    ("p95_ms", "p95 ms", 9),
    ("p99_ms", "p99 ms", 9),
    ("queries_per_request", "queries", 7),
    ("rss_mb", "RSS MB", 7),
)


def log(text: str) -> None:
    print(f"[bench] {text}", flush=True)


def wanted(name: str) -> bool:
    return not ONLY or any(name.startswith(prefix) for prefix in ONLY)


# -- the server --------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """gunicorn with 2 workers, DEBUG off, the query counter on."""

    def __init__(self) -> None:
        self.port = free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "COMPTOIR_BENCH": "1",
            "DEBUG": "0",
            "PYTHONPATH": os.pathsep.join([str(PROJECT), os.environ.get("PYTHONPATH", "")]),
        }
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.process = subprocess.Popen(
            [
                str(gunicorn),
                "comptoir.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--access-logfile",
                "/dev/null",
                "--error-logfile",
                str(SERVER_LOG),
                "--timeout",
                "120",
            ],
            env=env,
            cwd=PROJECT,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The server stopped; see {SERVER_LOG}.")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                if len(self.workers()) == 2:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("The server did not start within 60 s.")

    def workers(self) -> list[int]:
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class RssSampler:
    """The largest resident size of any worker while a workload runs."""

    def __init__(self, server: Server) -> None:
        self.server, self.peak, self.stop = server, 0.0, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pids = self.server.workers()
        while not self.stop.is_set():
            self.peak = max([self.peak, *(rss_mb(pid) for pid in pids)])
            self.stop.wait(0.1)

    def __enter__(self) -> RssSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()


# -- workloads ----------------------------------------------------------------------------


def page_workloads(ctx: dict[str, Any]) -> list[tuple[str, str, Callable[[int], Any], int]]:
    """(name, cookie, request maker, concurrency) of each page workload."""
    from .client import Request

    get = lambda path: lambda i: Request("GET", path)  # noqa: E731
    customer, agent, creator = ctx["customer_cookie"], ctx["agent_cookie"], ctx["creator_cookie"]
    prefixes = ["fac", "mot", "imp", "con", "exp", "sau"]
    pages: list[tuple[str, str, Callable[[int], Any]]] = [
        (f"portal My tickets ({ctx['customer_tickets']} tickets)", customer, get("/tickets/")),
        ("portal home", customer, get("/")),
        (
            f"ticket detail, customer ({ctx['long_messages']} messages)",
            customer,
            get(f"/tickets/{ctx['long_number']}/"),
        ),
        (
            f"global search, agent ('{ctx['word']}', ~{ctx['word_share']:.1%} of tickets)",
            agent,
            get("/search/?" + urlencode({"q": ctx["word"]})),
        ),
        (
            f"global search, customer ('{ctx['word']}')",
            customer,
            get("/search/?" + urlencode({"q": ctx["word"]})),
        ),
        (
            "KB autocomplete (3 letters)",
            customer,
            lambda i: Request("GET", "/kb/suggest/?q=" + prefixes[i % len(prefixes)]),
        ),
    ]
    pages[1:1] = [(name, agent, get(path)) for name, path in ctx["desk_pages"]]
    out = [(n, c, m, k) for n, c, m in pages for k in CONCURRENCY]
    token = ctx["csrf"]

    def create(i: int) -> Any:
        body = urlencode({**ctx["new_ticket"], "subject": f"Bench ticket {i}"}).encode()
        return Request(
            "POST",
            "/tickets/new/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-CSRFToken": token,
                "Referer": f"http://127.0.0.1:{ctx['port']}/tickets/new/",
            },
        )

    for k in CONCURRENCY:
        out.append(("create a ticket (portal POST)", creator + f"; csrftoken={token}", create, k))
    return out


def run_pages(server: Server, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    from .client import run

    rows = []
    for name, cookie, make, concurrency in page_workloads(ctx):
        if not wanted(name):
            continue
        run("127.0.0.1", server.port, make, concurrency=concurrency, seconds=WARMUP, cookies=cookie)
        with RssSampler(server) as sampler:
            result = run(
                "127.0.0.1",
                server.port,
                make,
                concurrency=concurrency,
                seconds=SECONDS,
                cookies=cookie,
            )
        row = result.row(name, sampler.peak)
        if result.first_error:
            log(f"{name}: {result.errors} errors, first: {result.first_error}")
        print_row(row)
        rows.append(row)
    return rows


def run_offline(name: str, label: str) -> list[dict[str, Any]]:
    if not wanted(label):
        return []
    env = {**os.environ, "PYTHONPATH": str(PROJECT)}
    done = subprocess.run(
        [sys.executable, "-m", "bench.offline", name, str(SECONDS)],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
    )
    rows = [json.loads(line[4:]) for line in done.stdout.splitlines() if line.startswith("ROW ")]
    if done.returncode or not rows:
        log(f"{label} failed:\n{done.stderr[-3000:]}")
        return []
    for row in rows:
        print_row(row)
    return rows


# -- output ------------------------------------------------------------------------------


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def print_header() -> None:
    print(" | ".join(title.ljust(width) for _k, title, width in COLUMNS), flush=True)
    print("-+-".join("-" * width for *_x, width in COLUMNS), flush=True)


def print_row(row: dict[str, Any]) -> None:
    parts = []
    for key, _title, width in COLUMNS:
        text = cell(row[key])
        parts.append(text[:width].ljust(width) if key == "workload" else text.rjust(width))
    print(" | ".join(parts), flush=True)


def print_table(rows: list[dict[str, Any]]) -> None:
    print()
    print_header()
    for row in rows:
        print_row(row)


# -- preparation ---------------------------------------------------------------------------


def prepare() -> dict[str, Any]:
    from django.core.management import call_command

    from . import data

    call_command("migrate", verbosity=0, interactive=False)
    data.ensure_tickets(TICKETS)
    with data.timed("KB articles"):
        data.ensure_articles(data.article_count(TICKETS))
    if os.environ.get("BENCH_REINDEX", "1") == "1":
        data.reindex(TICKETS)
    people = data.bench_people()
    customer, agent = people["customer"], people["agent"]
    from comptoir.tickets.models import Message, Priority, Ticket, TicketType

    ticket = data.long_ticket(customer, agent)
    creator = (
        type(customer)
        .objects.filter(role=customer.role, is_active=True)
        .exclude(pk=customer.pk)
        .order_by("pk")
        .first()
    )
    new_ticket = {
        "type": TicketType.objects.filter(active=True, slug="help").values_list("pk", flat=True)[0],
        "priority": Priority.objects.filter(active=True).order_by("-is_default", "pk")[0].pk,
        "description": "Bonjour, la facture du mois ne s'affiche plus. Merci de regarder.",
        "body_format": "text",
    }
    first_org = creator.organisations.order_by("pk").values_list("pk", flat=True).first()
    if first_org is not None:
        new_ticket["organisation"] = first_org
    word, share = data.search_word()
    return {
        "customer_cookie": data.session_cookie(customer),
        "agent_cookie": data.session_cookie(agent),
        "creator_cookie": data.session_cookie(creator),
        "customer_tickets": Ticket.objects.filter(requester=customer).count(),
        "long_number": ticket.number,
        "long_messages": Message.objects.filter(ticket=ticket).count(),
        "word": word,
        "word_share": share,
        "new_ticket": new_ticket,
        "csrf": "b" * 32,
        "tickets": Ticket.objects.count(),
    }


def desk_pages(server: Server, ctx: dict[str, Any]) -> list[tuple[str, str]]:
    """The desk's list and ticket pages when the desk answers; else none (noted)."""
    import http.client

    from comptoir.accounts.models import SupportGroup

    group = SupportGroup.objects.order_by("pk").values_list("pk", flat=True).first()
    query = urlencode(
        {
            "queue": "all",
            "group": group,
            "status": "assigned",
            "sort": "updated",
            "dir": "desc",
            "per_page": 50,
        }
    )
    pages = []
    cookie = ctx["agent_cookie"]
    for name, path in (
        ("desk list (group + status, by updated, 50 rows)", f"/desk/?{query}"),
        (f"desk ticket ({ctx['long_messages']} messages)", f"/desk/tickets/{ctx['long_number']}/"),
    ):
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        connection.request("GET", path, headers={"Cookie": cookie})
        status = connection.getresponse().status
        connection.close()
        if status == 200:
            pages.append((name, path))
        else:
            log(f"{path} answers HTTP {status}: desk workloads skipped.")
    return pages


def machine() -> dict[str, Any]:
    from django.db import connection

    cpu = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu.group(1) if cpu else "",
        "database": connection.vendor,
        "load_average": os.getloadavg(),
    }


def main() -> int:
    sys.path.insert(0, str(PROJECT))
    django.setup()
    RESULTS.mkdir(parents=True, exist_ok=True)
    started = time.time()
    ctx = prepare()
    log(f"data ready: {ctx['tickets']:,} tickets, {time.time() - started:.0f} s; {machine()}")
    server = Server()
    ctx["port"] = server.port
    rows: list[dict[str, Any]] = []
    try:
        ctx["desk_pages"] = desk_pages(server, ctx)
        print_header()
        rows += run_pages(server, ctx)
    finally:
        server.stop()
    rows += run_offline("reply", "agent reply")
    rows += run_offline("create", "create a ticket (portal POST, in process)")
    rows += run_offline("ingest", "mail ingestion")
    rows += run_offline("sweep", "sweep")
    rows += run_offline("export-csv", "export CSV")
    rows += run_offline("export-xlsx", "export Excel")
    print_table(rows)
    log(f"load average after the run: {os.getloadavg()}")
    (RESULTS / "latest.json").write_text(json.dumps(rows, indent=2) + "\n")
    log(f"written {RESULTS / 'latest.json'}")
    return 0
