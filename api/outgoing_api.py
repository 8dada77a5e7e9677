"""Outgoing documents over the API: thin handlers over outgoing.services and outgoing.selectors."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from api.auth_api import person_ref
from api.common import iso, optional_json, paginate
from core.errors import InvalidInput
from documents.selectors import document_get_for_user
from orgs.models import User
from outgoing import after_issue, selectors, services
from outgoing.models import OutgoingDocument
from outgoing.states import Status

router = Router(tags=["Văn bản đi"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _get(request: HttpRequest, pk: int) -> OutgoingDocument:
    doc: OutgoingDocument = document_get_for_user(_user(request), "outgoing", pk)
    return doc


def summary(doc: OutgoingDocument) -> dict[str, Any]:
    return {
        "id": doc.pk,
        "doc_type": doc.doc_type.code,
        "doc_type_name": doc.doc_type.name,
        "subject": doc.subject,
        "status": doc.status,
        "urgency": doc.urgency,
        "secrecy": doc.secrecy,
        "number_symbol": doc.number_symbol or None,
        "issued_at": iso(doc.issued_at.astimezone() if doc.issued_at else None),
        "created_at": iso(doc.created_at.astimezone()),
    }


def _ref(doc: OutgoingDocument | None) -> dict[str, Any] | None:
    return {"id": doc.pk, "number_symbol": doc.number_symbol or None} if doc is not None else None


def _after_issue(doc: OutgoingDocument) -> dict[str, Any]:
    """The links of a replacement or a correction (outgoing/after_issue.py), both ways."""
    corrections = (
        doc.corrections.exclude(issued_at__isnull=True).order_by("issued_at", "id")
        if doc.corrected_by_id
        else []
    )
    return {
        "replaces": _ref(doc.replaces),
        "replaced_by": _ref(doc.replaced_by),
        "corrects": _ref(doc.corrects),
        "corrected_by": _ref(doc.corrected_by),
        "corrections": [_ref(c) for c in corrections],
        "after_issue_reason": doc.after_issue_reason or None,
    }


def detail(doc: OutgoingDocument) -> dict[str, Any]:
    data = summary(doc)
    data.update(_after_issue(doc))
    versions = list(doc.versions.select_related("attachment__stored").order_by("number"))
    data.update(
        {
            "organization": {"id": doc.organization_id, "name": doc.organization.name},
            "drafter": person_ref(doc.drafter),
            "signer": person_ref(doc.signer),
            "signer_capacity": doc.signer_capacity,
            "current_step": doc.current_step if doc.status == Status.PENDING_APPROVAL else None,
            "number": doc.number,
            "reply_to_id": doc.reply_to_id,
            "versions": [
                {
                    "id": v.pk,
                    "number": v.number,
                    "sha256": v.sha256,
                    "note": v.note,
                    "file_id": v.attachment_id,
                    "created_at": iso(v.created_at.astimezone()),
                }
                for v in versions
            ],
            "files": [
                {
                    "id": v.attachment_id,
                    "name": v.attachment.name,
                    "sha256": v.sha256,
                    "size": v.attachment.stored.size,
                    "content_type": v.attachment.stored.content_type,
                }
                for v in reversed(versions[-1:])
            ]
            if doc.status == Status.ISSUED
            else [],
            "approvals": [
                {
                    "step": a.step,
                    "approver": person_ref(a.approver),
                    "decision": a.decision,
                    "reason": a.reason,
                    "version": a.version.number,
                    "at": iso(a.at.astimezone()),
                }
                for a in doc.approvals.select_related("approver", "version")
            ],
            "recipients": [
                {"organization_id": r.organization_id, "name": r.name} for r in doc.recipients.all()
            ],
            "comments": [],
        }
    )
    return data


def _upload(file: UploadedFile) -> tuple[str, bytes]:
    return file.name or "du-thao", file.read()


@router.post("/outgoing", response={201: dict})
def create(
    request: HttpRequest,
    file: File[UploadedFile],
    doc_type: Form[str] = "",
    subject: Form[str] = "",
    urgency: Form[str] = "normal",
    secrecy: Form[str] = "none",
    signer_id: Form[str] = "",
    signer_capacity: Form[str] = "own",
    recipients: Form[str] = "[]",
    reply_to_id: Form[str] = "",
) -> Reply[dict[str, Any]]:
    """A draft from an uploaded .docx or .pdf; recipients: JSON [{"organization_id": 3}, {"name": "…"}].

    (Drafting from the type's template with ``fields`` arrives with the template engine.)"""
    try:
        recipient_list = json.loads(recipients or "[]")
    except ValueError:
        recipient_list = None
    if not isinstance(recipient_list, list) or not all(isinstance(r, dict) for r in recipient_list):
        raise InvalidInput(
            "recipients phải là danh sách JSON các nơi nhận.", details={"recipients": recipients}
        )
    reply = None
    if reply_to_id:
        if not reply_to_id.isdecimal():
            raise InvalidInput("reply_to_id không hợp lệ.", details={"reply_to_id": reply_to_id})
        reply = document_get_for_user(_user(request), "incoming", int(reply_to_id)).pk
    data = services.Draft(
        doc_type=doc_type,
        subject=subject,
        urgency=urgency,
        secrecy=secrecy,
        signer_id=int(signer_id) if signer_id.isdecimal() else None,
        signer_capacity=signer_capacity,
        recipients=recipient_list,
        reply_to_id=reply,
    )
    doc = services.outgoing_create(actor=_user(request), data=data, upload=_upload(file))
    return Reply(201, detail(doc))


@router.get("/outgoing")
def list_outgoing(
    request: HttpRequest,
    status: str = "",
    q: str = "",
    mine: bool = False,
    awaiting: bool = False,
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    if status and status not in Status.values:
        raise InvalidInput("Trạng thái không hợp lệ.", details={"status": status})
    user = _user(request)
    qs = (
        selectors.awaiting_approval_qs(user).select_related("doc_type").order_by("created_at")
        if awaiting
        else selectors.outgoing_list(user, status=status or None, q=q or None, mine=mine)
    )
    items, total = paginate(qs, page, page_size)
    return {
        "items": [summary(d) for d in items],
        "total": total,
        "page": min(max(page, 1), 1_000_000),
        "page_size": min(max(page_size, 1), 200),
    }


@router.get("/outgoing/{pk}")
def get_outgoing(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(_get(request, pk))


@router.post("/outgoing/{pk}/versions", response={201: dict})
def add_version(
    request: HttpRequest, pk: int, file: File[UploadedFile], note: Form[str] = ""
) -> Reply[dict[str, Any]]:
    version = services.outgoing_add_version(
        actor=_user(request), document=_get(request, pk), upload=_upload(file), note=note
    )
    return Reply(201, {"id": version.pk, "number": version.number, "sha256": version.sha256})


class ReasonIn(Schema):
    reason: str = ""


@router.post("/outgoing/{pk}/submit")
def submit(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(services.outgoing_submit(actor=_user(request), document=_get(request, pk)))


@router.post("/outgoing/{pk}/approve")
def approve(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Approve the current step (optional JSON body {"note": "…"})."""
    note = str(optional_json(request).get("note", ""))
    return detail(services.outgoing_approve(actor=_user(request), document=_get(request, pk), note=note))


@router.post("/outgoing/{pk}/reject")
def reject(request: HttpRequest, pk: int, payload: ReasonIn) -> dict[str, Any]:
    return detail(
        services.outgoing_reject(actor=_user(request), document=_get(request, pk), reason=payload.reason)
    )


@router.post("/outgoing/{pk}/issue")
def issue(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(services.outgoing_issue(actor=_user(request), document=_get(request, pk)))


@router.post("/outgoing/{pk}/recall")
def recall(request: HttpRequest, pk: int, payload: ReasonIn) -> dict[str, Any]:
    return detail(
        services.outgoing_recall(actor=_user(request), document=_get(request, pk), reason=payload.reason)
    )


@router.post("/outgoing/{pk}/replace", response={201: dict})
def replace(request: HttpRequest, pk: int, payload: ReasonIn) -> Reply[dict[str, Any]]:
    """Start a replacement of an issued document (content error): the new draft, to approve and issue."""
    new = after_issue.outgoing_start_replacement(
        actor=_user(request), document=_get(request, pk), reason=payload.reason
    )
    return Reply(201, detail(new))


@router.post("/outgoing/{pk}/correct", response={201: dict})
def correct(request: HttpRequest, pk: int, payload: ReasonIn) -> Reply[dict[str, Any]]:
    """Start a correction of an issued document (format or procedure error): the new công văn draft."""
    new = after_issue.outgoing_start_correction(
        actor=_user(request), document=_get(request, pk), reason=payload.reason
    )
    return Reply(201, detail(new))


@router.get("/outgoing/{pk}/deliveries")
def deliveries(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    doc = _get(request, pk)
    rows = []
    for r in doc.recipients.select_related("incoming"):
        rows.append(
            {
                "recipient": r.name,
                "organization_id": r.organization_id,
                "status_code": r.status,
                "status": r.get_status_display() if r.status else "Chưa phát hành",
                "processing_status": r.incoming.status if r.incoming else None,
                "incoming_id": r.incoming_id,
                "at": iso(r.at.astimezone() if r.at else None),
            }
        )
    return rows
