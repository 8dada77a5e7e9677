"""The default .docx templates, written from the typography rules with docxtpl tags in them.

An office downloads one, edits it in Word or LibreOffice (keeping the ``{{ … }}`` tags it wants
filled) and uploads it back in the administration screens; until then these defaults are used.
Layout cells follow NĐ 30 PL-I and HD 36: header table (issuing body | heading and place/date),
type name and summary (or "V/v" for letters), content, then the table of recipients | signer.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from outgoing.drafting.rules import FONT, LETTER_TYPES, Typography, typography

CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY


def _para(
    container: Any,
    text: str = "",
    *,
    size: int,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: WD_ALIGN_PARAGRAPH = CENTER,
    before: float = 0,
    after: float = 0,
    first: Paragraph | None = None,
) -> Paragraph:
    paragraph: Paragraph = first if first is not None else container.add_paragraph()
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(before)
    fmt.space_after = Pt(after)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if text:
        run = paragraph.add_run(text)
        run.font.size = Pt(size)
        run.font.name = FONT
        run.bold = bold
        run.italic = italic
        run.underline = underline
    return paragraph


def _tag(container: Any, tag: str, *, first: Paragraph | None = None) -> Paragraph:
    """A paragraph that holds only a docxtpl block tag ({%p … %}): removed when rendered."""
    return _para(container, tag, size=2, first=first)


def _no_borders(table: object) -> None:
    tbl_pr = table._tbl.tblPr  # type: ignore[attr-defined]
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    tbl_pr.append(borders)


def _two_columns(doc: object, left_mm: float, right_mm: float) -> tuple[_Cell, _Cell]:
    table = doc.add_table(rows=1, cols=2)  # type: ignore[attr-defined]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _no_borders(table)
    left, right = table.rows[0].cells
    left.width, right.width = Mm(left_mm), Mm(right_mm)
    for column, width in zip(table.columns, (left_mm, right_mm), strict=True):
        column.width = Mm(width)
    return left, right


def _page_number_header(section: object, size: int) -> None:
    """Arabic page numbers centred in the top margin, not on page 1."""
    section.different_first_page_header_footer = True  # type: ignore[attr-defined]
    paragraph = section.header.paragraphs[0]  # type: ignore[attr-defined]
    paragraph.alignment = CENTER
    run = paragraph.add_run()
    run.font.size = Pt(size)
    run.font.name = FONT
    for kind, text in (("begin", None), (None, " PAGE "), ("end", None)):
        if kind:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        else:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = text
        run._r.append(element)


def _header(doc: object, profile: str, t: Typography, letter: bool) -> None:
    if profile == "party":
        left, right = _two_columns(doc, 75, 90)
    else:
        left, right = _two_columns(doc, 62, 103)
    # Left: parent body, issuing body, separator, number (and the letter's "V/v").
    _tag(left, "{%p if parent_body %}", first=left.paragraphs[0])
    _para(left, "{{ parent_body }}", size=t.parent_body)
    _tag(left, "{%p endif %}")
    _para(left, "{{ issuing_body }}", size=t.issuing_body, bold=True)
    _para(left, "*" if profile == "party" else "———", size=t.issuing_body, after=2)
    _para(left, "{{ number_line }}", size=t.number)
    if letter:
        _para(left, "{{ letter_subject }}", size=t.letter_subject, italic=profile == "party", before=6)
    _tag(left, "{%p if secrecy_mark %}")
    _para(left, "{{ secrecy_mark }}", size=t.number, bold=True, before=6)
    _tag(left, "{%p endif %}")
    _tag(left, "{%p if urgency_mark %}")
    _para(left, "{{ urgency_mark }}", size=t.number, bold=True, before=6)
    _tag(left, "{%p endif %}")
    # Right: heading (and the State motto), place and date.
    if profile == "party":
        _para(
            right,
            "ĐẢNG CỘNG SẢN VIỆT NAM",
            size=t.heading,
            bold=True,
            underline=True,
            first=right.paragraphs[0],
        )
        _para(right, "{{ place_date }}", size=t.place_date, italic=True, before=12)
    else:
        _para(
            right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=t.heading, bold=True, first=right.paragraphs[0]
        )
        _para(right, "Độc lập - Tự do - Hạnh phúc", size=t.motto, bold=True, underline=True)
        _para(right, "{{ place_date }}", size=t.place_date, italic=True, before=12)
    _tag(right, "{%p if draft_note %}")
    _para(right, "{{ draft_note }}", size=t.place_date, italic=True, before=6)
    _tag(right, "{%p endif %}")


def _content(doc: object, t: Typography, letter: bool) -> None:
    if letter:
        _tag(doc, "{%p if addressees|length == 1 %}")
        _para(doc, "Kính gửi: {{ addressees[0] }}", size=t.body, before=12, after=6)
        _tag(doc, "{%p elif addressees %}")
        _para(doc, "Kính gửi:", size=t.body, before=12)
        _tag(doc, "{%p for a in addressees %}")
        _para(doc, "- {{ a }}{{ ';' if not loop.last else '.' }}", size=t.body)
        _tag(doc, "{%p endfor %}")
        _tag(doc, "{%p endif %}")
    else:
        _para(doc, "{{ type_name }}", size=t.type_name, bold=True, before=18)
        _para(doc, "{{ subject }}", size=t.subject, bold=True)
        _para(doc, "———————", size=t.subject, after=6)
    _tag(doc, "{%p for p in paragraphs %}")
    body = _para(doc, "{{ p }}", size=t.body, align=JUSTIFY, after=6)
    body.paragraph_format.first_line_indent = Mm(12.7)
    body.paragraph_format.line_spacing = 1.15
    _tag(doc, "{%p endfor %}")


def _signature(doc: object, profile: str, t: Typography) -> None:
    left, right = _two_columns(doc, 80, 85)
    heading = _para(
        left,
        "Nơi nhận:",
        size=t.recipients_heading,
        bold=profile == "state",
        italic=profile == "state",
        underline=profile == "party",
        align=LEFT,
        before=12,
        first=left.paragraphs[0],
    )
    heading.paragraph_format.keep_with_next = True
    _tag(left, "{%p for r in recipients %}")
    _para(left, "- {{ r }}", size=t.recipients_list, align=LEFT)
    _tag(left, "{%p endfor %}")
    _tag(right, "{%p if authority %}", first=right.paragraphs[0])
    _para(right, "{{ authority }}", size=t.authority, bold=True, before=12)
    _tag(right, "{%p endif %}")
    _para(right, "{{ position }}", size=t.position, bold=profile == "state")
    for _ in range(3):  # room for the signature image (cell 7c) and the seal (cell 8)
        _para(right, "", size=t.signer_name)
    _para(right, "{{ signer_name }}", size=t.signer_name, bold=True, before=18)


def build(profile: str, doc_type_code: str) -> bytes:
    """The default template of one document type of one profile, as .docx bytes."""
    t = typography(profile)
    letter = doc_type_code in LETTER_TYPES
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(t.body)
    fonts = style.element.rPr.rFonts
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    top, bottom, left, right = t.margins_mm
    section.top_margin, section.bottom_margin = Mm(top), Mm(bottom)
    section.left_margin, section.right_margin = Mm(left), Mm(right)
    section.header_distance = Mm(10)
    _page_number_header(section, 14 if profile == "party" else 13)
    _header(doc, profile, t, letter)
    _content(doc, t, letter)
    _signature(doc, profile, t)
    body = doc.element.body
    first = body[0]
    if first.tag == qn("w:p") and not first.xpath("string(.)"):
        body.remove(first)  # python-docx starts with an empty paragraph
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@lru_cache(maxsize=128)
def default_template(profile: str, doc_type_code: str) -> bytes:
    return build(profile, doc_type_code)
