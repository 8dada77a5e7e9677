"""The content of edXML messages as plain dataclasses: what ``build`` writes and ``parse`` reads.

Element names and nesting follow regulations §4.2 (QCVN 102:2016 as the exchange axis implements it); the
numbers in the comments are the standard's field numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from exchange.edxml.codes import Business, Priority, StatusCode, SteeringType


@dataclass(frozen=True)
class Organ:
    """1.1 From / 1.2 To: an organisation by its identifier (mã định danh, ≤ 35 characters)."""

    organ_id: str
    organ_name: str = ""
    organization_in_charge: str = ""
    address: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Code:
    """1.3 Code: the number and the notation (symbol) of the document."""

    number: str
    notation: str

    @property
    def number_symbol(self) -> str:
        """As printed: ``12-TB/TU`` (Party: number, hyphen) or ``12/UBND-VX`` (State: number, slash)."""
        if not self.notation:
            return self.number
        if not self.number:
            return self.notation
        head = self.notation.split("/")[0]
        party = "/" in self.notation and not head.isdigit()  # TB/TU, CV/VPTU — not 2026/NĐ-CP
        return f"{self.number}{'-' if party else '/'}{self.notation}"


def split_number_symbol(number_symbol: str) -> Code:
    """``12-TB/TU`` → 12 + ``TB/TU`` (Party: the number ends at the first hyphen); ``12/UBND-VX`` →
    12 + ``UBND-VX`` (State: at the first slash); no leading number → all of it is the notation."""
    text = number_symbol.strip()
    match = re.match(r"^(\d+[a-zA-Z]?)\s*([-/])\s*(.+)$", text)
    if match is None:
        return Code(number="", notation=text)
    return Code(number=match.group(1), notation=match.group(3))


@dataclass(frozen=True)
class Signer:
    """1.8 SignerInfo: authority (``T/M BAN THƯỜNG VỤ``, ``KT. CHÁNH VĂN PHÒNG``), position, full name."""

    competence: str = ""
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class ResponseFor:
    """1.12 ResponseFor (a reply to an exchanged document) and the target of a status message."""

    organ_id: str
    code: str  # number-symbol of the document answered
    promulgation_date: date | None
    document_id: str


@dataclass(frozen=True)
class MessageHeader:
    sender: Organ  # 1.1 From
    recipients: tuple[Organ, ...]  # 1.2 To
    code: Code  # 1.3
    place: str  # 1.4 PromulgationInfo/Place
    promulgation_date: date  # 1.4 PromulgationInfo/PromulgationDate
    type_code: str  # 1.5 DocumentType/Type (our abbreviation: "TB", "CV"; numeric tables conflict, §4.3)
    type_name: str  # 1.5 DocumentType/TypeName (authoritative)
    subject: str  # 1.6 trích yếu
    document_id: str  # 1.14
    content: str = ""  # 1.7
    signer: Signer = field(default_factory=Signer)  # 1.8
    due_date: date | None = None  # 1.9
    to_places: tuple[str, ...] = ()  # 1.10 "Nơi nhận" lines
    priority: Priority = Priority.NORMAL  # 1.11 OtherInfo …
    sphere: str = ""
    typer_notation: str = ""
    promulgation_amount: int | None = None
    page_amount: int | None = None
    appendixes: tuple[str, ...] = ()
    response_for: tuple[ResponseFor, ...] = ()  # 1.12
    steering_type: SteeringType = SteeringType.NONE  # 1.13


@dataclass(frozen=True)
class TraceHeader:
    """2.1: an organisation the package passed through, and when."""

    organ_id: str
    timestamp: datetime


@dataclass(frozen=True)
class Staff:
    department: str = ""
    staff: str = ""
    mobile: str = ""
    email: str = ""


@dataclass(frozen=True)
class Replacement:
    """2.2 ReplacementInfo: the document replaced, for which organisations."""

    document_id: str
    organ_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class BusinessInfo:
    """2.2 Bussiness: new / recall / update / replace, with the reason and the target."""

    kind: Business = Business.NEW
    reason: str = ""
    document_info: int = 0  # update: 0 no change of the document's information, 1 changed
    document_receiver: int = 0  # update: 1 recipients added (ReceiverList)
    receivers: tuple[tuple[str, str], ...] = ()  # (ReceiverType, OrganId)
    document_id: str = ""  # the document recalled / updated
    staff: Staff = field(default_factory=Staff)
    paper: int = 0  # 1: a paper copy is sent too
    replacements: tuple[Replacement, ...] = ()


@dataclass(frozen=True)
class Attachment:
    content_id: str
    name: str
    content_type: str
    data: bytes
    description: str = ""


@dataclass(frozen=True)
class Package:
    """A document message: header, trace and business, attachments (in order)."""

    message_id: str  # TraceHeaderList/@id: unique per message (a retry sends the same bytes again)
    header: MessageHeader
    traces: tuple[TraceHeader, ...]
    business: BusinessInfo = field(default_factory=BusinessInfo)
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class StatusMessage:
    """A processing status of a received document, sent back to its sender."""

    message_id: str  # Status/@id
    response_for: ResponseFor
    sender: Organ  # the organisation reporting the status
    code: StatusCode
    timestamp: datetime
    description: str = ""
    staff: Staff = field(default_factory=Staff)


def document_id(organ_id: str, issued: date, number_symbol: str) -> str:
    """1.14 DocumentId: ``<sender OrganId>,<yyyy/MM/dd>,<number>/<symbol>`` (regulations §4.4)."""
    return f"{organ_id},{issued:%Y/%m/%d},{number_symbol}"
