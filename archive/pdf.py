"""The archive's printed forms (NĐ 30 PL-V) as PDF, drawn with reportlab and the shared Vietnamese fonts:

- ``document_index_pdf`` — Mục lục văn bản trong hồ sơ (also the index page of a dossier's export);
- ``dossier_list_pdf`` — Mục lục hồ sơ, tài liệu nộp lưu (count in figures and in words);
- ``minutes_pdf`` — Biên bản giao nhận hồ sơ, tài liệu (giver, receiver, block, time span, quantity:
  number of dossiers and of computer files, condition, the attached list);
- ``dossier_pdf`` — one PDF of a dossier: the index, then every document's PDF in date order (pypdf);
  a document kept as scanned images (PNG, JPEG, TIFF — every frame of a multi-page TIFF) becomes pages
  too, each image fitted to an A4 page with the file's name and page in the bottom margin.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from archive.entries import Entry
from archive.models import Dossier, Transfer
from core.files import open_blob
from reports.fonts import register_fonts

_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]


def _three(n: int, full: bool) -> str:
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("lẻ")
    elif tens == 1:
        words.append("mười")
    else:
        words += [_DIGITS[tens], "mươi"]
    if units:
        if units == 1 and tens > 1:
            words.append("mốt")
        elif units == 5 and tens > 0:
            words.append("lăm")
        elif units == 4 and tens > 1:
            words.append("tư")
        else:
            words.append(_DIGITS[units])
    return " ".join(words)


def in_words(n: int) -> str:
    """0 ≤ n < 1 000 000 in Vietnamese words: 21 → "hai mươi mốt", 105 → "một trăm lẻ năm"."""
    if n == 0:
        return "không"
    thousands, rest = divmod(n, 1000)
    parts = []
    if thousands:
        parts += [_three(thousands, False), "nghìn"]
    if rest:
        parts.append(_three(rest, bool(thousands)))
    text = " ".join(parts)
    return text[0].upper() + text[1:]


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold, italic = register_fonts()
    return {
        "cell": ParagraphStyle("cell", fontName=regular, fontSize=9, leading=11, alignment=TA_LEFT),
        "center": ParagraphStyle("center", fontName=regular, fontSize=9, leading=11, alignment=TA_CENTER),
        "head": ParagraphStyle("head", fontName=bold, fontSize=9, leading=11, alignment=TA_CENTER),
        "org": ParagraphStyle("org", fontName=bold, fontSize=11, leading=14, alignment=TA_CENTER),
        "title": ParagraphStyle("title", fontName=bold, fontSize=14, leading=18, alignment=TA_CENTER),
        "sub": ParagraphStyle("sub", fontName=italic, fontSize=11, leading=14, alignment=TA_CENTER),
        "text": ParagraphStyle("text", fontName=regular, fontSize=11, leading=16, alignment=TA_LEFT),
        "bold": ParagraphStyle("bold", fontName=bold, fontSize=11, leading=16, alignment=TA_LEFT),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def _d(value: date | None) -> str:
    return f"{value:%d/%m/%Y}" if value else ""


def _table(
    header: Sequence[str], rows: list[list[Any]], widths: Sequence[float], st: dict[str, Any]
) -> Table:
    data = [[_p(h, st["head"]) for h in header]]
    data += [[_p(f"({i})", st["center"]) for i in range(1, len(header) + 1)]]
    data += [[_p(c, st["center"] if i == 0 else st["cell"]) for i, c in enumerate(row)] for row in rows]
    table = Table(data, colWidths=[w * mm for w in widths], repeatRows=2)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 1), colors.HexColor("#EEEEEE")),
            ]
        )
    )
    return table


def _build(story: list[Any], title: str) -> bytes:
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=title,
        creator="dieuhanh",
    )
    doc.build(story)
    return buffer.getvalue()


def _heading(org_name: str, st: dict[str, Any]) -> list[Any]:
    return [_p(org_name.upper(), st["org"]), _p("―――――", st["org"]), Spacer(1, 6 * mm)]


INDEX_HEADER = (
    "STT",
    "Số, ký hiệu văn bản",
    "Ngày tháng năm văn bản",
    "Tên loại và trích yếu nội dung",
    "Tác giả văn bản",
    "Tờ số / Trang số",
    "Ghi chú",
)
INDEX_WIDTHS = (10, 28, 20, 56, 30, 15, 16)


def index_rows(entries: list[Entry]) -> list[list[Any]]:
    """One row per document; "Trang số" is where it starts in the dossier (documents numbered on)."""
    rows, page = [], 1
    for ordinal, e in enumerate(entries, start=1):
        start = f"{page}" if e.pages <= 1 else f"{page}–{page + e.pages - 1}"
        note = "" if e.printable else e.kind_label
        rows.append(
            [ordinal, e.number_symbol, _d(e.date), f"{e.type_name}: {e.subject}", e.issuer, start, note]
        )
        page += e.pages
    return rows


def _index_story(dossier: Dossier, entries: list[Entry], st: dict[str, Any]) -> list[Any]:
    return [
        *_heading(dossier.organization.name, st),
        _p("MỤC LỤC VĂN BẢN", st["title"]),
        _p(f"Hồ sơ số {dossier.code} năm {dossier.year}: {dossier.title}", st["sub"]),
        _p(
            f"Thời gian: {_d(dossier.start_date)} – {_d(dossier.end_date) or '…'} · Thời hạn bảo quản: "
            f"{dossier.retention} · Người lập: {dossier.creator.display_name}",
            st["sub"],
        ),
        Spacer(1, 5 * mm),
        _table(INDEX_HEADER, index_rows(entries), INDEX_WIDTHS, st),
        Spacer(1, 4 * mm),
        _p(
            f"Hồ sơ gồm {len(entries)} văn bản ({in_words(len(entries)).lower()}), "
            f"{sum(e.pages for e in entries)} trang.",
            st["text"],
        ),
    ]


def document_index_pdf(dossier: Dossier, entries: list[Entry]) -> bytes:
    return _build(_index_story(dossier, entries, _styles()), f"Mục lục văn bản — hồ sơ {dossier.code}")


def dossier_pdf(dossier: Dossier, entries: list[Entry]) -> tuple[bytes, int]:
    """The index, then each document's PDFs in date order; returns (bytes, number of pages)."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(document_index_pdf(dossier, entries))))
    for entry in entries:
        for attachment in entry.printable:
            data = open_blob(attachment.stored)
            if attachment.stored.content_type != "application/pdf":
                data = image_pages_pdf(data, attachment.name)
            writer.append(PdfReader(io.BytesIO(data)), import_outline=False)
    writer.add_metadata({"/Title": f"Hồ sơ {dossier.code}: {dossier.title}", "/Creator": "dieuhanh"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def image_pages_pdf(data: bytes, name: str) -> bytes:
    """A scan (PNG, JPEG, or a TIFF of one or more pages) as PDF pages: each frame on an A4 page
    (landscape for a landscape scan), scaled to fit the margins, with "name — trang i/n" below it."""
    from PIL import Image, ImageSequence
    from reportlab.lib.pagesizes import landscape
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    regular, _bold, _italic = register_fonts()
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4, invariant=1)
    pdf.setTitle(name)
    margin = 10 * mm
    with Image.open(io.BytesIO(data)) as image:
        jpeg = image.format == "JPEG"
        count = getattr(image, "n_frames", 1)
        # one frame decoded at a time: a 100-page TIFF at 300 dpi would be ~1 GB of pixels all at once
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            if frame.mode not in ("RGB", "L", "1"):
                frame = frame.convert("RGB")
            size = landscape(A4) if frame.width > frame.height else A4
            pdf.setPageSize(size)
            width, height = size[0] - 2 * margin, size[1] - 3 * margin
            scale = min(width / frame.width, height / frame.height)
            w, h = frame.width * scale, frame.height * scale
            # a JPEG goes in as it is (DCTDecode), not decoded and compressed again
            source = ImageReader(io.BytesIO(data)) if jpeg else ImageReader(frame.copy())
            pdf.drawImage(source, (size[0] - w) / 2, 2 * margin + (height - h) / 2, w, h)
            pdf.setFont(regular, 8)
            pdf.drawCentredString(size[0] / 2, margin, f"{name} — trang {number}/{count}")
            pdf.showPage()
    pdf.save()
    return out.getvalue()


LIST_HEADER = (
    "Số TT",
    "Số, ký hiệu hồ sơ",
    "Tiêu đề hồ sơ",
    "Thời gian tài liệu",
    "Thời hạn bảo quản",
    "Số tờ / Số trang",
    "Ghi chú",
)
LIST_WIDTHS = (10, 22, 60, 30, 20, 18, 15)


def dossier_list_rows(dossiers: list[Dossier]) -> list[list[Any]]:
    return [
        [
            i,
            d.code,
            d.title,
            f"{_d(d.start_date)} – {_d(d.end_date)}",
            d.retention,
            d.page_total,
            f"{d.doc_total} văn bản",
        ]
        for i, d in enumerate(dossiers, start=1)
    ]


def dossier_list_pdf(transfer: Transfer, dossiers: list[Dossier]) -> bytes:
    st = _styles()
    story = [
        *_heading(transfer.organization.name, st),
        _p("MỤC LỤC HỒ SƠ, TÀI LIỆU NỘP LƯU", st["title"]),
        _p(f"Đơn vị nộp lưu: {transfer.giver_unit or transfer.organization.name}", st["sub"]),
        Spacer(1, 5 * mm),
        _table(LIST_HEADER, dossier_list_rows(dossiers), LIST_WIDTHS, st),
        Spacer(1, 4 * mm),
        _p(
            f"Mục lục này gồm: {len(dossiers)} hồ sơ "
            f"(viết bằng chữ: {in_words(len(dossiers)).lower()} hồ sơ).",
            st["text"],
        ),
    ]
    return _build(story, "Mục lục hồ sơ, tài liệu nộp lưu")


def transfer_documents_pdf(transfer: Transfer, dossiers: list[tuple[Dossier, list[Entry]]]) -> bytes:
    """Mục lục văn bản of every dossier handed over, one after the other."""
    from reportlab.platypus import PageBreak

    st = _styles()
    story: list[Any] = []
    for i, (dossier, entries) in enumerate(dossiers):
        if i:
            story.append(PageBreak())
        story += _index_story(dossier, entries, st)
    return _build(story or [_p("Không có hồ sơ.", st["text"])], "Mục lục văn bản trong hồ sơ nộp lưu")


def minutes_pdf(transfer: Transfer, dossiers: list[Dossier], computer_files: int) -> bytes:
    st = _styles()
    at = timezone.localtime(transfer.at)
    starts = [d.start_date for d in dossiers]
    ends = [d.end_date or d.start_date for d in dossiers]
    span = f"{_d(min(starts))} – {_d(max(ends))}" if dossiers else ""
    giver = transfer.handed_over_by
    story = [
        *_heading(transfer.organization.name, st),
        _p("BIÊN BẢN", st["title"]),
        _p("Về việc giao nhận hồ sơ, tài liệu", st["sub"]),
        Spacer(1, 6 * mm),
        _p(f"Hôm nay, ngày {at:%d} tháng {at:%m} năm {at:%Y}, tại {transfer.organization.name}.", st["text"]),
        _p("BÊN GIAO:", st["bold"]),
        _p(f"Ông/bà: {giver.display_name} — {transfer.giver_unit or transfer.organization.name}", st["text"]),
        _p("BÊN NHẬN:", st["bold"]),
        _p(f"Ông/bà: {transfer.receiver_name} — Lưu trữ cơ quan", st["text"]),
        _p("Thống nhất lập biên bản giao nhận tài liệu với nội dung như sau:", st["text"]),
        _p(
            "1. Tên khối tài liệu giao nộp: Hồ sơ, tài liệu của "
            f"{transfer.giver_unit or transfer.organization.name}",
            st["text"],
        ),
        _p(f"2. Thời gian của tài liệu: {span}", st["text"]),
        _p(
            f"3. Số lượng tài liệu: {len(dossiers)} hồ sơ ({in_words(len(dossiers)).lower()} hồ sơ) điện tử, "
            f"gồm {sum(d.doc_total for d in dossiers)} văn bản và {computer_files} tệp tin "
            f"({sum(d.page_total for d in dossiers)} trang).",
            st["text"],
        ),
        _p(
            "4. Tình trạng tài liệu giao nộp: hồ sơ đã kết thúc, "
            "đầy đủ đặc tả (siêu dữ liệu) theo PL-VI NĐ 30.",
            st["text"],
        ),
        _p("5. Mục lục hồ sơ, tài liệu nộp lưu kèm theo.", st["text"]),
        Spacer(1, 4 * mm),
        _p(
            "Biên bản này được lập thành hai bản; mỗi bên giữ một bản."
            + (f" Ghi chú: {transfer.note}" if transfer.note else ""),
            st["text"],
        ),
        Spacer(1, 8 * mm),
        Table(
            [
                [_p("ĐẠI DIỆN BÊN GIAO", st["head"]), _p("ĐẠI DIỆN BÊN NHẬN", st["head"])],
                [Spacer(1, 18 * mm), Spacer(1, 18 * mm)],
                [_p(giver.display_name, st["head"]), _p(transfer.receiver_name, st["head"])],
            ],
            colWidths=[85 * mm, 85 * mm],
        ),
    ]
    return _build(story, "Biên bản giao nhận hồ sơ, tài liệu")
