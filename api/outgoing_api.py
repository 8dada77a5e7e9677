"""Outgoing documents over the API: thin handlers over outgoing.services and outgoing.selectors."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from api.auth_api import person_ref
from api.common import iso, optional_json, paginate, parse_date
from core.errors import InvalidInput
from documents.models import Attachment
from documents.selectors import document_get_for_user
from exchange import selectors as exchange_selectors
from orgs.models import User
from outgoing import after_issue, annexes, reviews, selectors, services, signatures
from outgoing.models import Annex, OutgoingDocument, Version
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
        "response_due": doc.response_due.isoformat() if doc.response_due else None,
        "steering": doc.steering,
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
            "versions": [version_out(v) for v in versions],
            "files": issued_files(doc, versions),
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
            "comments": comments_of(doc),
            "reviews": reviews_of(doc),
            "annexes": [annex_out(a) for a in doc.annexes.select_related("attachment__stored")],
            "signed_file": _file_out(doc.signed_file) if doc.signed_file is not None else None,
            "signatures": [
                {
                    "role": e.role,
                    "signer": person_ref(e.actor),
                    "at": iso(e.at.astimezone()),
                    "certificate": {
                        "subject": e.certificate.subject_cn,
                        "issuer": e.certificate.issuer_cn,
                        "serial": e.certificate.serial_hex,
                    },
                }
                for e in signatures.signature_events(doc)
            ],
        }
    )
    return data


def version_out(v: Version) -> dict[str, Any]:
    return {
        "id": v.pk,
        "number": v.number,
        "sha256": v.sha256,
        "note": v.note,
        "file_id": v.attachment_id,
        "from_template": v.fields is not None,
        "fields": v.fields,
        "pdf_file_id": v.pdf_id,
        "pdf_status": v.pdf_status,
        "pdf_error": v.pdf_error or None,
        "created_at": iso(v.created_at.astimezone()),
    }


def _file_out(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "name": attachment.name,
        "sha256": attachment.stored.sha256,
        "size": attachment.stored.size,
        "content_type": attachment.stored.content_type,
    }


def issued_files(doc: OutgoingDocument, versions: list[Version]) -> list[dict[str, Any]]:
    """The issued PDF first (number, date, recipients), then the approved version it was made from."""
    if doc.status not in (Status.ISSUED, Status.RECALLED) or not versions:
        return []
    found = [_file_out(doc.issued_file)] if doc.issued_file is not None else []
    annex_files = [_file_out(a.attachment) for a in doc.annexes.select_related("attachment__stored")]
    return [*found, *annex_files, _file_out(versions[-1].attachment)]


def annex_out(annex: Annex) -> dict[str, Any]:
    return {
        "id": annex.pk,
        "title": annex.title,
        "position": annex.position,
        "file": _file_out(annex.attachment),
    }


def comments_of(doc: OutgoingDocument) -> list[dict[str, Any]]:
    rows = doc.comments.select_related("version", "author", "on_behalf_of", "answered_in", "answered_by")
    return [
        {
            "id": c.pk,
            "version_id": c.version_id,
            "version": c.version.number,
            "author": person_ref(c.author),
            "on_behalf_of": (
                {"organization_id": c.on_behalf_of_id, "name": c.on_behalf_of.name}
                if c.on_behalf_of
                else {"organization_id": None, "name": c.on_behalf_of_name}
                if c.on_behalf_of_name
                else None
            ),
            "text": c.text,
            "created_at": iso(c.created_at.astimezone()),
            "answer": (
                {
                    "text": c.answer,
                    "answered_in_version_id": c.answered_in_id,
                    "answered_in": c.answered_in.number if c.answered_in else None,
                    "by": person_ref(c.answered_by),
                    "at": iso(c.answered_at.astimezone() if c.answered_at else None),
                }
                if c.answered_at
                else None
            ),
        }
        for c in rows
    ]


def reviews_of(doc: OutgoingDocument) -> list[dict[str, Any]]:
    rounds = doc.review_rounds.select_related("version", "created_by").prefetch_related(
        "requests__reviewer", "requests__organization"
    )
    return [
        {
            "id": r.pk,
            "version_id": r.version_id,
            "version": r.version.number,
            "deadline": iso(r.deadline),
            "note": r.note,
            "created_by": person_ref(r.created_by),
            "created_at": iso(r.created_at.astimezone()),
            "closed": r.closed,
            "closed_at": iso(r.closed_at.astimezone() if r.closed_at else None),
            "requests": [
                {
                    "reviewer": person_ref(q.reviewer) if q.reviewer else None,
                    "organization": {"id": q.organization_id, "name": q.organization.name}
                    if q.organization
                    else None,
                    "outside_name": q.outside_name or None,
                    "responded_at": iso(q.responded_at.astimezone() if q.responded_at else None),
                }
                for q in r.requests.all()
            ],
        }
        for r in rounds
    ]


def _upload(file: UploadedFile) -> tuple[str, bytes]:
    return file.name or "du-thao", file.read()


def _json_list(value: Any, field: str) -> list[dict[str, Any]]:
    if isinstance(value, str):
        try:
            value = json.loads(value or "[]")
        except ValueError:
            value = None
    if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
        raise InvalidInput(f"{field} phải là danh sách JSON các nơi nhận.", details={field: "không hợp lệ"})
    return value


def _json_object(value: Any, field: str) -> dict[str, Any] | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = None
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} phải là một đối tượng JSON.", details={field: "không hợp lệ"})
    return value


def _id(value: Any, field: str) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isdecimal()):
        return int(value)
    raise InvalidInput(f"{field} không hợp lệ.", details={field: value})


@router.post("/outgoing", response={201: dict})
def create(
    request: HttpRequest,
    file: UploadedFile | None = File(None),  # noqa: B008
    doc_type: Form[str] = "",
    subject: Form[str] = "",
    urgency: Form[str] = "normal",
    secrecy: Form[str] = "none",
    signer_id: Form[str] = "",
    signer_capacity: Form[str] = "own",
    recipients: Form[str] = "[]",
    reply_to_id: Form[str] = "",
    fields: Form[str] = "",
    response_due: Form[str] = "",
    steering: Form[str] = "0",
) -> Reply[dict[str, Any]]:
    """A draft: multipart with a .docx/.pdf ``file``, or JSON (or multipart) with ``fields`` — the template
    fields, at least ``content`` (the body text; optional ``addressees`` for letters, ``authority``,
    ``position``, ``signer_name``, ``place`` and any variable of the office's own template) — from which
    the document is rendered with its type's template. Recipients: [{"organization_id": 3}, {"name": "…"}]."""
    body = optional_json(request)
    given: dict[str, Any] = (
        body
        if body
        else {
            "doc_type": doc_type,
            "subject": subject,
            "urgency": urgency,
            "secrecy": secrecy,
            "signer_id": signer_id,
            "signer_capacity": signer_capacity,
            "recipients": recipients,
            "reply_to_id": reply_to_id,
            "fields": fields,
            "response_due": response_due,
            "steering": steering,
        }
    )
    reply = _id(given.get("reply_to_id"), "reply_to_id")
    if reply is not None:
        reply = document_get_for_user(_user(request), "incoming", reply).pk
    data = services.Draft(
        doc_type=str(given.get("doc_type", "")),
        subject=str(given.get("subject", "")),
        urgency=str(given.get("urgency", "normal")),
        secrecy=str(given.get("secrecy", "none")),
        signer_id=_id(given.get("signer_id"), "signer_id"),
        signer_capacity=str(given.get("signer_capacity", "own")),
        recipients=_json_list(given.get("recipients", []), "recipients"),
        reply_to_id=reply,
        fields=_json_object(given.get("fields"), "fields"),
        response_due=parse_date(str(given.get("response_due") or ""), "response_due"),
        steering=_id(given.get("steering"), "steering") or 0,
    )
    upload = _upload(file) if file is not None else None
    doc = services.outgoing_create(actor=_user(request), data=data, upload=upload)
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


@router.post("/outgoing/{pk}/annexes", response={201: dict})
def add_annex(
    request: HttpRequest, pk: int, file: File[UploadedFile], title: Form[str] = ""
) -> Reply[dict[str, Any]]:
    """An annex (phụ lục) in a file of its own, while the document is a draft (drafter only)."""
    annex = annexes.annex_add(
        actor=_user(request), document=_get(request, pk), upload=_upload(file), title=title
    )
    return Reply(201, annex_out(annex))


@router.delete("/outgoing/{pk}/annexes/{annex_id}", response={204: None})
def remove_annex(request: HttpRequest, pk: int, annex_id: int) -> Reply[None]:
    annexes.annex_remove(actor=_user(request), document=_get(request, pk), annex_id=annex_id)
    return Reply(204, None)


@router.post("/outgoing/{pk}/versions", response={201: dict})
def add_version(
    request: HttpRequest,
    pk: int,
    file: UploadedFile | None = File(None),  # noqa: B008
    note: Form[str] = "",
    fields: Form[str] = "",
) -> Reply[dict[str, Any]]:
    """A new version: a file (multipart), or the template rendered again from ``fields`` (JSON or form)."""
    body = optional_json(request)
    version = services.outgoing_add_version(
        actor=_user(request),
        document=_get(request, pk),
        upload=_upload(file) if file is not None else None,
        note=str(body.get("note", note)),
        fields=_json_object(body.get("fields", fields), "fields"),
    )
    return Reply(201, version_out(version))


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


class SignIn(Schema):
    secret: str = ""
    certificate_id: int | None = None
    version_sha256: str | None = None
    note: str = ""


@router.post("/outgoing/{pk}/sign")
def sign(request: HttpRequest, pk: int, payload: SignIn) -> dict[str, Any]:
    """The signer signs the latest (approved) version digitally and approves it at the signer's step."""
    doc = signatures.outgoing_sign(
        actor=_user(request),
        document=_get(request, pk),
        secret=payload.secret,
        certificate_id=payload.certificate_id,
        version_sha256=payload.version_sha256,
        note=payload.note,
    )
    return detail(doc)


@router.post("/outgoing/{pk}/issue")
def issue(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Number and issue (optional JSON body {"secret": "…"}: the seal's password of a signed document)."""
    secret = str(optional_json(request).get("secret", ""))
    return detail(services.outgoing_issue(actor=_user(request), document=_get(request, pk), secret=secret))


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
                # by exchange: the outbox state and the recipient's processing status (01…06, history)
                "exchange": exchange_selectors.delivery_json(r.pk),
            }
        )
    return rows


class ReviewIn(Schema):
    reviewer_ids: list[int] = []
    organization_ids: list[int] = []
    outside_names: list[str] = []
    deadline: str = ""
    version_id: int | None = None
    note: str = ""


@router.post("/outgoing/{pk}/reviews", response={201: dict})
def request_review(request: HttpRequest, pk: int, payload: ReviewIn) -> Reply[dict[str, Any]]:
    """Ask people, organizations of this installation or outside organizations for comments by a deadline."""
    doc = _get(request, pk)
    reviews.review_request(
        actor=_user(request),
        document=doc,
        deadline=parse_date(payload.deadline, "deadline", required=True),
        reviewer_ids=payload.reviewer_ids,
        organization_ids=payload.organization_ids,
        outside_names=payload.outside_names,
        version_id=payload.version_id,
        note=payload.note,
    )
    return Reply(201, detail(_get(request, pk)))


@router.post("/outgoing/{pk}/reviews/{rid}/close")
def close_review(request: HttpRequest, pk: int, rid: int) -> dict[str, Any]:
    reviews.review_close(actor=_user(request), document=_get(request, pk), round_id=rid)
    return detail(_get(request, pk))


class CommentIn(Schema):
    version_id: int | None = None
    text: str = ""
    on_behalf_of: str = ""


@router.post("/outgoing/{pk}/comments", response={201: dict})
def add_comment(request: HttpRequest, pk: int, payload: CommentIn) -> Reply[dict[str, Any]]:
    """A comment on a version (default: the latest); the drafter records an outside opinion (on_behalf_of)."""
    doc = _get(request, pk)
    comment = reviews.comment_add(
        actor=_user(request),
        document=doc,
        version_id=payload.version_id,
        text=payload.text,
        on_behalf_of=payload.on_behalf_of,
    )
    return Reply(201, next(c for c in comments_of(doc) if c["id"] == comment.pk))


class AnswerIn(Schema):
    text: str = ""
    version_id: int | None = None


@router.post("/outgoing/{pk}/comments/{cid}/answer")
def answer_comment(request: HttpRequest, pk: int, cid: int, payload: AnswerIn) -> dict[str, Any]:
    doc = _get(request, pk)
    reviews.comment_answer(
        actor=_user(request), document=doc, comment_id=cid, text=payload.text, version_id=payload.version_id
    )
    return next(c for c in comments_of(doc) if c["id"] == cid)


@router.get("/outgoing/{pk}/compare")
def compare(request: HttpRequest, pk: int, a: int, b: int) -> dict[str, Any]:
    """Text difference of two versions (ids): lines [{"op": equal/insert/delete, "text"}] and counts."""
    doc: OutgoingDocument = document_get_for_user(_user(request), "outgoing", pk, need="file")
    return reviews.versions_compare(doc, a, b)
