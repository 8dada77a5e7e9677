"""Timed requests through Django's test Client, query capture and the registration figures.

Import only after ``django.setup()``. Each timed request is followed by ``close_old_connections()``,
as Django's handler does at the end of a real request: it closes the connection once it is older than
CONN_MAX_AGE (60 s for both databases since 01/12/2026; SQLite's was 0 before, every request opening
its own connection, and figures from before that date include that).
"""

from __future__ import annotations

import json
import random
import re
import statistics
import time
from collections import Counter as Tally
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import close_old_connections, connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import tokens
from incoming.models import IncomingDocument
from orgs.models import User
from orgs.selectors import today

Request = Callable[[int], Any]  # a test-Client response


def make_pdf(text: str, pages: int = 1) -> bytes:
    """A small valid PDF (the same recipe as conftest.make_pdf, without importing pytest)."""
    import io

    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, invariant=1)
    for page in range(pages):
        pdf.drawString(72, 720, f"{text.encode('ascii', 'replace').decode()} - {page + 1}")
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def percentiles(samples_ms: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(samples_ms, n=100, method="inclusive")
    return {
        "p50_ms": round(cuts[49], 2),
        "p95_ms": round(cuts[94], 2),
        "p99_ms": round(cuts[98], 2),
        "mean_ms": round(statistics.fmean(samples_ms), 2),
        "max_ms": round(max(samples_ms), 2),
    }


def _check(response: HttpResponse, expected: int, what: str) -> None:
    if response.status_code != expected:
        body = response.content[:300].decode(errors="replace")
        raise RuntimeError(f"{what}: HTTP {response.status_code} (expected {expected}): {body}")


def timed(
    request: Request, *, reps: int, warmup: int, first: int = 0, expected: int = 200, what: str = ""
) -> list[float]:
    """Latencies in ms of ``reps`` calls after ``warmup`` untimed ones, call indexes from ``first`` on.

    Calls with the same index are the same request (for the lookups: the same number-symbol).
    """
    for i in range(first, first + warmup):
        _check(request(i), expected, what)
        close_old_connections()
    samples = []
    for i in range(first + warmup, first + warmup + reps):
        started = time.perf_counter()
        response = request(i)
        close_old_connections()
        samples.append((time.perf_counter() - started) * 1000)
        _check(response, expected, what)
    return samples


_LITERALS = re.compile(r"'(?:[^']|'')*'|\b\d+\b")


def query_profile(request: Request, index: int = 0) -> dict[str, Any]:
    """Queries of one request: count, statements repeated 3+ times (N+1 suspects), the slowest ones."""
    close_old_connections()
    with CaptureQueriesContext(connection) as captured:
        response = request(index)
    queries = captured.captured_queries
    shapes = Tally(_LITERALS.sub("?", q["sql"]) for q in queries)
    repeated = [{"times": n, "sql": sql[:240]} for sql, n in shapes.most_common() if n >= 3]
    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3]
    return {
        "queries": len(queries),
        "response_bytes": len(response.content),
        "repeated": repeated,
        # Django times cursor.execute() only: with SQLite, rows fetched later (fetchmany) are not included.
        "slowest": [{"execute_ms": round(float(q["time"]) * 1000), "sql": q["sql"][:400]} for q in slowest],
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_client_for(user: User) -> Client:
    key, _ = tokens.issue(user)
    return Client(headers={"authorization": f"Bearer {key}"})


def sample_symbols(count: int, seed: int = 7) -> list[str]:
    """Number-symbols of existing documents picked at random (one lookup each)."""
    rng = random.Random(seed)
    low = IncomingDocument.objects.order_by("pk").values_list("pk", flat=True).first() or 0
    high = IncomingDocument.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    symbols: list[str] = []
    while len(symbols) < count:
        ids = [rng.randint(low, high) for _ in range(count)]
        symbols += list(IncomingDocument.objects.filter(pk__in=ids).values_list("number_symbol", flat=True))
    rng.shuffle(symbols)
    return symbols[:count]


# --- registrations ---------------------------------------------------------------------------------


def registration_payloads(count: int, tag: str) -> list[dict[str, Any]]:
    """Multipart bodies with a unique number-symbol and a unique small PDF each (built before timing)."""
    issued = today().isoformat()
    return [
        {
            "files": [SimpleUploadedFile("bao-cao.pdf", make_pdf(f"Bench {tag} {i}"), "application/pdf")],
            "issuer_name": "Ban Tổ chức Trung ương",
            "number_symbol": f"{i + 1}-BC/{tag}",
            "issued_date": issued,
            "doc_type": "BC",
            "subject": f"Báo cáo thử nghiệm hiệu năng số {i + 1} ({tag})",
        }
        for i in range(count)
    ]


def register_many(client: Client, payloads: list[dict[str, Any]]) -> tuple[list[float], float, list[str]]:
    """POST every payload in turn: latencies in ms of the successful ones, wall seconds, the failures."""
    samples = []
    errors = []
    started = time.perf_counter()
    for body in payloads:
        t0 = time.perf_counter()
        try:
            response = client.post("/api/v1/incoming", data=body)
        except Exception as exc:  # a crash is a figure too (e.g. "database is locked" under concurrency)
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
            close_old_connections()
            continue
        close_old_connections()
        elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code == 201:
            samples.append(elapsed)
        else:
            errors.append(f"HTTP {response.status_code}: {response.content[:200].decode(errors='replace')}")
    return samples, time.perf_counter() - started, errors


def registration_worker(count: int, tag: str, ready: Path, go: Path, out: Path) -> None:
    """One of the concurrent registering processes: get ready, wait for the go file, register, report."""
    from bench.dataset import CLERK

    clerk = User.objects.get(username=CLERK)
    client = api_client_for(clerk)
    payloads = registration_payloads(count, tag)
    close_old_connections()
    ready.touch()
    deadline = time.time() + 120
    while not go.exists():
        if time.time() > deadline:
            raise SystemExit("worker: no go signal")
        time.sleep(0.005)
    samples, _, errors = register_many(client, payloads)
    out.write_text(json.dumps({"latencies_ms": samples, "errors": errors, "end": time.time()}))


def query_string(**params: str) -> str:
    return urlencode(params)
