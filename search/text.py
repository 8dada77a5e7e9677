"""The text of a stored file, for the index.

``file_text(stored)`` asks the registered text sources first (in registration order; the first one that
answers with text wins), then reads what the file itself carries: the text layer of a PDF (pypdf) or the
paragraphs and tables of a DOCX. A scan without a text layer gives "" until a source knows better — the
OCR pipeline plugs in with::

    from search.text import register_text_source

    def ocr_text(stored: StoredFile) -> str | None:
        row = OcrResult.objects.filter(stored=stored).first()
        return row.text if row else None      # None: "I do not know this file"

    register_text_source(ocr_text)            # in its AppConfig.ready

and, when its text for a file becomes available, calls ``search.indexing.refresh_file_text(stored_ids)``
(in its transaction) so every document holding the file is indexed again.
"""

from __future__ import annotations

import io
import logging
import unicodedata
from collections.abc import Callable

from core import files
from core.models import StoredFile

log = logging.getLogger(__name__)
TextSource = Callable[[StoredFile], "str | None"]
MAX_CHARS = 200_000  # per file: PostgreSQL's tsvector holds at most 1 MB
_SOURCES: list[tuple[str, TextSource]] = []


def register_text_source(fn: TextSource, name: str | None = None) -> None:
    """Add a source of text for stored files (OCR, text sent by the exchange…); idempotent per name."""
    key = name or f"{fn.__module__}.{getattr(fn, '__qualname__', repr(fn))}"
    if all(existing != key for existing, _ in _SOURCES):
        _SOURCES.append((key, fn))


def unregister_text_source(name: str) -> None:
    _SOURCES[:] = [(key, fn) for key, fn in _SOURCES if key != name]


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    parts: list[str] = []
    size = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
        if size >= MAX_CHARS:
            break
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    import docx

    document = docx.Document(io.BytesIO(data))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(" | ".join(dict.fromkeys(cell.text for cell in row.cells)))
    return "\n".join(lines)


def clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())[:MAX_CHARS]


def file_text_with_source(stored: StoredFile) -> tuple[str, str]:
    for name, source in _SOURCES:
        text = source(stored)
        if text:
            return clean(text), name[:40]
    readers = {files.PDF: ("pdf", _pdf_text), files.DOCX: ("docx", _docx_text)}
    if stored.content_type not in readers:
        return "", ""
    label, reader = readers[stored.content_type]
    try:
        return clean(reader(files.open_blob(stored))), label
    except Exception:  # a damaged file must not stop indexing: index its metadata, log the file
        log.warning("search: could not read the text of file %s", stored.pk, exc_info=True)
        return "", label


def file_text(stored: StoredFile) -> str:
    """The text of a stored file ("" when it has none that can be read)."""
    return file_text_with_source(stored)[0]
