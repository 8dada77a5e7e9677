"""edXML messages read into the dataclasses of ``model``.

Safe by construction: no DTD, no entities, no network, a DOCTYPE refused; large text nodes allowed (a
base64 attachment of several MB is one text node — the request size is bounded before this). Elements are
matched by namespace URI and local name, whatever their prefix; ``AttachmentEncoded`` is accepted in the
QCVN namespace or in none (both are seen in the wild). Dates ``yyyy/MM/dd`` (also ``dd/MM/yyyy`` and ISO),
timestamps ``yyyy/MM/dd HH:mm:ss`` (also ``dd/MM/yyyy HH:mm:ss``) in Vietnam time.

Parse only what the signature covers: the receiver calls these on ``sign.verify(...).root``."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import date, datetime
from enum import IntEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from lxml import etree
from lxml.etree import _Element as Element

from exchange.edxml.codes import NS, TIMEZONE, Business, Priority, StatusCode, SteeringType
from exchange.edxml.errors import MalformedPackage
from exchange.edxml.model import (
    Attachment,
    BusinessInfo,
    Code,
    MessageHeader,
    Organ,
    Package,
    Replacement,
    ResponseFor,
    Signer,
    Staff,
    StatusMessage,
    TraceHeader,
)

_VN = ZoneInfo(TIMEZONE)

E = TypeVar("E", bound=IntEnum)


def parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, load_dtd=False, no_network=True, huge_tree=True, remove_comments=True
    )


def read(data: bytes) -> Element:
    """The XML tree of a received message; a broken or unsafe document is refused."""
    try:
        tree = etree.fromstring(data, parser=parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedPackage(f"Gói tin không phải XML hợp lệ ({exc.msg}).") from exc
    if tree.getroottree().docinfo.doctype:
        raise MalformedPackage("Gói tin có khai báo DOCTYPE: không được chấp nhận.")
    if _local(tree) != "edXML":
        raise MalformedPackage("Gói tin không có phần tử gốc edXML.")
    return tree


def _local(node: Element) -> str:
    return etree.QName(node).localname if isinstance(node.tag, str) else ""


def _children(node: Element | None, name: str) -> Iterator[Element]:
    """The child elements ``name`` in no namespace or in edXML's, matched by lxml itself."""
    if node is None:
        return
    yield from node.iterchildren(f"{{}}{name}", f"{{{NS}}}{name}")


def _child(node: Element | None, name: str) -> Element | None:
    return next(_children(node, name), None)


def _need(node: Element | None, name: str, where: str) -> Element:
    found = _child(node, name)
    if found is None:
        raise MalformedPackage(f"Gói tin thiếu phần tử {name} trong {where}.")
    return found


def _text(node: Element | None, name: str) -> str:
    found = _child(node, name)
    return (found.text or "").strip() if found is not None else ""


def _int(node: Element | None, name: str, default: int | None = 0) -> int | None:
    text = _text(node, name)
    if not text:
        return default
    try:
        return int(text)
    except ValueError as exc:
        raise MalformedPackage(f"{name} phải là số (gặp “{text[:40]}”).") from exc


def parse_date(text: str, name: str = "ngày") -> date | None:
    text = text.strip()
    if not text:
        return None
    for pattern in ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise MalformedPackage(f"{name} không đúng dạng yyyy/MM/dd (gặp “{text[:40]}”).")


def parse_timestamp(text: str, name: str = "Timestamp") -> datetime:
    text = text.strip()
    for pattern in ("%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=_VN)
        except ValueError:
            continue
    raise MalformedPackage(f"{name} không đúng dạng yyyy/MM/dd HH:mm:ss (gặp “{text[:40]}”).")


def _organ(node: Element) -> Organ:
    organ_id = _text(node, "OrganId")
    if not organ_id:
        raise MalformedPackage(f"Thiếu mã định danh (OrganId) trong {_local(node)}.")
    return Organ(
        organ_id=organ_id,
        organ_name=_text(node, "OrganName"),
        organization_in_charge=_text(node, "OrganizationInCharge"),
        address=_text(node, "OrganAdd"),
        email=_text(node, "Email"),
        telephone=_text(node, "Telephone"),
        fax=_text(node, "Fax"),
        website=_text(node, "Website"),
    )


def _response_for(node: Element) -> ResponseFor:
    return ResponseFor(
        organ_id=_text(node, "OrganId"),
        code=_text(node, "Code"),
        promulgation_date=parse_date(_text(node, "PromulgationDate"), "ResponseFor/PromulgationDate"),
        document_id=_text(node, "DocumentId"),
    )


def _staff(node: Element | None) -> Staff:
    return Staff(
        department=_text(node, "Department"),
        staff=_text(node, "Staff"),
        mobile=_text(node, "Mobile"),
        email=_text(node, "Email"),
    )


def _header_block(root: Element) -> Element:
    envelope = _need(root, "edXMLEnvelope", "edXML")
    return _need(envelope, "edXMLHeader", "edXMLEnvelope")


def kind(root: Element) -> str:
    """``package`` or ``status``."""
    header = _header_block(root)
    if _child(header, "MessageHeader") is not None:
        return "package"
    if _child(header, "Status") is not None:
        return "status"
    raise MalformedPackage("Gói tin không có MessageHeader hay Status.")


def recipients(root: Element) -> list[Element]:
    """The ``To`` elements of a package's MessageHeader."""
    return list(_children(_child(_header_block(root), "MessageHeader"), "To"))


def organ_id(node: Element) -> str:
    return _text(node, "OrganId")


def sender_id(root: Element) -> str:
    """The sending organisation's identifier, read before verification to find its certificates."""
    header = _header_block(root)
    block = _child(header, "MessageHeader")
    if block is None:
        block = _child(header, "Status")
    organ_id = _text(_child(block, "From"), "OrganId")
    if not organ_id:
        raise MalformedPackage("Gói tin thiếu mã định danh cơ quan gửi (From/OrganId).")
    return organ_id


def _enum(kind: type[E], value: int, default: Any) -> Any:
    try:
        return kind(value)
    except ValueError:
        return default


def _message_header(node: Element) -> MessageHeader:
    code = _child(node, "Code")
    info = _child(node, "PromulgationInfo")
    kind_ = _child(node, "DocumentType")
    signer = _child(node, "SignerInfo")
    other = _child(node, "OtherInfo")
    issued = parse_date(_text(info, "PromulgationDate"), "PromulgationDate")
    if issued is None:
        raise MalformedPackage("Gói tin thiếu ngày ban hành (PromulgationInfo/PromulgationDate).")
    recipients = tuple(_organ(item) for item in _children(node, "To"))
    if not recipients:
        raise MalformedPackage("Gói tin không có nơi nhận (To).")
    document_id = _text(node, "DocumentId")
    if not document_id:
        raise MalformedPackage("Gói tin thiếu DocumentId.")
    priority = _int(other, "Priority") or 0
    steering = _int(node, "SteeringType") or 0
    return MessageHeader(
        sender=_organ(_need(node, "From", "MessageHeader")),
        recipients=recipients,
        code=Code(number=_text(code, "CodeNumber"), notation=_text(code, "CodeNotation")),
        place=_text(info, "Place"),
        promulgation_date=issued,
        type_code=_text(kind_, "Type"),
        type_name=_text(kind_, "TypeName"),
        subject=_text(node, "Subject"),
        document_id=document_id,
        content=_text(node, "Content"),
        signer=Signer(
            competence=_text(signer, "Competence"),
            position=_text(signer, "Position"),
            full_name=_text(signer, "FullName"),
        ),
        due_date=parse_date(_text(node, "DueDate"), "DueDate"),
        to_places=tuple((p.text or "").strip() for p in _children(_child(node, "ToPlaces"), "Place")),
        priority=_enum(Priority, priority, Priority.NORMAL),
        sphere=_text(other, "SphereOfPromulgation"),
        typer_notation=_text(other, "TyperNotation"),
        promulgation_amount=_int(other, "PromulgationAmount", None),
        page_amount=_int(other, "PageAmount", None),
        appendixes=tuple((a.text or "").strip() for a in _children(_child(other, "Appendixes"), "Appendix")),
        response_for=tuple(_response_for(item) for item in _children(node, "ResponseFor")),
        steering_type=_enum(SteeringType, steering, SteeringType.NONE),
    )


def _business(node: Element | None) -> BusinessInfo:
    if node is None:
        return BusinessInfo()
    value = _int(node, "BussinessDocType") or 0
    if _enum(Business, value, None) is None:
        raise MalformedPackage(f"BussinessDocType {value} không được hỗ trợ (0, 1, 2, 3).")
    info = _child(node, "BussinessDocumentInfo")
    return BusinessInfo(
        kind=Business(value),
        reason=_text(node, "BussinessDocReason"),
        document_info=_int(info, "DocumentInfo") or 0,
        document_receiver=_int(info, "DocumentReceiver") or 0,
        receivers=tuple(
            (_text(r, "ReceiverType"), _text(r, "OrganId"))
            for r in _children(_child(info, "ReceiverList"), "Receiver")
        ),
        document_id=_text(node, "DocumentId"),
        staff=_staff(_child(node, "StaffInfo")),
        paper=_int(node, "Paper") or 0,
        replacements=tuple(
            Replacement(
                document_id=_text(item, "DocumentId"),
                organ_ids=tuple(
                    (o.text or "").strip() for o in _children(_child(item, "OrganIdList"), "OrganId")
                ),
            )
            for item in _children(_child(node, "ReplacementInfoList"), "ReplacementInfo")
        ),
    )


def _attachments(root: Element) -> tuple[Attachment, ...]:
    envelope = _child(root, "edXMLEnvelope")
    manifest = _child(_child(envelope, "edXMLBody"), "edXMLManifest")
    references: dict[str, Element] = {}
    for reference in _children(manifest, "Reference"):
        href = reference.get("{http://www.w3.org/1999/xlink}href") or reference.get("href") or ""
        content_id = href[4:] if href.startswith("cid:") else _text(reference, "ContentId")
        if not content_id:
            raise MalformedPackage("Một tham chiếu tệp đính kèm (Reference) không có cid.")
        references[content_id] = reference
    encoded: dict[str, Element] = {}
    for item in _children(_child(root, "AttachmentEncoded"), "Attachment"):
        content_id = _text(item, "ContentId")
        if not content_id or content_id in encoded:
            raise MalformedPackage("Tệp đính kèm thiếu ContentId hoặc trùng ContentId.")
        encoded[content_id] = item
    missing = [cid for cid in references if cid not in encoded]
    if missing:
        raise MalformedPackage(f"Gói tin tham chiếu tệp đính kèm không có: cid:{missing[0]}.")
    out = []
    for content_id, item in encoded.items():
        reference = references.get(content_id)
        payload = "".join(_text(item, "ContentTransferEncoded").split())
        try:
            data = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise MalformedPackage(f"Tệp đính kèm cid:{content_id} không đúng mã base64.") from exc
        name = _text(item, "AttachmentName") or _text(reference, "AttachmentName") or content_id
        out.append(
            Attachment(
                content_id=content_id,
                name=name,
                content_type=_text(item, "ContentType") or _text(reference, "ContentType"),
                description=_text(item, "Description") or _text(reference, "Description"),
                data=data,
            )
        )
    return tuple(out)


def parse_package(root: Element, *, attachments: bool = True) -> Package:
    """The package; ``attachments=False`` leaves them out (a hub relaying it needs only the header)."""
    header = _header_block(root)
    message = _child(header, "MessageHeader")
    if message is None:
        raise MalformedPackage("Gói tin thiếu MessageHeader.")
    trace = _child(header, "TraceHeaderList")
    message_id = (trace.get("id") if trace is not None else None) or ""
    return Package(
        message_id=message_id.strip(),
        header=_message_header(message),
        traces=tuple(
            TraceHeader(
                organ_id=_text(item, "OrganId"),
                timestamp=parse_timestamp(_text(item, "Timestamp"), "TraceHeader/Timestamp"),
            )
            for item in _children(trace, "TraceHeader")
        ),
        business=_business(_child(trace, "Bussiness")),
        attachments=_attachments(root) if attachments else (),
    )


def parse_status(root: Element) -> StatusMessage:
    node = _child(_header_block(root), "Status")
    if node is None:
        raise MalformedPackage("Gói tin thiếu khối Status.")
    code = _text(node, "StatusCode")
    try:
        status_code = StatusCode(code.zfill(2))
    except ValueError as exc:
        raise MalformedPackage(f"Mã trạng thái “{code[:10]}” không có trong bảng mã.") from exc
    target = _child(node, "ResponseFor")
    if target is None:
        raise MalformedPackage("Thông điệp trạng thái thiếu ResponseFor.")
    return StatusMessage(
        message_id=(node.get("id") or "").strip(),
        response_for=_response_for(target),
        sender=_organ(_need(node, "From", "Status")),
        code=status_code,
        timestamp=parse_timestamp(_text(node, "Timestamp"), "Status/Timestamp"),
        description=_text(node, "Description"),
        staff=_staff(_child(node, "StaffInfo")),
    )
