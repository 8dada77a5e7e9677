"""The edit forms: dossier metadata (audited; a closed dossier only after reopening), one archive record
with its scan, a file-plan heading and a planned dossier; refusals in Vietnamese, nothing stored."""

from __future__ import annotations

from datetime import date

import pytest

from archive import services
from archive.models import ArchiveRecord, DossierItem, PlanHeading, PlanItem
from archive.tests.conftest import ArchiveWorld
from archive.tests.test_pages import login
from conftest import make_pdf
from core.models import AuditEvent
from documents.models import Attachment

pytestmark = pytest.mark.django_db


def dossier_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "code": "01.TCCB",
        "title": "Hồ sơ công tác tổ chức (sửa)",
        "start_date": "05/01/2026",
        "end_date": "",
        "retention_years": "10",
        "rights": "limited",
        "language": "Tiếng Việt",
        "description": "Bổ sung chú giải",
    }
    return data | overrides


def test_dossier_edit_is_audited_and_closed_dossiers_need_reopening(aw: ArchiveWorld) -> None:
    dossier = aw.dossier()
    clerk = login(aw.w.clerk)
    page = clerk.get(f"/ho-so/{dossier.pk}/sua/")
    assert page.status_code == 200 and "Số và ký hiệu hồ sơ" in page.content.decode()
    response = clerk.post(
        f"/ho-so/{dossier.pk}/sua/", dossier_form(creator_id=aw.w.specialist.pk, code="01.TCCB-A")
    )
    assert response.status_code == 302
    dossier.refresh_from_db()
    assert (dossier.code, dossier.title, dossier.retention_years) == (
        "01.TCCB-A",
        "Hồ sơ công tác tổ chức (sửa)",
        10,
    )
    assert dossier.start_date == date(2026, 1, 5) and dossier.creator_id == aw.w.specialist.pk
    event = AuditEvent.objects.filter(action="archive.dossier_update").get()
    assert event.data["old"]["code"] == "01.TCCB" and event.data["new"]["code"] == "01.TCCB-A"
    # bad input: Vietnamese messages, nothing changed
    bad = clerk.post(
        f"/ho-so/{dossier.pk}/sua/",
        dossier_form(creator_id=aw.w.clerk.pk, start_date="31/02/2026", retention_years="200", title=""),
    ).content.decode()
    assert "Ngày không hợp lệ (định dạng dd/mm/yyyy)." in bad and "Vui lòng nhập tiêu đề hồ sơ." in bad
    ended = clerk.post(
        f"/ho-so/{dossier.pk}/sua/",
        dossier_form(creator_id=aw.w.clerk.pk, end_date="01/01/2026", retention_years="200"),
    ).content.decode()
    assert "Thời hạn bảo quản từ 1 đến 100 năm." in ended
    dossier.refresh_from_db()
    assert dossier.title == "Hồ sơ công tác tổ chức (sửa)" and dossier.retention_years == 10
    # closed: not editable until the office leader reopens it
    rec = aw.record()
    services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind="archive", document_id=rec.pk)
    services.dossier_close(actor=aw.w.clerk, dossier=dossier)
    detail = clerk.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert 'id="edit-dossier"' not in detail and "lãnh đạo Văn phòng mở lại hồ sơ" in detail
    refused = clerk.post(f"/ho-so/{dossier.pk}/sua/", dossier_form(creator_id=aw.w.clerk.pk), follow=True)
    assert "Hồ sơ đã kết thúc: lãnh đạo Văn phòng mở lại hồ sơ thì mới sửa được." in refused.content.decode()
    with pytest.raises(services.WrongState):
        services.dossier_update(actor=aw.w.clerk, dossier=dossier, changes={"title": "X"})
    services.dossier_reopen(actor=aw.w.leader, dossier=dossier, reason="Bổ sung")
    assert clerk.post(f"/ho-so/{dossier.pk}/sua/", dossier_form(creator_id=aw.w.clerk.pk)).status_code == 302
    assert login(aw.w.leader).get(f"/ho-so/{dossier.pk}/sua/").status_code == 404  # leaders read only


def test_dossier_code_clash_is_refused(aw: ArchiveWorld) -> None:
    first, second = aw.dossier(), aw.dossier(code="02.TH")
    page = login(aw.w.clerk).post(
        f"/ho-so/{second.pk}/sua/", dossier_form(code=first.code, creator_id=aw.w.clerk.pk)
    )
    assert "Đã có hồ sơ số 01.TCCB năm 2026." in page.content.decode()
    second.refresh_from_db()
    assert second.code == "02.TH"


def record_form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "number_symbol": "45-NQ/HU",
        "issued_date": "12/08/1997",
        "issuer_name": "Huyện ủy Nghi Lộc",
        "type_name": "Nghị quyết",
        "subject": "Nghị quyết về công tác xây dựng Đảng",
        "signer_name": "Nguyễn Văn A",
        "secrecy": "none",
        "language": "Tiếng Việt",
    }
    return data | overrides


def test_single_archive_record_with_its_scan_into_a_dossier(aw: ArchiveWorld) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    dossier = aw.dossier()
    clerk = login(aw.w.clerk)
    assert 'href="/luu-tru/moi/"' in clerk.get("/ho-so/nhap/").content.decode()
    form = clerk.get(f"/luu-tru/moi/?ho_so={dossier.pk}").content.decode()
    assert "Tệp quét" in form and f'value="{dossier.pk}" selected' in form
    scan = SimpleUploadedFile("nq-45.pdf", make_pdf("Nghi quyet 45", pages=2), "application/pdf")
    response = clerk.post(
        "/luu-tru/moi/", record_form(organization=aw.w.org.pk, dossier=dossier.pk, scan=scan)
    )
    record = ArchiveRecord.objects.get()
    assert response["Location"] == f"/luu-tru/{record.pk}/"
    assert record.page_count == 2 and record.file is not None and record.issued_date == date(1997, 8, 12)
    assert DossierItem.objects.filter(dossier=dossier, record=record).exists()
    # bad input: Vietnamese, nothing stored (a refused scan leaves no record behind)
    bad = SimpleUploadedFile("gia.pdf", b"not a pdf", "application/pdf")
    page = clerk.post(
        "/luu-tru/moi/", record_form(organization=aw.w.org.pk, scan=bad, issued_date="1997")
    ).content.decode()
    assert "Ngày không hợp lệ (định dạng dd/mm/yyyy)." in page
    bad = SimpleUploadedFile("gia.pdf", b"not a pdf", "application/pdf")
    page = clerk.post("/luu-tru/moi/", record_form(organization=aw.w.org.pk, scan=bad)).content.decode()
    assert "Tệp “gia.pdf” không thuộc loại được chấp nhận" in page
    page = clerk.post("/luu-tru/moi/", record_form(organization=aw.w.org.pk, subject="")).content.decode()
    assert "Vui lòng nhập trích yếu." in page
    assert ArchiveRecord.objects.count() == 1 and Attachment.objects.filter(owner_kind="archive").count() == 1
    assert login(aw.w.leader).get("/luu-tru/moi/").status_code == 404


def test_plan_heading_and_item_edit(aw: ArchiveWorld) -> None:
    clerk = login(aw.w.clerk)
    assert (
        f"/ho-so/danh-muc/muc/{aw.item.pk}/sua/"
        in clerk.get(f"/ho-so/danh-muc/{aw.plan.pk}/").content.decode()
    )
    response = clerk.post(
        f"/ho-so/danh-muc/de-muc/{aw.heading.pk}/sua/",
        {"number": "I", "title": "Tổ chức, cán bộ, đảng viên", "abbreviation": "TCCB"},
    )
    assert response.status_code == 302
    assert PlanHeading.objects.get(pk=aw.heading.pk).title == "Tổ chức, cán bộ, đảng viên"
    item_url = f"/ho-so/danh-muc/muc/{aw.item.pk}/sua/"
    page = clerk.get(item_url).content.decode()
    assert "01.TCCB" in page
    clerk.post(
        item_url,
        {
            "code": "01.TCCB-2",
            "title": "Hồ sơ tổ chức",
            "retention_years": "",
            "heading_id": aw.heading.pk,
            "responsible_unit_id": aw.w.unit.pk,
            "note": "",
        },
    )
    item = PlanItem.objects.get(pk=aw.item.pk)
    assert (item.code, item.retention, item.responsible_person_id) == ("01.TCCB-2", "Vĩnh viễn", None)
    event = AuditEvent.objects.get(action="archive.plan_item_update")
    assert event.data["old"]["code"] == "01.TCCB" and event.data["new"]["retention_years"] == ""
    bad = clerk.post(item_url, {"code": "X" * 21, "title": "", "retention_years": "abc"}).content.decode()
    assert "Số và ký hiệu hồ sơ tối đa 20 ký tự." in bad and "Vui lòng nhập tiêu đề hồ sơ." in bad
    bad = clerk.post(item_url, {"code": "02", "title": "T", "retention_years": "abc"}).content.decode()
    assert "Thời hạn bảo quản là số năm hoặc để trống (vĩnh viễn)." in bad
    assert PlanItem.objects.get(pk=aw.item.pk).code == "01.TCCB-2"
    assert login(aw.w.leader).get(item_url).status_code == 404
