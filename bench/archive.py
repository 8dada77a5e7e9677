"""The legacy-archive path at a realistic size: ``manage.py archive_import`` of a folder (rows per second,
scans of one page) and the export of a dossier of scanned images to one PDF (seconds, pages).

    .venv/bin/python bench/archive.py [--rows 500] [--images 100]

A fresh SQLite database in a temporary DATA_DIR, the demo organisation (``seed_demo``), then:
1. a folder of ``--rows`` one-page PDF scans plus the spreadsheet naming them → ``archive_import``;
2. ``--images`` records whose scans are 1240×1754 JPEGs (A4 at 150 dpi) in one open dossier → the
   dossier PDF (index page + one page per image).
Prints the figures and writes them to bench/results-archive.json. No target is set by the issue.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(data_dir: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def pdf(text: str) -> bytes:
    from reportlab.pdfgen import canvas

    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.showPage()
    page.save()
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--images", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup(tmp)
        from django.core.management import call_command
        from openpyxl import Workbook
        from PIL import Image

        from archive import exports, services
        from archive.models import ArchiveRecord
        from orgs.models import User

        call_command("migrate", verbosity=0)
        call_command("seed_demo", verbosity=0)
        clerk = User.objects.get(username="vanthu")
        assert clerk.organization is not None

        folder = Path(tmp) / "phong"
        (folder / "quet").mkdir(parents=True)
        book = Workbook()
        book.active.append(
            ["Số, ký hiệu", "Ngày văn bản", "Cơ quan ban hành", "Loại văn bản", "Trích yếu", "Tệp"]
        )
        for i in range(1, args.rows + 1):
            name = f"scan-{i:05d}.pdf"
            (folder / "quet" / name).write_bytes(pdf(f"Ban quet so {i}"))
            book.active.append([f"{i}-BC/HU", "05/03/1998", "Huyện ủy", "Báo cáo", f"Báo cáo số {i}", name])
        book.save(folder / "muc-luc.xlsx")
        before = ArchiveRecord.objects.count()
        started = time.perf_counter()
        call_command(
            "archive_import", str(folder), "--user", "vanthu", "--every", "100000", stdout=io.StringIO()
        )
        import_s = time.perf_counter() - started
        imported = ArchiveRecord.objects.count() - before

        dossier = services.dossier_open(
            actor=clerk,
            organization=clerk.organization,
            data=services.DossierInput(code="BENCH.01", title="Hồ sơ ảnh quét", start_date=date(1998, 1, 1)),
        )
        scan = io.BytesIO()
        Image.new("RGB", (1240, 1754), (250, 250, 245)).save(scan, "JPEG", quality=85)
        for i in range(args.images):
            record = services.record_create(
                actor=clerk,
                organization=clerk.organization,
                data=services.RecordInput(
                    issued_date=date(1998, 1, 1 + i % 28),
                    issuer_name="Huyện ủy",
                    type_name="Báo cáo",
                    subject=f"Ảnh quét {i}",
                ),
                # a byte of difference so that every scan is its own stored file
                scan=(f"anh-{i}.jpg", scan.getvalue() + bytes([i % 256])),
            )
            services.dossier_add_document(actor=clerk, dossier=dossier, kind="archive", document_id=record.pk)
        started = time.perf_counter()
        data, _name, _type = exports.export_dossier(clerk, dossier.pk, "pdf")
        export_s = time.perf_counter() - started
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(data)).pages)
    results = {
        "import_rows": imported,
        "import_seconds": round(import_s, 2),
        "import_rows_per_second": round(imported / import_s, 1),
        "export_images": args.images,
        "export_pages": pages,
        "export_seconds": round(export_s, 2),
        "export_pages_per_second": round(pages / export_s, 1),
        "export_megabytes": round(len(data) / 1e6, 1),
    }
    for key, value in results.items():
        print(f"{key:28} {value}")
    (ROOT / "bench" / "results-archive.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
