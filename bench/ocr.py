"""OCR bench: seconds per page through the intake pipeline's OCR and the ratio to plain Tesseract.

A generated three-page Party document, scanned at 200 dpi with a slight skew, is recognised:
  - by ``tesseract page.png stdout -l vie --psm 4`` on each page image (one thread: OMP_THREAD_LIMIT=1);
  - by the pipeline's OCR step (``intake.ocr.run_ocr``: this image-only PDF is a simple scan, so the fast
    path — Tesseract on each stored page image, its text-only page grafted under the page, PDF/A-2b by
    pikepdf; OCRmyPDF only for other PDFs and the clean-up pass), one page at a time
    (``INTAKE_OCR_JOBS=1``, single-threaded like the Tesseract line): alone, then with the header zones
    read on the other core as the upload pipeline runs it (``zones=True``), then with two pages at a time
    (``INTAKE_OCR_JOBS=2``, one worker on two cores);
  - with the clean-up forced (``INTAKE_OCR_CLEAN=1``: rotation by Tesseract OSD, deskew, unpaper), the
    pass a scan only gets when a page's text comes out unreadable and the page is found turned;
  - the header zones alone (``intake.ocr.header_zones``, once per document).
Warm-up runs first (imports), then RUNS rounds, the variants interleaved in each round so that a change
of the machine's load hits them alike; medians. The CPU time of the OCR step against Tesseract's is printed
too (wall-clock ratios drift with the other sessions' load on a shared machine).
Target: pipeline ≤ 1.2 × tesseract.
Prints the figures with the load average and writes bench/results-ocr.json.
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
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
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

    def pipeline(*, jobs: int = 1, zones: bool = False, clean: bool = False) -> float:
        settings.INTAKE_OCR_JOBS, settings.INTAKE_OCR_CLEAN = jobs, clean
        started = time.perf_counter()
        output = ocr.run_ocr(pdf, zones=zones)
        assert len(output.pages) == PAGES and output.pdf
        return time.perf_counter() - started

    def zones_alone() -> float:
        started = time.perf_counter()
        ocr.header_zones(pdf)
        return time.perf_counter() - started

    variants = {
        "tesseract": lambda: plain() / PAGES,
        "ocr": lambda: pipeline() / PAGES,
        "ocr_zones": lambda: pipeline(zones=True) / PAGES,
        "ocr_zones_jobs2": lambda: pipeline(zones=True, jobs=2) / PAGES,
        "clean": lambda: pipeline(clean=True) / PAGES,
        "zones": zones_alone,
    }
    load_before = os.getloadavg()[0]
    pipeline(zones=True)  # warm-up: imports (pikepdf, pypdfium2)
    pipeline(clean=True)  # and OCRmyPDF's, with its plugins
    figures: dict[str, list[float]] = {key: [] for key in variants}
    cpu_figures: dict[str, list[float]] = {key: [] for key in variants}
    for _ in range(RUNS):
        for key, run in variants.items():
            cpu_before = _cpu()
            figures[key].append(run())
            cpu_figures[key].append((_cpu() - cpu_before) / PAGES)
    load_after = os.getloadavg()[0]
    med = {key: statistics.median(values) for key, values in figures.items()}
    cpu = {key: statistics.median(values) for key, values in cpu_figures.items()}
    tess = med["tesseract"]
    result = {
        "pages": PAGES,
        "dpi": 200,
        "runs": RUNS,
        "tesseract_s_per_page": round(tess, 3),
        "pipeline_s_per_page": round(med["ocr"], 3),
        "ratio": round(med["ocr"] / tess, 2),
        "pipeline_with_zones_s_per_page": round(med["ocr_zones"], 3),
        "ratio_with_zones": round(med["ocr_zones"] / tess, 2),
        "pipeline_with_zones_jobs2_s_per_page": round(med["ocr_zones_jobs2"], 3),
        "ratio_with_zones_jobs2": round(med["ocr_zones_jobs2"] / tess, 2),
        "cleanup_pass_s_per_page": round(med["clean"], 3),
        "ratio_cleanup_pass": round(med["clean"] / tess, 2),
        "header_zones_s_per_document": round(med["zones"], 3),
        "cpu_tesseract_s_per_page": round(cpu["tesseract"], 3),
        "cpu_pipeline_s_per_page": round(cpu["ocr"], 3),
        "cpu_ratio": round(cpu["ocr"] / cpu["tesseract"], 2),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(load_after, 2),
    }
    rows = [
        ("tesseract alone (1 thread)", tess, None),
        ("OCR step, 1 job", med["ocr"], result["ratio"]),
        ("OCR step + header zones, 1 job", med["ocr_zones"], result["ratio_with_zones"]),
        ("OCR step + header zones, 2 jobs", med["ocr_zones_jobs2"], result["ratio_with_zones_jobs2"]),
        ("clean-up pass (bad scans only)", med["clean"], result["ratio_cleanup_pass"]),
    ]
    for label, value, ratio in rows:
        print(f"{label:34} {value:5.2f} s/page" + (f"  ratio {ratio:.2f}×" if ratio is not None else ""))
    print(f"{'header zones alone':34} {med['zones']:5.2f} s/document")
    verdict = "met" if result["ratio"] <= TARGET and result["ratio_with_zones"] <= TARGET else "NOT met"
    print(f"CPU time (process and children): tesseract {cpu['tesseract']:.2f} s/page, OCR step ", end="")
    print(f"{cpu['ocr']:.2f} s/page: ratio {result['cpu_ratio']:.2f}×")
    print(f"target ≤ {TARGET}× (1 job): {verdict}; load average {load_before:.1f} → {load_after:.1f}")
    (HERE / "results-ocr.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


def _cpu() -> float:
    """CPU seconds of this process (OCRmyPDF's threads) and of its finished children (Tesseract): a
    measure the other sessions' load on the machine does not stretch, unlike the wall clock."""
    import resource

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


if __name__ == "__main__":
    raise SystemExit(main())
