"""Pages of a trích sao: parse "1-3, 5" and cut those pages out of the source PDF."""

from __future__ import annotations

import io
import re

from core.errors import InvalidInput

_PART = re.compile(r"^\s*(\d{1,4})\s*(?:[-–]\s*(\d{1,4}))?\s*$")


def parse_pages(text: str, page_count: int) -> list[int]:
    """Page numbers (from 1, in document order, each once) named by ``text`` ("1-3, 5; 7")."""
    pages: set[int] = set()
    parts = [p for p in re.split(r"[,;]", text or "") if p.strip()]
    if not parts:
        raise InvalidInput(
            "Vui lòng nhập các trang trích sao, ví dụ: 1-3, 5.",
            code="pages_required",
            details={"pages": "trống"},
        )
    for part in parts:
        match = _PART.match(part)
        if match is None:
            raise InvalidInput(
                f"Trang “{part.strip()}” không hợp lệ; nhập số trang hoặc khoảng trang, ví dụ: 1-3, 5.",
                code="invalid_pages",
                details={"pages": part.strip()},
            )
        first = int(match.group(1))
        last = int(match.group(2) or first)
        if first < 1 or last < first or last > page_count:
            raise InvalidInput(
                f"Trang “{part.strip()}” nằm ngoài văn bản (văn bản có {page_count} trang).",
                code="invalid_pages",
                details={"pages": part.strip(), "page_count": page_count},
            )
        pages.update(range(first, last + 1))
    return sorted(pages)


def pages_label(pages: list[int]) -> str:
    """[1, 2, 3, 5] → "1-3, 5" """
    runs: list[str] = []
    start = prev = pages[0]
    for page in [*pages[1:], None]:
        if page is not None and page == prev + 1:
            prev = page
            continue
        runs.append(str(start) if start == prev else f"{start}-{prev}")
        if page is not None:
            start = prev = page
    return ", ".join(runs)


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def extract(pdf: bytes, pages: list[int]) -> bytes:
    """A new PDF with only ``pages`` of ``pdf``. The source's signature widgets are dropped: its
    signatures cannot survive the cut, and the copy is certified by the organisation's own signature."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject

    reader = PdfReader(io.BytesIO(pdf))
    writer = PdfWriter()
    for number in pages:
        page = writer.add_page(reader.pages[number - 1])
        annots = page.get("/Annots")
        if annots is None:
            continue
        kept = ArrayObject()
        for ref in annots:
            annot = ref.get_object()
            parent = annot.get("/Parent")
            field_type = annot.get("/FT") or (parent.get_object().get("/FT") if parent is not None else None)
            if annot.get("/Subtype") == "/Widget" and field_type == "/Sig":
                continue
            kept.append(ref)
        if kept:
            page[NameObject("/Annots")] = kept
        else:
            del page["/Annots"]
    if "/AcroForm" in writer._root_object:
        del writer._root_object["/AcroForm"]
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
