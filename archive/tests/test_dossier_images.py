"""Documents kept as scanned images (JPEG, PNG, multi-page TIFF) are pages of the exported dossier PDF,
in date order with the PDFs, read back by page count and text."""

from __future__ import annotations

import io
from datetime import date

import pdfplumber
import pytest
from PIL import Image

from archive import exports, services
from archive.tests.conftest import ArchiveWorld

pytestmark = pytest.mark.django_db


def image(fmt: str, pages: int = 1, size: tuple[int, int] = (600, 850)) -> bytes:
    frames = [Image.new("RGB", size, (255, 255 - 40 * i, 255)) for i in range(pages)]
    out = io.BytesIO()
    frames[0].save(out, fmt, save_all=pages > 1, append_images=frames[1:])
    return out.getvalue()


def scanned(aw: ArchiveWorld, name: str, data: bytes, issued: date) -> int:
    record = services.record_create(
        actor=aw.w.clerk,
        organization=aw.w.org,
        data=services.RecordInput(
            issued_date=issued,
            issuer_name="Huyện ủy Hưng Nguyên",
            type_name="Báo cáo",
            subject=f"Bản quét {name}",
            number_symbol=f"{issued.month}-BC/HU",
        ),
        scan=(name, data),
    )
    return record.pk


def test_image_scans_become_pages_of_the_dossier_pdf(aw: ArchiveWorld) -> None:
    dossier = aw.dossier()
    pdf_record = aw.record(issued=date(1998, 3, 1), pages=2)
    ids = [
        pdf_record.pk,
        scanned(aw, "bien-ban.tif", image("TIFF", pages=2), date(1998, 1, 5)),
        scanned(aw, "to-trinh.jpg", image("JPEG", size=(900, 600)), date(1998, 2, 1)),
        scanned(aw, "cong-van.png", image("PNG"), date(1998, 4, 1)),
    ]
    for pk in ids:
        services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind="archive", document_id=pk)
    data, _name, _type = exports.export_dossier(aw.w.leader, dossier.pk, "pdf")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        texts = [p.extract_text() or "" for p in pdf.pages]
        landscape = [p.width > p.height for p in pdf.pages]
    # the index, then in date order: TIFF (2 pages), JPEG (1), the PDF (2), PNG (1)
    assert len(texts) == 1 + 2 + 1 + 2 + 1
    assert "MỤC LỤC VĂN BẢN" in texts[0] and "Ảnh quét" not in texts[0]
    assert "bien-ban.tif — trang 1/2" in texts[1] and "bien-ban.tif — trang 2/2" in texts[2]
    assert "to-trinh.jpg — trang 1/1" in texts[3] and landscape[3] and not landscape[1]
    assert "Bao cao tong ket - 1" in texts[4] and "Bao cao tong ket - 2" in texts[5]
    assert "cong-van.png — trang 1/1" in texts[6]
    # the TIFF's two frames count as its two pages when the dossier is closed
    closed = services.dossier_close(actor=aw.w.clerk, dossier=dossier)
    assert (closed.doc_total, closed.page_total) == (4, 2 + 1 + 2 + 1)
