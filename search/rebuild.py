"""Rebuilding the index from the documents, in bounded memory and resumably.

Each kind is walked by primary key in batches; a batch (its entries, the removal of entries whose
documents are gone, and the checkpoint ``RebuildCheckpoint.last_id``) commits in one transaction, so an
interrupted rebuild resumes after the last committed batch. The files' text missing from
``search.FileText`` is read before the batch's transaction (no lock held while reading PDFs).
Memory: one batch of ids, records and texts at a time.

On PostgreSQL a full rebuild of a large index (the kinds from their start, at least ``BULK_MIN_DOCS``
documents and half the index, or ``drop_indexes=True``) drops the GIN indexes first and builds each
once at the end (``search.backends.PostgresBackend.create_indexes``); searches stay correct meanwhile,
only slower.
Every rebuild ends by creating whatever index is missing or invalid, so a rebuild interrupted after the
drop is repaired by running it again (it resumes, then builds the indexes).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.db import transaction

from search import registry
from search.backends import get_backend
from search.indexing import extract_texts, reindex
from search.models import Entry, FileText, RebuildCheckpoint


def clear() -> None:
    with transaction.atomic():
        get_backend().clear()
        Entry.objects.all().delete()
        RebuildCheckpoint.objects.all().delete()


BULK_MIN_DOCS = 50_000


def _is_full(kinds: list[str], restart: bool) -> bool:
    """Every kind starts from its first document (nothing to resume)."""
    if restart:
        return True
    open_ones = RebuildCheckpoint.objects.filter(kind__in=kinds, done=False, last_id__gt=0)
    return not open_ones.exists()


def rebuild(
    *,
    kinds: list[str] | None = None,
    batch: int = 500,
    restart: bool = False,
    reread_files: bool = False,
    max_batches: int | None = None,
    drop_indexes: bool | None = None,
    report: Callable[[str], None] = print,
) -> bool:
    """Index every document again; returns True when every kind is done (False: stopped by max_batches).

    ``drop_indexes``: None decides by size (see the module's docstring); True/False force it."""
    if reread_files:
        FileText.objects.all().delete()
    chosen = kinds or registry.kinds()
    if drop_indexes is None:
        size = sum(registry.get(k).queryset().count() for k in chosen) if max_batches is None else 0
        drop_indexes = (
            size >= BULK_MIN_DOCS
            and size * 2 >= Entry.objects.count()  # most of the index is written again
            and _is_full(chosen, restart)
        )
    if drop_indexes and get_backend().drop_indexes():
        report("đã tạm bỏ chỉ mục toàn văn, sẽ dựng lại khi xong")
    # an exception (Ctrl-C) skips the index build: the next run resumes and builds it
    finished = _rebuild(chosen, batch, restart, max_batches, report)
    get_backend().create_indexes(report)
    return finished


def _rebuild(
    kinds: list[str],
    batch: int,
    restart: bool,
    max_batches: int | None,
    report: Callable[[str], None],
) -> bool:
    batches = 0
    for kind in kinds:
        provider = registry.get(kind)
        checkpoint, _ = RebuildCheckpoint.objects.get_or_create(kind=kind)
        if restart or checkpoint.done:
            checkpoint.last_id, checkpoint.done = 0, False
            checkpoint.save()
        elif checkpoint.last_id:
            report(f"{kind}: tiếp tục sau mã {checkpoint.last_id}")
        total = provider.queryset().count()
        done = provider.queryset().filter(pk__lte=checkpoint.last_id).count()
        started = time.monotonic()
        indexed = 0
        while True:
            if max_batches is not None and batches >= max_batches:
                report(f"{kind}: dừng sau {batches} lô, chạy lại để tiếp tục")
                return False
            last = checkpoint.last_id
            ids = list(
                provider.queryset().filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:batch]
            )
            upto = ids[-1] if ids else None
            if ids:
                records = provider.records(ids)
                extract_texts({f for r in records.values() for f in r.stored_file_ids})
            with transaction.atomic():
                stale = Entry.objects.filter(kind=kind, doc_id__gt=last)
                if upto is not None:
                    stale = stale.filter(doc_id__lte=upto).exclude(doc_id__in=ids)
                gone = list(stale.values_list("id", flat=True))
                if gone:
                    get_backend().delete(gone)
                    Entry.objects.filter(id__in=gone).delete()
                if ids:
                    reindex(kind, ids, extract=True)
                    checkpoint.last_id = ids[-1]
                else:
                    checkpoint.done = True
                checkpoint.save()
            if not ids:
                break
            batches += 1
            done += len(ids)
            indexed += len(ids)
            rate = indexed / max(time.monotonic() - started, 1e-6)
            report(f"{kind}: {done}/{total} ({rate:.0f} văn bản/giây)")
        report(f"{kind}: xong, {done} văn bản")
    return True
