"""Writing the index. Called by the kinds' services inside their transactions (never from signals):

    from search.indexing import reindex
    reindex("incoming", [doc.pk])

``reindex`` reads the documents again through their provider, so it always writes the state the
transaction sees; the index row commits or rolls back with the change (no lost update, no phantom).
On PostgreSQL the entry rows are locked first (``SELECT … FOR UPDATE``): a concurrent writer of the
same entry waits, then reads the committed document. SQLite serialises writers (``BEGIN IMMEDIATE``).

A file whose text is not known yet (``search.FileText``) is read by the task ``search.tasks.index_files``,
enqueued in the same transaction (django-tasks' database backend is the outbox), which stores the text
and indexes the document again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import transaction

from search import registry
from search.backends import Row, get_backend
from search.models import Entry, FileText
from search.query import index_text, pair_text
from search.text import file_text_with_source

MAX_BODY = 200_000  # characters of files' text kept per document


def extract_texts(stored_ids: Iterable[int]) -> dict[int, str]:
    """Read and keep the text of the given stored files that have none yet; returns every text asked for."""
    from core.models import StoredFile

    ids = set(stored_ids)
    known = dict(FileText.objects.filter(stored_id__in=ids).values_list("stored_id", "text"))
    for stored in StoredFile.objects.filter(pk__in=ids - known.keys()):
        text, source = file_text_with_source(stored)
        FileText.objects.update_or_create(stored=stored, defaults={"text": text, "source": source})
        known[stored.pk] = text
    return known


def reindex(kind: str, ids: Iterable[int], *, extract: bool = False) -> int:
    """Write the index entries of these documents as they are now; returns how many entries were written.

    ``extract=True`` reads missing files' text now (the rebuild and the task); otherwise a task is
    enqueued in the current transaction to do it."""
    provider = registry.get(kind)
    doc_ids = sorted(set(ids))
    if not doc_ids:
        return 0
    backend = get_backend()
    with transaction.atomic():
        existing = dict(
            Entry.objects.select_for_update()
            .filter(kind=kind, doc_id__in=doc_ids)
            .order_by("id")
            .values_list("doc_id", "id")
        )
        records = provider.records(doc_ids)
        gone = [existing[i] for i in doc_ids if i not in records and i in existing]
        if gone:
            backend.delete(gone)
            Entry.objects.filter(id__in=gone).delete()
        if not records:
            return 0
        # the full-text rows of entries about to change go first (SQLite keys them by the old date)
        backend.delete([existing[i] for i in records if i in existing])
        file_ids = {f for r in records.values() for f in r.stored_file_ids}
        if extract:
            texts = extract_texts(file_ids)
        else:
            texts = dict(FileText.objects.filter(stored_id__in=file_ids).values_list("stored_id", "text"))
            if file_ids - texts.keys():
                from search.tasks import index_files

                index_files.enqueue(kind, sorted(records))
        entries = []
        for doc_id, r in records.items():
            body = "\n".join(texts[f] for f in r.stored_file_ids if texts.get(f))[:MAX_BODY]
            entries.append(
                Entry(
                    kind=kind,
                    doc_id=doc_id,
                    number_symbol=r.number_symbol[:60],
                    symbol_key=_symbol_key(r.number_symbol),
                    subject=r.subject[:1000],
                    issuer=r.issuer[:255],
                    issuer_key=" ".join(index_text(r.issuer).split())[:255],
                    doc_type=r.doc_type[:12],
                    doc_type_name=r.doc_type_name[:100],
                    date=r.date,
                    status=r.status[:30],
                    secrecy=r.secrecy[:20],
                    body=body,
                )
            )
        Entry.objects.bulk_create(
            entries,
            update_conflicts=True,
            unique_fields=["kind", "doc_id"],
            update_fields=[
                "number_symbol",
                "symbol_key",
                "subject",
                "issuer",
                "issuer_key",
                "doc_type",
                "doc_type_name",
                "date",
                "status",
                "secrecy",
                "body",
                "indexed_at",
            ],
        )
        ids_by_doc = dict(
            Entry.objects.filter(kind=kind, doc_id__in=list(records)).values_list("doc_id", "id")
        )
        rows = []
        for entry in entries:
            r = records[entry.doc_id]
            meta = " ".join([r.subject, r.issuer, r.doc_type_name, r.doc_type, r.extra])
            symbol, folded_meta, body = index_text(r.number_symbol), index_text(meta), index_text(entry.body)
            rows.append(
                Row(
                    ids_by_doc[entry.doc_id],
                    symbol,
                    folded_meta,
                    body,
                    entry.date,
                    pair_text(
                        symbol,
                        folded_meta,
                        body,
                        with_triples=backend.with_triples,
                        with_hashed_triples=backend.hashed_triples,
                    ),
                )
            )
        backend.write(rows)
    return len(entries)


def remove(kind: str, ids: Sequence[int]) -> None:
    """Drop the entries of documents that are gone (a provider may also just leave them out of records)."""
    with transaction.atomic():
        entry_ids = list(Entry.objects.filter(kind=kind, doc_id__in=list(ids)).values_list("id", flat=True))
        get_backend().delete(entry_ids)
        Entry.objects.filter(id__in=entry_ids).delete()


def file_text_changed(stored_ids: Iterable[int], kind: str, doc_ids: Iterable[int]) -> None:
    """A text source knows better now (OCR finished): forget the kept text and index the documents again."""
    with transaction.atomic():
        FileText.objects.filter(stored_id__in=list(stored_ids)).delete()
        reindex(kind, doc_ids)


def _symbol_key(number_symbol: str) -> str:
    from core.vn import normalize_symbol

    return normalize_symbol(number_symbol)[:60] if number_symbol.strip() else ""
