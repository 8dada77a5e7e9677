"""Incoming documents over the API: thin handlers over incoming.services and incoming.selectors."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Form, Router, Schema
from ninja import Status as Reply
from ninja.files import UploadedFile

from api.auth_api import person_ref
from api.common import iso, optional_json, paginate, parse_date
from core.errors import FileTooLarge, InvalidInput
from documents.selectors import document_get_for_user
from incoming import selectors, services
from incoming.models import IncomingDocument
from incoming.states import Status
from orgs.models import User

router = Router(tags=["Văn bản đến"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def summary(doc: IncomingDocument) -> dict[str, Any]:
    leads = getattr(doc, "lead_assignments", None)
    return {
        "id": doc.pk,
        "arrival_number": doc.arrival_number,
        "arrival_date": iso(doc.arrival_date),
        "register": {"id": doc.register_id, "name": doc.register.name, "year": doc.year},
        "issuer": {"id": doc.issuer_id, "name": doc.issuer_name},
        "number_symbol": doc.number_symbol,
        "issued_date": iso(doc.issued_date),
        "doc_type": doc.doc_type.code,
        "doc_type_name": doc.doc_type.name,
        "subject": doc.subject,
        "urgency": doc.urgency,
        "secrecy": doc.secrecy,
        "status": doc.status,
        "channel": doc.channel,
        "due_date": iso(doc.due_date),
        "deadline_state": selectors.deadline_state(doc),
        "lead": [a.target_name for a in leads] if leads is not None else None,
    }


def detail(doc: IncomingDocument) -> dict[str, Any]:
    data = summary(doc)
    data.update(
        {
            "signer_name": doc.signer_name,
            "signer_position": doc.signer_position,
            "channel": doc.channel,
            "page_count": doc.page_count,
            "language": doc.language,
            "description": doc.description,
            "received_at": iso(doc.received_at),
            "completed_at": iso(doc.completed_at),
            "completion_note": doc.completion_note,
            "reply_number_symbol": doc.reply_number_symbol,
            "files": [
                {
                    "id": f.pk,
                    "name": f.name,
                    "sha256": f.stored.sha256,
                    "size": f.stored.size,
                    "content_type": f.stored.content_type,
                }
                for f in selectors.files(doc)
            ],
            "assignments": [
                {
                    "id": a.pk,
                    "role": a.role,
                    "unit": {"id": a.unit_id, "name": a.unit.name} if a.unit else None,
                    "person": person_ref(a.person),
                    "parent_id": a.parent_id,
                    "deadline": iso(a.deadline),
                    "status": a.status,
                    "instruction": a.instruction,
                }
                for a in selectors.assignments(doc)
            ],
            "signatures": [],
        }
    )
    data.pop("lead", None)
    return data


def _read_uploads(files: list[UploadedFile]) -> list[tuple[str, bytes]]:
    uploads = []
    for upload in files:
        if upload.size and upload.size > settings.FILE_MAX_BYTES:
            limit_mb = settings.FILE_MAX_BYTES // (1024 * 1024)
            raise FileTooLarge(f"Tệp “{upload.name}” vượt quá dung lượng cho phép ({limit_mb} MB).")
        uploads.append((upload.name or "tep", upload.read()))
    return uploads


def _int(value: str, field: str) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput(f"Giá trị không hợp lệ ở trường {field}.", details={field: value}) from exc


@router.post("/incoming", response={201: dict})
def register(
    request: HttpRequest,
    files: File[list[UploadedFile]],
    issuer_name: Form[str] = "",
    issuer_id: Form[str] = "",
    number_symbol: Form[str] = "",
    issued_date: Form[str] = "",
    doc_type: Form[str] = "",
    subject: Form[str] = "",
    signer_name: Form[str] = "",
    signer_position: Form[str] = "",
    urgency: Form[str] = "normal",
    secrecy: Form[str] = "none",
    due_date: Form[str] = "",
    channel: Form[str] = "paper",
    page_count: Form[str] = "",
    arrival_date: Form[str] = "",
    description: Form[str] = "",
    register_id: Form[str] = "",
) -> Reply[dict[str, Any]]:
    user = _user(request)
    if user.organization is None:
        raise InvalidInput("Tài khoản chưa thuộc cơ quan nào.")
    data = services.Registration(
        issuer_name=issuer_name,
        issuer_id=_int(issuer_id, "issuer_id"),
        number_symbol=number_symbol,
        issued_date=parse_date(issued_date, "issued_date"),
        doc_type=doc_type,
        subject=subject,
        signer_name=signer_name,
        signer_position=signer_position,
        urgency=urgency,
        secrecy=secrecy,
        due_date=parse_date(due_date, "due_date"),
        channel=channel,
        page_count=_int(page_count, "page_count"),
        arrival_date=parse_date(arrival_date, "arrival_date"),
        description=description,
        register_id=_int(register_id, "register_id"),
    )
    result = services.incoming_register(
        actor=user, organization=user.organization, data=data, uploads=_read_uploads(files)
    )
    body = detail(result.document)
    body["warnings"] = result.warnings
    return Reply(201, body)


@router.get("/incoming")
def list_incoming(
    request: HttpRequest,
    status: str = "",
    q: str = "",
    mine: bool = False,
    overdue: bool = False,
    from_: str = "",
    to: str = "",
    doc_type: str = "",
    urgency: str = "",
    number_symbol: str = "",
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    from_value = request.GET.get("from", from_)
    if status and status not in Status.values:
        raise InvalidInput("Trạng thái không hợp lệ.", details={"status": status})
    qs = selectors.incoming_list(
        _user(request),
        status=status or None,
        q=q or None,
        mine=mine,
        overdue=overdue,
        date_from=parse_date(from_value, "from"),
        date_to=parse_date(to, "to"),
        doc_type=doc_type or None,
        urgency=urgency or None,
        number_symbol=number_symbol or None,
    )
    items, total = paginate(qs, page, page_size)
    return {
        "items": [summary(d) for d in items],
        "total": total,
        "page": min(max(page, 1), 1_000_000),
        "page_size": min(max(page_size, 1), 200),
    }


def _get(request: HttpRequest, pk: int) -> IncomingDocument:
    doc: IncomingDocument = document_get_for_user(_user(request), "incoming", pk)
    return doc


@router.get("/incoming/{pk}")
def get_incoming(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(_get(request, pk))


class NoteIn(Schema):
    note: str = ""


class AssignmentIn(Schema):
    role: str
    unit_id: int | None = None
    person_id: int | None = None
    deadline: str | None = None


class AssignIn(Schema):
    assignments: list[AssignmentIn]
    instruction: str = ""


class ForwardIn(Schema):
    person_ids: list[int]
    deadline: str | None = None
    instruction: str = ""


class CompleteIn(Schema):
    note: str = ""
    result_document_id: int | None = None
    reply_number_symbol: str = ""


class ReturnIn(Schema):
    reason: str = ""


def _done(request: HttpRequest, doc: IncomingDocument) -> dict[str, Any]:
    return detail(_get(request, doc.pk))


class UpdateIn(Schema):
    issuer_name: str | None = None
    number_symbol: str | None = None
    issued_date: str | None = None
    doc_type: str | None = None
    subject: str | None = None
    signer_name: str | None = None
    signer_position: str | None = None
    urgency: str | None = None
    due_date: str | None = None
    channel: str | None = None
    page_count: int | None = None
    description: str | None = None


@router.patch("/incoming/{pk}")
def update(request: HttpRequest, pk: int, payload: UpdateIn) -> dict[str, Any]:
    """Correct the registration while the document is still with the clerk (audited old/new values)."""
    changes: dict[str, Any] = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    for field in ("issued_date", "due_date"):
        if field in changes:
            changes[field] = parse_date(changes[field], field)
    doc = services.incoming_update(actor=_user(request), document=_get(request, pk), changes=changes)
    return _done(request, doc)


@router.post("/incoming/{pk}/submit")
def submit(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Present to the leaders (optional JSON body {"note": "…"})."""
    note = str(optional_json(request).get("note", ""))
    doc = services.incoming_submit(actor=_user(request), document=_get(request, pk), note=note)
    return _done(request, doc)


@router.post("/incoming/{pk}/assign")
def assign(request: HttpRequest, pk: int, payload: AssignIn) -> dict[str, Any]:
    items = [
        services.AssignmentInput(
            role=a.role, unit_id=a.unit_id, person_id=a.person_id, deadline=parse_date(a.deadline, "deadline")
        )
        for a in payload.assignments
    ]
    doc = services.incoming_assign(
        actor=_user(request), document=_get(request, pk), items=items, instruction=payload.instruction
    )
    return _done(request, doc)


@router.post("/incoming/{pk}/forward")
def forward(request: HttpRequest, pk: int, payload: ForwardIn) -> dict[str, Any]:
    doc = services.incoming_forward(
        actor=_user(request),
        document=_get(request, pk),
        person_ids=payload.person_ids,
        deadline=parse_date(payload.deadline, "deadline"),
        instruction=payload.instruction,
    )
    return _done(request, doc)


@router.post("/incoming/{pk}/notes")
def add_note(request: HttpRequest, pk: int, payload: NoteIn) -> dict[str, Any]:
    doc = services.incoming_add_note(actor=_user(request), document=_get(request, pk), note=payload.note)
    return _done(request, doc)


@router.post("/incoming/{pk}/acknowledge")
def acknowledge(request: HttpRequest, pk: int) -> dict[str, Any]:
    """Mark a supporting or informed part done (optional JSON body {"note": "…"})."""
    note = str(optional_json(request).get("note", ""))
    doc = services.incoming_acknowledge(actor=_user(request), document=_get(request, pk), note=note)
    return _done(request, doc)


@router.post("/incoming/{pk}/complete")
def complete(request: HttpRequest, pk: int, payload: CompleteIn) -> dict[str, Any]:
    if payload.result_document_id is not None:
        from outgoing.services import complete_incoming_with_reply

        reply = document_get_for_user(_user(request), "outgoing", payload.result_document_id)
        doc = complete_incoming_with_reply(
            actor=_user(request), incoming=_get(request, pk), reply=reply, note=payload.note
        )
        return _done(request, doc)
    doc = services.incoming_complete(
        actor=_user(request),
        document=_get(request, pk),
        note=payload.note,
        reply_number_symbol=payload.reply_number_symbol,
    )
    return _done(request, doc)


@router.post("/incoming/{pk}/return")
def return_(request: HttpRequest, pk: int, payload: ReturnIn) -> dict[str, Any]:
    doc = services.incoming_return(actor=_user(request), document=_get(request, pk), reason=payload.reason)
    return _done(request, doc)


@router.get("/incoming/{pk}/metadata")
def metadata(request: HttpRequest, pk: int) -> dict[str, Any]:
    """The NĐ 30/2020 PL-VI incoming metadata, with the decree's tag names."""
    from incoming.metadata import plvi

    return plvi(_get(request, pk))


@router.get("/incoming/{pk}/history")
def history(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    doc = _get(request, pk)
    return [
        {
            "at": iso(e.at),
            "actor": person_ref(e.actor),
            "action": e.action,
            "note": e.note,
            "from_status": e.from_status,
            "to_status": e.to_status,
        }
        for e in selectors.history(doc)
    ]
