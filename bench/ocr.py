"""OCR bench: seconds per page through the intake pipeline's OCR and the ratio to plain Tesseract.

A generated three-page Party document, scanned at 200 dpi with a slight skew, is recognised:
  - by ``tesseract page.png - -l vie --psm 4`` on each page image (one thread, as the pipeline runs it);
  - by the pipeline's OCR step (``intake.ocr.run_ocr``: OCRmyPDF, PDF/A with text layer), with the page
    clean-up on (deskew, rotation, unpaper; the default) and off;
  - the header zones read for the metadata (``intake.ocr.header_zones``, once per document).
One warm-up run first (imports), then RUNS runs each; medians. Target: pipeline ≤ 1.2 × tesseract.
Prints the figures and writes bench/results-ocr.json.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
RUNS = int(os.environ.get("BENCH_OCR_RUNS", "3"))
PAGES = 3
TARGET = 1.2


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="bench-ocr-"))
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATA_DIR"] = str(tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from intake import ocr
    from intake.testing.scans import rasterise, render_pdf, to_bytes
    from intake.tests.helpers import party_doc

    images = rasterise(render_pdf(party_doc(PAGES)), dpi=200, rotate=0.6)
    pdf = to_bytes(images, "pdf", 200)
    pngs = []
    for index, image in enumerate(images):
        path = tmp / f"page-{index}.png"
        image.save(path, dpi=(200, 200))
        pngs.append(path)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}

    def plain() -> float:
        started = time.perf_counter()
        for path in pngs:
            command = ["tesseract", str(path), "stdout", "-l", "vie", "--psm", str(settings.INTAKE_OCR_PSM)]
            subprocess.run(command, check=True, capture_output=True, env=env)
        return time.perf_counter() - started

    def pipeline(clean: bool) -> float:
        settings.INTAKE_OCR_CLEAN = clean
        started = time.perf_counter()
        ocr.run_ocr(pdf)
        return time.perf_counter() - started

    def zones() -> float:
        started = time.perf_counter()
        ocr.header_zones(pdf)
        return time.perf_counter() - started

    pipeline(True)  # warm-up: OCRmyPDF's imports and plugins
    figures: dict[str, list[float]] = {
        "tesseract": [],
        "pipeline_clean": [],
        "pipeline_plain": [],
        "zones": [],
    }
    for _ in range(RUNS):
        figures["tesseract"].append(plain() / PAGES)
        figures["pipeline_clean"].append(pipeline(True) / PAGES)
        figures["pipeline_plain"].append(pipeline(False) / PAGES)
        figures["zones"].append(zones())
    medians = {key: statistics.median(values) for key, values in figures.items()}
    result = {
        "pages": PAGES,
        "dpi": 200,
        "runs": RUNS,
        "tesseract_s_per_page": round(medians["tesseract"], 3),
        "pipeline_s_per_page": round(medians["pipeline_clean"], 3),
        "pipeline_without_cleanup_s_per_page": round(medians["pipeline_plain"], 3),
        "ratio": round(medians["pipeline_clean"] / medians["tesseract"], 2),
        "ratio_without_cleanup": round(medians["pipeline_plain"] / medians["tesseract"], 2),
        "header_zones_s_per_document": round(medians["zones"], 3),
        "load_average": os.getloadavg()[0],
    }
    print(f"tesseract alone          {result['tesseract_s_per_page']:.2f} s/page")
    print(
        f"pipeline (with clean-up) {result['pipeline_s_per_page']:.2f} s/page  ratio {result['ratio']:.2f}×"
    )
    print(
        f"pipeline (no clean-up)   {result['pipeline_without_cleanup_s_per_page']:.2f} s/page  "
        f"ratio {result['ratio_without_cleanup']:.2f}×"
    )
    print(f"header zones             {result['header_zones_s_per_document']:.2f} s/document")
    verdict = "met" if result["ratio"] <= TARGET else "NOT met"
    print(f"target ≤ {TARGET}×: {verdict} (load average {result['load_average']:.1f})")
    (HERE / "results-ocr.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
