"""Write the number and the date on an uploaded PDF at issuance (the drafter left them blank).

The blanks are found on page 1: the number goes right after the "Số"/"Số:" word of the header, day and
month between "ngày", "tháng" and "năm" of the date line. A PDF without such a header gets a small
box with the number-symbol and the date in the top margin instead. Nothing else on the page changes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

import pdfplumber
from pypdf import PdfReader, PdfWriter
from reportlab.pdfgen import canvas

from reports.fonts import register_fonts


@dataclass(frozen=True)
class Spot:
    x: float
    baseline: float  # from the top of the page
    size: float


def _words(data: bytes) -> tuple[list[dict[str, object]], float, float]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        words = page.extract_words(extra_attrs=["size"], keep_blank_chars=False)
        return words, float(page.width), float(page.height)


def _find_spots(words: list[dict[str, object]], height: float) -> tuple[Spot | None, list[Spot]]:
    top_part = [w for w in words if float(w["top"]) < height * 0.45]  # type: ignore[arg-type]
    number = None
    for word in top_part:
        if str(word["text"]) in ("Số", "Số:"):
            size = float(word["size"])  # type: ignore[arg-type]
            number = Spot(float(word["x1"]) + size * 0.4, float(word["bottom"]) - 2, size)  # type: ignore[arg-type]
            break
    date_spots: list[Spot] = []
    for i, word in enumerate(top_part):
        if str(word["text"]) == "ngày" and i + 2 < len(top_part):
            month, year = top_part[i + 1], top_part[i + 2]
            same_line = abs(float(month["top"]) - float(word["top"])) < 3  # type: ignore[arg-type]
            if str(month["text"]) == "tháng" and str(year["text"]) == "năm" and same_line:
                gap_day = (float(word["x1"]) + float(month["x0"])) / 2  # type: ignore[arg-type]
                gap_month = (float(month["x1"]) + float(year["x0"])) / 2  # type: ignore[arg-type]
                base = float(word["bottom"]) - 2  # type: ignore[arg-type]
                size = float(word["size"])  # type: ignore[arg-type]
                date_spots = [Spot(gap_day, base, size), Spot(gap_month, base, size)]
                break
    return number, date_spots


def stamp_number(data: bytes, *, number: int, number_symbol: str, on: date) -> bytes:
    """The PDF with its number and date written in; a header box when the blanks are not found."""
    words, width, height = _words(data)
    number_spot, date_spots = _find_spots(words, height)
    regular, _bold, _italic = register_fonts()
    overlay = io.BytesIO()
    pdf = canvas.Canvas(overlay, pagesize=(width, height), invariant=1)
    if number_spot is not None:
        pdf.setFont(regular, number_spot.size)
        pdf.drawString(number_spot.x, height - number_spot.baseline, f"{number:02d}")
    if len(date_spots) == 2:
        month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
        for spot, text in zip(date_spots, (f"{on.day:02d}", month), strict=True):
            pdf.setFont(regular, spot.size)
            pdf.drawCentredString(spot.x, height - spot.baseline, text)
    if number_spot is None or len(date_spots) != 2:
        pdf.setFont(regular, 10)
        pdf.drawRightString(width - 42, height - 28, f"Số: {number_symbol} — ngày {on:%d/%m/%Y}")
    pdf.save()
    stamp_page = PdfReader(io.BytesIO(overlay.getvalue())).pages[0]
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    writer.pages[0].merge_page(stamp_page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
