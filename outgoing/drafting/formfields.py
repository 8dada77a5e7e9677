"""Number and date as form fields, so that they can be filled after the signer's digital signature.

The signer signs the approved PDF before the clerk numbers it (NĐ 30 §15.3: the number of an
electronic document is given by the system at issuance). Writing text on a signed page would break
the signature; filling a form field is a permitted change (PDF "form filling", which validators such
as pyHanko accept after an approval signature). So before the signature, ``add_issue_fields`` puts
text fields over the blanks of page 1 — after "Số"/"Số:", and between "ngày", "tháng", "năm" — and at
issuance ``fill_issue_fields`` fills them in an incremental update that leaves the signed bytes as
they are. A PDF without those blanks gets one field in the top margin for the number-symbol and the date.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

from outgoing.drafting.stamp import Spot, _find_spots, _words

NUMBER, DAY, MONTH, HEADER = "so_van_ban", "ngay_ban_hanh", "thang_ban_hanh", "so_ngay_ban_hanh"
FONT = "/TiRo"  # Times-Roman, one of the 14 standard fonts: digits and "Số"-free text need nothing else


@dataclass(frozen=True)
class FieldBox:
    name: str
    rect: tuple[float, float, float, float]
    size: float
    align: int  # 0 left, 1 centre, 2 right


def _boxes(data: bytes) -> list[FieldBox]:
    words, width, height = _words(data)
    number, dates = _find_spots(words, height)
    boxes: list[FieldBox] = []

    def box(name: str, spot: Spot, w: float, align: int) -> FieldBox:
        y = height - spot.baseline
        left = spot.x if align == 0 else spot.x - w / 2
        return FieldBox(name, (left, y - spot.size * 0.25, left + w, y + spot.size), spot.size, align)

    if number is not None and len(dates) == 2:
        boxes.append(box(NUMBER, number, number.size * 2.4, 0))
        boxes.append(box(DAY, dates[0], dates[0].size * 1.4, 1))
        boxes.append(box(MONTH, dates[1], dates[1].size * 1.4, 1))
    else:
        boxes.append(FieldBox(HEADER, (width - 300, height - 34, width - 42, height - 20), 10, 2))
    return boxes


def add_issue_fields(data: bytes) -> bytes:
    """The PDF with empty text fields over its number and date blanks (before any signature)."""
    boxes = _boxes(data)
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    page = writer.pages[0]
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Times-Roman"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
    )
    refs = []
    for spec in boxes:
        field = DictionaryObject(
            {
                NameObject("/FT"): NameObject("/Tx"),
                NameObject("/T"): TextStringObject(spec.name),
                NameObject("/Type"): NameObject("/Annot"),
                NameObject("/Subtype"): NameObject("/Widget"),
                NameObject("/Rect"): ArrayObject([FloatObject(round(v, 2)) for v in spec.rect]),
                NameObject("/F"): NumberObject(4),  # printed
                NameObject("/Ff"): NumberObject(1),  # read-only for people: only the system fills it
                NameObject("/DA"): TextStringObject(f"{FONT} {spec.size:g} Tf 0 g"),
                NameObject("/Q"): NumberObject(spec.align),
                NameObject("/V"): TextStringObject(""),
                NameObject("/P"): page.indirect_reference,
            }
        )
        refs.append(writer._add_object(field))
    annotations = page.get("/Annots")
    page[NameObject("/Annots")] = ArrayObject([*(annotations or []), *refs])
    writer._root_object[NameObject("/AcroForm")] = DictionaryObject(
        {
            NameObject("/Fields"): ArrayObject(refs),
            NameObject("/DR"): DictionaryObject(
                {NameObject("/Font"): DictionaryObject({NameObject(FONT): font})}
            ),
            NameObject("/DA"): TextStringObject(f"{FONT} 12 Tf 0 g"),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def has_issue_fields(data: bytes) -> bool:
    fields = PdfReader(io.BytesIO(data)).get_fields() or {}
    return NUMBER in fields or HEADER in fields


def fill_issue_fields(data: bytes, *, number: int, number_symbol: str, on: date) -> bytes:
    """Fill the fields in an incremental update: every byte signed before stays where it was."""
    reader = PdfReader(io.BytesIO(data))
    fields = reader.get_fields() or {}
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    if NUMBER in fields:
        values = {NUMBER: f"{number:02d}", DAY: f"{on.day:02d}", MONTH: month}
    else:
        # the standard font has no "Đ"; "Ð" (U+00D0) draws the same glyph in Times
        values = {HEADER: f"{number_symbol.replace('Đ', 'Ð')} - {on:%d/%m/%Y}"}
    writer = PdfWriter(reader, incremental=True)
    writer.update_page_form_field_values(writer.pages[0], values, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
