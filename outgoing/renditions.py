"""Files made by the system: a draft's .docx from its template, each version's PDF, the issued PDF.

Rendering a template (docxtpl) is fast and happens in the request. Converting to PDF (LibreOffice)
is slow and happens in a worker task (``outgoing.tasks.convert_version``), enqueued in the same
transaction as the version so that it can never be lost.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from django.utils.text import slugify

from core import files
from core.errors import InvalidInput
from core.vn import fold
from documents.models import Attachment
from orgs.models import User
from outgoing.drafting import context as drafting_context
from outgoing.drafting import convert, render, stamp, templates
from outgoing.models import OutgoingDocument, Version
from outgoing.states import RenditionStatus
from search import indexing as search_index

log = logging.getLogger(__name__)


def recipient_names(doc: OutgoingDocument) -> list[str]:
    return [r.name for r in doc.recipients.all()] if doc.pk else []


def draft_docx(
    doc: OutgoingDocument,
    fields: dict[str, Any],
    *,
    version: int | None,
    number: int | None = None,
    issued_on: date | None = None,
    recipients: list[str] | None = None,
) -> tuple[str, bytes]:
    """The .docx of a draft (or, with a number and date, of the issued document) from its template."""
    if not str(fields.get("content", "")).strip():
        raise InvalidInput("Vui lòng nhập nội dung văn bản.", details={"content": "trống"})
    names = recipients if recipients is not None else recipient_names(doc)
    context = drafting_context.build_context(
        doc, fields, recipients=names, version=version, number=number, issued_on=issued_on
    )
    data = render.render(templates.template_bytes(doc.organization, doc.doc_type), context)
    stem = slugify(fold(doc.doc_type.name)) or "van-ban"
    suffix = f"so-{number:02d}" if number is not None else f"du-thao-lan-{version}"
    return f"{stem}-{suffix}.docx", data


def attach(doc: OutgoingDocument, actor: User | None, name: str, data: bytes, position: int) -> Attachment:
    checked = files.validate(name, data)
    return Attachment.objects.create(
        stored=files.store(checked),
        name=checked.name,
        owner_kind="outgoing",
        owner_id=doc.pk,
        position=position,
        uploaded_by=actor,
    )


def schedule_conversion(version: Version) -> None:
    """A PDF version is its own rendition; a .docx gets one from the worker."""
    from outgoing import tasks

    if version.attachment.stored.content_type == files.PDF:
        version.pdf = version.attachment
        version.pdf_status = RenditionStatus.READY
    else:
        version.pdf_status = RenditionStatus.PENDING
        tasks.convert_version.enqueue(version.pk)
    version.save(update_fields=["pdf", "pdf_status"])


def convert_version(version_id: int) -> None:
    """Worker: make the PDF of one .docx version (idempotent; a failure is recorded, not lost)."""
    version = Version.objects.select_related("attachment__stored", "document").filter(pk=version_id).first()
    if version is None or version.pdf_id is not None:
        return
    try:
        pdf = convert.docx_to_pdf(files.open_blob(version.attachment.stored))
    except convert.ConversionFailed as exc:
        Version.objects.filter(pk=version.pk).update(
            pdf_status=RenditionStatus.FAILED, pdf_error=exc.message[:500]
        )
        log.warning("conversion of version %s failed: %s", version.pk, exc.message)
        return
    name = version.attachment.name.rsplit(".", 1)[0] + ".pdf"
    with files.atomic_with_files():
        locked = Version.objects.select_for_update().get(pk=version.pk)
        if locked.pdf_id is not None:
            return
        locked.pdf = attach(version.document, None, name, pdf, position=1000 + locked.number)
        locked.pdf_status = RenditionStatus.READY
        locked.pdf_error = ""
        locked.save(update_fields=["pdf", "pdf_status", "pdf_error"])
        search_index.reindex("outgoing", [locked.document_id])  # the rendition's text is searchable


def issued_pdf(doc: OutgoingDocument, version: Version) -> tuple[str, bytes]:
    """The issued PDF: re-rendered with number, date and recipients, or the uploaded PDF stamped."""
    assert doc.number is not None and doc.issued_at is not None
    on = doc.issued_at.astimezone().date()
    if version.fields is not None:
        name, docx = draft_docx(doc, version.fields, version=None, number=doc.number, issued_on=on)
        return name.rsplit(".", 1)[0] + ".pdf", convert.docx_to_pdf(docx)
    stored = version.attachment.stored
    if stored.content_type == files.PDF:
        source = files.open_blob(stored)
    elif version.pdf is not None:
        source = files.open_blob(version.pdf.stored)
    else:
        source = convert.docx_to_pdf(files.open_blob(stored))
    data = stamp.stamp_number(source, number=doc.number, number_symbol=doc.number_symbol, on=on)
    stem = slugify(fold(doc.number_symbol)) or "van-ban"
    return f"{stem}.pdf", data
