"""The benchmark harness: the bounded client, the result rows, the query counter,
and (only when BENCH_QUICK=1) a whole quick ``make bench`` run on SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from bench.client import Request, run
from django.test import Client, override_settings

KEYS = {
    "workload",
    "concurrency",
    "requests",
    "errors",
    "rps",
    "p50_ms",
    "p95_ms",
    "p99_ms",
    "queries_per_request",
    "rss_mb",
}
PROJECT = Path(__file__).resolve().parents[2]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        status = 500 if self.path == "/broken" else 200
        body = b"ok"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Bench-Queries", "3")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        return None


@pytest.fixture
def server() -> Iterator[int]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()


def test_client_stops_after_the_requested_number_and_reports_a_row(server: int) -> None:
    # Given a server, when 40 requests are asked of 4 clients
    result = run("127.0.0.1", server, lambda i: Request("GET", "/"), concurrency=4, requests=40)
    # Then exactly 40 are sent, none failed, and the row has the published keys
    row = result.row("demo", rss_mb=12.34)
    assert set(row) == KEYS
    assert row["requests"] == 40
    assert row["errors"] == 0
    assert row["queries_per_request"] == 3
    assert 0 < row["p50_ms"] <= row["p95_ms"] <= row["p99_ms"]
    json.dumps(row)


def test_client_is_bounded_by_time_and_counts_errors(server: int) -> None:
    # Given a page that fails, when clients run for 0.3 s
    result = run("127.0.0.1", server, lambda i: Request("GET", "/broken"), seconds=0.3)
    # Then they stop on time and every answer counts as an error
    assert result.seconds < 2
    assert result.requests > 0
    assert result.errors == result.requests
    assert "HTTP 500" in result.first_error


def test_client_refuses_an_unbounded_run(server: int) -> None:
    with pytest.raises(ValueError):
        run("127.0.0.1", server, lambda i: Request("GET", "/"))


@pytest.mark.django_db
def test_query_counter_adds_a_header_only_when_installed(settings: object) -> None:
    # Without the bench settings, no header
    assert "X-Bench-Queries" not in Client().get("/")
    # With the counter in the middleware, each response says how many queries it ran
    from comptoir import settings as project

    middleware = ["bench.middleware.QueryCountMiddleware", *project.MIDDLEWARE]
    with override_settings(MIDDLEWARE=middleware):
        response = Client().get("/")
    assert int(response["X-Bench-Queries"]) >= 0


@pytest.mark.skipif(
    os.environ.get("BENCH_QUICK") != "1", reason="whole quick bench run: set BENCH_QUICK=1"
)
def test_quick_bench_run_writes_the_table_and_json(tmp_path: Path) -> None:
    # Given a fresh SQLite database, when the quick bench runs
    env = {
        **os.environ,
        "COMPTOIR_VAR_DIR": str(tmp_path / "var"),
        "BENCH_RESULTS": str(tmp_path / "results"),
        "BENCH_TICKETS": "2000",
        "BENCH_SECONDS": "1",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "bench"], cwd=PROJECT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-3000:]
    # Then every row has the published keys, and the issues' workloads are there
    rows = json.loads((tmp_path / "results" / "latest.json").read_text())
    assert all(set(row) == KEYS for row in rows)
    names = " ".join(row["workload"] for row in rows)
    for expected in ("My tickets", "global search", "KB autocomplete", "ingest", "1 % due"):
        assert expected in names
    assert "p95 ms" in done.stdout
