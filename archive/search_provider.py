"""Archive records in search (``search.registry``): their PL-VI metadata and the text of their scan."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from archive.models import ArchiveRecord
from archive.selectors import record_visible_to
from search.registry import Provider, Record


class ArchiveProvider(Provider):
    label = "Tài liệu lưu trữ"
    statuses = (("archived", "Lưu trữ"),)

    def queryset(self) -> QuerySet[ArchiveRecord]:
        return ArchiveRecord.objects.all()

    def visible_to(self, user: Any) -> QuerySet[ArchiveRecord]:
        return record_visible_to(user)

    def records(self, ids: Iterable[int]) -> dict[int, Record]:
        records = {}
        for rec in ArchiveRecord.objects.filter(pk__in=list(ids)).select_related("doc_type", "file"):
            extra = [rec.signer_name, rec.signer_position, rec.description, rec.type_name]
            records[rec.pk] = Record(
                number_symbol=rec.number_symbol,
                subject=rec.subject,
                issuer=rec.issuer_name,
                doc_type=rec.doc_type.code if rec.doc_type else "",
                doc_type_name=rec.doc_type.name if rec.doc_type else rec.type_name,
                date=rec.issued_date,
                status="archived",
                secrecy=rec.secrecy,
                extra=" ".join(x for x in extra if x),
                stored_file_ids=(rec.file.stored_id,) if rec.file is not None else (),
            )
        return records

    def url(self, doc_id: int) -> str:
        return reverse("web:record_detail", args=[doc_id])
