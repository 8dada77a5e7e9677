"""edXML messages written from the dataclasses of ``model`` (unsigned; ``sign.sign`` signs and serialises).

The layout is regulations §4.2: ``edXML/edXMLEnvelope/{edXMLHeader/{MessageHeader, TraceHeaderList,
Signature}, edXMLBody/edXMLManifest}`` then ``AttachmentEncoded`` outside the envelope, the attachments
base64-encoded and referenced from the manifest by ``cid:``. A status message has the same wrapper around a
``Status`` block and no body. Every element is in the QCVN 102:2016 namespace, prefix ``edXML``; the
signature's place is marked by signxml's placeholder (``<ds:Signature Id="placeholder"/>``, last child of
``edXMLHeader``)."""

from __future__ import annotations

import base64
from datetime import date, datetime
from zoneinfo import ZoneInfo

from lxml import etree
from lxml.etree import _Element as Element

from exchange.edxml.codes import DATE_FORMAT, DS, NS, PREFIX, TIMESTAMP_FORMAT, TIMEZONE, XLINK
from exchange.edxml.model import (
    BusinessInfo,
    MessageHeader,
    Organ,
    Package,
    ResponseFor,
    Staff,
    StatusMessage,
)

_VN = ZoneInfo(TIMEZONE)


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _add(parent: Element, name: str, text: str | int | None = None) -> Element:
    child = etree.SubElement(parent, _q(name))
    if text is not None and text != "":
        child.text = str(text)
    return child


def _date(value: date | None) -> str:
    return value.strftime(DATE_FORMAT) if value is not None else ""


def timestamp(value: datetime) -> str:
    """``yyyy/MM/dd HH:mm:ss`` in Vietnam time (a naive value is taken as Vietnam time)."""
    if value.tzinfo is not None:
        value = value.astimezone(_VN)
    return value.strftime(TIMESTAMP_FORMAT)


def _organ(parent: Element, name: str, organ: Organ) -> None:
    node = _add(parent, name)
    _add(node, "OrganId", organ.organ_id)
    _add(node, "OrganizationInCharge", organ.organization_in_charge)
    _add(node, "OrganName", organ.organ_name)
    _add(node, "OrganAdd", organ.address)
    _add(node, "Email", organ.email)
    _add(node, "Telephone", organ.telephone)
    _add(node, "Fax", organ.fax)
    _add(node, "Website", organ.website)


def _response_for(parent: Element, target: ResponseFor) -> None:
    node = _add(parent, "ResponseFor")
    _add(node, "OrganId", target.organ_id)
    _add(node, "Code", target.code)
    _add(node, "PromulgationDate", _date(target.promulgation_date))
    _add(node, "DocumentId", target.document_id)


def _staff(parent: Element, staff: Staff) -> None:
    node = _add(parent, "StaffInfo")
    _add(node, "Department", staff.department)
    _add(node, "Staff", staff.staff)
    _add(node, "Mobile", staff.mobile)
    _add(node, "Email", staff.email)


def _envelope() -> tuple[Element, Element, Element]:
    root = etree.Element(_q("edXML"), nsmap={PREFIX: NS, "xlink": XLINK})
    envelope = _add(root, "edXMLEnvelope")
    header = _add(envelope, "edXMLHeader")
    return root, envelope, header


def _placeholder(header: Element) -> None:
    etree.SubElement(header, f"{{{DS}}}Signature", nsmap={"ds": DS}, Id="placeholder")


def _message_header(parent: Element, h: MessageHeader) -> None:
    node = _add(parent, "MessageHeader")
    _organ(node, "From", h.sender)
    for recipient in h.recipients:
        _organ(node, "To", recipient)
    code = _add(node, "Code")
    _add(code, "CodeNumber", h.code.number)
    _add(code, "CodeNotation", h.code.notation)
    info = _add(node, "PromulgationInfo")
    _add(info, "Place", h.place)
    _add(info, "PromulgationDate", _date(h.promulgation_date))
    kind = _add(node, "DocumentType")
    _add(kind, "Type", h.type_code)
    _add(kind, "TypeName", h.type_name)
    _add(node, "Subject", h.subject)
    _add(node, "Content", h.content)
    signer = _add(node, "SignerInfo")
    _add(signer, "Competence", h.signer.competence)
    _add(signer, "Position", h.signer.position)
    _add(signer, "FullName", h.signer.full_name)
    _add(node, "DueDate", _date(h.due_date))
    places = _add(node, "ToPlaces")
    for place in h.to_places:
        _add(places, "Place", place)
    other = _add(node, "OtherInfo")
    _add(other, "Priority", int(h.priority))
    _add(other, "SphereOfPromulgation", h.sphere)
    _add(other, "TyperNotation", h.typer_notation)
    _add(other, "PromulgationAmount", h.promulgation_amount)
    _add(other, "PageAmount", h.page_amount)
    appendixes = _add(other, "Appendixes")
    for appendix in h.appendixes:
        _add(appendixes, "Appendix", appendix)
    for target in h.response_for:
        _response_for(node, target)
    _add(node, "SteeringType", int(h.steering_type))
    _add(node, "DocumentId", h.document_id)


def _business(parent: Element, b: BusinessInfo) -> None:
    node = _add(parent, "Bussiness")  # sic: the standard's spelling
    _add(node, "BussinessDocType", int(b.kind))
    _add(node, "BussinessDocReason", b.reason)
    info = _add(node, "BussinessDocumentInfo")
    _add(info, "DocumentInfo", b.document_info)
    _add(info, "DocumentReceiver", b.document_receiver)
    receivers = _add(info, "ReceiverList")
    for receiver_type, organ_id in b.receivers:
        receiver = _add(receivers, "Receiver")
        _add(receiver, "ReceiverType", receiver_type)
        _add(receiver, "OrganId", organ_id)
    _add(node, "DocumentId", b.document_id)
    _staff(node, b.staff)
    _add(node, "Paper", b.paper)
    replacements = _add(node, "ReplacementInfoList")
    for replacement in b.replacements:
        item = _add(replacements, "ReplacementInfo")
        _add(item, "DocumentId", replacement.document_id)
        organs = _add(item, "OrganIdList")
        for organ_id in replacement.organ_ids:
            _add(organs, "OrganId", organ_id)


def package(p: Package) -> Element:
    """The package as an lxml tree, with the signature placeholder (sign it with ``sign.sign``)."""
    ids = [a.content_id for a in p.attachments]
    if len(set(ids)) != len(ids) or any(not i for i in ids):
        raise ValueError("each attachment needs its own ContentId")
    root, envelope, header = _envelope()
    _message_header(header, p.header)
    trace = _add(header, "TraceHeaderList")
    trace.set("id", p.message_id)
    trace.set("version", "1.0")
    for item in p.traces:
        node = _add(trace, "TraceHeader")
        _add(node, "OrganId", item.organ_id)
        _add(node, "Timestamp", timestamp(item.timestamp))
    _business(trace, p.business)
    _placeholder(header)
    manifest = _add(_add(envelope, "edXMLBody"), "edXMLManifest")
    manifest.set("version", "1.0")
    for a in p.attachments:
        reference = _add(manifest, "Reference")
        reference.set(f"{{{XLINK}}}href", f"cid:{a.content_id}")
        _add(reference, "Description", a.description)
        _add(reference, "AttachmentName", a.name)
        _add(reference, "ContentType", a.content_type)
        _add(reference, "ContentId", a.content_id)
    encoded = _add(root, "AttachmentEncoded")
    for a in p.attachments:
        node = _add(encoded, "Attachment")
        _add(node, "ContentType", a.content_type)
        _add(node, "ContentId", a.content_id)
        _add(node, "Description", a.description)
        _add(node, "ContentTransferEncoded", base64.b64encode(a.data).decode("ascii"))
        _add(node, "AttachmentName", a.name)
    return root


def status(s: StatusMessage) -> Element:
    """A status message as an lxml tree, with the signature placeholder."""
    root, _, header = _envelope()
    node = _add(header, "Status")
    node.set("id", s.message_id)
    _response_for(node, s.response_for)
    _organ(node, "From", s.sender)
    _add(node, "StatusCode", s.code.value)
    _add(node, "Description", s.description)
    _add(node, "Timestamp", timestamp(s.timestamp))
    _staff(node, s.staff)
    _placeholder(header)
    return root
