"""Liên thông: the arrivals waiting for the clerk (register / return), and the outbox and backlog of the
installation for its administrators. The machine endpoints other installations call are outside /api/v1
(exchange/urls.py)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja import Status as Reply

from api.common import iso, paginate
from core.errors import NotFound
from exchange import selectors, services
from exchange.models import InboxMessage
from exchange.states import InState
from incoming.permissions import LEADER_ROLES, orgs_with_roles
from orgs.models import Role, User

router = Router(tags=["Liên thông"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _visible(user: User) -> Any:
    orgs = orgs_with_roles(user, {Role.CLERK, *LEADER_ROLES})
    return selectors.arrivals_for_orgs(orgs)


def arrival_out(m: InboxMessage) -> dict[str, Any]:
    h = m.header
    return {
        "id": m.pk,
        "state": m.state,
        "state_label": InState(m.state).label,
        "from": {"organ_id": m.from_identifier, "name": h.get("sender", {}).get("name", "")},
        "organization_id": m.organization_id,
        "document_id": m.document_id,
        "number_symbol": h.get("number_symbol", ""),
        "issued_date": h.get("issued_date"),
        "doc_type": h.get("type_name", ""),
        "subject": h.get("subject", ""),
        "signer": " ".join(p for p in (h.get("signer_position", ""), h.get("signer_name", "")) if p),
        "urgency": h.get("urgency", "normal"),
        "due_date": h.get("due_date"),
        "attachments": h.get("attachments", []),
        "steering_type": h.get("steering_type", 0),
        "response_for": h.get("response_for", []),
        "business": m.business,
        "reason": m.reason,
        "incoming_id": m.incoming_id,
        "received_at": iso(m.received_at),
    }


@router.get("/exchange/arrivals")
def arrivals(request: HttpRequest, state: str = "", page: int = 1, page_size: int = 50) -> dict[str, Any]:
    """Văn bản liên thông đến of the organisations where the user is a clerk or a leader, newest first."""
    qs = _visible(_user(request))
    if state:
        qs = qs.filter(state=state)
    items, total = paginate(qs, page, page_size)
    return {"items": [arrival_out(m) for m in items], "total": total, "page": page, "page_size": page_size}


def _arrival(request: HttpRequest, pk: int) -> InboxMessage:
    found = _visible(_user(request)).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


@router.get("/exchange/arrivals/{pk}")
def arrival(request: HttpRequest, pk: int) -> dict[str, Any]:
    """One arrival, with the signature check of its PDF files (``signatures``; ``verdict`` "pending"
    while the worker checks them)."""
    from exchange.arrival_files import signature_rows

    inbox = _arrival(request, pk)
    out = arrival_out(inbox)
    checked = signature_rows(inbox, out["attachments"])
    out["signatures"] = [
        {
            "name": item["name"],
            "verdict": item["state"],
            "reason": item.get("reason", ""),
            "signers": [s["signer"] for s in item.get("signatures", [])],
        }
        for item in checked["files"]
    ]
    return out


class RegisterIn(Schema):
    subject: str | None = None
    doc_type: str | None = None
    urgency: str | None = None
    due_date: str | None = None


@router.post("/exchange/arrivals/{pk}/register", response={201: dict})
def register(request: HttpRequest, pk: int, body: RegisterIn | None = None) -> Any:
    """Vào sổ: the arrival becomes an incoming document (status 03 goes back to the sender)."""
    from api.common import parse_date

    changes: dict[str, Any] = {}
    if body is not None:
        changes = {k: v for k, v in body.dict().items() if v not in (None, "")}
        if "due_date" in changes:
            changes["due_date"] = parse_date(changes["due_date"], "due_date")
    result = services.inbox_register(actor=_user(request), inbox=_arrival(request, pk), changes=changes)
    return Reply(201, {"incoming_id": result.document.pk, "warnings": result.warnings})


class RejectIn(Schema):
    reason: str


@router.post("/exchange/arrivals/{pk}/reject")
def reject(request: HttpRequest, pk: int, body: RejectIn) -> dict[str, Any]:
    """Trả lại nơi gửi with the reason (status 02)."""
    return arrival_out(
        services.inbox_reject(actor=_user(request), inbox=_arrival(request, pk), reason=body.reason)
    )


@router.get("/exchange/stats")
def stats(request: HttpRequest) -> dict[str, Any]:
    """The administrators' view of the exchange: traffic today and over 7 days (Vietnam time), failures
    with their last error, the backlog per destination, arrivals waiting for clerks, the next hops."""
    from core.errors import NotAllowed
    from orgs.selectors import is_admin

    if not is_admin(_user(request)):
        raise NotAllowed("Chỉ quản trị hệ thống xem được số liệu liên thông.")
    from django.utils import timezone

    def local(value: Any) -> str | None:  # Vietnam time, with its offset
        return iso(timezone.localtime(value)) if value is not None else None

    found = selectors.exchange_stats()
    return {
        "at": local(found["at"]),
        "traffic": found["traffic"],
        "failures": [{**f, "created_at": local(f["created_at"])} for f in found["failures"]],
        "backlog": [{**b, "oldest": local(b["oldest"])} for b in found["backlog"]],
        "waiting": [{**w, "oldest": local(w["oldest"])} for w in found["waiting"]],
        "nodes": [{**n, "last_ok_at": local(n["last_ok_at"])} for n in found["nodes"]],
    }
