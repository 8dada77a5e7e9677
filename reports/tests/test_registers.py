"""Incoming register rows (visibility, filters, columns, query count) and their PDF / Excel output."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from core.vn import fold, normalize_symbol
from documents.models import Channel, DocType, Register, RegisterKind, Urgency
from incoming.models import Assignment, Event, IncomingDocument
from incoming.states import AssignmentRole, AssignmentStatus, Status
from orgs.models import Organization, Role, RoleAssignment, Secrecy, Unit, User
from reports.fonts import register_fonts
from reports.registers import export_pdf, export_xlsx, headers, incoming_register_rows

INCOMING_HEADERS = [
    "Ngày đến",
    "Số đến",
    "Tác giả",
    "Số, ký hiệu văn bản",
    "Ngày tháng văn bản",
    "Tên loại và trích yếu nội dung",
    "Đơn vị hoặc người nhận",
    "Ngày chuyển",
    "Ký nhận",
    "Ghi chú",
]
FOLLOWUP_HEADERS = [
    "Số đến",
    "Tên loại, số, ký hiệu, ngày tháng và cơ quan ban hành",
    "Đơn vị hoặc người nhận",
    "Thời hạn giải quyết",
    "Tiến độ giải quyết",
    "Số, ký hiệu văn bản trả lời",
    "Ghi chú",
]
SUBJECT = "Về việc triển khai Nghị quyết số 57-NQ/TW về phát triển khoa học, công nghệ"
TODAY = date(2026, 3, 20)


@dataclass
class World:
    org: Organization
    register: Register
    other_register: Register
    clerk: User
    secret_clerk: User
    specialist: User
    idle_specialist: User
    general: Unit
    finance: Unit
    doc_type: DocType
    docs: dict[str, IncomingDocument]


def _user(
    username: str,
    org: Organization,
    role: str,
    *,
    full_name: str = "",
    unit: Unit | None = None,
    clearance: str = Secrecy.NONE,
) -> User:
    user = User.objects.create_user(
        username=username, password="x", full_name=full_name, organization=org, unit=unit, clearance=clearance
    )
    RoleAssignment.objects.create(user=user, role=role, organization=org)
    return user


def _doc(
    world_org: Organization,
    register: Register,
    doc_type: DocType,
    creator: User,
    number: int,
    arrival: date,
    **extra: Any,
) -> IncomingDocument:
    values: dict[str, Any] = {
        "issuer_name": "Ban Tuyên giáo Tỉnh ủy",
        "number_symbol": f"{number}-BC/BTGTU",
        "issued_date": arrival - timedelta(days=2),
        "subject": f"Báo cáo tình hình số {number}",
        **extra,
    }
    doc = IncomingDocument(
        organization=world_org,
        register=register,
        year=arrival.year,
        arrival_number=number,
        arrival_date=arrival,
        doc_type=doc_type,
        created_by=creator,
        **values,
    )
    doc.symbol_key = normalize_symbol(doc.number_symbol)
    doc.search_text = fold(" ".join([doc.number_symbol, doc.issuer_name, doc.subject, doc_type.name]))
    doc.save()
    return doc


def _event(doc: IncomingDocument, actor: User, action: str, at: datetime) -> Event:
    event = Event.objects.create(document=doc, actor=actor, action=action)
    Event.objects.filter(pk=event.pk).update(at=at)  # ``at`` is auto_now_add
    return event


def _aware(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


@pytest.fixture
def world(db: Any) -> World:
    org = Organization.objects.create(name="Văn phòng Tỉnh ủy Lâm Đồng", abbreviation="VPTU")
    other_org = Organization.objects.create(name="Huyện ủy Đức Trọng")
    general = Unit.objects.create(organization=org, name="Phòng Tổng hợp")
    finance = Unit.objects.create(organization=org, name="Phòng Tài chính")
    register = Register.objects.create(organization=org, kind=RegisterKind.INCOMING, name="Sổ văn bản đến")
    other_register = Register.objects.create(organization=org, kind=RegisterKind.INCOMING, name="Sổ đến khác")
    other_org_register = Register.objects.create(
        organization=other_org, kind=RegisterKind.INCOMING, name="Sổ văn bản đến"
    )
    clerk = _user("vanthu", org, Role.CLERK, full_name="Trần Thị Văn Thư")
    secret_clerk = _user("vanthumat", org, Role.CLERK, full_name="Lê Văn Mật", clearance=Secrecy.SECRET)
    specialist = _user("chuyenvien", org, Role.SPECIALIST, full_name="Nguyễn Văn An", unit=general)
    informed = _user("chuyenvien2", org, Role.SPECIALIST, full_name="Phạm Thị Bình", unit=finance)
    idle_specialist = _user("chuyenvien3", org, Role.SPECIALIST, full_name="Đỗ Văn Rảnh", unit=finance)
    leader = _user("lanhdao", org, Role.OFFICE_LEADER, full_name="Hoàng Văn Lãnh")
    bc = DocType.objects.get(profile="party", code="BC")

    docs = {
        # distributed, electronic, flash: lead + support units, an informed person, a forwarded child
        "resolution": _doc(
            org,
            register,
            bc,
            clerk,
            1,
            date(2026, 1, 5),
            subject=SUBJECT,
            issuer_name="Tỉnh ủy Lâm Đồng",
            number_symbol="105-BC/TU",
            issued_date=date(2026, 1, 3),
            urgency=Urgency.FLASH,
            channel=Channel.ELECTRONIC,
            due_date=date(2026, 3, 10),
            status=Status.IN_PROGRESS,
            description="Kèm phụ lục",
        ),
        # paper, completed late with a reply
        "completed": _doc(
            org,
            register,
            bc,
            clerk,
            2,
            date(2026, 2, 10),
            due_date=date(2026, 2, 20),
            status=Status.COMPLETED,
            completed_at=_aware(date(2026, 2, 25)),
            reply_number_symbol="12-CV/VPTU",
        ),
        # secret ("Tối mật"): only the cleared clerk sees it
        "secret": _doc(
            org,
            register,
            bc,
            clerk,
            3,
            date(2026, 3, 2),
            secrecy=Secrecy.SECRET,
            subject="Về công tác bảo vệ chính trị nội bộ",
            status=Status.REGISTERED,
        ),
    }
    _doc(org, other_register, bc, clerk, 1, date(2026, 1, 6), subject="Văn bản của sổ khác")
    _doc(other_org, other_org_register, bc, clerk, 1, date(2026, 1, 7), subject="Văn bản của cơ quan khác")

    doc = docs["resolution"]
    lead = Assignment.objects.create(
        document=doc,
        role=AssignmentRole.LEAD,
        unit=general,
        assigned_by=leader,
        deadline=date(2026, 3, 10),
        status=AssignmentStatus.FORWARDED,
    )
    Assignment.objects.create(document=doc, role=AssignmentRole.INFO, person=informed, assigned_by=leader)
    Assignment.objects.create(document=doc, role=AssignmentRole.SUPPORT, unit=finance, assigned_by=leader)
    Assignment.objects.create(
        document=doc, role=AssignmentRole.LEAD, person=specialist, parent=lead, assigned_by=leader
    )
    # an earlier distribution, superseded: must not be printed
    Assignment.objects.create(
        document=doc,
        role=AssignmentRole.LEAD,
        unit=finance,
        assigned_by=leader,
        status=AssignmentStatus.CLOSED,
    )
    _event(doc, clerk, "register", _aware(date(2026, 1, 5), 8))
    _event(doc, leader, "assign", _aware(date(2026, 1, 6), 23))  # 23:00 local: still 06/01 in Vietnam
    _event(doc, leader, "assign", _aware(date(2026, 1, 8)))

    done = docs["completed"]
    Assignment.objects.create(
        document=done,
        role=AssignmentRole.LEAD,
        unit=finance,
        assigned_by=leader,
        status=AssignmentStatus.DONE,
    )
    _event(done, leader, "assign", _aware(date(2026, 2, 11)))
    return World(
        org=org,
        register=register,
        other_register=other_register,
        clerk=clerk,
        secret_clerk=secret_clerk,
        specialist=specialist,
        idle_specialist=idle_specialist,
        general=general,
        finance=finance,
        doc_type=bc,
        docs=docs,
    )


def _fresh(user: User) -> User:
    """A new instance, so role caches kept on the user object do not hide queries."""
    return User.objects.get(pk=user.pk)


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return _norm(" ".join(page.extract_text() or "" for page in reader.pages))


def _xlsx_table(data: bytes, expected_headers: list[str]) -> list[tuple[Any, ...]]:
    """The data rows below the header row and the "(1) … (n)" row."""
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    values = list(ws.iter_rows(values_only=True))
    width = len(expected_headers)
    header_index = next(i for i, row in enumerate(values) if list(row[:width]) == expected_headers)
    assert list(values[header_index]) == expected_headers  # exactly these, nothing after
    numbers = [f"({i})" for i in range(1, len(expected_headers) + 1)]
    assert list(values[header_index + 1]) == numbers
    assert ws.freeze_panes == f"A{header_index + 3}"
    return [row for row in values[header_index + 2 :] if any(v is not None for v in row)]


# ---------------------------------------------------------------- rows


@pytest.mark.django_db
def test_rows_ordered_and_restricted_to_register(world: World) -> None:
    rows = incoming_register_rows(_fresh(world.secret_clerk), world.register, on=TODAY)
    assert [r["arrival_number"] for r in rows] == [1, 2, 3]
    assert {r["document_id"] for r in rows} == {d.pk for d in world.docs.values()}


@pytest.mark.django_db
def test_incoming_register_columns(world: World) -> None:
    rows = incoming_register_rows(_fresh(world.clerk), world.register, on=TODAY)
    first = rows[0]
    assert first["arrival_date"] == date(2026, 1, 5)
    assert first["issuer_name"] == "Tỉnh ủy Lâm Đồng"
    assert first["number_symbol"] == "105-BC/TU"
    assert first["issued_date"] == date(2026, 1, 3)
    assert first["type_and_subject"] == f"Báo cáo {SUBJECT}"
    assert first["recipients"] == (
        "Phòng Tổng hợp (chủ trì); Phòng Tài chính (phối hợp); Phạm Thị Bình (để biết)"
    )
    assert first["transferred_on"] == date(2026, 1, 6)
    assert first["signature"] == "Đã nhận trên hệ thống"
    assert first["note"] == "Hỏa tốc; Kèm phụ lục"
    paper = rows[1]
    assert paper["signature"] == ""  # room for a handwritten signature
    assert paper["recipients"] == "Phòng Tài chính (chủ trì)"
    assert paper["transferred_on"] == date(2026, 2, 11)


@pytest.mark.django_db
def test_followup_register_columns(world: World) -> None:
    rows = incoming_register_rows(_fresh(world.secret_clerk), world.register, on=TODAY)
    first, completed, secret = rows
    assert first["summary"].startswith("Báo cáo số 105-BC/TU ngày 03/01/2026 của Tỉnh ủy Lâm Đồng")
    assert first["due_date"] == date(2026, 3, 10)
    assert first["progress"] == "Đang xử lý; Quá hạn 10 ngày"
    assert first["overdue_days"] == 10
    assert completed["progress"] == "Hoàn thành ngày 25/02/2026 (chậm 5 ngày)"
    assert completed["reply_number_symbol"] == "12-CV/VPTU"
    assert secret["progress"] == "Đã vào sổ"
    assert secret["note"] == "Tối mật"
    assert secret["transferred_on"] is None
    assert secret["recipients"] == ""


@pytest.mark.django_db
def test_secret_document_hidden_from_uncleared_clerk(world: World) -> None:
    cleared = incoming_register_rows(_fresh(world.secret_clerk), world.register, on=TODAY)
    uncleared = incoming_register_rows(_fresh(world.clerk), world.register, on=TODAY)
    secret_id = world.docs["secret"].pk
    assert secret_id in {r["document_id"] for r in cleared}
    assert secret_id not in {r["document_id"] for r in uncleared}
    assert [r["arrival_number"] for r in uncleared] == [1, 2]


@pytest.mark.django_db
def test_specialist_sees_only_documents_assigned_to_them(world: World) -> None:
    rows = incoming_register_rows(_fresh(world.specialist), world.register, on=TODAY)
    assert [r["document_id"] for r in rows] == [world.docs["resolution"].pk]
    assert incoming_register_rows(_fresh(world.idle_specialist), world.register, on=TODAY) == []


@pytest.mark.django_db
def test_date_and_year_filters(world: World) -> None:
    clerk = world.secret_clerk

    def numbers(**kwargs: Any) -> list[int]:
        return [r["arrival_number"] for r in incoming_register_rows(_fresh(clerk), world.register, **kwargs)]

    assert numbers(date_from=date(2026, 2, 10)) == [2, 3]
    assert numbers(date_to=date(2026, 2, 10)) == [1, 2]
    assert numbers(date_from=date(2026, 1, 6), date_to=date(2026, 3, 1)) == [2]
    assert numbers(date_from=date(2026, 3, 3)) == []
    assert numbers(year=2026) == [1, 2, 3]
    assert numbers(year=2025) == []


@pytest.mark.django_db
def test_query_count_does_not_grow_with_documents(world: World) -> None:
    def count_for(n: int) -> int:
        IncomingDocument.objects.filter(register=world.other_register).delete()
        for number in range(1, n + 1):
            doc = _doc(
                world.org, world.other_register, world.doc_type, world.clerk, number, date(2026, 1, 10)
            )
            Assignment.objects.create(
                document=doc, role=AssignmentRole.LEAD, unit=world.general, assigned_by=world.clerk
            )
            Assignment.objects.create(
                document=doc, role=AssignmentRole.SUPPORT, person=world.specialist, assigned_by=world.clerk
            )
            _event(doc, world.clerk, "assign", _aware(date(2026, 1, 11)))
        user = _fresh(world.clerk)
        with CaptureQueriesContext(connection) as ctx:
            rows = incoming_register_rows(user, world.other_register)
            export_pdf(
                "incoming",
                world.other_register,
                rows,
                date_from=None,
                date_to=None,
                organization_name=world.org.name,
            )
            export_xlsx(
                "followup",
                world.other_register,
                rows,
                date_from=None,
                date_to=None,
                organization_name=world.org.name,
            )
        assert len(rows) == n
        assert rows[0]["recipients"] == "Phòng Tổng hợp (chủ trì); Nguyễn Văn An (phối hợp)"
        return len(ctx.captured_queries)

    small, large = count_for(3), count_for(30)
    assert small == large
    assert large <= 10


# ---------------------------------------------------------------- PDF


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "expected_headers", "title"),
    [
        ("incoming", INCOMING_HEADERS, "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN"),
        ("followup", FOLLOWUP_HEADERS, "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN"),
    ],
)
def test_pdf_has_cover_all_columns_and_vietnamese_text(
    world: World, kind: str, expected_headers: list[str], title: str
) -> None:
    assert headers(kind) == expected_headers
    rows = incoming_register_rows(_fresh(world.clerk), world.register, on=TODAY)
    data = export_pdf(
        kind,
        world.register,
        rows,
        date_from=date(2026, 1, 1),
        date_to=date(2026, 3, 31),
        organization_name=world.org.name,
    )
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    page_size = reader.pages[0].mediabox
    assert float(page_size.width) > float(page_size.height)  # landscape
    cover = _norm(reader.pages[0].extract_text())
    for line in (
        title,
        "VĂN PHÒNG TỈNH ỦY LÂM ĐỒNG",
        "Năm 2026",
        "Từ ngày 01/01/2026 đến ngày 31/03/2026",
        "Từ số 1 đến số 2",
        "Quyển số 01",
    ):
        assert line in cover
    text = _pdf_text(data)
    for header in expected_headers:
        assert _norm(header) in text, header
    numbers = " ".join(f"({i})" for i in range(1, len(expected_headers) + 1))
    assert numbers in text
    assert "Trang 1/1" in text
    assert "Nghị quyết" in text and "triển khai" in text
    if kind == "incoming":
        assert _norm(f"Báo cáo {SUBJECT}")[:60] in text
        assert "Đã nhận trên hệ thống" in text
        assert "Phòng Tổng hợp (chủ trì)" in text
    else:
        assert "Quá hạn 10 ngày" in text
        assert "12-CV/VPTU" in text
    assert "bảo vệ chính trị nội bộ" not in text  # the secret document, invisible to this clerk


@pytest.mark.django_db
def test_pdf_repeats_header_on_every_page(world: World) -> None:
    base = incoming_register_rows(_fresh(world.clerk), world.register, on=TODAY)[0]
    rows = [{**base, "arrival_number": n, "document_id": n} for n in range(1, 121)]
    data = export_pdf(
        "incoming", world.register, rows, date_from=None, date_to=None, organization_name=world.org.name
    )
    reader = PdfReader(io.BytesIO(data))
    table_pages = reader.pages[1:]
    assert len(table_pages) > 2
    for index, page in enumerate(table_pages, start=1):
        text = _norm(page.extract_text())
        assert "Tên loại và trích yếu nội dung" in text
        assert "(10)" in text
        assert f"Trang {index}/{len(table_pages)}" in text


@pytest.mark.django_db
def test_pdf_of_an_empty_register(world: World) -> None:
    data = export_pdf(
        "incoming",
        world.register,
        [],
        date_from=date(2026, 5, 1),
        date_to=date(2026, 5, 31),
        organization_name=world.org.name,
    )
    text = _pdf_text(data)
    assert "Từ số … đến số …" in text
    assert "Không có văn bản nào" in text


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError, match="kind"):
        headers("postal")


def test_register_fonts_returns_usable_names() -> None:
    from reportlab.pdfbase import pdfmetrics

    names = register_fonts()
    assert len(names) == 3
    for name in names:
        assert pdfmetrics.getFont(name) is not None
    assert register_fonts() == names  # idempotent


# ---------------------------------------------------------------- Excel


@pytest.mark.django_db
def test_xlsx_incoming_headers_rows_and_dates(world: World) -> None:
    rows = incoming_register_rows(_fresh(world.clerk), world.register, on=TODAY)
    data = export_xlsx(
        "incoming", world.register, rows, date_from=None, date_to=None, organization_name=world.org.name
    )
    table = _xlsx_table(data, INCOMING_HEADERS)
    assert len(table) == len(rows) == 2
    first = table[0]
    assert first[0] == datetime(2026, 1, 5)  # a real date, not text
    assert first[1] == 1
    assert first[5] == f"Báo cáo {SUBJECT}"
    assert first[7] == datetime(2026, 1, 6)
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    assert ws is not None
    date_cell = next(c for c in ws["A"] if isinstance(c.value, datetime))
    assert date_cell.number_format.lower() == "dd/mm/yyyy"
    assert ws[f"F{date_cell.row}"].alignment.wrap_text
    cover = [ws.cell(row=i, column=1).value for i in range(1, 8)]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in cover
    assert "Quyển số 01" in cover
    assert "Từ số 1 đến số 2" in cover
    assert ws.column_dimensions["F"].width > ws.column_dimensions["B"].width


@pytest.mark.django_db
def test_xlsx_followup_headers_and_visibility(world: World) -> None:
    for user, expected in (
        (world.clerk, 2),
        (world.secret_clerk, 3),
        (world.specialist, 1),
        (world.idle_specialist, 0),
    ):
        rows = incoming_register_rows(_fresh(user), world.register, on=TODAY)
        data = export_xlsx(
            "followup", world.register, rows, date_from=None, date_to=None, organization_name=world.org.name
        )
        table = _xlsx_table(data, FOLLOWUP_HEADERS)
        if expected:
            assert len(table) == expected
            assert [r[0] for r in table] == [r["arrival_number"] for r in rows]
        else:
            assert len(table) == 1 and "Không có văn bản nào" in str(table[0][0])


@pytest.mark.django_db
def test_xlsx_text_is_never_a_formula(world: World) -> None:
    rows = incoming_register_rows(_fresh(world.clerk), world.register, on=TODAY)
    rows[0] = {**rows[0], "type_and_subject": '=HYPERLINK("http://evil.example","x")', "note": "a\x07b"}
    data = export_xlsx(
        "incoming", world.register, rows, date_from=None, date_to=None, organization_name=world.org.name
    )
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    cell = next(c for c in ws["F"] if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s"
    assert any(c.value == "ab" for c in ws["J"])
    assert re.search(rb"<f>", _sheet_xml(data)) is None


def _sheet_xml(data: bytes) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")
