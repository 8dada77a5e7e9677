"""Which counter an outgoing document takes its number from, and how its number-symbol is written.

Party profile (HD 36): numbered from 01 per document type through the committee term; secret documents
continue the same sequence. State profile (NĐ 30): numbered per register per calendar year; secret
documents have their own register (a separate sequence).
"""

from __future__ import annotations

from datetime import date

from core.errors import InvalidInput
from documents.models import Register, RegisterKind
from orgs.models import Organization, Profile, Secrecy
from outgoing.models import CommitteeTerm, OutgoingDocument


def term_for(organization: Organization, on: date) -> CommitteeTerm:
    term = CommitteeTerm.objects.filter(
        organization=organization, start_date__lte=on, end_date__gte=on
    ).first()
    if term is None:
        raise InvalidInput(
            f"{organization.name} chưa khai báo nhiệm kỳ cấp ủy chứa ngày {on:%d/%m/%Y}; "
            "văn bản của Đảng được đánh số theo nhiệm kỳ. Vui lòng liên hệ quản trị hệ thống.",
            code="no_committee_term",
        )
    return term


def outgoing_register(organization: Organization, *, secret: bool) -> Register:
    registers = Register.objects.filter(organization=organization, kind=RegisterKind.OUTGOING, is_active=True)
    register = registers.filter(for_secret=secret).order_by("id").first() or registers.order_by("id").first()
    if register is None:
        raise InvalidInput(
            "Cơ quan chưa có sổ đăng ký văn bản đi. Vui lòng liên hệ quản trị hệ thống.", code="no_register"
        )
    return register


def scope_for(doc: OutgoingDocument, on: date) -> tuple[str, Register]:
    organization = doc.organization
    if organization.profile == Profile.PARTY:
        register = outgoing_register(organization, secret=False)
        term = term_for(organization, on)
        return f"party:{organization.pk}:type:{doc.doc_type.code}:term:{term.pk}", register
    register = outgoing_register(organization, secret=doc.secrecy != Secrecy.NONE)
    return f"register:{register.pk}:{on.year}", register


def format_number_symbol(doc: OutgoingDocument, number: int | None) -> str:
    """ "12-TB/TU" (Party) or "12/QĐ-UBND", "05/UBND-VP" for a State công văn; numbers under 10 get a 0.

    Without a number (a draft) the number is left blank for the clerk: "     -TB/TU", "     /QĐ-UBND".
    """
    organization = doc.organization
    body = organization.abbreviation or organization.name
    padded = f"{number:02d}" if number is not None else BLANK_NUMBER
    abbreviation = doc.doc_type.abbreviation
    if organization.profile == Profile.PARTY:
        return f"{padded}-{abbreviation or doc.doc_type.code}/{body}"
    if not abbreviation:  # State công văn: body + drafting unit
        unit = doc.drafting_unit.abbreviation if doc.drafting_unit and doc.drafting_unit.abbreviation else ""
        return f"{padded}/{body}-{unit}" if unit else f"{padded}/{body}"
    return f"{padded}/{abbreviation}-{body}"


BLANK_NUMBER = "\u00a0" * 6


def number_line(doc: OutgoingDocument, number: int | None) -> str:
    """The number line of the layout: "Số 12-TB/TU" (HD 36, no colon) or "Số: 12/QĐ-UBND" (NĐ 30)."""
    symbol = format_number_symbol(doc, number)
    return f"Số {symbol}" if doc.organization.profile == Profile.PARTY else f"Số: {symbol}"
