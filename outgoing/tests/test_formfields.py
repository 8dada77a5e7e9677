"""Number and date fields: made before the signature, filled at issuance without touching signed bytes."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

import pdfplumber

from conftest import make_pdf
from outgoing.drafting import formfields
from outgoing.tests.pdftext import letterhead_with_blanks


def _rects(data: bytes) -> dict[str, list[float]]:
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(data)).pages[0]
    annotations: Any = page["/Annots"]
    return {str(a.get_object()["/T"]): [float(v) for v in a.get_object()["/Rect"]] for a in annotations}


def test_fields_sit_on_the_blanks_and_filling_only_appends() -> None:
    # given a page with the blanks of a draft
    with_fields = formfields.add_issue_fields(letterhead_with_blanks())
    assert formfields.has_issue_fields(with_fields)
    rects = _rects(with_fields)
    with pdfplumber.open(io.BytesIO(with_fields)) as pdf:
        words = {w["text"]: w for w in pdf.pages[0].extract_words()}
    number = rects[formfields.NUMBER]
    assert words["Số"]["x1"] <= number[0] < words["-TB/TU"]["x0"]  # between "Số" and "-TB/TU"
    assert words["ngày"]["x1"] < rects[formfields.DAY][2] and rects[formfields.DAY][0] < words["tháng"]["x0"]
    assert (
        words["tháng"]["x1"] < rects[formfields.MONTH][2] and rects[formfields.MONTH][0] < words["năm"]["x0"]
    )
    # when the clerk's issuance fills them
    filled = formfields.fill_issue_fields(
        with_fields, number=7, number_symbol="07-TB/TU", on=date(2026, 2, 3)
    )
    # then the earlier bytes are untouched (a signature over them stays intact) and the values are set
    assert filled.startswith(with_fields) and len(filled) > len(with_fields)
    from pypdf import PdfReader

    values = {k: v.get("/V") for k, v in (PdfReader(io.BytesIO(filled)).get_fields() or {}).items()}
    assert values == {formfields.NUMBER: "07", formfields.DAY: "03", formfields.MONTH: "02"}


def test_pdf_without_blanks_gets_a_header_field() -> None:
    with_fields = formfields.add_issue_fields(make_pdf("khong co cho trong"))
    filled = formfields.fill_issue_fields(
        with_fields, number=12, number_symbol="12/QĐ-UBND", on=date(2026, 11, 30)
    )
    from pypdf import PdfReader

    fields = PdfReader(io.BytesIO(filled)).get_fields() or {}
    assert set(fields) == {formfields.HEADER}
    assert fields[formfields.HEADER]["/V"] == "12/QÐ-UBND - 30/11/2026"
    assert filled.startswith(with_fields)
