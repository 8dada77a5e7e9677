"""Incoming documents in search (``search.registry``): metadata and the text of every attached file."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse

from documents.models import Attachment
from incoming.models import IncomingDocument
from incoming.selectors import incoming_visible_to
from incoming.states import Status
from search.registry import Provider, Record


class IncomingProvider(Provider):
    label = "Văn bản đến"
    statuses = Status.choices

    def queryset(self) -> QuerySet[IncomingDocument]:
        return IncomingDocument.objects.all()

    def visible_to(self, user: Any) -> QuerySet[IncomingDocument]:
        return incoming_visible_to(user)

    def records(self, ids: Iterable[int]) -> dict[int, Record]:
        ids = list(ids)
        files: dict[int, list[int]] = {}
        for owner_id, stored_id in (
            Attachment.objects.filter(owner_kind="incoming", owner_id__in=ids)
            .order_by("owner_id", "position", "id")
            .values_list("owner_id", "stored_id")
        ):
            files.setdefault(owner_id, []).append(stored_id)
        records = {}
        for doc in IncomingDocument.objects.filter(pk__in=ids).select_related("doc_type"):
            extra = [
                doc.signer_name,
                doc.signer_position,
                doc.description,
                doc.reply_number_symbol,
                doc.completion_note,
            ]
            records[doc.pk] = Record(
                number_symbol=doc.number_symbol,
                subject=doc.subject,
                issuer=doc.issuer_name,
                doc_type=doc.doc_type.code,
                doc_type_name=doc.doc_type.name,
                date=doc.arrival_date,
                status=doc.status,
                secrecy=doc.secrecy,
                extra=" ".join(x for x in extra if x),
                stored_file_ids=tuple(files.get(doc.pk, ())),
            )
        return records

    def url(self, doc_id: int) -> str:
        return reverse("web:incoming_detail", args=[doc_id])
