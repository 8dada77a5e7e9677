"""Worker tasks of search: thin, idempotent, taking ids."""

from __future__ import annotations

from django_tasks import task


@task()
def index_files(kind: str, doc_ids: list[int]) -> None:
    """Read the text of the documents' files that is not known yet (outside any lock), then index the
    documents again in one transaction."""
    from search import registry
    from search.indexing import extract_texts, reindex

    records = registry.get(kind).records(doc_ids)
    extract_texts({f for r in records.values() for f in r.stored_file_ids})
    reindex(kind, doc_ids, extract=True)
