"""The screens: plan, dossier list/detail, "Đưa vào hồ sơ" from the incoming page, close, exports, transfer,
import with its progress, the printed copy on the web."""

from __future__ import annotations

import io

import pytest
from django.test import Client

from archive.models import Dossier, ImportJob
from archive.tests.conftest import ArchiveWorld
from archive.tests.test_transfer_import import good_rows, scans, spreadsheet
from core.worker import run_pending

pytestmark = pytest.mark.django_db


def login(user: object) -> Client:
    client = Client()
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_dossier_journey_on_the_screens(aw: ArchiveWorld) -> None:
    clerk = login(aw.w.clerk)
    plan = clerk.get(f"/ho-so/danh-muc/{aw.plan.pk}/")
    assert (
        plan.status_code == 200 and "01.TCCB" in plan.content.decode() and "20 năm" in plan.content.decode()
    )
    opened = clerk.post(f"/ho-so/danh-muc/{aw.plan.pk}/", {"action": "open", "item": aw.item.pk})
    dossier = Dossier.objects.get()
    assert opened["Location"] == f"/ho-so/{dossier.pk}/"
    doc = aw.incoming()
    page = clerk.get(f"/van-ban-den/{doc.pk}/").content.decode()
    assert "Đưa vào hồ sơ" in page and 'id="print-note"' in page and "/tep/" in page
    clerk.post(f"/ho-so/dua-vao/incoming/{doc.pk}/", {"dossier": dossier.pk})
    assert "Thuộc hồ sơ" in clerk.get(f"/van-ban-den/{doc.pk}/").content.decode()
    detail = clerk.get(f"/ho-so/{dossier.pk}/").content.decode()
    assert "105-BC/BTCTW" in detail and "Kết thúc hồ sơ" in detail
    clerk.post(f"/ho-so/{dossier.pk}/ket-thuc/", {"end_date": ""})
    dossier.refresh_from_db()
    assert dossier.status == "closed" and dossier.doc_total == 1
    leader = login(aw.w.leader)
    assert "Mở lại hồ sơ" in leader.get(f"/ho-so/{dossier.pk}/").content.decode()
    pdf = leader.get(f"/ho-so/{dossier.pk}/xuat.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert leader.get(f"/ho-so/{dossier.pk}/xuat.xml").content.startswith(b"<?xml")
    assert clerk.get("/ho-so/").status_code == 200
    transfer = clerk.post(
        "/ho-so/nop-luu/", {"organization": aw.w.org.pk, "dossier": [dossier.pk], "receiver_name": "Lưu Trữ"}
    )
    assert transfer.status_code == 302
    listing = clerk.get("/ho-so/nop-luu/").content.decode()
    assert "Biên bản giao nhận" in listing
    # the printed copy from the web
    attachment_id = doc_file_id(doc)
    printed = clerk.get(f"/tep/{attachment_id}/in/")
    assert printed.status_code == 200 and printed["Content-Type"] == "application/pdf"
    assert login(aw.w.outsider).get(f"/tep/{attachment_id}/in/").status_code == 404
    assert login(aw.w.outsider).get(f"/ho-so/{dossier.pk}/").status_code == 404


def doc_file_id(doc: object) -> int:
    from documents.models import Attachment

    return Attachment.objects.get(owner_kind="incoming", owner_id=doc.pk).pk  # type: ignore[attr-defined]


def test_import_page_and_progress(aw: ArchiveWorld) -> None:
    clerk = login(aw.w.clerk)
    assert clerk.get("/ho-so/nhap/").status_code == 200
    sheet = io.BytesIO(spreadsheet(good_rows(2)))
    sheet.name = "muc-luc.xlsx"
    files = []
    for name, data in scans(2):
        f = io.BytesIO(data)
        f.name = name
        files.append(f)
    response = clerk.post("/ho-so/nhap/", {"organization": aw.w.org.pk, "spreadsheet": sheet, "scans": files})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/ho-so/nhap/{job.pk}/"
    waiting = clerk.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and "0/2" in waiting
    run_pending()
    done = clerk.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "100%" in done and "2/2" in done and "every 2s" not in done
    assert login(aw.w.leader).get("/ho-so/nhap/").status_code == 404  # leaders see, clerks import
