"""Outgoing documents in search (``search.registry``): metadata, recipients and the text of the issued
file (or, before issuance, of the latest version)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from documents.models import Attachment
from outgoing.models import OutgoingDocument, Recipient, Version
from outgoing.selectors import outgoing_visible_to
from outgoing.states import Status
from search.registry import Provider, Record


class OutgoingProvider(Provider):
    label = "Văn bản đi"
    statuses = Status.choices

    def queryset(self) -> QuerySet[OutgoingDocument]:
        return OutgoingDocument.objects.all()

    def visible_to(self, user: Any) -> QuerySet[OutgoingDocument]:
        return outgoing_visible_to(user)

    def records(self, ids: Iterable[int]) -> dict[int, Record]:
        ids = list(ids)
        docs = list(
            OutgoingDocument.objects.filter(pk__in=ids).select_related(
                "doc_type", "organization", "signer", "drafter", "drafting_unit"
            )
        )
        latest: dict[int, int] = {}  # document -> attachment id of its latest version (PDF when there is one)
        for doc_id, attachment_id, pdf_id in (
            Version.objects.filter(document_id__in=ids)
            .order_by("document_id", "-number")
            .values_list("document_id", "attachment_id", "pdf_id")
        ):
            latest.setdefault(doc_id, pdf_id or attachment_id)
        wanted = {d.pk: d.issued_file_id or latest.get(d.pk) for d in docs}
        stored = dict(
            Attachment.objects.filter(pk__in=[a for a in wanted.values() if a]).values_list("pk", "stored_id")
        )
        recipients: dict[int, list[str]] = {}
        for doc_id, name in (
            Recipient.objects.filter(document_id__in=ids).order_by("id").values_list("document_id", "name")
        ):
            recipients.setdefault(doc_id, []).append(name)
        records = {}
        for doc in docs:
            when = timezone.localdate(doc.issued_at) if doc.issued_at else timezone.localdate(doc.created_at)
            extra = [
                doc.signer.display_name if doc.signer else "",
                doc.drafter.display_name,
                doc.drafting_unit.name if doc.drafting_unit else "",
                *recipients.get(doc.pk, []),
            ]
            attachment = wanted.get(doc.pk)
            records[doc.pk] = Record(
                number_symbol=doc.number_symbol,
                subject=doc.subject,
                issuer=doc.organization.name,
                doc_type=doc.doc_type.code,
                doc_type_name=doc.doc_type.name,
                date=when,
                status=doc.status,
                secrecy=doc.secrecy,
                extra=" ".join(x for x in extra if x),
                stored_file_ids=(stored[attachment],) if attachment and attachment in stored else (),
            )
        return records

    def url(self, doc_id: int) -> str:
        return reverse("web:outgoing_detail", args=[doc_id])
