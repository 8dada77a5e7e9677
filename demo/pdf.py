"""Short, deterministic A4 PDFs of demo documents in Party (HD 36) or State (NĐ 30) layout.

Drawn with reportlab's canvas directly (no platypus) for speed; a TTF serif font found on the machine
is embedded so that Vietnamese diacritics render. ``invariant`` output: same input, same bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_CANDIDATES: list[tuple[str, str, str]] = [
    (
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSerif-Italic.ttf",
    ),
    (
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSerif-Italic.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSerif-Italic.ttf",
    ),
]

REGULAR = "DemoSerif"
BOLD = "DemoSerif-Bold"
ITALIC = "DemoSerif-Italic"

PAGE_W, PAGE_H = A4
LEFT = 30 * mm
RIGHT = PAGE_W - 15 * mm
TOP = PAGE_H - 20 * mm
BOTTOM = 20 * mm
LEFT_COL = LEFT + 34 * mm  # centre of the issuing-body block
LEFT_MAX = 66 * mm  # widest line of the issuing-body block
RIGHT_COL = LEFT + 117 * mm  # centre of the title / national-motto block
RIGHT_MAX = 2 * (RIGHT - RIGHT_COL) - 2 * mm

_registered = False


class FontNotFound(RuntimeError):
    pass


def register_fonts() -> str:
    """Register the first complete serif family found; returns the regular font's path."""
    global _registered
    for regular, bold, italic in FONT_CANDIDATES:
        if all(Path(p).is_file() for p in (regular, bold, italic)):
            if not _registered:
                pdfmetrics.registerFont(TTFont(REGULAR, regular))
                pdfmetrics.registerFont(TTFont(BOLD, bold))
                pdfmetrics.registerFont(TTFont(ITALIC, italic))
                _registered = True
            return regular
    raise FontNotFound("Không tìm thấy phông chữ có dấu tiếng Việt (Liberation Serif hoặc DejaVu Serif).")


@dataclass(frozen=True)
class PdfDocument:
    """What is printed on a generated document."""

    profile: str  # "party" | "state"
    parent_body: str  # line above the issuing body, "" for none
    issuing_body: str
    number_symbol: str  # as printed without "Số": "105-BC/TU" or "12/UBND-VX"
    place: str
    issued: date
    type_name: str  # "" for công văn
    subject: str
    recipient: str
    paragraphs: list[str]
    authority: str  # "T/M BAN THƯỜNG VỤ", "KT. CHỦ TỊCH", ""
    signer_position: str
    signer_name: str
    urgency_mark: str = ""  # "KHẨN", "THƯỢNG KHẨN", "HỎA TỐC"
    secrecy_mark: str = ""  # "MẬT", "TỐI MẬT"
    copies_to: list[str] = field(default_factory=list)


def date_line(place: str, day: date) -> str:
    """ "Sông Lam, ngày 05 tháng 01 năm 2026" — day < 10 and months 1, 2 zero-padded."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _center(c: Canvas, font: str, size: float, x: float, y: float, text: str, max_width: float = 0) -> float:
    """Draw ``text`` centred on ``x`` (shrunk to ``max_width`` when given); returns its width."""
    width = pdfmetrics.stringWidth(text, font, size)
    while max_width and width > max_width and size > 8:
        size -= 0.5
        width = pdfmetrics.stringWidth(text, font, size)
    c.setFont(font, size)
    c.drawCentredString(x, y, text)
    return width


def _wrap(text: str, font: str, size: float, width: float, indent: float = 0) -> list[str]:
    """Greedy word wrap; the first line is ``indent`` narrower."""
    lines: list[str] = []
    current = ""
    limit = width - indent
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if current and pdfmetrics.stringWidth(candidate, font, size) > limit:
            lines.append(current)
            current = word
            limit = width
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines


def _mark_box(c: Canvas, x: float, y: float, text: str) -> None:
    c.setFont(BOLD, 12)
    width = pdfmetrics.stringWidth(text, BOLD, 12) + 8 * mm
    c.setStrokeColorRGB(0.85, 0.1, 0.1)
    c.setFillColorRGB(0.85, 0.1, 0.1)
    c.rect(x, y - 2.5 * mm, width, 8 * mm, stroke=1, fill=0)
    c.drawString(x + 4 * mm, y, text)
    c.setFillColorRGB(0, 0, 0)
    c.setStrokeColorRGB(0, 0, 0)


def _header(c: Canvas, doc: PdfDocument) -> float:
    y = TOP
    party = doc.profile == "party"
    # issuing body, top-left
    left_y = y
    if doc.parent_body:
        _center(c, REGULAR, 12, LEFT_COL, left_y, doc.parent_body.upper(), LEFT_MAX)
        left_y -= 15
    width = 0.0
    for line in _wrap(doc.issuing_body.upper(), BOLD, 12, LEFT_MAX):
        width = max(width, _center(c, BOLD, 12, LEFT_COL, left_y, line, LEFT_MAX))
        left_y -= 15
    if party:
        _center(c, REGULAR, 12, LEFT_COL, left_y, "*")
    else:
        c.line(LEFT_COL - width / 4, left_y + 10, LEFT_COL + width / 4, left_y + 10)
    left_y -= 17
    number = f"Số {doc.number_symbol}" if party else f"Số: {doc.number_symbol}"
    _center(c, REGULAR, 13, LEFT_COL, left_y, number)
    left_y -= 15
    if not doc.type_name:  # công văn: "V/v ..." under the number
        for line in _wrap(doc.subject, ITALIC, 11, LEFT_MAX)[:3]:
            _center(c, ITALIC, 11, LEFT_COL, left_y, line)
            left_y -= 13
    # title block, top-right
    right_y = y
    if party:
        width = _center(c, BOLD, 14, RIGHT_COL, right_y, "ĐẢNG CỘNG SẢN VIỆT NAM", RIGHT_MAX)
        c.line(RIGHT_COL - width / 2, right_y - 4, RIGHT_COL + width / 2, right_y - 4)
        right_y -= 28
    else:
        _center(c, BOLD, 12, RIGHT_COL, right_y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", RIGHT_MAX)
        right_y -= 15
        width = _center(c, BOLD, 13, RIGHT_COL, right_y, "Độc lập - Tự do - Hạnh phúc", RIGHT_MAX)
        c.line(RIGHT_COL - width / 2, right_y - 4, RIGHT_COL + width / 2, right_y - 4)
        right_y -= 28
    _center(c, ITALIC, 13, RIGHT_COL, right_y, date_line(doc.place, doc.issued), RIGHT_MAX)
    right_y -= 18
    mark_y = min(left_y, right_y) - 4
    if doc.secrecy_mark:
        _mark_box(c, LEFT, mark_y, doc.secrecy_mark)
        mark_y -= 11 * mm
    if doc.urgency_mark:
        _mark_box(c, LEFT, mark_y, doc.urgency_mark)
        mark_y -= 11 * mm
    return mark_y - 10


def _new_page(c: Canvas) -> float:
    """Start the next page with its number centred in the top margin (none on page 1)."""
    c.showPage()
    c.setFont(REGULAR, 13)
    c.drawCentredString(PAGE_W / 2, PAGE_H - 12 * mm, str(c.getPageNumber()))
    return TOP


def _body_lines(c: Canvas, y: float, paragraphs: list[str]) -> float:
    width = RIGHT - LEFT
    indent = 10 * mm
    for paragraph in paragraphs:
        for index, line in enumerate(_wrap(paragraph, REGULAR, 13, width, indent)):
            if y < BOTTOM + 20:
                y = _new_page(c)
            c.setFont(REGULAR, 13)
            c.drawString(LEFT + (indent if index == 0 else 0), y, line)
            y -= 18
        y -= 6
    return y


def render(doc: PdfDocument) -> tuple[bytes, int]:
    """The PDF bytes of ``doc`` and its number of pages (the text flows onto as many pages as needed)."""
    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(f"{doc.number_symbol} — {doc.subject}"[:200])
    c.setAuthor(doc.issuing_body)
    c.setSubject(doc.subject)
    c.setLineWidth(0.6)
    y = _header(c, doc)
    centre = PAGE_W / 2 + 7 * mm
    if doc.type_name:
        _center(c, BOLD, 14, centre, y, doc.type_name.upper())
        y -= 18
        for line in _wrap(doc.subject, BOLD, 13, RIGHT - LEFT - 20 * mm)[:4]:
            _center(c, BOLD, 13, centre, y, line)
            y -= 17
        c.line(centre - 20 * mm, y + 8, centre + 20 * mm, y + 8)
        y -= 14
    if doc.recipient:
        c.setFont(REGULAR, 13)
        c.drawCentredString(centre, y, f"Kính gửi: {doc.recipient}")
        y -= 24
    y = _body_lines(c, y, list(doc.paragraphs))
    _signature(c, doc, y - 6)
    pages = c.getPageNumber()
    c.showPage()
    c.save()
    return buf.getvalue(), pages


def _signature(c: Canvas, doc: PdfDocument, y: float) -> None:
    if y < BOTTOM + 55 * mm:
        y = _new_page(c)
    sig_x = RIGHT_COL
    top = y
    if doc.authority:
        _center(c, BOLD, 13, sig_x, y, doc.authority.upper(), RIGHT_MAX)
        y -= 16
    position_font = REGULAR if doc.authority else BOLD
    for line in _wrap(doc.signer_position.upper(), position_font, 13, RIGHT_MAX)[:2]:
        _center(c, position_font, 13, sig_x, y, line, RIGHT_MAX)
        y -= 16
    _center(c, ITALIC, 11, sig_x, y - 6, "(Đã ký)")
    y -= 52
    _center(c, BOLD, 13, sig_x, y, doc.signer_name)
    # recipients, bottom-left
    ny = top
    c.setFont(BOLD, 12)
    c.drawString(LEFT, ny, "Nơi nhận:")
    ny -= 14
    c.setFont(REGULAR, 11)
    for line in doc.copies_to:
        c.drawString(LEFT, ny, f"- {line}")
        ny -= 13


def render_annex(
    *, number_symbol: str, subject: str, title: str, rows: list[tuple[str, str]]
) -> tuple[bytes, int]:
    """A one-page annex (phụ lục) of a document: a numbered two-column list; bytes and page count."""
    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    c.setTitle(f"Phụ lục — {number_symbol}")
    y = TOP
    _center(c, BOLD, 14, PAGE_W / 2, y, "PHỤ LỤC")
    y -= 18
    for line in _wrap(title.upper(), BOLD, 13, RIGHT - LEFT)[:3]:
        _center(c, BOLD, 13, PAGE_W / 2, y, line)
        y -= 17
    for line in _wrap(f"(Kèm theo văn bản số {number_symbol}: {subject})", ITALIC, 12, RIGHT - LEFT)[:4]:
        _center(c, ITALIC, 12, PAGE_W / 2, y, line)
        y -= 15
    y -= 12
    col1, col2, col3 = LEFT, LEFT + 12 * mm, LEFT + 110 * mm
    c.setFont(BOLD, 12)
    c.drawString(col1, y, "TT")
    c.drawString(col2, y, "Nội dung")
    c.drawString(col3, y, "Kết quả, ghi chú")
    c.line(LEFT, y - 5, RIGHT, y - 5)
    y -= 20
    for index, (label, value) in enumerate(rows, start=1):
        c.setFont(REGULAR, 12)
        c.drawString(col1, y, str(index))
        lines = _wrap(label, REGULAR, 12, col3 - col2 - 4 * mm)[:2]
        for k, line in enumerate(lines):
            c.drawString(col2, y - k * 14, line)
        c.drawString(col3, y, value)
        y -= 14 * max(len(lines), 1) + 8
    c.showPage()
    c.save()
    return buf.getvalue(), 1
