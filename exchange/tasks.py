"""Worker tasks of the exchange: thin, taking plain values."""

from __future__ import annotations

from django_tasks import task


@task()
def prepare_arrival_files(inbox_id: int) -> int:
    """Store an arrival's PDF attachments and queue their signature validation (``arrival_files``)."""
    from exchange.arrival_files import prepare

    return prepare(inbox_id)
