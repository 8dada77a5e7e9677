"""Transfer to the archive (lists and minutes read back), transfer reminders (idempotent), and the bulk
import of a legacy archive: row errors in Vietnamese, resumable after a crash, nothing half-imported."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pdfplumber
import pytest
from django.utils import timezone
from openpyxl import Workbook

from archive import exports, importing, services
from archive.models import ArchiveRecord, Dossier, DossierItem, ImportJob, ImportRowError
from archive.reminders import send_transfer_reminders
from archive.tests.conftest import ArchiveWorld
from conftest import make_pdf
from core.errors import InvalidInput, WrongState
from core.models import AuditEvent
from core.worker import run_pending
from documents.models import Attachment
from notifications.models import Notification
from notifications.reminders import send_reminders

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return "\n".join(p.extract_text() or "" for p in pdf.pages)


def closed(aw: ArchiveWorld, code: str = "", **kwargs: Any) -> Dossier:
    dossier = aw.dossier(code=code, **kwargs)
    rec = aw.record(pages=3)
    services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind="archive", document_id=rec.pk)
    return services.dossier_close(actor=aw.w.clerk, dossier=dossier, end_date=date(2026, 6, 30))


def test_transfer_lists_and_minutes(aw: ArchiveWorld) -> None:
    # given two closed dossiers
    first, second = closed(aw), closed(aw, code="02.TCCB", title="Hồ sơ quy hoạch cán bộ")
    # when the clerk hands them over
    transfer = services.transfer_create(
        actor=aw.w.clerk,
        organization=aw.w.org,
        dossier_ids=[first.pk, second.pk],
        receiver_name="Lê Thị Lưu Trữ",
    )
    # then they are transferred and frozen
    assert set(Dossier.objects.values_list("status", flat=True)) == {"transferred"}
    with pytest.raises(WrongState):
        services.dossier_reopen(actor=aw.w.leader, dossier=first, reason="Bổ sung")
    listing = _text(exports.export_transfer(aw.w.leader, transfer.pk, "muc-luc-ho-so")[0])
    assert "MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU" in listing and "01.TCCB" in listing and "02.TCCB" in listing
    assert "Hồ sơ quy hoạch cán bộ" in listing and "20 năm" in listing
    assert "2 hồ sơ (viết bằng chữ: hai hồ sơ)" in listing
    documents = _text(exports.export_transfer(aw.w.leader, transfer.pk, "muc-luc-van-ban")[0])
    assert documents.count("MỤC LỤC VĂN BẢN") == 2 and "12-BC/HU" in documents
    minutes = _text(exports.export_transfer(aw.w.leader, transfer.pk, "bien-ban")[0])
    assert "BIÊN BẢN" in minutes and "Lê Thị Lưu Trữ" in minutes and aw.w.clerk.display_name in minutes
    assert "2 hồ sơ (hai hồ sơ) điện tử, gồm 2 văn bản và 2 tệp tin (6 trang)" in minutes
    assert AuditEvent.objects.filter(action="archive.transfer_export").count() == 3


def test_transfer_refuses_open_dossiers_and_changes_nothing(aw: ArchiveWorld) -> None:
    dossier, ok = aw.dossier(), closed(aw, code="03.TH")
    before = AuditEvent.objects.count()
    with pytest.raises(WrongState):
        services.transfer_create(
            actor=aw.w.clerk, organization=aw.w.org, dossier_ids=[ok.pk, dossier.pk], receiver_name="A"
        )
    assert AuditEvent.objects.count() == before
    assert set(Dossier.objects.values_list("status", flat=True)) == {"open", "closed"}


def test_transfer_reminders_30_days_before_once(aw: ArchiveWorld) -> None:
    dossier = closed(aw)
    assert dossier.transfer_due == date(2027, 6, 30)
    assert send_transfer_reminders(date(2027, 5, 30)) == 0  # 31 days before
    on = date(2027, 5, 31)
    assert send_reminders(on)["archive_transfer"] == 1
    assert send_reminders(on)["archive_transfer"] == 0
    assert send_transfer_reminders(on + timedelta(days=3)) == 0
    notes = Notification.objects.filter(kind="archive_transfer")
    assert {n.user_id for n in notes} == {aw.w.clerk.pk, aw.w.lowclear.pk, aw.w.specialist.pk}
    assert "sắp đến hạn nộp lưu (30/06/2027)" in notes[0].text
    # a due date moved later is reminded again when it comes near
    Dossier.objects.filter(pk=dossier.pk).update(transfer_due=date(2027, 12, 31))
    assert send_transfer_reminders(on) == 0
    assert send_transfer_reminders(date(2027, 12, 1)) == 1


# --- bulk import ---------------------------------------------------------------------------------------

HEADER = [
    "Số, ký hiệu",
    "Ngày văn bản",
    "Cơ quan ban hành",
    "Loại văn bản",
    "Trích yếu",
    "Số trang",
    "Độ mật",
    "Tệp",
]


def spreadsheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows(n: int) -> list[list[Any]]:
    return [
        [
            f"{i}-BC/HU",
            f"0{i}/03/1998",
            "Huyện ủy Hưng Nguyên",
            "Báo cáo",
            f"Báo cáo tháng {i}",
            1,
            "Thường",
            f"scan-{i}.pdf",
        ]
        for i in range(1, n + 1)
    ]


def scans(n: int) -> list[tuple[str, bytes]]:
    return [(f"scan-{i}.pdf", make_pdf(f"scan {i}")) for i in range(1, n + 1)]


def test_import_with_row_errors_in_vietnamese(aw: ArchiveWorld) -> None:
    rows = [
        *good_rows(2),
        ["3-BC/HU", "31/02/1998", "Huyện ủy", "Báo cáo", "Ngày sai", 1, "", "scan-1.pdf"],
        ["4-BC/HU", "01/04/1998", "Huyện ủy", "Báo cáo", "Thiếu tệp", 1, "", "khong-co.pdf"],
        ["5-BC/HU", "01/04/1998", "", "Báo cáo", "", 1, "Bí mật", "scan-2.pdf"],
    ]
    dossier = aw.dossier()
    job = importing.import_start(
        actor=aw.w.clerk,
        organization=aw.w.org,
        spreadsheet=("muc-luc.xlsx", spreadsheet(rows)),
        scans=scans(2),
        dossier=dossier,
    )
    assert job.total_rows == 5 and ArchiveRecord.objects.count() == 0
    run_pending()
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.error_rows, job.percent) == ("done", 2, 3, 100)
    errors = {e.row: e.message for e in ImportRowError.objects.filter(job=job)}
    assert "ngày văn bản “31/02/1998” không đúng định dạng dd/mm/yyyy" in errors[4]
    assert "không có tệp quét “khong-co.pdf” trong thư mục" in errors[5]
    assert "độ mật “Bí mật” không hợp lệ" in errors[6] and "thiếu trích yếu" in errors[6]
    assert "thiếu cơ quan ban hành" in errors[6]
    records = ArchiveRecord.objects.order_by("import_row")
    assert [r.number_symbol for r in records] == ["1-BC/HU", "2-BC/HU"]
    assert all(r.file is not None and r.file.owner_kind == "archive" for r in records)
    assert DossierItem.objects.filter(dossier=dossier).count() == 2


def test_import_refuses_a_spreadsheet_without_the_columns(aw: ArchiveWorld) -> None:
    book = Workbook()
    book.active.append(["Tên", "Ngày"])
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(
        Exception, match="thiếu cột: Ngày văn bản, Cơ quan ban hành, Loại văn bản, Trích yếu, Tệp"
    ):
        importing.import_start(
            actor=aw.w.clerk, organization=aw.w.org, spreadsheet=("x.xlsx", out.getvalue()), scans=[]
        )
    assert ImportJob.objects.count() == 0


def test_import_resumes_after_a_crash_without_duplicates(aw: ArchiveWorld, monkeypatch: Any) -> None:
    job = importing.import_start(
        actor=aw.w.clerk,
        organization=aw.w.org,
        spreadsheet=("m.xlsx", spreadsheet(good_rows(5))),
        scans=scans(5),
    )
    real = importing.import_one_row
    calls = {"n": 0}

    def crashing(job: Any, row: int, parsed: Any, scan: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            # the process dies in the middle of row 3: its record is written, then the crash
            from django.db import transaction

            with pytest.raises(RuntimeError), transaction.atomic():
                real(job, row, parsed, scan)
                raise RuntimeError("rolled back with the crash")
            raise SystemExit("worker killed")
        real(job, row, parsed, scan)

    monkeypatch.setattr(importing, "import_one_row", crashing)
    with pytest.raises(SystemExit):
        importing.import_run(job.pk)
    job.refresh_from_db()
    assert (job.status, job.done_rows) == ("failed", 2)
    assert ArchiveRecord.objects.count() == 2
    assert Attachment.objects.filter(owner_kind="archive").count() == 2  # row 3 left nothing behind
    # when it is resumed
    monkeypatch.setattr(importing, "import_one_row", real)
    importing.import_resume(actor=aw.w.clerk, job=job)
    run_pending()
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.error_rows) == ("done", 5, 0)
    assert sorted(r or 0 for r in ArchiveRecord.objects.values_list("import_row", flat=True)) == [
        2,
        3,
        4,
        5,
        6,
    ]
    assert Attachment.objects.filter(owner_kind="archive").count() == 5


def test_a_running_import_is_not_run_twice_and_a_dead_runner_is_taken_over(aw: ArchiveWorld) -> None:
    job = importing.import_start(
        actor=aw.w.clerk,
        organization=aw.w.org,
        spreadsheet=("m.xlsx", spreadsheet(good_rows(3))),
        scans=scans(3),
    )
    # Given a runner working on the import (claimed, heartbeat fresh)
    assert importing._claim(job.pk)
    # Then a resume is refused with the reason, and a second runner leaves it alone
    with pytest.raises(InvalidInput, match="đang chạy"):
        importing.import_resume(actor=aw.w.clerk, job=job)
    assert not importing._claim(job.pk)
    assert importing.import_run(job.pk).status == "running"
    assert ArchiveRecord.objects.count() == 0
    assert not AuditEvent.objects.filter(action="archive.import_resume").exists()
    # When that runner dies (no heartbeat for longer than the lease)
    ImportJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - importing.LEASE - timedelta(1))
    # Then the import can be resumed and finishes once
    importing.import_resume(actor=aw.w.clerk, job=job)
    run_pending()
    job.refresh_from_db()
    assert (job.status, job.done_rows) == ("done", 3)
    assert ArchiveRecord.objects.count() == 3
    # and a finished import is claimed by nobody
    assert not importing._claim(job.pk)
