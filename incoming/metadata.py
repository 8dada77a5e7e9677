"""NĐ 30/2020 PL-VI Part II.II metadata of an incoming document, with the decree's tag names."""

from __future__ import annotations

import re
from typing import Any

from documents.models import URGENCY_RANK, Urgency
from incoming.models import IncomingDocument
from orgs.models import SECRECY_RANK, Secrecy


def split_number_symbol(number_symbol: str) -> tuple[str, str]:
    """("105", "BC/TU") from "Số 105-BC/TU"; ("12", "UBND-VX") from "Số: 12/UBND-VX"."""
    value = re.sub(r"^\s*số\s*:?\s*", "", number_symbol.strip(), flags=re.IGNORECASE)
    match = re.match(r"^(\d+)\s*[-/]\s*(.+)$", value)
    if not match:
        return "", value
    return match.group(1), match.group(2)


def to_places(doc: IncomingDocument) -> str:
    parts = []
    for assignment in doc.assignments.filter(parent__isnull=True).exclude(status__in=["closed", "returned"]):
        parts.append(f"{assignment.target_name} ({assignment.get_role_display().lower()})")
    return "; ".join(parts)


def trace_header_list(doc: IncomingDocument) -> list[dict[str, Any]]:
    return [
        {
            "at": event.at.isoformat(),
            "actor": event.actor.display_name,
            "action": event.action,
            "note": event.note,
            "from_status": event.from_status,
            "to_status": event.to_status,
        }
        for event in doc.events.select_related("actor").order_by("at", "id")
    ]


def plvi(doc: IncomingDocument) -> dict[str, Any]:
    code_number, code_notation = split_number_symbol(doc.number_symbol)
    priority = max(URGENCY_RANK[Urgency(doc.urgency)], SECRECY_RANK[Secrecy(doc.secrecy)])
    return {
        "OrganId": doc.organization.identifier or "",
        "TypeName": doc.doc_type.name,
        "CodeNumber": code_number,
        "CodeNotation": code_notation,
        "IssuedDate": doc.issued_date.isoformat(),
        "OrganName": doc.issuer_name,
        "Subject": doc.subject,
        "Language": doc.language,
        "PageAmount": doc.page_count,
        "Description": doc.description,
        "ArrivalDate": doc.arrival_date.isoformat(),
        "ArrivalNumber": doc.arrival_number,
        "SignerInfo": {"Position": doc.signer_position, "FullName": doc.signer_name},
        "Priority": priority,
        "ToPlaces": to_places(doc),
        "TraceHeaderList": trace_header_list(doc),
        "DueDate": doc.due_date.isoformat() if doc.due_date else None,
    }
