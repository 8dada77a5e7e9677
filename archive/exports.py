"""Exports of a dossier (one PDF; XML of its PL-VI metadata) and the transfer's forms; each one audited.

The XML follows NĐ 30 PL-VI Part II.III (the file) and II.I/II.II (its documents), with the decree's tag
names. Built with ElementTree (no external entities, always well-formed).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from archive import pdf
from archive.entries import Entry, split_number_symbol
from archive.models import Dossier, Transfer
from archive.selectors import dossier_entries, dossier_get_for_user
from core import audit
from core.errors import NotFound
from documents.selectors import record_read
from orgs.models import User

PRIORITY = {"none": "0", "confidential": "1", "secret": "2", "top_secret": "3"}


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def _sub(parent: ET.Element, tag: str, value: Any) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = "" if value is None else str(value)
    return element


def _file_code(parent: ET.Element, dossier: Dossier) -> None:
    code = ET.SubElement(parent, "FileCode")
    _sub(code, "OrganId", dossier.organization.identifier or "")
    _sub(code, "FileCatalog", dossier.year)
    _sub(code, "FileNotation", dossier.code)


def dossier_xml(dossier: Dossier, entries: list[Entry]) -> bytes:
    root = ET.Element("File", {"generator": "dieuhanh", "standard": "ND30-PL-VI"})
    _file_code(root, dossier)
    _sub(root, "Title", dossier.title)
    _sub(root, "Maintenance", dossier.retention)
    _sub(root, "Rights", dossier.get_rights_display())
    _sub(root, "Creator", dossier.creator.display_name[:30])
    _sub(root, "Language", dossier.language)
    _sub(root, "StartDate", _iso(dossier.start_date))
    _sub(root, "EndDate", _iso(dossier.end_date))
    _sub(root, "DocTotal", dossier.doc_total if dossier.status != "open" else len(entries))
    _sub(root, "PageTotal", dossier.page_total if dossier.status != "open" else sum(e.pages for e in entries))
    _sub(root, "Description", dossier.description)
    documents = ET.SubElement(root, "Documents")
    for ordinal, e in enumerate(entries, start=1):
        doc = ET.SubElement(documents, "Document", {"kind": e.kind, "id": str(e.document.pk)})
        _file_code(doc, dossier)
        _sub(doc, "DocOrdinal", ordinal)
        _sub(doc, "TypeName", e.type_name)
        number, notation = split_number_symbol(e.number_symbol)
        _sub(doc, "CodeNumber", number)
        _sub(doc, "CodeNotation", notation)
        _sub(doc, "IssuedDate", _iso(e.date))
        _sub(doc, "OrganName", e.issuer)
        _sub(doc, "Subject", e.subject)
        _sub(doc, "Language", e.language)
        _sub(doc, "PageAmount", e.pages)
        _sub(doc, "Description", e.description)
        signer = ET.SubElement(doc, "SignerInfo")
        _sub(signer, "Position", e.signer_position)
        _sub(signer, "FullName", e.signer_name)
        _sub(doc, "Priority", PRIORITY.get(e.secrecy, "0"))
        if e.kind == "incoming":
            _sub(doc, "ArrivalDate", _iso(e.document.arrival_date))
            _sub(doc, "ArrivalNumber", e.document.arrival_number)
        files = ET.SubElement(doc, "ComputerFiles")
        for f in e.files:
            ET.SubElement(
                files, "ComputerFile", {"name": f.name, "sha256": f.stored.sha256, "size": str(f.stored.size)}
            )
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def _entries_read(user: User, dossier: Dossier) -> list[Entry]:
    found = dossier_entries(dossier)
    for e in found:  # every restricted document read by an export is audited, like any other read
        record_read(user, e.kind if e.kind != "archive" else "archive", e.document, "export")
    return found


def export_dossier(user: User, dossier_id: int, fmt: str) -> tuple[bytes, str, str]:
    """(bytes, file name, content type) of the dossier as ``pdf`` or ``xml``; NotFound when invisible."""
    if fmt not in ("pdf", "xml"):
        raise NotFound()
    dossier = dossier_get_for_user(user, dossier_id, need="export")
    found = _entries_read(user, dossier)
    name = f"ho-so-{dossier.year}-{dossier.code}".replace("/", "-").replace(" ", "-")
    if fmt == "pdf":
        data, _pages = pdf.dossier_pdf(dossier, found)
        result = (data, f"{name}.pdf", "application/pdf")
    else:
        result = (dossier_xml(dossier, found), f"{name}.xml", "application/xml")
    audit.record(
        actor=user,
        action=f"archive.dossier_export_{fmt}",
        target=dossier,
        organization_id=dossier.organization_id,
        data={"documents": len(found)},
    )
    return result


TRANSFER_FORMS = {
    "muc-luc-ho-so": "Mục lục hồ sơ, tài liệu nộp lưu",
    "muc-luc-van-ban": "Mục lục văn bản trong hồ sơ",
    "bien-ban": "Biên bản giao nhận hồ sơ, tài liệu",
}


def transfer_get_for_user(user: User, pk: int) -> Transfer:
    from archive.permissions import overseen_orgs
    from incoming.permissions import allowed_secrecy

    transfer = (
        Transfer.objects.select_related("organization", "handed_over_by")
        .filter(pk=pk, organization_id__in=overseen_orgs(user))
        .first()
    )
    if transfer is None or transfer.dossiers.exclude(secrecy__in=allowed_secrecy(user)).exists():
        raise NotFound("Không tìm thấy lần nộp lưu.")
    return transfer


def export_transfer(user: User, transfer_id: int, form: str) -> tuple[bytes, str]:
    if form not in TRANSFER_FORMS:
        raise NotFound()
    transfer = transfer_get_for_user(user, transfer_id)
    dossiers = list(transfer.dossiers.select_related("organization", "creator").order_by("year", "code"))
    if form == "muc-luc-ho-so":
        data = pdf.dossier_list_pdf(transfer, dossiers)
    elif form == "muc-luc-van-ban":
        data = pdf.transfer_documents_pdf(transfer, [(d, _entries_read(user, d)) for d in dossiers])
    else:
        computer_files = sum(len(e.files) for d in dossiers for e in dossier_entries(d))
        data = pdf.minutes_pdf(transfer, dossiers, computer_files)
    audit.record(
        actor=user,
        action="archive.transfer_export",
        target=transfer,
        organization_id=transfer.organization_id,
        data={"form": form},
    )
    return data, f"nop-luu-{transfer.pk}-{form}.pdf"
