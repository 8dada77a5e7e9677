"""Second readings of page 1's left header zone, for the fields read from it that do not validate.

The first reading (``intake.ocr``: the left column at 300 dpi, Tesseract ``--psm 6``) is right for most
scans; on a faded or speckled page it may lose part of the number line ("Số: 454/Q" for "Số:
454/QĐ-UBND"), a word of the issuer or glue debris to it. Such a value has the wrong shape
(``intake.extract.validate``), so the extraction can tell it apart from a good one: only then is the
left column rendered again, larger and with its contrast stretched, and read with other page
segmentations, and the field taken from the first reading that validates. A scan whose fields all
validate costs nothing more; one that does costs one to three Tesseract runs on a strip of the page
(≈ 0.5–1.5 s each).

File work only (pdfium, Tesseract in a subprocess, a temporary directory): no database.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from intake import ocr
from intake.extract import Extraction, Sources, extract
from intake.extract.core import number_part
from intake.extract.validate import issuer_valid, number_symbol_valid, symbol_matches_issuer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Variant:
    """One way of reading the left zone again."""

    dpi: int
    psm: int


# larger letters first (a faded 150-dpi scan loses thin strokes at 300), then another segmentation
VARIANTS = (Variant(400, 6), Variant(300, 4), Variant(500, 11))
# a field is taken from a second reading only together with the fields read from the same line
_GROUPS = {"number_symbol": ("number_symbol", "doc_type"), "issuer_name": ("issuer_name",)}


def failing_fields(result: Extraction) -> list[str]:
    """The fields of the left zone whose value does not have the shape the regulations give it."""
    failing = []
    number, name = str(result.value("number_symbol") or ""), str(result.value("issuer_name") or "")
    shaped = number_symbol_valid(number, result.profile) and symbol_matches_issuer(number, name)
    if not shaped or result.fields["number_symbol"].unsure:  # damaged, or its two readings disagree
        failing.append("number_symbol")
    if not issuer_valid(str(result.value("issuer_name") or "")):
        failing.append("issuer_name")
    return failing


def _valid(result: Extraction, name: str, agreeing: set[str]) -> bool:
    """A second reading's field validates; a number-symbol whose first readings (the zone's and the
    page's) gave two numbers must give one of them (the third reading decides between the two)."""
    if name == "number_symbol":
        number = str(result.value("number_symbol") or "")
        shaped = number_symbol_valid(number, result.profile)
        return (
            shaped
            and symbol_matches_issuer(number, str(result.value("issuer_name") or ""))
            and (not agreeing or number_part(number) in agreeing)
        )
    return name not in failing_fields(result)


def extract_checked(pdf: bytes, sources: Sources) -> Extraction:
    """``extract(sources)``, with the left-zone fields that do not validate read again from ``pdf``'s
    page 1 (see the module's note). Never fails: a second reading that cannot be made is skipped."""
    result = extract(sources)
    failing = failing_fields(result)
    if not failing or not pdf:
        return result
    agreeing: set[str] = set()
    if result.fields["number_symbol"].unsure and result.value("number_symbol"):
        # the zone's and the page's readings give two numbers: the third reading must give one of them
        page = extract(Sources(sources.text))
        agreeing = {number_part(str(found.value("number_symbol"))) for found in (result, page)}
    for variant in VARIANTS:
        try:
            left = read_left_zone(pdf, variant)
        except Exception:  # only a second chance: never fail the extraction for it
            log.warning("header zone could not be read again (%s)", variant, exc_info=True)
            return result
        again = extract(Sources(sources.text, left, sources.header_right))
        for name in list(failing):
            if not _valid(again, name, agreeing):
                continue
            for field in _GROUPS[name]:
                result.fields[field] = again.fields[field]
            if name == "number_symbol" and agreeing:  # two readings of three agree
                result.fields[name].confidence = 0.85
            if name == "number_symbol":
                result.profile = again.profile
            failing.remove(name)
        if not failing:
            break
    return result


def read_left_zone(pdf: bytes, variant: Variant) -> str:
    """The text of page 1's left header column rendered at ``variant.dpi``, its contrast stretched,
    read by Tesseract with ``--psm variant.psm``."""
    image = _left_column(pdf, variant.dpi)
    with tempfile.TemporaryDirectory(prefix="intake-zone-") as tmp:
        path = Path(tmp) / "left.png"
        image.save(path, dpi=(variant.dpi, variant.dpi))
        command = [
            "tesseract",
            str(path),
            "stdout",
            "-l",
            settings.INTAKE_OCR_LANGUAGE,
            "--psm",
            str(variant.psm),
            "--dpi",
            str(variant.dpi),
        ]
        done = subprocess.run(  # noqa: S603 (fixed command: the system's tesseract, our own file)
            command,
            capture_output=True,
            timeout=settings.INTAKE_OCR_TIMEOUT,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            check=True,
        )
    return done.stdout.decode("utf-8", errors="replace")


def _left_column(pdf: bytes, dpi: int) -> Any:
    """Page 1's left header column (``intake.ocr``'s zone geometry), deskewed, greyscale, with its
    contrast stretched: a faded page's grey ink made black and its grey paper white."""
    import pypdfium2 as pdfium
    from PIL import ImageOps

    with ocr._pdfium_lock():  # pdfium is not thread-safe (OCRmyPDF rasterises with it too)
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[0]
            try:
                _, height = page.get_size()
                bitmap = page.render(
                    scale=dpi / 72, crop=(0, height * (1 - ocr.HEADER_HEIGHT), 0, 0), grayscale=True
                )
                top = bitmap.to_pil()
                bitmap.close()
            finally:
                page.close()
        finally:
            document.close()
    top = ocr._deskew(top)
    left = top.crop((0, 0, int(top.width * ocr.HEADER_SPLIT[0]), top.height))
    return ImageOps.autocontrast(left, cutoff=(1, 1))


__all__ = ["VARIANTS", "Variant", "extract_checked", "failing_fields", "read_left_zone"]
