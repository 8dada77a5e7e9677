"""The printed-copy mark: on every page, in the margin, never changing the stored file; signed PDFs keep
their signatures valid (incremental update)."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pdfplumber
import pytest
from pypdf import PdfReader

from conftest import World, make_pdf
from reports.printmark import mark_pdf, mark_text
from signing.tests.conftest import Certs
from signing.tests.helpers import signed_and_sealed
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db

AT = datetime(2026, 3, 5, 7, 30, tzinfo=ZoneInfo("UTC"))  # 14:30 in Vietnam


def test_mark_text_is_vietnam_time() -> None:
    text = mark_text("Nguyễn Thị Vân", "Tỉnh ủy Sông Lam", AT)
    assert text == "Bản in từ hệ thống — Nguyễn Thị Vân (Tỉnh ủy Sông Lam) — in lúc 05/03/2026 14:30"


def test_every_page_carries_the_mark_in_the_margin() -> None:
    original = make_pdf("Noi dung van ban", pages=3)
    text = mark_text("Nguyễn Thị Vân", "Tỉnh ủy Sông Lam", AT)
    result = mark_pdf(original, text)
    assert not result.incremental and result.pages == 3
    with pdfplumber.open(io.BytesIO(result.data)) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            assert f"Noi dung van ban - {number}" in page.extract_text()
            mark_chars = [c for c in page.chars if c["size"] < 8]
            # the mark runs up the left edge: read its characters from the bottom of the page upwards
            read = "".join(c["text"] for c in sorted(mark_chars, key=lambda c: -c["top"]))
            assert read == text.replace(" ", "") or read.replace(" ", "") == text.replace(" ", "")
            assert mark_chars and max(c["x1"] for c in mark_chars) < 20  # the left margin strip
            content = [c for c in page.chars if c["size"] >= 8]
            assert min(c["x0"] for c in content) >= 72


def test_signed_pdf_is_marked_incrementally_and_stays_valid(world: World, certs: Certs) -> None:
    signed = signed_and_sealed(world, certs, make_pdf("Quyet dinh", pages=10))
    assert validate_pdf(signed).verdict == "valid"
    text = mark_text("Trần Văn Lãnh", "Tỉnh ủy Sông Lam", AT)
    result = mark_pdf(signed, text)
    assert result.incremental
    assert result.data.startswith(signed)  # the signed bytes untouched, the mark appended
    report = validate_pdf(result.data)
    # each signature still covers exactly the bytes it signed (intact, valid certificate); pyHanko files
    # any added annotation as modification level OTHER (it has no rule for annotations), so our own
    # validator calls the printed copy "modified after signing": the screen says it is not the original
    assert [(s.intact, s.valid, s.trusted) for s in report.signatures] == [(True, True, True)] * 2
    reader = PdfReader(io.BytesIO(result.data))
    for page in reader.pages:
        annots: Any = page["/Annots"]
        marks = [a.get_object() for a in annots if a.get_object().get("/Subtype") == "/Stamp"]
        assert [m["/Contents"] for m in marks] == [text]


def test_record_page_warns_that_a_signed_pdfs_print_is_not_the_original(world: World, certs: Certs) -> None:
    from django.test import Client

    from archive import services

    def record(data: bytes) -> int:
        return services.record_create(
            actor=world.clerk,
            organization=world.org,
            data=services.RecordInput(
                issued_date=AT.date(), issuer_name="Tỉnh ủy", type_name="Quyết định", subject="Quyết định"
            ),
            scan=("qd.pdf", data),
        ).pk

    signed, plain = (
        record(signed_and_sealed(world, certs, make_pdf("Quyet dinh", pages=10))),
        record(make_pdf("Ban quet")),
    )
    client = Client()
    client.force_login(world.clerk)
    page = client.get(f"/luu-tru/{signed}/").content.decode()
    assert 'id="signed-print-note"' in page and "không còn là bản gốc có chữ ký số" in page
    assert "sửa đổi sau khi ký" in page
    assert 'id="signed-print-note"' not in client.get(f"/luu-tru/{plain}/").content.decode()
