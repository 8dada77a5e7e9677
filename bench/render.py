"""Time to render a two-page document from its template to PDF, with a cold and a warm converter.

"Render" is docxtpl filling the built-in Party notice template (HD 36) for a document of two pages;
"convert" is LibreOffice headless turning that .docx into PDF, exactly as the worker task does
(``outgoing.drafting.convert.docx_to_pdf``). A *cold* converter starts with an empty LibreOffice
profile folder (the first conversion on a new machine or worker: LibreOffice builds its profile);
a *warm* one reuses the profile of the previous conversion (every conversion after the first).

    .venv/bin/python bench/render.py [--cold 5] [--warm 20]

Prints median and p95 and writes them to bench/results-render.json. Target: warm ≤ 1.5 s.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TARGET_WARM_S = 1.5


def setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DATA_DIR", str(ROOT / "bench" / "var" / "render"))
    import django

    django.setup()


def context() -> dict[str, Any]:
    from outgoing.drafting.context import place_date

    paragraph = (
        "Ban Thường vụ Tỉnh ủy yêu cầu các cấp ủy, tổ chức đảng tập trung lãnh đạo, chỉ đạo thực hiện tốt "
        "nhiệm vụ chuyển đổi số trong cơ quan đảng, bảo đảm an toàn thông tin và tiến độ đề ra."
    )
    return {
        "parent_body": "",
        "issuing_body": "TỈNH ỦY SÔNG LAM",
        "number_line": "Số 12-TB/TU",
        "place_date": place_date("Sông Lam", date(2026, 3, 5), 2026),
        "type_name": "THÔNG BÁO",
        "subject": "Kết luận của Ban Thường vụ Tỉnh ủy về chuyển đổi số",
        "letter_subject": "",
        "paragraphs": [f"{i}. {paragraph}" for i in range(1, 15)],
        "addressees": [],
        "recipients": ["Các ban đảng Tỉnh ủy,", "Các đảng ủy trực thuộc Tỉnh ủy,", "Lưu: VT, TH."],
        "secrecy_mark": "",
        "urgency_mark": "",
        "draft_note": "",
        "authority": "T/M BAN THƯỜNG VỤ",
        "position": "PHÓ BÍ THƯ",
        "signer_name": "Lê Văn Bí",
    }


def quantile(values: list[float], q: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median_s": round(statistics.median(values), 3),
        "p95_s": round(quantile(values, 0.95), 3),
        "min_s": round(min(values), 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cold", type=int, default=5, help="conversions with a new, empty profile each")
    parser.add_argument("--warm", type=int, default=20, help="conversions reusing a profile")
    args = parser.parse_args(argv)
    setup()
    import pdfplumber
    from django.test import override_settings

    from outgoing.drafting import builder, convert, render

    template = builder.build("party", "TB")
    renders: list[float] = []
    for _ in range(20):
        start = time.perf_counter()
        docx = render.render(template, context())
        renders.append(time.perf_counter() - start)
    with pdfplumber.open(io.BytesIO(convert.docx_to_pdf(docx))) as pdf:
        pages = len(pdf.pages)
    cold: list[float] = []
    for _ in range(args.cold):
        with (
            tempfile.TemporaryDirectory(prefix="lo-cold-") as empty,
            override_settings(LIBREOFFICE_PROFILE_DIR=empty),
        ):
            start = time.perf_counter()
            render.render(template, context())
            convert.docx_to_pdf(docx)
            cold.append(time.perf_counter() - start)
    warm: list[float] = []
    with (
        tempfile.TemporaryDirectory(prefix="lo-warm-") as folder,
        override_settings(LIBREOFFICE_PROFILE_DIR=folder),
    ):
        convert.docx_to_pdf(docx)  # the profile is built once
        for _ in range(args.warm):
            start = time.perf_counter()
            data = render.render(template, context())
            convert.docx_to_pdf(data)
            warm.append(time.perf_counter() - start)
    result: dict[str, Any] = {
        "document_pages": pages,
        "render_docxtpl": summary(renders),
        "cold_total": summary(cold),
        "warm_total": summary(warm),
        "target_warm_s": TARGET_WARM_S,
        "warm_pass": statistics.median(warm) <= TARGET_WARM_S and quantile(warm, 0.95) <= TARGET_WARM_S,
        "cpus": os.cpu_count(),
    }
    (ROOT / "bench" / "results-render.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"Template → PDF, {pages}-page notice (docxtpl + LibreOffice headless)")
    print(f"  docxtpl render          median {result['render_docxtpl']['median_s'] * 1000:.0f} ms")
    for label, key in (("cold converter", "cold_total"), ("warm converter", "warm_total")):
        figures = result[key]
        print(f"  {label:<22}  median {figures['median_s']:.2f} s  p95 {figures['p95_s']:.2f} s", end="")
        print(f"  (n={figures['n']})")
    verdict = "PASS" if result["warm_pass"] else "FAIL"
    print(f"  target warm ≤ {TARGET_WARM_S} s: {verdict}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
