"""The outgoing register (sổ đăng ký văn bản đi, NĐ 30 PL-IV): rows, PDF and Excel read back, order,
visibility and a constant number of queries."""

from __future__ import annotations

import io
import unicodedata
from datetime import date, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from core import tokens
from core.models import AuditEvent
from documents.models import DocType, Register
from orgs.models import User
from outgoing import services
from outgoing.models import OutgoingDocument, Recipient
from outgoing.tests.conftest import OutgoingWorld
from reports.registers import export_pdf, export_xlsx, headers, outgoing_register_rows

pytestmark = pytest.mark.django_db

OUTGOING_HEADERS = [
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Người ký",
    "Nơi nhận văn bản",
    "Đơn vị, người nhận bản lưu",
    "Số lượng bản",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _aware(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


def _fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


def _api(user: Any) -> Client:
    key, _ = tokens.issue(user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _issue(ow: OutgoingWorld, doc_type: str, on: date, **kwargs: Any) -> OutgoingDocument:
    """Issue through the real services, then move the issue time to ``on`` (the book is per year)."""
    doc = services.outgoing_issue(actor=ow.w.clerk, document=ow.approved(doc_type, **kwargs))
    OutgoingDocument.objects.filter(pk=doc.pk).update(issued_at=_aware(on))
    Recipient.objects.filter(document=doc).update(at=_aware(on, 10))
    doc.refresh_from_db()
    return doc


@pytest.fixture
def book(ow: OutgoingWorld) -> dict[str, OutgoingDocument]:
    w = ow.w
    docs = {
        # issued second but dated first: the book follows the issue time
        "cv": _issue(ow, "CV", date(2026, 2, 3), text="cv", recipients=[{"organization_id": w.other_org.pk}]),
        "tb": _issue(ow, "TB", date(2026, 1, 15), text="tb"),
        "secret": _issue(ow, "TB", date(2026, 3, 1), text="mat", secrecy="confidential", recipients=[]),
        "last_year": _issue(ow, "TB", date(2025, 12, 30), text="cu", recipients=[]),
    }
    ow.draft(text="chua phat hanh")  # a draft is never in the book
    return docs


def _register(ow: OutgoingWorld) -> Register:
    return Register.objects.get(organization=ow.w.org, kind="outgoing")


def test_headers_are_the_prescribed_ten_columns() -> None:
    assert headers("outgoing") == OUTGOING_HEADERS


def test_rows_in_issue_order_with_every_column(ow: OutgoingWorld, book: dict[str, Any]) -> None:
    w = ow.w
    rows = outgoing_register_rows(_fresh(w.clerk), _register(ow), year=2026)
    assert [r["document_id"] for r in rows] == [book["tb"].pk, book["cv"].pk, book["secret"].pk]
    tb, cv, secret = rows
    assert tb["number_symbol"] == "01-TB/TU" and tb["book_number"] == "01-TB/TU"
    assert tb["issued_date"] == date(2026, 1, 15)
    assert tb["type_and_subject"] == "Thông báo Thông báo kết luận của Ban Thường vụ"
    assert tb["signer"] == "Lê Văn Bí"
    assert tb["recipients"] == f"{w.other_org.name}; Báo Sông Lam"
    assert tb["file_copy_holder"] == "Phòng Tổng hợp"
    assert tb["copies"] == 3  # two recipients and the file copy
    assert tb["transferred_on"] == date(2026, 1, 15)
    assert tb["signature"] == ""  # the paper copy for Báo Sông Lam is signed for by hand
    assert cv["number_symbol"] == "01-CV/TU" and cv["copies"] == 2
    assert cv["signature"] == "Đã chuyển trên hệ thống"
    assert secret["note"] == "Mật" and secret["copies"] == 1 and secret["recipients"] == ""
    assert [
        r["number_symbol"] for r in outgoing_register_rows(_fresh(w.clerk), _register(ow), year=2025)
    ] == ["03-TB/TU"]


def test_date_filters_and_recalled_note(ow: OutgoingWorld, book: dict[str, Any]) -> None:
    w = ow.w
    services.outgoing_recall(actor=w.clerk, document=book["cv"], reason="Sai số liệu")
    rows = outgoing_register_rows(
        _fresh(w.clerk), _register(ow), date_from=date(2026, 2, 1), date_to=date(2026, 2, 3), year=2026
    )
    assert [r["document_id"] for r in rows] == [book["cv"].pk]
    assert rows[0]["note"] == "Đã thu hồi"


def test_secret_entries_hidden_from_an_uncleared_clerk(ow: OutgoingWorld, book: dict[str, Any]) -> None:
    rows = outgoing_register_rows(_fresh(ow.w.lowclear), _register(ow), year=2026)
    assert [r["document_id"] for r in rows] == [book["tb"].pk, book["cv"].pk]
    leader_rows = outgoing_register_rows(_fresh(ow.w.leader), _register(ow), year=2026)
    assert len(leader_rows) == 3


def test_pdf_reads_back_cover_columns_and_rows(ow: OutgoingWorld, book: dict[str, Any]) -> None:
    response = _api(ow.w.clerk).get(
        f"/api/v1/registers/{_register(ow).pk}/export?format=pdf&from=2026-01-01&to=2026-12-31"
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)
    cover = _norm(reader.pages[0].extract_text())
    for line in (
        "SỔ ĐĂNG KÝ VĂN BẢN ĐI",
        "TỈNH ỦY SÔNG LAM",
        "Năm 2026",
        "Từ ngày 01/01/2026 đến ngày 31/12/2026",
        "Từ số 01-TB/TU đến số 02-TB/TU",
        "Quyển số 01",
    ):
        assert line in cover, line
    text = _norm(" ".join(page.extract_text() for page in reader.pages[1:]))
    for header in OUTGOING_HEADERS:
        assert header in text, header
    assert " ".join(f"({i})" for i in range(1, 11)) in text
    assert text.index("01-TB/TU") < text.index("01-CV/TU") < text.index("02-TB/TU")
    assert "15/01/2026" in text and "03/02/2026" in text
    assert "Lê Văn Bí" in text and "Phòng Tổng hợp" in text and "Báo Sông Lam" in text
    assert "03-TB/TU" not in text  # last year's book
    event = AuditEvent.objects.get(action="register.export")
    assert event.data["kind"] == "outgoing" and event.data["rows"] == 3
    assert event.data["restricted"] == [book["secret"].pk]


def test_xlsx_reads_back_columns_rows_and_dates(ow: OutgoingWorld, book: dict[str, Any]) -> None:
    response = _api(ow.w.lowclear).get(
        f"/api/v1/registers/{_register(ow).pk}/export?format=xlsx&from=2026-01-01"
    )
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert 'filename="so-di-' in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws is not None
    values = list(ws.iter_rows(values_only=True))
    header_index = next(i for i, row in enumerate(values) if list(row[:10]) == OUTGOING_HEADERS)
    assert list(values[header_index + 1]) == [f"({i})" for i in range(1, 11)]
    table = [row for row in values[header_index + 2 :] if any(v is not None for v in row)]
    assert [row[0] for row in table] == ["01-TB/TU", "01-CV/TU"]  # the secret one is not for this clerk
    first = table[0]
    assert first[1] == datetime(2026, 1, 15) and first[7] == datetime(2026, 1, 15)
    assert first[3] == "Lê Văn Bí" and first[5] == "Phòng Tổng hợp" and first[6] == 3
    cover = [ws.cell(row=i, column=1).value for i in range(1, 8)]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in cover and "Từ số 01-TB/TU đến số 01-CV/TU" in cover


def test_state_profile_book_counts_numbers(ow: OutgoingWorld) -> None:
    from orgs.models import Organization

    Organization.objects.filter(pk=ow.w.org.pk).update(profile="state", abbreviation="UBND")
    ow.w.org.refresh_from_db()
    _issue(ow, "QĐ", date(2026, 4, 1), text="qd", recipients=[])
    _issue(ow, "CV", date(2026, 4, 2), text="cv", recipients=[])
    rows = outgoing_register_rows(_fresh(ow.w.clerk), _register(ow), year=2026)
    assert [(r["book_number"], r["number_symbol"]) for r in rows] == [(1, "01/QĐ-UBND"), (2, "02/UBND-TH")]
    data = export_pdf("outgoing", _register(ow), rows, organization_name=ow.w.org.name)
    assert "Từ số 1 đến số 2" in _norm(PdfReader(io.BytesIO(data)).pages[0].extract_text())


def test_only_keepers_of_the_organization_may_print(ow: OutgoingWorld, book: dict[str, Any]) -> None:
    register = _register(ow)
    for user in (ow.w.outsider, ow.w.specialist, ow.w.norole):
        assert _api(user).get(f"/api/v1/registers/{register.pk}/export?format=pdf").status_code == 404
    listed = _api(ow.w.clerk).get("/api/v1/registers").json()
    outgoing = [r for r in listed if r["id"] == register.pk]
    assert outgoing and outgoing[0]["kind"] == "outgoing" and outgoing[0]["last_number"] is None
    assert register.pk not in [r["id"] for r in _api(ow.w.outsider).get("/api/v1/registers").json()]
    wrong = _api(ow.w.clerk).get(f"/api/v1/registers/{register.pk}/export?kind=followup")
    assert wrong.status_code == 400


def test_registers_page_prints_the_outgoing_book(ow: OutgoingWorld, book: dict[str, Any]) -> None:
    register = _register(ow)
    web = Client()
    web.force_login(ow.w.clerk)
    page = web.get("/so/").content.decode()
    assert "Sổ đăng ký văn bản đi" in page and f"/so/{register.pk}/in/" in page
    response = web.get(f"/so/{register.pk}/in/?format=xlsx&kind=outgoing&from=01/01/2026&to=31/12/2026")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    pdf = web.get(f"/so/{register.pk}/in/?format=pdf&from=01/01/2026")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    outsider = Client()
    outsider.force_login(ow.w.outsider)
    assert outsider.get(f"/so/{register.pk}/in/?format=pdf", follow=True).status_code == 200
    assert (
        "Không tìm thấy sổ" in outsider.get(f"/so/{register.pk}/in/?format=pdf", follow=True).content.decode()
    )


def test_query_count_does_not_grow_with_documents(ow: OutgoingWorld) -> None:
    w = ow.w
    register = _register(ow)
    doc_type = DocType.objects.get(profile="party", code="TB")

    def count_for(n: int) -> int:
        OutgoingDocument.objects.all().delete()
        for number in range(1, n + 1):
            doc = OutgoingDocument.objects.create(
                organization=w.org,
                drafting_unit=w.unit,
                drafter=w.specialist,
                doc_type=doc_type,
                subject=f"Thông báo số {number}",
                signer=ow.secretary,
                status="issued",
                register=register,
                numbering_scope="test",
                number=number,
                number_symbol=f"{number:02d}-TB/TU",
                issued_at=_aware(date(2026, 5, 1)),
                issued_by=w.clerk,
            )
            Recipient.objects.create(document=doc, organization=w.other_org, name=w.other_org.name)
            Recipient.objects.create(document=doc, name="Báo Sông Lam")
        user = _fresh(w.clerk)
        with CaptureQueriesContext(connection) as ctx:
            rows = outgoing_register_rows(user, register, year=2026)
            export_pdf("outgoing", register, rows, organization_name=w.org.name)
            export_xlsx("outgoing", register, rows, organization_name=w.org.name)
        assert len(rows) == n and rows[0]["copies"] == 3
        return len(ctx.captured_queries)

    small, large = count_for(3), count_for(30)
    assert small == large
    assert large <= 10


def test_replaced_and_corrected_entries_say_so(ow: OutgoingWorld) -> None:
    from outgoing.after_issue import outgoing_start_correction, outgoing_start_replacement

    w = ow.w
    old = services.outgoing_issue(actor=w.clerk, document=ow.approved(recipients=[]))
    drafts = [  # both started while the original is still issued
        outgoing_start_replacement(actor=w.clerk, document=old, reason="Sai nội dung"),
        outgoing_start_correction(actor=w.clerk, document=old, reason="Sai thể thức"),
    ]
    for new in drafts:
        services.outgoing_submit(actor=w.clerk, document=new)
        for approver in (w.head, w.leader, ow.secretary):
            services.outgoing_approve(actor=approver, document=new)
        new.refresh_from_db()
        services.outgoing_issue(actor=w.clerk, document=new)
    rows = outgoing_register_rows(_fresh(w.clerk), _register(ow))
    notes = {r["number_symbol"]: r["note"] for r in rows}
    assert notes == {
        "01-TB/TU": "Đã bị thay thế bởi văn bản số 02-TB/TU; Đã được đính chính bởi văn bản số 01-CV/TU",
        "02-TB/TU": "Thay thế văn bản số 01-TB/TU",
        "01-CV/TU": "Đính chính văn bản số 01-TB/TU",
    }
    assert [r["status"] for r in rows] == ["replaced", "issued", "issued"]
