"""Read generated PDFs back in tests: text, and words with their font, size and position."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pdfplumber


@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    x1: float
    top: float
    size: float
    font: str
    page: int

    @property
    def bold(self) -> bool:
        return "Bold" in self.font

    @property
    def italic(self) -> bool:
        return "Italic" in self.font

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def page_text(data: bytes, page: int = 0) -> str:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return pdf.pages[page].extract_text() or ""


def lines(data: bytes) -> list[Line]:
    """Runs of characters of one font and size on one line, in reading order, all pages."""
    found: list[Line] = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number, page in enumerate(pdf.pages):
            words = page.extract_words(extra_attrs=["fontname", "size"], keep_blank_chars=True, x_tolerance=2)
            words.sort(key=lambda w: (round(w["top"]), w["x0"]))
            for word in words:
                last = found[-1] if found else None
                if (
                    last is not None
                    and last.page == number
                    and abs(last.top - word["top"]) < 2
                    and last.font == word["fontname"]
                    and abs(last.size - word["size"]) < 0.2
                    and word["x0"] - last.x1 < 8
                ):
                    found[-1] = Line(
                        f"{last.text} {word['text']}",
                        last.x0,
                        word["x1"],
                        last.top,
                        last.size,
                        last.font,
                        number,
                    )
                else:
                    found.append(
                        Line(
                            word["text"],
                            word["x0"],
                            word["x1"],
                            word["top"],
                            word["size"],
                            word["fontname"],
                            number,
                        )
                    )
    return found


def find(items: list[Line], text: str) -> Line:
    for line in items:
        if text in line.text:
            return line
    raise AssertionError(f"{text!r} not found in {[i.text for i in items]}")


def letterhead_with_blanks(body: str = "Nội dung thông báo") -> bytes:
    """A drafter's own one-page PDF with the blanks the clerk fills: "Số      -TB/TU" and
    "Sông Lam, ngày    tháng    năm 2026"."""
    from reportlab.pdfgen import canvas

    from reports.fonts import register_fonts

    regular, _bold, _italic = register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(595.3, 841.9))
    pdf.setFont(regular, 14)
    pdf.drawString(100, 760, "Số")
    pdf.drawString(140, 760, "-TB/TU")
    pdf.drawString(330, 760, "Sông Lam, ngày")
    pdf.drawString(450, 760, "tháng")
    pdf.drawString(510, 760, "năm 2026")
    pdf.drawString(100, 600, body)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
