"""``manage.py archive_import <folder>``: a folder of scans plus a spreadsheet of metadata, imported with
progress, Vietnamese errors per bad row (good rows kept), and resumed after an interruption with no
duplicates and nothing lost."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from archive import importing
from archive.models import ArchiveRecord, DossierItem, ImportJob, ImportRowError
from archive.tests.conftest import ArchiveWorld
from archive.tests.test_transfer_import import HEADER, good_rows
from conftest import make_pdf
from documents.models import Attachment

pytestmark = pytest.mark.django_db


def folder_with(tmp_path: Path, rows: list[list[Any]], header: list[str] = HEADER, n_scans: int = 0) -> Path:
    folder = tmp_path / "phong-cu"
    (folder / "quet").mkdir(parents=True)
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    book.save(folder / "muc-luc.xlsx")
    for i in range(1, n_scans + 1):  # scans in a sub-folder, as scanners leave them
        (folder / "quet" / f"scan-{i}.pdf").write_bytes(make_pdf(f"scan {i}"))
    return folder


def run(folder: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("archive_import", str(folder), "--user", "vanthu", "--every", "2", *args, stdout=out)
    return out.getvalue()


def test_command_imports_a_folder_with_row_errors_in_vietnamese(aw: ArchiveWorld, tmp_path: Path) -> None:
    assert aw.w.clerk.username == "vanthu"
    dossier = aw.dossier(code="05.TH", title="Hồ sơ phông cũ")
    closed = aw.dossier(code="06.TH", title="Hồ sơ đã kết thúc")
    rec = aw.record()
    from archive import services

    services.dossier_add_document(actor=aw.w.clerk, dossier=closed, kind="archive", document_id=rec.pk)
    services.dossier_close(actor=aw.w.clerk, dossier=closed)
    header = [*HEADER, "Mã hồ sơ"]
    rows = [[*r, "05.TH"] for r in good_rows(3)]
    rows += [
        ["4-BC/HU", "1998-13-40", "Huyện ủy", "Báo cáo", "Ngày sai", 1, "", "scan-1.pdf", ""],
        ["5-BC/HU", "01/04/1998", "Huyện ủy", "Báo cáo", "Thiếu tệp", 1, "", "khong-co.pdf", ""],
        ["6-BC/HU", "01/04/1998", "Huyện ủy", "Báo cáo", "Hồ sơ lạ", 1, "", "scan-2.pdf", "99.XX"],
        ["7-BC/HU", "01/04/1998", "Huyện ủy", "Báo cáo", "Hồ sơ đóng", 1, "", "scan-2.pdf", "06.TH"],
    ]
    folder = folder_with(tmp_path, rows, header, n_scans=3)
    (folder / "quet" / "hong.pdf").write_bytes(b"not a pdf")  # not named in the sheet: never read
    output = run(folder)
    assert "Bắt đầu đợt nhập" in output and "7 dòng, 3 tệp quét" in output
    assert "% · đã nhập" in output  # the progress lines
    assert "Hoàn thành đợt nhập" in output and "đã nhập 3/7 dòng, 4 dòng lỗi" in output
    errors = {e.row: e.message for e in ImportRowError.objects.all()}
    assert "ngày văn bản “1998-13-40” không đúng định dạng dd/mm/yyyy" in errors[5]
    assert "không có tệp quét “khong-co.pdf” trong thư mục" in errors[6]
    assert "không có hồ sơ mã “99.XX” của cơ quan" in errors[7]
    assert "hồ sơ “06.TH” đã kết thúc hoặc đã nộp lưu" in errors[8]
    assert "dòng 6: không có tệp quét" in output
    assert DossierItem.objects.filter(dossier=dossier).count() == 3
    assert ArchiveRecord.objects.filter(import_job__isnull=False).count() == 3
    # the same spreadsheet again: refused, nothing imported twice
    with pytest.raises(CommandError, match="đã được nhập xong"):
        run(folder)
    assert ArchiveRecord.objects.filter(import_job__isnull=False).count() == 3


def test_command_resumes_an_interrupted_import(aw: ArchiveWorld, tmp_path: Path, monkeypatch: Any) -> None:
    folder = folder_with(tmp_path, good_rows(6), n_scans=6)
    real = importing.import_one_row
    calls = {"n": 0}

    def interrupted(job: Any, row: int, parsed: Any, scan: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # Ctrl-C before row 4 is written
        real(job, row, parsed, scan)

    monkeypatch.setattr(importing, "import_one_row", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(folder)
    job = ImportJob.objects.get()
    assert (job.status, job.done_rows) == ("failed", 3)
    monkeypatch.setattr(importing, "import_one_row", real)
    output = run(folder)  # the same command again
    assert f"Tiếp tục đợt nhập #{job.pk}: đã nhập 3/6 dòng" in output
    job.refresh_from_db()
    assert (job.status, job.done_rows, job.error_rows) == ("done", 6, 0)
    assert ImportJob.objects.count() == 1
    rows = sorted(r or 0 for r in ArchiveRecord.objects.values_list("import_row", flat=True))
    assert rows == [2, 3, 4, 5, 6, 7]  # every row once: none lost, none twice
    assert Attachment.objects.filter(owner_kind="archive").count() == 6


def test_command_explains_a_folder_without_a_spreadsheet(aw: ArchiveWorld, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"đúng một bảng tính \.xlsx"):
        run(tmp_path)
    with pytest.raises(CommandError, match="Không có người dùng"):
        call_command("archive_import", str(tmp_path), "--user", "khongco")


def test_rows_for_a_dossier_closed_meanwhile_are_refused_whole(aw: ArchiveWorld, monkeypatch: Any) -> None:
    from archive import services
    from archive.tests.test_transfer_import import scans, spreadsheet
    from core.worker import run_pending

    dossier = aw.dossier()
    rows = good_rows(2)
    job = importing.import_start(
        actor=aw.w.clerk,
        organization=aw.w.org,
        spreadsheet=("m.xlsx", spreadsheet(rows)),
        scans=scans(2),
        dossier=dossier,
    )
    real = importing.import_one_row

    def close_after_first(job: Any, row: int, parsed: Any, scan: Any) -> None:
        real(job, row, parsed, scan)
        if row == 2:
            dossier.refresh_from_db()
            services.dossier_close(actor=aw.w.clerk, dossier=dossier)

    monkeypatch.setattr(importing, "import_one_row", close_after_first)
    run_pending()
    job.refresh_from_db()
    assert (job.done_rows, job.error_rows) == (1, 1)
    assert "đã kết thúc hoặc đã nộp lưu" in ImportRowError.objects.get(job=job).message
    assert ArchiveRecord.objects.filter(import_job=job).count() == 1  # the refused row left nothing
    assert Attachment.objects.filter(owner_kind="archive").count() == 1
    assert DossierItem.objects.filter(dossier=dossier).count() == 1


def test_a_secret_row_makes_its_dossier_secret(aw: ArchiveWorld) -> None:
    from archive.tests.test_transfer_import import scans, spreadsheet
    from core.worker import run_pending

    dossier = aw.dossier()
    rows = good_rows(1)
    rows[0][6] = "Mật"
    importing.import_start(
        actor=aw.w.clerk,
        organization=aw.w.org,
        spreadsheet=("m.xlsx", spreadsheet(rows)),
        scans=scans(1),
        dossier=dossier,
    )
    run_pending()
    dossier.refresh_from_db()
    assert dossier.secrecy == "confidential" and dossier.items.count() == 1


def test_a_dossier_the_importer_may_not_see_is_answered_as_not_existing(
    aw: ArchiveWorld, tmp_path: Path
) -> None:
    # Given a Tuyệt mật dossier the clerk (no clearance) may not see, and an open one they may
    from archive.models import Dossier
    from core.models import AuditEvent

    hidden = aw.dossier(code="07.TM", title="Hồ sơ tuyệt mật")
    Dossier.objects.filter(pk=hidden.pk).update(secrecy="top_secret")
    seen = aw.dossier(code="08.TH", title="Hồ sơ thường")
    header = [*HEADER, "Mã hồ sơ"]
    rows = [[*r, code] for r, code in zip(good_rows(2), ["07.TM", "08.TH"], strict=True)]
    # When the clerk imports rows naming both
    run(folder_with(tmp_path, rows, header, n_scans=2))
    # Then the hidden one is refused as unknown (its existence not revealed), nothing added to it
    errors = {e.row: e.message for e in ImportRowError.objects.all()}
    assert list(errors) == [2] and "không có hồ sơ mã “07.TM” của cơ quan" in errors[2]
    assert not DossierItem.objects.filter(dossier=hidden).exists()
    # and the row put into the visible dossier is in the audit log like an addition by hand
    item = DossierItem.objects.get(dossier=seen)
    event = AuditEvent.objects.get(action="archive.dossier_add_document", target_id=str(seen.pk))
    assert event.data["document"] == item.record_id and event.data["import_job"] == ImportJob.objects.get().pk
