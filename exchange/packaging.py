"""Our documents as edXML messages and back: an issued outgoing document → a package for one recipient;
a received package's header → what the clerk's registration form is filled with."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.utils import timezone

from core import files
from exchange.edxml import model
from exchange.edxml.codes import URGENCY_TO_PRIORITY, Business, Priority, SteeringType, urgency_of
from orgs.models import Organization


def organ(organization: Organization) -> model.Organ:
    parent = organization.heading_parent or (organization.parent.name if organization.parent_id else "")  # type: ignore[union-attr]
    return model.Organ(
        organ_id=organization.identifier or "",
        organ_name=organization.name,
        organization_in_charge=parent,
        address=organization.address,
        email=organization.email,
        telephone=organization.phone,
    )


def outgoing_document_id(doc: Any) -> str:
    assert doc.issued_at is not None
    return model.document_id(
        doc.organization.identifier or "", timezone.localdate(doc.issued_at), doc.number_symbol
    )


def package_for(
    doc: Any, recipient: Any, *, message_id: uuid.UUID, business: int = Business.NEW
) -> model.Package:
    """The package of an issued outgoing document for one recipient (one ``To``; every recipient in
    ``ToPlaces``), its issued PDF first then its annexes."""
    from outgoing.drafting.context import signer_block

    signer = signer_block(doc)
    issued_on = timezone.localdate(doc.issued_at)
    names = [r.name for r in doc.recipients.all()]
    attachments = []
    for index, attachment in enumerate(_files(doc), start=1):
        attachments.append(
            model.Attachment(
                content_id=f"a{index}",
                name=attachment.name,
                content_type=attachment.stored.content_type,
                data=files.open_blob(attachment.stored),
                description="Văn bản chính" if index == 1 else "Phụ lục",
            )
        )
    response_for: tuple[model.ResponseFor, ...] = ()
    if doc.reply_to_id is not None:  # a reply to a document that came by exchange names it
        from exchange.models import InboxMessage

        answered = InboxMessage.objects.filter(incoming_id=doc.reply_to_id).first()
        if answered is not None:
            response_for = (
                model.ResponseFor(
                    organ_id=answered.from_identifier,
                    code=answered.header.get("number_symbol", ""),
                    promulgation_date=doc.reply_to.issued_date,
                    document_id=answered.document_id,
                ),
            )
    header = model.MessageHeader(
        sender=organ(doc.organization),
        recipients=(organ(recipient.organization),),
        code=model.split_number_symbol(doc.number_symbol),
        place=doc.organization.place_name,
        promulgation_date=issued_on,
        type_code=doc.doc_type.code,
        type_name=doc.doc_type.name,
        subject=doc.subject,
        document_id=outgoing_document_id(doc),
        signer=model.Signer(
            competence=signer["authority"], position=signer["position"], full_name=signer["signer_name"]
        ),
        to_places=tuple(names),
        priority=URGENCY_TO_PRIORITY.get(doc.urgency, Priority.NORMAL),
        promulgation_amount=len(names) + 1,
        page_amount=doc.issued_file.stored.page_count if doc.issued_file_id else None,
        response_for=response_for,
        due_date=doc.response_due,
        steering_type=SteeringType(doc.steering),
    )
    return model.Package(
        message_id=str(message_id),
        header=header,
        traces=(model.TraceHeader(doc.organization.identifier or "", timezone.now()),),
        business=model.BusinessInfo(kind=Business(business)),
        attachments=tuple(attachments),
    )


def _files(doc: Any) -> list[Any]:
    out = [doc.issued_file] if doc.issued_file_id else []
    out += [a.attachment for a in doc.annexes.select_related("attachment__stored")]
    return out


def header_json(package: model.Package) -> dict[str, Any]:
    """What the inbox keeps of a package for the clerk's list and form (JSON-safe)."""
    h = package.header
    return {
        "sender": {"organ_id": h.sender.organ_id, "name": h.sender.organ_name},
        "number_symbol": h.code.number_symbol,
        "issued_date": h.promulgation_date.isoformat(),
        "type_code": h.type_code,
        "type_name": h.type_name,
        "subject": h.subject,
        "signer_name": h.signer.full_name,
        "signer_position": " ".join(p for p in (h.signer.competence, h.signer.position) if p),
        "urgency": urgency_of(h.priority),
        "due_date": h.due_date.isoformat() if h.due_date else None,
        "page_amount": h.page_amount,
        "steering_type": int(h.steering_type),
        "response_for": [
            {
                "organ_id": r.organ_id,
                "code": r.code,
                "promulgation_date": r.promulgation_date.isoformat() if r.promulgation_date else None,
                "document_id": r.document_id,
            }
            for r in h.response_for
        ],
        "attachments": [
            {"content_id": a.content_id, "name": a.name, "content_type": a.content_type, "size": len(a.data)}
            for a in package.attachments
        ],
        "business": int(package.business.kind),
        "reason": package.business.reason,
        "target_document_id": package.business.document_id,
    }


def vn_now() -> datetime:
    return timezone.localtime()
