"""What fills a template for one document: header lines, number, place and date, signer block, recipients.

Everything is computed from the document and its organization; the drafter's ``fields`` may override
any template variable (an office's own template may use variables of its own, too).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from documents.models import Urgency
from orgs.models import Organization, OrganizationKind, Profile, Secrecy
from outgoing.drafting.rules import LETTER_TYPES
from outgoing.models import OutgoingDocument
from outgoing.numbering import number_line
from outgoing.states import SignerCapacity

# Fields a drafter fills; everything else in the context is computed.
INPUT_FIELDS = ("content", "addressees", "authority", "position", "signer_name", "place", "subject_line")

PREFIXES = {
    Profile.PARTY: {
        SignerCapacity.ON_BEHALF: "T/M",
        SignerCapacity.DEPUTY: "K/T",
        SignerCapacity.BY_ORDER: "T/L",
        SignerCapacity.ACTING: "Q.",
        SignerCapacity.DELEGATED: "T/UQ",
    },
    Profile.STATE: {
        SignerCapacity.ON_BEHALF: "TM.",
        SignerCapacity.DEPUTY: "KT.",
        SignerCapacity.BY_ORDER: "TL.",
        SignerCapacity.ACTING: "Q.",
        SignerCapacity.DELEGATED: "TUQ.",
    },
}

SECRECY_MARKS = {Secrecy.CONFIDENTIAL: "MẬT", Secrecy.SECRET: "TỐI MẬT", Secrecy.TOP_SECRET: "TUYỆT MẬT"}
URGENCY_MARKS = {Urgency.URGENT: "KHẨN", Urgency.VERY_URGENT: "THƯỢNG KHẨN", Urgency.FLASH: "HỎA TỐC"}

DEFAULT_HEAD_TITLES = {
    OrganizationKind.PROVINCIAL_COMMITTEE: "Bí thư",
    OrganizationKind.DISTRICT_COMMITTEE: "Bí thư",
    OrganizationKind.COMMUNE_COMMITTEE: "Bí thư",
    OrganizationKind.COMMITTEE_OFFICE: "Chánh Văn phòng",
    OrganizationKind.ADVISORY_BOARD: "Trưởng ban",
    OrganizationKind.STATE_AGENCY: "Chủ tịch",
}
DEFAULT_COLLECTIVES = {
    OrganizationKind.PROVINCIAL_COMMITTEE: "Ban Thường vụ",
    OrganizationKind.DISTRICT_COMMITTEE: "Ban Thường vụ",
    OrganizationKind.COMMUNE_COMMITTEE: "Đảng ủy",
}


def upper(text: str) -> str:
    return text.upper()


def place_date(place: str, on: date | None, year: int) -> str:
    """ "Sông Lam, ngày 05 tháng 01 năm 2026": day under 10 and months 1 and 2 get a 0 (NĐ 30 PL-I).

    A draft leaves day and month blank for the clerk."""
    prefix = f"{place}, " if place else ""
    if on is None:
        gap = "\u00a0" * 5
        return f"{prefix}ngày{gap}tháng{gap}năm {year}"
    month = f"{on.month:02d}" if on.month <= 2 else str(on.month)
    return f"{prefix}ngày {on.day:02d} tháng {month} năm {on.year}"


def heading_lines(organization: Organization) -> tuple[str, str]:
    parent = organization.heading_parent
    name = organization.heading_name or organization.name
    return upper(parent), upper(name)


def head_title(organization: Organization) -> str:
    return organization.head_title or DEFAULT_HEAD_TITLES.get(
        OrganizationKind(organization.kind), "Thủ trưởng cơ quan"
    )


def collective(organization: Organization) -> str:
    return organization.collective_name or DEFAULT_COLLECTIVES.get(
        OrganizationKind(organization.kind), organization.name
    )


def signer_block(doc: OutgoingDocument) -> dict[str, str]:
    """Authority line (T/M, K/T, T/L, T/UQ; TM., KT., …), position and name (HD 36 §1.7, NĐ 30 §13)."""
    organization = doc.organization
    profile = Profile(organization.profile)
    capacity = SignerCapacity(doc.signer_capacity)
    signer = doc.signer
    own_position = signer.position.name if signer is not None and signer.position is not None else ""
    head = head_title(organization)
    prefix = PREFIXES[profile].get(capacity, "")
    authority = ""
    position = own_position or head
    if capacity == SignerCapacity.ON_BEHALF:
        authority = f"{prefix} {collective(organization)}"
    elif capacity == SignerCapacity.BY_ORDER:
        authority = f"{prefix} {collective(organization) if profile == Profile.PARTY else head}"
    elif capacity in (SignerCapacity.DEPUTY, SignerCapacity.DELEGATED):
        authority = f"{prefix} {head}"
    elif capacity == SignerCapacity.ACTING:
        position = f"{prefix} {head}"
    if profile == Profile.PARTY and capacity == SignerCapacity.ON_BEHALF and own_position:
        # Under "T/M" of a Party committee the position is only BÍ THƯ / PHÓ BÍ THƯ.
        position = re.sub(r"^((?:Phó )?Bí thư).*$", r"\1", own_position, flags=re.IGNORECASE)
    return {
        "authority": upper(authority),
        "position": upper(position),
        "signer_name": signer.full_name if signer is not None else "",
    }


def recipient_lines(doc: OutgoingDocument, names: list[str], letter: bool) -> list[str]:
    """ "Nơi nhận": one per line, "," (HD 36) or ";" (NĐ 30) after each, then the file copy."""
    separator = "," if doc.organization.profile == Profile.PARTY else ";"
    lines = ["Như trên" + separator] if letter and names else []
    lines += [name + separator for name in names if not letter]
    unit = doc.drafting_unit.abbreviation if doc.drafting_unit and doc.drafting_unit.abbreviation else ""
    lines.append(f"Lưu: VT{', ' + unit if unit else ''}.")
    return lines


def paragraphs(content: str) -> list[str]:
    return [line.strip() for line in content.replace("\r", "").split("\n") if line.strip()]


def build_context(
    doc: OutgoingDocument,
    fields: dict[str, Any],
    *,
    recipients: list[str],
    version: int | None = None,
    number: int | None = None,
    issued_on: date | None = None,
    year: int | None = None,
) -> dict[str, Any]:
    organization = doc.organization
    letter = doc.doc_type.code in LETTER_TYPES
    parent, name = heading_lines(organization)
    year = year or (issued_on.year if issued_on else date.today().year)
    subject = str(fields.get("subject_line") or doc.subject)
    context: dict[str, Any] = {
        "parent_body": parent,
        "issuing_body": name,
        "number_line": number_line(doc, number),
        "place_date": place_date(str(fields.get("place") or organization.place_name), issued_on, year),
        "type_name": upper(doc.doc_type.name),
        "subject": subject,
        "letter_subject": f"V/v {subject[0].lower() + subject[1:] if subject else ''}",
        "paragraphs": paragraphs(str(fields.get("content", ""))),
        "addressees": list(fields.get("addressees") or recipients),
        "recipients": recipient_lines(doc, recipients, letter),
        "secrecy_mark": SECRECY_MARKS.get(Secrecy(doc.secrecy), ""),
        "urgency_mark": URGENCY_MARKS.get(Urgency(doc.urgency), ""),
        "draft_note": f"Dự thảo lần {version}" if version and number is None else "",
        **signer_block(doc),
    }
    for key in ("authority", "position"):
        if fields.get(key):
            context[key] = upper(str(fields[key]))
    if fields.get("signer_name"):
        context["signer_name"] = str(fields["signer_name"])
    extra = {k: v for k, v in fields.items() if k not in context and k not in INPUT_FIELDS}
    return {**extra, **context}
