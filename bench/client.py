"""A bounded HTTP load client: N threads, each with one keep-alive connection,
sending requests until a number of requests or a number of seconds is reached.

Standard library only, so that the client needs nothing installed. It shares
the machine's cores with the server; its own cost per request (about 0.1 ms)
is part of the measured latency.
"""

from __future__ import annotations

import http.client
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

QUERY_HEADER = "X-Bench-Queries"


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


# Builds request number ``i`` (so POST bodies can differ from one request to the next).
RequestMaker = Callable[[int], Request]


@dataclass
class Result:
    concurrency: int
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    first_error: str = ""

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the latencies, in milliseconds."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1] * 1000

    @property
    def queries_per_request(self) -> float | None:
        return sum(self.queries) / len(self.queries) if self.queries else None

    def row(self, workload: str, rss_mb: float | None) -> dict[str, Any]:
        qpr = self.queries_per_request
        return {
            "workload": workload,
            "concurrency": self.concurrency,
            "requests": self.requests,
            "errors": self.errors,
            "rps": round(self.rps, 1),
            "p50_ms": round(self.percentile(50), 2),
            "p95_ms": round(self.percentile(95), 2),
            "p99_ms": round(self.percentile(99), 2),
            "queries_per_request": None if qpr is None else round(qpr, 1),
            "rss_mb": None if rss_mb is None else round(rss_mb, 1),
        }


def _ok(status: int, method: str) -> bool:
    # A successful POST redirects (post/redirect/get); pages answer 200.
    return status in (200, 204) or (method == "POST" and status in (302, 303))


def run(
    host: str,
    port: int,
    make: RequestMaker,
    *,
    concurrency: int = 1,
    seconds: float | None = None,
    requests: int | None = None,
    cookies: str = "",
    timeout: float = 60.0,
) -> Result:
    """Send requests with ``concurrency`` clients until ``requests`` have been
    sent or ``seconds`` have passed, whichever comes first; then stop."""
    if seconds is None and requests is None:
        raise ValueError("Give a number of seconds or of requests: the client is bounded.")
    result = Result(concurrency=concurrency)
    lock = threading.Lock()
    counter = iter(range(requests if requests is not None else 10**12))
    deadline = time.perf_counter() + seconds if seconds is not None else math.inf

    def worker() -> None:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        latencies, queries, errors = [], [], 0
        first_error = ""
        while time.perf_counter() < deadline:
            with lock:
                i = next(counter, None)
            if i is None:
                break
            req = make(i)
            headers = {"Host": f"{host}:{port}", **req.headers}
            if cookies:
                headers["Cookie"] = cookies
            started = time.perf_counter()
            try:
                connection.request(req.method, req.path, body=req.body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
                count = response.getheader(QUERY_HEADER)
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=timeout)
                errors += 1
                first_error = first_error or repr(error)
                continue
            latencies.append(time.perf_counter() - started)
            if not _ok(status, req.method):
                errors += 1
                first_error = first_error or f"{req.method} {req.path}: HTTP {status}"
            if count is not None:
                queries.append(int(count))
        connection.close()
        with lock:
            result.latencies.extend(latencies)
            result.queries.extend(queries)
            result.errors += errors
            result.first_error = result.first_error or first_error

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - started
    result.requests = len(result.latencies)
    return result
