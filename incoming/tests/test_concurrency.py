"""Gap-free arrival numbers under concurrency: 16 processes register at once, some roll back on purpose.

Runs on whichever database the suite runs on (SQLite by default, PostgreSQL in CI's second pass).
"""

from __future__ import annotations

import multiprocessing
import traceback
from datetime import date
from typing import Any

import pytest

from conftest import World, drain, make_pdf

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.xdist_group("concurrency"),
]

PROCESSES = 16
PER_PROCESS = 5


class Rollback(Exception):
    pass


def worker(index: int, clerk_id: int, org_id: int, barrier: Any, results: Any) -> None:
    from django.db import connections, transaction

    connections.close_all()  # never share the parent's connection after fork
    try:
        from incoming.services import Registration, incoming_register
        from orgs.models import Organization, User

        clerk = User.objects.get(pk=clerk_id)
        org = Organization.objects.get(pk=org_id)
        barrier.wait(timeout=60)
        for n in range(PER_PROCESS):
            data = Registration(
                issuer_name="Ban Tổ chức Trung ương",
                number_symbol=f"{index}-{n}-BC/BTCTW",
                issued_date=date(2026, 1, 5),
                doc_type="BC",
                subject=f"Báo cáo {index}/{n}",
            )
            try:
                with transaction.atomic():
                    result = incoming_register(
                        actor=clerk,
                        organization=org,
                        data=data,
                        uploads=[(f"{index}-{n}.pdf", make_pdf(f"{index}-{n}"))],
                    )
                    if n == 2 and index % 3 == 0:  # about 10 % of registrations roll back after numbering
                        raise Rollback()
                results.put(("ok", result.document.arrival_number))
            except Rollback:
                results.put(("rolled_back", None))
    except Exception:  # report to the parent instead of dying silently
        results.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def test_sixteen_processes_get_unique_gap_free_numbers(world: World) -> None:
    from django.db import connections

    from core.audit import verify_chain
    from incoming.models import IncomingDocument

    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    connections.close_all()
    processes = [
        context.Process(target=worker, args=(i, world.clerk.pk, world.org.pk, barrier, results))
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = drain(results, processes)
    errors = [detail for kind, detail in outcomes if kind == "error"]
    assert not errors, errors[0]
    committed = sorted(n for kind, n in outcomes if kind == "ok")
    rolled_back = [kind for kind, _ in outcomes if kind == "rolled_back"]
    assert len(rolled_back) == len([i for i in range(PROCESSES) if i % 3 == 0])
    # no duplicate, no gap: exactly 1..N, and the database agrees
    assert committed == list(range(1, len(committed) + 1))
    stored = sorted(
        IncomingDocument.objects.filter(register__for_secret=False).values_list("arrival_number", flat=True)
    )
    assert stored == committed
    # the audit chain never forked under concurrent writers
    result = verify_chain()
    assert result.ok, result
