"""The clerk's dossier path in Debian's Chromium: open the file plan, open a dossier from it, add a legacy
document with its scan, close the dossier, export its PDF (read back)."""

from __future__ import annotations

import io
from typing import Any

import pdfplumber
import pytest

from archive.models import Dossier
from archive.tests.conftest import ArchiveWorld
from conftest import World, make_pdf
from outgoing.tests.conftest import OutgoingWorld
from web.tests.helpers import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def test_clerk_dossier_path(browser: Any, live_server: Any, world: World, tmp_path: Any) -> None:
    aw = ArchiveWorld(OutgoingWorld(world))
    scan = tmp_path / "nghi-quyet-45.pdf"
    scan.write_bytes(make_pdf("Nghi quyet 45", pages=2))
    base = live_server.url
    page = browser_login(browser, base, aw.w.clerk.username)

    # the file plan, and a dossier opened from it
    page.goto(f"{base}/ho-so/danh-muc/")
    page.click("#plans >> text=Danh mục hồ sơ năm 2026")
    page.wait_for_selector("#plan-table >> text=01.TCCB")
    page.click("#plan-table >> text=Mở hồ sơ")
    page.wait_for_selector("h1 >> text=Hồ sơ 01.TCCB")
    dossier = Dossier.objects.get()

    # a legacy document with its scan, straight into the dossier
    page.click("#add-record")
    page.fill("#id_number_symbol", "45-NQ/HU")
    page.fill("#id_issued_date", "12/08/1997")
    page.fill("#id_issuer_name", "Huyện ủy Nghi Lộc")
    page.fill("#id_type_name", "Nghị quyết")
    page.fill("#id_subject", "Nghị quyết về công tác xây dựng Đảng")
    page.set_input_files("#id_scan", str(scan))
    assert page.input_value("#id_dossier") == str(dossier.pk)
    page.click("#form-edit button[type=submit]")
    page.wait_for_selector("text=Đã thêm tài liệu lưu trữ.")
    assert "01.TCCB" in page.inner_text("body")  # the dossier panel of the record page

    # close it, then export the PDF
    page.goto(f"{base}/ho-so/{dossier.pk}/")
    assert "45-NQ/HU" in page.inner_text("#dossier-documents")
    page.click("#form-close button[type=submit]")
    page.wait_for_selector("text=Đã kết thúc hồ sơ.")
    assert "Đã kết thúc · 1 văn bản, 2 trang" in page.inner_text("#dossier-status")
    href = page.get_attribute("#export-pdf", "href")
    response = page.request.get(f"{base}{href}")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.body())) as pdf:
        text = "\n".join(p.extract_text() or "" for p in pdf.pages)
        assert len(pdf.pages) == 1 + 2
    assert "MỤC LỤC VĂN BẢN" in text and "45-NQ/HU" in text and "Nghi quyet 45 - 2" in text
