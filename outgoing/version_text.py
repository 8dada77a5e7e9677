"""The plain text of a draft version (.docx or .pdf), line by line, for comparing two versions.

Files were validated on upload (``core.files.validate``); python-docx parses with entities off.
"""

from __future__ import annotations

import io
import unicodedata

from core import files
from outgoing.models import Version

MAX_LINES = 20_000


def _docx_lines(data: bytes) -> list[str]:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            cells: list[str] = []
            for cell in row.cells:
                if cell.text not in cells:  # merged cells repeat their text
                    cells.append(cell.text)
            lines.append(" | ".join(cells))
    return lines


def _pdf_lines(data: bytes) -> list[str]:
    from pypdf import PdfReader

    lines: list[str] = []
    for page in PdfReader(io.BytesIO(data)).pages:
        lines.extend((page.extract_text() or "").splitlines())
    return lines


def text_lines(content: bytes, content_type: str) -> list[str]:
    """Non-empty lines, whitespace collapsed and NFC-normalised (Vietnamese diacritics compare alike)."""
    if content_type == files.DOCX:
        raw = _docx_lines(content)
    elif content_type == files.PDF:
        raw = _pdf_lines(content)
    else:
        return []
    lines = []
    for line in raw:
        clean = " ".join(unicodedata.normalize("NFC", line).split())
        if clean:
            lines.append(clean)
    return lines[:MAX_LINES]


def version_lines(version: Version) -> list[str]:
    stored = version.attachment.stored
    return text_lines(files.open_blob(stored), stored.content_type)
