"""Printed-copy marking (PL-VI Part I.III 6k: "mark documents printed from the system").

``mark_pdf(data, text)`` returns a copy of the PDF whose every page carries ``text`` (who printed it and
when) in small grey type along the left margin, rotated, never over the content area. The stored file is
never touched: the caller marks the bytes it has just read.

Two ways, chosen from the file:

- an unsigned PDF gets the mark drawn into each page (a reportlab overlay merged with pypdf);
- a PDF with signatures gets the mark as a read-only stamp annotation on each page, written as an
  **incremental update** (pypdf ``incremental=True``): the signed bytes stay byte for byte in front, so
  each signature still covers exactly what it signed (intact, the signed revision recoverable). PDF
  allows annotations after an approval signature, but pyHanko — our validator — has no rule for added
  annotations and reports the file as modified after signing (modification level OTHER). So a marked
  copy is never presented as the signed original: the screens say so (``SIGNED_NOTE``).
  ``MarkResult.incremental`` tells the caller which way was taken.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)
from reportlab.pdfgen.canvas import Canvas

from reports.fonts import register_fonts

FONT_SIZE = 7
MARGIN = 4.0  # points from the page edge to the baseline of the rotated text
MARK_PREFIX = "Bản in từ hệ thống"
SIGNED_NOTE = (
    "Bản in có dấu ghi người in và thời điểm in; đây không phải bản gốc có chữ ký số "
    "(chữ ký số chỉ kiểm tra được trên bản gốc)."
)


@dataclass(frozen=True)
class MarkResult:
    data: bytes
    pages: int
    incremental: bool


def mark_text(person_name: str, organization_name: str, at: datetime | None = None) -> str:
    """ "Bản in từ hệ thống — <người> (<cơ quan>) — in lúc dd/mm/yyyy HH:mm" in Vietnam time."""
    local = timezone.localtime(at or timezone.now())
    who = f"{person_name} ({organization_name})" if organization_name else person_name
    return f"{MARK_PREFIX} — {who} — in lúc {local:%d/%m/%Y %H:%M}"


def is_signed(reader: PdfReader) -> bool:
    root: Any = reader.trailer["/Root"]
    acro = root.get("/AcroForm")
    if acro is None:
        return False
    acro = acro.get_object()
    for field in acro.get("/Fields", []):
        f = field.get_object()
        if f.get("/FT") == "/Sig" and f.get("/V") is not None:
            return True
    return False


def _overlay(width: float, height: float, text: str) -> bytes:
    """One page of ``width`` × ``height`` with the text rotated along the left edge."""
    regular, _, _ = register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1)
    canvas.setFont(regular, FONT_SIZE)
    canvas.setFillGray(0.35)
    canvas.saveState()
    canvas.translate(MARGIN + FONT_SIZE, 18)
    canvas.rotate(90)
    canvas.drawString(0, 0, text)
    canvas.restoreState()
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _box(page: object) -> tuple[float, float, float, float]:
    box = page.mediabox  # type: ignore[attr-defined]
    return float(box.left), float(box.bottom), float(box.width), float(box.height)


def _merge(data: bytes, text: str) -> MarkResult:
    reader = PdfReader(io.BytesIO(data))
    writer = PdfWriter(clone_from=reader)
    for page in writer.pages:
        left, bottom, width, height = _box(page)
        stamp = PdfReader(io.BytesIO(_overlay(width, height, text))).pages[0]
        rotation = page.rotation % 360
        if rotation:
            page.transfer_rotation_to_content()
            left, bottom, width, height = _box(page)
        page.merge_transformed_page(stamp, (1, 0, 0, 1, left, bottom), over=True)
    out = io.BytesIO()
    writer.write(out)
    return MarkResult(out.getvalue(), len(writer.pages), incremental=False)


def _annotate(data: bytes, text: str) -> MarkResult:
    """Add the mark as a stamp annotation on each page, appended as an incremental update."""
    writer = PdfWriter(io.BytesIO(data), incremental=True)
    for page in writer.pages:
        left, bottom, width, height = _box(page)
        source = PdfReader(io.BytesIO(_overlay(width, height, text))).pages[0]
        # the overlay page as a form XObject: its content stream and its resources (the embedded font)
        form = DecodedStreamObject()
        form.set_data(source.get_contents().get_data())  # type: ignore[union-attr]
        form[NameObject("/Type")] = NameObject("/XObject")
        form[NameObject("/Subtype")] = NameObject("/Form")
        form[NameObject("/BBox")] = ArrayObject(
            [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
        )
        form[NameObject("/Resources")] = source["/Resources"].clone(writer)
        # the annotation's rectangle: the left margin strip, where the text is
        strip = 2 * MARGIN + 2 * FONT_SIZE
        rect = [left, bottom, left + strip, bottom + height]
        form[NameObject("/BBox")] = ArrayObject(
            [FloatObject(0), FloatObject(0), FloatObject(strip), FloatObject(height)]
        )
        annotation = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Stamp"),
                NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
                NameObject("/Contents"): TextStringObject(text),
                NameObject("/NM"): TextStringObject("dieuhanh-print-mark"),
                NameObject("/F"): NumberObject(4 | 64 | 128),  # Print, ReadOnly, LockedContents
                NameObject("/AP"): DictionaryObject({NameObject("/N"): writer._add_object(form)}),
            }
        )
        annots: Any
        if "/Annots" in page:
            annots = page["/Annots"].get_object()
        else:
            annots = ArrayObject()
            page[NameObject("/Annots")] = annots
        annots.append(writer._add_object(annotation))
    out = io.BytesIO()
    writer.write(out)
    return MarkResult(out.getvalue(), len(writer.pages), incremental=True)


def mark_pdf(data: bytes, text: str) -> MarkResult:
    reader = PdfReader(io.BytesIO(data))
    if is_signed(reader):
        return _annotate(data, text)
    return _merge(data, text)


@dataclass(frozen=True)
class PrintedCopy:
    data: bytes
    name: str
    incremental: bool
    restricted: bool


def printed_copy(user: Any, attachment_id: int) -> PrintedCopy:
    """A file downloaded "for printing": through the owner document's door, marked with the person's name,
    organisation and the time, audited. The stored file is never changed."""
    from core import audit
    from core.errors import InvalidInput
    from core.files import PDF, open_blob
    from documents.selectors import attachment_get_for_user

    attachment, owner = attachment_get_for_user(user, attachment_id)
    if attachment.stored.content_type != PDF:
        raise InvalidInput("Chỉ in có đánh dấu được tệp PDF; hãy tải tệp về để in.", code="not_pdf")
    organization = getattr(user, "organization", None)
    text = mark_text(user.display_name, organization.name if organization else "")
    result = mark_pdf(open_blob(attachment.stored), text)
    audit.record(
        actor=user,
        action="document.print",
        target=attachment,
        organization_id=getattr(owner, "organization_id", None),
        data={
            "kind": attachment.owner_kind,
            "document": attachment.owner_id,
            "sha256": attachment.stored.sha256,
            "pages": result.pages,
            "incremental": result.incremental,
            "mark": text,
        },
    )
    stem = attachment.name.rsplit(".", 1)[0]
    return PrintedCopy(
        result.data, f"{stem} (ban in).pdf", result.incremental, getattr(owner, "is_restricted", True)
    )
