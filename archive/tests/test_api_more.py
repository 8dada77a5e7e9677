"""The API for file plans, dossier open/edit, transfers, archive records and imports: auth, Vietnamese
errors with stable codes, pagination, visibility (404 for what the caller may not see)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.tests.helpers import client_for
from archive import services
from archive.models import ArchiveRecord, Dossier, ImportJob, PlanItem
from archive.tests.conftest import ArchiveWorld
from archive.tests.test_transfer_import import good_rows, spreadsheet
from conftest import make_pdf
from core.models import AuditEvent
from core.worker import run_pending

pytestmark = pytest.mark.django_db


def post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post(path, data=data, content_type="application/json")


def patch(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.patch(path, data=data, content_type="application/json")


def test_file_plan_api(aw: ArchiveWorld) -> None:
    clerk, leader = client_for(aw.w.clerk), client_for(aw.w.leader)
    assert client_for(None).get("/api/v1/file-plans").status_code == 401
    listing = leader.get("/api/v1/file-plans?page_size=1").json()
    assert listing["total"] == 1 and listing["page_size"] == 1 and listing["items"][0]["year"] == 2026
    plan = leader.get(f"/api/v1/file-plans/{aw.plan.pk}").json()
    assert plan["headings"][0]["abbreviation"] == "TCCB"
    assert plan["items"][0] | {"dossier_ids": []} == plan["items"][0]
    assert plan["items"][0]["code"] == "01.TCCB" and plan["items"][0]["retention"] == "20 năm"
    # a new plan, a heading, an item, edits
    created = post(clerk, "/api/v1/file-plans", {"year": 2027, "title": "Danh mục 2027"})
    assert created.status_code == 201
    pk = created.json()["id"]
    heading = post(clerk, f"/api/v1/file-plans/{pk}/headings", {"number": "I", "title": "Tổng hợp"})
    assert heading.status_code == 201
    item = post(
        clerk,
        f"/api/v1/file-plans/{pk}/items",
        {"code": "01.TH", "title": "Hồ sơ tổng hợp", "heading_id": heading.json()["id"]},
    )
    assert item.status_code == 201 and item.json()["retention"] == "Vĩnh viễn"
    edited = patch(
        clerk, f"/api/v1/plan-items/{item.json()['id']}", {"retention_years": 10, "title": "Tổng hợp"}
    )
    assert edited.status_code == 200, edited.content
    assert edited.json()["retention"] == "10 năm"
    assert edited.json()["code"] == "01.TH"  # not sent: kept
    renamed = patch(clerk, f"/api/v1/plan-headings/{heading.json()['id']}", {"title": "Tổng hợp chung"})
    assert renamed.json()["title"] == "Tổng hợp chung" and renamed.json()["number"] == "I"
    # errors: Vietnamese, stable codes
    clash = post(clerk, f"/api/v1/file-plans/{pk}/items", {"code": "01.TH", "title": "Lặp"})
    assert clash.status_code == 409 and clash.json()["code"] == "plan_item_exists"
    bad = patch(clerk, f"/api/v1/plan-items/{item.json()['id']}", {"retention_years": 500})
    assert bad.status_code == 400 and bad.json()["message"] == "Thời hạn bảo quản từ 1 đến 100 năm."
    unknown = patch(clerk, f"/api/v1/plan-items/{item.json()['id']}", {"position": 1})
    assert unknown.status_code == 400 and "payload.position" in unknown.json()["details"]
    assert post(leader, f"/api/v1/file-plans/{pk}/items", {"code": "X", "title": "Y"}).status_code == 403
    assert post(clerk, "/api/v1/file-plans", {"year": 2027}).json()["code"] == "plan_exists"
    outsider = client_for(aw.w.outsider)
    assert outsider.get(f"/api/v1/file-plans/{pk}").status_code == 404
    assert patch(outsider, f"/api/v1/plan-items/{item.json()['id']}", {"title": "Z"}).status_code == 404
    copied = post(clerk, f"/api/v1/file-plans/{pk}/copy", {"year": 2028})
    assert copied.status_code == 201 and copied.json()["items"][0]["code"] == "01.TH"
    assert PlanItem.objects.filter(plan__year=2028).count() == 1


def test_dossier_open_and_edit_api(aw: ArchiveWorld) -> None:
    clerk = client_for(aw.w.clerk)
    opened = post(clerk, "/api/v1/dossiers", {"plan_item_id": aw.item.pk, "start_date": "2026-02-01"})
    assert opened.status_code == 201
    body = opened.json()
    assert (body["code"], body["retention"], body["start_date"]) == ("01.TCCB", "20 năm", "2026-02-01")
    pk = body["id"]
    edited = patch(clerk, f"/api/v1/dossiers/{pk}", {"title": "Hồ sơ tổ chức", "retention_years": None})
    assert edited.status_code == 200 and edited.json()["retention"] == "Vĩnh viễn"
    assert AuditEvent.objects.filter(action="archive.dossier_update").count() == 1
    bad = patch(clerk, f"/api/v1/dossiers/{pk}", {"start_date": "01/02/2026"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.json()["message"]
    backwards = patch(clerk, f"/api/v1/dossiers/{pk}", {"end_date": "2025-01-01"})
    assert (
        backwards.status_code == 400
        and backwards.json()["message"] == "Ngày kết thúc trước ngày bắt đầu của hồ sơ."
    )
    rec = aw.record()
    dossier = Dossier.objects.get(pk=pk)
    services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind="archive", document_id=rec.pk)
    services.dossier_close(actor=aw.w.clerk, dossier=dossier)
    closed = patch(clerk, f"/api/v1/dossiers/{pk}", {"title": "Sửa sau khi đóng"})
    assert closed.status_code == 409 and closed.json()["code"] == "dossier_closed"
    assert "mở lại hồ sơ" in closed.json()["message"]
    assert patch(client_for(aw.w.outsider), f"/api/v1/dossiers/{pk}", {"title": "X"}).status_code == 404


def test_transfer_api(aw: ArchiveWorld) -> None:
    clerk, leader = client_for(aw.w.clerk), client_for(aw.w.leader)
    dossier = aw.dossier()
    services.dossier_add_document(
        actor=aw.w.clerk, dossier=dossier, kind="archive", document_id=aw.record().pk
    )
    refused = post(clerk, "/api/v1/transfers", {"dossier_ids": [dossier.pk], "receiver_name": "Lưu Trữ"})
    assert refused.status_code == 409  # still open
    services.dossier_close(actor=aw.w.clerk, dossier=dossier, end_date=date(2026, 6, 30))
    missing = post(clerk, "/api/v1/transfers", {"dossier_ids": [dossier.pk], "receiver_name": " "})
    assert missing.status_code == 400 and missing.json()["code"] == "receiver_required"
    made = post(clerk, "/api/v1/transfers", {"dossier_ids": [dossier.pk], "receiver_name": "Lưu Trữ"})
    assert made.status_code == 201 and made.json()["dossiers"][0]["status"] == "transferred"
    pk = made.json()["id"]
    listing = leader.get("/api/v1/transfers").json()
    assert listing["total"] == 1 and listing["items"][0]["receiver_name"] == "Lưu Trữ"
    minutes = leader.get(f"/api/v1/transfers/{pk}/export?form=bien-ban")
    assert minutes.status_code == 200 and minutes.content.startswith(b"%PDF")
    assert leader.get(f"/api/v1/transfers/{pk}/export?form=khac").status_code == 404
    assert client_for(aw.w.outsider).get(f"/api/v1/transfers/{pk}").status_code == 404
    assert client_for(aw.w.outsider).get("/api/v1/transfers").json()["total"] == 0


def test_record_and_import_api(aw: ArchiveWorld) -> None:
    clerk = client_for(aw.w.clerk)
    dossier = aw.dossier()
    made = clerk.post(
        "/api/v1/archive-records",
        {
            "issued_date": "1997-08-12",
            "issuer_name": "Huyện ủy Nghi Lộc",
            "type_name": "Nghị quyết",
            "subject": "Nghị quyết về xây dựng Đảng",
            "number_symbol": "45-NQ/HU",
            "dossier_id": dossier.pk,
            "file": SimpleUploadedFile("nq.pdf", make_pdf("NQ", pages=2), "application/pdf"),
        },
    )
    assert made.status_code == 201, made.content
    assert made.json()["files"], made.json()
    assert made.json()["page_count"] == 2 and made.json()["files"][0]["content_type"] == "application/pdf"
    assert dossier.items.count() == 1
    assert client_for(aw.w.leader).get(f"/api/v1/archive-records/{made.json()['id']}").status_code == 200
    bad = clerk.post(
        "/api/v1/archive-records",
        {"issued_date": "12/08/1997", "issuer_name": "A", "type_name": "B", "subject": "C"},
    )
    assert bad.status_code == 400 and bad.json()["details"] == {"issued_date": "12/08/1997"}
    empty = clerk.post(
        "/api/v1/archive-records",
        {"issued_date": "1997-08-12", "issuer_name": "", "type_name": "B", "subject": ""},
    )
    assert empty.status_code == 400 and "thiếu cơ quan ban hành; thiếu trích yếu" in empty.json()["message"]
    assert ArchiveRecord.objects.count() == 1
    # the bulk import, with its progress
    rows = [*good_rows(2), ["3-BC/HU", "01/04/1998", "Huyện ủy", "Báo cáo", "X", 1, "", "khong-co.pdf"]]
    started = clerk.post(
        "/api/v1/archive-imports",
        {
            "spreadsheet": SimpleUploadedFile("m.xlsx", spreadsheet(rows)),
            "scans": [
                SimpleUploadedFile(f"scan-{i}.pdf", make_pdf(f"scan {i}"), "application/pdf") for i in (1, 2)
            ],
        },
    )
    assert started.status_code == 201, started.content
    job = started.json()
    assert (job["status"], job["total_rows"], job["percent"]) == ("pending", 3, 0)
    run_pending()
    done = clerk.get(f"/api/v1/archive-imports/{job['id']}").json()
    assert (done["status"], done["done_rows"], done["error_rows"], done["percent"]) == ("done", 2, 1, 100)
    assert done["errors"] == [{"row": 4, "message": "không có tệp quét “khong-co.pdf” trong thư mục"}]
    assert clerk.get("/api/v1/archive-imports").json()["total"] == 1
    again = clerk.post(f"/api/v1/archive-imports/{job['id']}/resume")
    assert again.status_code == 400 and again.json()["code"] == "import_done"
    ImportJob.objects.filter(pk=job["id"]).update(status="failed")
    assert clerk.post(f"/api/v1/archive-imports/{job['id']}/resume").json()["status"] == "pending"
    no_cols = clerk.post(
        "/api/v1/archive-imports", {"spreadsheet": SimpleUploadedFile("x.xlsx", spreadsheet([])[:50])}
    )
    assert no_cols.status_code == 415 or no_cols.json()["code"] in (
        "bad_spreadsheet",
        "unsupported_file_type",
    )
    leader = client_for(aw.w.leader)
    assert leader.get(f"/api/v1/archive-imports/{job['id']}").status_code == 404  # clerks import
