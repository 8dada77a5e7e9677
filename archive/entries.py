"""One shape for every document a dossier links to (incoming, outgoing, archive record): what the index
page, the lists, the XML and the closing counts read. PL-VI Part II field names in comments."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from archive.models import DossierItem
from documents.models import Attachment

_NUMBER = re.compile(r"^\s*(\d+)\s*[-/]\s*(.+)$")
PDF = "application/pdf"
IMAGES = frozenset({"image/png", "image/jpeg", "image/tiff"})


def split_number_symbol(number_symbol: str) -> tuple[str, str]:
    """ "105-BC/BTCTW" → ("105", "BC/BTCTW"); "01/QĐ-UBND" → ("01", "QĐ-UBND") (CodeNumber, CodeNotation)."""
    match = _NUMBER.match(number_symbol or "")
    if match is None:
        return "", (number_symbol or "").strip()
    return match.group(1), match.group(2).strip()


@dataclass
class Entry:
    item: DossierItem
    kind: str
    document: Any
    date: date | None  # IssuedDate
    number_symbol: str
    type_name: str  # TypeName
    issuer: str  # OrganName
    subject: str  # Subject
    language: str
    pages: int  # PageAmount
    description: str
    signer_name: str = ""
    signer_position: str = ""
    secrecy: str = "none"
    files: list[Attachment] = field(default_factory=list)

    @property
    def pdfs(self) -> list[Attachment]:
        return [f for f in self.files if f.stored.content_type == PDF]

    @property
    def printable(self) -> list[Attachment]:
        """The files that become pages of the dossier's PDF: PDFs and scanned images (PNG, JPEG, TIFF)."""
        return [f for f in self.files if f.stored.content_type == PDF or f.stored.content_type in IMAGES]

    @property
    def kind_label(self) -> str:
        return {"incoming": "Văn bản đến", "outgoing": "Văn bản đi", "archive": "Tài liệu lưu trữ"}[self.kind]


def _pages(declared: int | None, files: list[Attachment]) -> int:
    if declared:
        return declared
    return sum(f.stored.page_count or 0 for f in files)


def _attachments(kind: str, ids: list[int]) -> dict[int, list[Attachment]]:
    found: dict[int, list[Attachment]] = {}
    if not ids:
        return found
    for a in Attachment.objects.filter(owner_kind=kind, owner_id__in=ids).select_related("stored"):
        found.setdefault(a.owner_id, []).append(a)
    return found


def entries(items: list[DossierItem]) -> list[Entry]:
    """The dossier's documents in date order (then the order they were added): DocOrdinal follows it."""
    incoming_files = _attachments("incoming", [i.incoming_id for i in items if i.incoming_id])
    result: list[Entry] = []
    for item in items:
        doc: Any
        if item.incoming_id:
            doc = item.incoming
            files = incoming_files.get(doc.pk, [])
            result.append(
                Entry(
                    item,
                    "incoming",
                    doc,
                    doc.issued_date,
                    doc.number_symbol,
                    doc.doc_type.name,
                    doc.issuer_name,
                    doc.subject,
                    doc.language,
                    _pages(doc.page_count, files),
                    doc.description,
                    doc.signer_name,
                    doc.signer_position,
                    doc.secrecy,
                    files,
                )
            )
        elif item.outgoing_id:
            doc = item.outgoing
            issued = [doc.issued_file] if doc.issued_file_id else []
            signer = doc.signer
            result.append(
                Entry(
                    item,
                    "outgoing",
                    doc,
                    doc.issued_at.date() if doc.issued_at else None,
                    doc.number_symbol or "(chưa phát hành)",
                    doc.doc_type.name,
                    doc.organization.name,
                    doc.subject,
                    "Tiếng Việt",
                    _pages(None, issued),
                    "",
                    signer.display_name if signer else "",
                    signer.position.name if signer and signer.position_id else "",
                    doc.secrecy,
                    issued,
                )
            )
        else:
            rec: Any = item.record
            files = [rec.file] if rec.file_id else []
            result.append(
                Entry(
                    item,
                    "archive",
                    rec,
                    rec.issued_date,
                    rec.number_symbol,
                    rec.type_name,
                    rec.issuer_name,
                    rec.subject,
                    rec.language,
                    _pages(rec.page_count, files),
                    rec.description,
                    rec.signer_name,
                    rec.signer_position,
                    rec.secrecy,
                    files,
                )
            )
    result.sort(key=lambda e: (e.date or date.max, e.item.pk))
    return result
