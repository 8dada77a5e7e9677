"""16 processes issue approved documents of the same type at once: no duplicate, no gap (both databases)."""

from __future__ import annotations

import multiprocessing
import traceback
from typing import Any

import pytest

from conftest import drain
from outgoing.tests.conftest import OutgoingWorld

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.slow,
    pytest.mark.xdist_group("concurrency"),
]

PROCESSES = 16
PER_PROCESS = 3


class Rollback(Exception):
    pass


def worker(index: int, clerk_id: int, doc_ids: list[int], barrier: Any, results: Any) -> None:
    from django.db import connections, transaction

    connections.close_all()
    try:
        from orgs.models import User
        from outgoing.models import OutgoingDocument
        from outgoing.services import outgoing_issue

        clerk = User.objects.get(pk=clerk_id)
        barrier.wait(timeout=60)
        for n, pk in enumerate(doc_ids):
            try:
                with transaction.atomic():
                    doc = outgoing_issue(actor=clerk, document=OutgoingDocument.objects.get(pk=pk))
                    if n == 1 and index % 4 == 0:  # some issuances roll back after taking a number
                        raise Rollback()
                results.put(("ok", doc.number))
            except Rollback:
                results.put(("rolled_back", None))
    except Exception:  # report to the parent instead of dying silently
        results.put(("error", traceback.format_exc()))
    finally:
        connections.close_all()


def test_sixteen_processes_issue_without_duplicate_or_gap(ow: OutgoingWorld) -> None:
    from django.db import connections

    from outgoing.models import OutgoingDocument
    from outgoing.states import Status

    template = ow.approved("TB", recipients=[])
    ids = [template.pk]
    for _ in range(PROCESSES * PER_PROCESS - 1):  # clones of an approved document, awaiting issue
        clone = OutgoingDocument.objects.get(pk=template.pk)
        clone.pk = None
        clone.save()
        ids.append(clone.pk)
    assert OutgoingDocument.objects.filter(status=Status.APPROVED).count() == PROCESSES * PER_PROCESS
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    connections.close_all()
    chunks = [ids[i * PER_PROCESS : (i + 1) * PER_PROCESS] for i in range(PROCESSES)]
    processes = [
        context.Process(target=worker, args=(i, ow.w.clerk.pk, chunks[i], barrier, results))
        for i in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    outcomes = drain(results, processes)
    errors = [detail for kind, detail in outcomes if kind == "error"]
    assert not errors, errors[0]
    committed = sorted(n for kind, n in outcomes if kind == "ok")
    assert len(committed) == PROCESSES * PER_PROCESS - len([i for i in range(PROCESSES) if i % 4 == 0])
    assert committed == list(range(1, len(committed) + 1))
    stored = sorted(n for n in OutgoingDocument.objects.values_list("number", flat=True) if n is not None)
    assert stored == committed
    from core.audit import verify_chain

    assert verify_chain().ok
