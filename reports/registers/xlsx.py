"""Registers as an Excel workbook: the cover block on top, prescribed headers, one row per document."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.registers.layout import (
    SHEET_TITLES,
    Book,
    Column,
    Cover,
    cell_text,
    clean,
    columns_for,
    cover_for,
)

FONT = "Times New Roman"
DATE_FORMAT = "DD/MM/YYYY"
CHARS_PER_MM = 0.63  # Excel width units (digits of the default font) per millimetre of the PDF column
NO_ROWS = "Không có văn bản nào trong sổ ở khoảng thời gian này."

_thin = Side(style="thin", color="000000")
_border = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_wrap_top = Alignment(wrap_text=True, vertical="top")
_wrap_center = Alignment(wrap_text=True, vertical="top", horizontal="center")
_centered = Alignment(horizontal="center", vertical="center", wrap_text=True)
_head_fill = PatternFill("solid", fgColor="EEEEEE")


def _text_cell(ws: Worksheet, row: int, column: int, value: str) -> Any:
    cell = ws.cell(row=row, column=column, value=value)
    cell.data_type = "s"  # never a formula, even when the text starts with "="
    return cell


def _title_block(ws: Worksheet, cover: Cover, width: int) -> int:
    """Write the cover lines merged across the table width; return the next free row."""
    lines: list[tuple[str, Font]] = []
    if cover.organization:
        lines.append((cover.organization.upper(), Font(name=FONT, bold=True, size=12)))
    lines.append((cover.title, Font(name=FONT, bold=True, size=16)))
    if cover.register_name:
        lines.append((f"({cover.register_name})", Font(name=FONT, italic=True, size=12)))
    lines.append((cover.year, Font(name=FONT, bold=True, size=12)))
    lines += [(line, Font(name=FONT, size=12)) for line in cover.lines[1:]]
    for index, (text, font) in enumerate(lines, start=1):
        cell = _text_cell(ws, index, 1, text)
        cell.font = font
        cell.alignment = _centered
        ws.merge_cells(start_row=index, start_column=1, end_row=index, end_column=width)
    return len(lines) + 2


def _header(ws: Worksheet, columns: tuple[Column, ...], first: int) -> None:
    for index, column in enumerate(columns, start=1):
        head = _text_cell(ws, first, index, column.header)
        head.font = Font(name=FONT, bold=True, size=11)
        number = _text_cell(ws, first + 1, index, f"({index})")
        number.font = Font(name=FONT, italic=True, size=10)
        for cell in (head, number):
            cell.alignment = _centered
            cell.border = _border
            cell.fill = _head_fill
        ws.column_dimensions[get_column_letter(index)].width = round(column.width * CHARS_PER_MM, 1)
    ws.row_dimensions[first].height = 45


def _body(ws: Worksheet, columns: tuple[Column, ...], rows: list[dict[str, Any]], first: int) -> None:
    font = Font(name=FONT, size=11)
    for offset, row in enumerate(rows):
        excel_row = first + offset
        for index, column in enumerate(columns, start=1):
            value = row.get(column.key)
            if column.is_date:
                cell = ws.cell(row=excel_row, column=index, value=value if isinstance(value, date) else None)
                cell.number_format = DATE_FORMAT
            elif isinstance(value, int) and not isinstance(value, bool):
                cell = ws.cell(row=excel_row, column=index, value=value)
            else:
                cell = _text_cell(ws, excel_row, index, cell_text(row, column))
            cell.font = font
            cell.border = _border
            cell.alignment = _wrap_center if column.centered else _wrap_top
    if not rows:
        cell = _text_cell(ws, first, 1, NO_ROWS)
        cell.font = Font(name=FONT, italic=True, size=11)
        cell.alignment = _centered
        ws.merge_cells(start_row=first, start_column=1, end_row=first, end_column=len(columns))


def _print_setup(ws: Worksheet, header_row: int) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row + 1}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.oddFooter.right.text = "Trang &P/&N"


def export_xlsx(
    kind: str,
    register: Book,
    rows: list[dict[str, Any]],
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    organization_name: str = "",
) -> bytes:
    """The register (a kind of ``layout.KINDS``) as .xlsx bytes; dates are real Excel dates (dd/mm/yyyy)."""
    columns = columns_for(kind)
    cover = cover_for(
        kind, register, rows, date_from=date_from, date_to=date_to, organization_name=organization_name
    )
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_TITLES[kind]
    header_row = _title_block(ws, cover, len(columns))
    _header(ws, columns, header_row)
    _body(ws, columns, rows, header_row + 2)
    ws.freeze_panes = ws.cell(row=header_row + 2, column=1)
    _print_setup(ws, header_row)
    wb.properties.title = clean(f"{cover.title} – {cover.year}")
    wb.properties.creator = "dieuhanh"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
