"""Search results as Word (.docx, python-docx) or PDF (reportlab with the Vietnamese TrueType fonts of
``reports.fonts``): every result the user may see, up to ``EXPORT_LIMIT`` rows, under a title that
says what was searched, with which filters, by whom and when. Every export is audited."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone

from core import audit
from core.errors import InvalidInput
from search import registry
from search.query import parse
from search.selectors import EXPORT_LIMIT, ORDER_CHOICES, Filters, Hit, search_all

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
FORMATS = {"docx": DOCX, "pdf": "application/pdf"}
TITLE = "KẾT QUẢ TÌM KIẾM VĂN BẢN"
HEADERS = ("STT", "Số, ký hiệu", "Ngày", "Cơ quan ban hành", "Loại văn bản", "Trích yếu", "Nơi lưu")
WIDTHS = (5, 12, 9, 17, 11, 34, 12)  # relative column widths


@dataclass(frozen=True)
class Export:
    data: bytes
    name: str
    content_type: str
    rows: int


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def describe(user: Any, q: str, filters: Filters, order: str) -> list[str]:
    """The lines under the title: the query, each filter in words, the order."""
    from documents.models import DocType

    lines = [f"Từ khóa: “{q.strip()}”" if q.strip() else "Từ khóa: (không có)"]
    parts: list[str] = []
    if filters.kind:
        parts.append(f"Nơi lưu: {registry.get(filters.kind).label}")
    if filters.doc_type:
        name = DocType.objects.filter(code=filters.doc_type).values_list("name", flat=True).first()
        parts.append(f"Loại văn bản: {name or filters.doc_type}")
    if filters.issuer:
        parts.append(f"Cơ quan ban hành: {filters.issuer}")
    if filters.status:
        labels = {v: label for p in registry.providers() for v, label in p.statuses}
        parts.append(f"Trạng thái: {labels.get(filters.status, filters.status)}")
    if filters.date_from:
        parts.append(f"Từ ngày: {_day(filters.date_from)}")
    if filters.date_to:
        parts.append(f"Đến ngày: {_day(filters.date_to)}")
    if filters.dossier:
        parts.append(f"Hồ sơ: {registry.group_label('dossier', user, filters.dossier)}")
    lines.append("Bộ lọc: " + ("; ".join(parts) if parts else "(không có)"))
    lines.append(f"Sắp xếp: {dict(ORDER_CHOICES).get(order, order)}")
    return lines


# characters XML 1.0 cannot hold (a form feed or vertical tab read by the OCR): Word's XML refuses them
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _row(number: int, hit: Hit) -> tuple[str, ...]:
    values = (hit.number_symbol, _day(hit.date), hit.issuer, hit.doc_type_name, hit.subject, hit.kind_label)
    return (str(number), *(_NOT_XML.sub(" ", value) for value in values))


def export_results(user: Any, q: str, filters: Filters, *, order: str, fmt: str) -> Export:
    if fmt not in FORMATS:
        raise InvalidInput("Định dạng xuất phải là docx hoặc pdf.", details={"format": fmt})
    parsed = parse(q)
    if parsed.empty and not parsed.symbol_key and not filters.any:  # nothing to search by ("", '""', "!!")
        raise InvalidInput("Chưa có điều kiện tìm kiếm để xuất.", details={"q": "trống"})
    result = search_all(user, q, filters, order=order, limit=EXPORT_LIMIT)
    now = timezone.localtime()
    who = getattr(user, "full_name", "") or user.get_username()
    header = [
        *describe(user, q, filters, result.order),
        f"Người xuất: {who} ({user.get_username()}) — lúc {now.strftime('%H:%M %d/%m/%Y')}",
    ]
    count = f"Số kết quả: {len(result.items):,}".replace(",", ".")
    if not result.total_exact:
        count += (
            f" — chỉ xuất {EXPORT_LIMIT:,} kết quả đầu tiên theo thứ tự trên; còn nhiều kết quả nữa, "
            "hãy thu hẹp điều kiện tìm kiếm để xuất phần còn lại."
        ).replace(",", ".")
    header.append(count)
    rows = [_row(i, hit) for i, hit in enumerate(result.items, start=1)]
    data = _docx(header, rows) if fmt == "docx" else _pdf(header, rows)
    audit.record(
        actor=user,
        action="search.export",
        organization_id=getattr(user, "organization_id", None),
        data={
            "format": fmt,
            "q": q[:200],
            "filters": {k: str(v) for k, v in filters.__dict__.items() if v not in ("", None)},
            "order": result.order,
            "rows": len(rows),
            "capped": not result.total_exact,
            "restricted": [f"{h.kind}:{h.id}" for h in result.items if h.secrecy not in ("", "none")],
        },
    )
    for hit in result.items:  # each restricted document's own trail shows that it left in an export
        if hit.secrecy not in ("", "none"):
            model = registry.get(hit.kind).queryset().model
            audit.record(
                actor=user,
                action=f"{hit.kind}.read.export",
                target_type=model._meta.label_lower,
                target_id=str(hit.id),
                organization_id=getattr(user, "organization_id", None),
                data={"secrecy": hit.secrecy, "via": "search.export"},
            )
    name = f"ket-qua-tim-kiem-{now.strftime('%Y%m%d-%H%M')}.{fmt}"
    return Export(data, name, FORMATS[fmt], len(rows))


def _docx(header: list[str], rows: list[tuple[str, ...]]) -> bytes:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "Times New Roman")
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(TITLE)
    run.bold = True
    run.font.size = Pt(14)
    for line in header:
        document.add_paragraph(line)
    table = document.add_table(rows=1, cols=len(HEADERS))
    table.style = "Table Grid"
    usable = 26.7
    widths = [Cm(usable * w / sum(WIDTHS)) for w in WIDTHS]
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # the table grid: Word and LibreOffice lay every row out on it
    for cell, text, width in zip(table.rows[0].cells, HEADERS, widths, strict=True):
        cell.width = width
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:  # python-docx's cell API walks the table for every cell: write the runs directly
        row = table.add_row()
        for tc, text in zip(row._tr.tc_lst, values, strict=True):
            tc.p_lst[0].add_r().text = text
    if not rows:
        document.add_paragraph("Không có văn bản nào phù hợp.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _pdf(header: list[str], rows: list[tuple[str, ...]]) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from reports.fonts import register_fonts

    regular, bold, _italic = register_fonts()
    cell = ParagraphStyle("cell", fontName=regular, fontSize=8.5, leading=10.5, splitLongWords=True)
    head = ParagraphStyle("head", fontName=bold, fontSize=8.5, leading=10.5, alignment=TA_CENTER)
    line = ParagraphStyle("line", fontName=regular, fontSize=10, leading=13)
    title = ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, alignment=TA_CENTER)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title="Kết quả tìm kiếm văn bản",
        creator="dieuhanh",
    )
    story: list[Any] = [Paragraph(TITLE, title), Spacer(1, 3 * mm)]
    story += [Paragraph(escape(text), line) for text in header]
    story.append(Spacer(1, 3 * mm))
    widths = [doc.width * w / sum(WIDTHS) for w in WIDTHS]
    style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#EEEEEE")),
            ("LEFTPADDING", (0, 0), (-1, -1), 3),
            ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ]
    )
    heading = [Paragraph(h, head) for h in HEADERS]
    chunk = 200  # reportlab lays out long tables faster in pieces (each repeats the heading)
    for at in range(0, max(len(rows), 1), chunk):
        data: list[list[Any]] = [heading]
        data += [[Paragraph(escape(v), cell) for v in values] for values in rows[at : at + chunk]]
        if not rows:
            data.append([Paragraph("Không có văn bản nào phù hợp.", cell)] + [""] * (len(HEADERS) - 1))
        table = Table(data, colWidths=widths, repeatRows=1, splitByRow=True)
        table.setStyle(style)
        story.append(table)
    doc.build(story)
    return buffer.getvalue()
