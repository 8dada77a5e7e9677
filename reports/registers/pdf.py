"""Registers as A4 landscape PDF: a cover page as NĐ 30 PL-IV prescribes, then the table with every column."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from reports.fonts import register_fonts
from reports.registers.layout import Book, Column, Cover, cell_text, clean, columns_for, cover_for

PAGE = landscape(A4)
MARGIN_X = 10 * mm
MARGIN_TOP = 12 * mm
MARGIN_BOTTOM = 15 * mm
NO_ROWS = "Không có văn bản nào trong sổ ở khoảng thời gian này."


def _para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(clean(text)).replace("\n", "<br/>"), style)


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold, italic = register_fonts()
    return {
        "cell": ParagraphStyle(
            "cell", fontName=regular, fontSize=9, leading=11, alignment=TA_LEFT, splitLongWords=True
        ),
        "cell_center": ParagraphStyle(
            "cell_center", fontName=regular, fontSize=9, leading=11, alignment=TA_CENTER
        ),
        "head": ParagraphStyle("head", fontName=bold, fontSize=9, leading=11, alignment=TA_CENTER),
        "number": ParagraphStyle("number", fontName=italic, fontSize=8, leading=10, alignment=TA_CENTER),
        "org": ParagraphStyle("org", fontName=bold, fontSize=14, leading=18, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=bold, fontSize=26, leading=32, alignment=TA_CENTER),
        "subtitle": ParagraphStyle("subtitle", fontName=italic, fontSize=13, leading=17, alignment=TA_CENTER),
        "line": ParagraphStyle("line", fontName=regular, fontSize=14, leading=22, alignment=TA_CENTER),
        "year": ParagraphStyle("year", fontName=bold, fontSize=16, leading=24, alignment=TA_CENTER),
    }


def _cell(text: str, column: Column, styles: dict[str, ParagraphStyle]) -> Any:
    if not text and column.blank_height_mm:
        return Spacer(1, column.blank_height_mm * mm)
    return _para(text, styles["cell_center" if column.centered else "cell"])


def _cover_flowables(cover: Cover, styles: dict[str, ParagraphStyle]) -> list[Any]:
    story: list[Any] = [Spacer(1, 10 * mm)]
    if cover.organization:
        story += [_para(cover.organization.upper(), styles["org"]), _para("―――――", styles["org"])]
    story += [Spacer(1, 35 * mm), _para(cover.title, styles["title"]), Spacer(1, 4 * mm)]
    if cover.register_name:
        story.append(_para(f"({cover.register_name})", styles["subtitle"]))
    story += [Spacer(1, 18 * mm), _para(cover.year, styles["year"])]
    story += [_para(line, styles["line"]) for line in cover.lines[1:]]
    return story


def _table(
    columns: tuple[Column, ...], rows: list[dict[str, Any]], styles: dict[str, ParagraphStyle], width: float
) -> Table:
    total = sum(c.width for c in columns)
    widths = [width * c.width / total for c in columns]
    data: list[list[Any]] = [
        [_para(c.header, styles["head"]) for c in columns],
        [_para(f"({i})", styles["number"]) for i in range(1, len(columns) + 1)],
    ]
    for row in rows:
        data.append([_cell(cell_text(row, c), c, styles) for c in columns])
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("VALIGN", (0, 0), (-1, 1), "MIDDLE"),
        ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#EEEEEE")),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if not rows:
        data.append([_para(NO_ROWS, styles["cell_center"])] + [""] * (len(columns) - 1))
        commands.append(("SPAN", (0, 2), (-1, 2)))
    table = Table(data, colWidths=widths, repeatRows=2, splitByRow=True)
    table.setStyle(TableStyle(commands))
    return table


def _numbered_canvas(footer: str, font: str) -> type[Canvas]:
    """A canvas that writes "Trang i/n" on every page after the cover (n known only at the end)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab API name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            count = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                if self._pageNumber > 1:
                    self.setFont(font, 8)
                    self.drawString(MARGIN_X, 8 * mm, footer)
                    self.drawRightString(
                        PAGE[0] - MARGIN_X, 8 * mm, f"Trang {self._pageNumber - 1}/{count - 1}"
                    )
                super().showPage()
            super().save()

    return NumberedCanvas


def export_pdf(
    kind: str,
    register: Book,
    rows: list[dict[str, Any]],
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    organization_name: str = "",
) -> bytes:
    """The register (a kind of ``layout.KINDS``) as PDF bytes: cover page, then the table of ``rows``."""
    columns = columns_for(kind)
    cover = cover_for(
        kind, register, rows, date_from=date_from, date_to=date_to, organization_name=organization_name
    )
    styles = _styles()
    regular, _bold, _italic = register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        leftMargin=MARGIN_X,
        rightMargin=MARGIN_X,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        title=f"{cover.title} – {cover.year}",
        author=cover.organization,
        subject=cover.register_name,
        creator="dieuhanh",
    )
    story = _cover_flowables(cover, styles)
    story += [PageBreak(), _table(columns, rows, styles, doc.width)]
    printed = timezone.localtime().strftime("%d/%m/%Y %H:%M")
    footer = clean(f"{cover.title} – {cover.organization[:90]} – {cover.year} · In từ hệ thống lúc {printed}")
    doc.build(story, canvasmaker=_numbered_canvas(footer, regular))
    return buffer.getvalue()
