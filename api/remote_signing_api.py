"""Remote signing from a phone: send a request to the signer, list and confirm it with a one-time code."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja import Status as Reply

from api.outgoing_api import _get, detail
from orgs.models import User
from outgoing import remote_signing
from signing import remote
from signing.models import SignatureRequest

router = Router(tags=["Ký số từ xa"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def request_out(item: SignatureRequest) -> dict[str, Any]:
    return {
        "id": item.token,
        "status": item.status,
        "status_label": item.get_status_display(),
        "document_kind": item.document_kind,
        "document_id": item.document_id,
        "title": item.title,
        "sha256": item.sha256,
        "method": item.method,
        "signer": {"id": item.signer_id, "name": item.signer.get_full_name() or item.signer.username},
        "requested_by": {
            "id": item.requested_by_id,
            "name": item.requested_by.get_full_name() or item.requested_by.username,
        },
        "certificate_id": item.certificate_id,
        "created_at": item.created_at,
        "expires_at": item.expires_at,
        "decided_at": item.decided_at,
        "attempts": item.attempts,
        "reason": item.reason,
    }


class SignRequestIn(Schema):
    certificate_id: int | None = None
    version_sha256: str | None = None


@router.post("/outgoing/{pk}/sign-requests", response={201: dict})
def open_request(request: HttpRequest, pk: int, payload: SignRequestIn) -> Reply:
    """Send the version waiting at the signer's step to the signer's phone; it waits for the code."""
    item = remote_signing.request_remote_sign(
        actor=_user(request),
        document=_get(request, pk),
        version_sha256=payload.version_sha256,
        certificate_id=payload.certificate_id,
    )
    return Reply(201, request_out(item))


@router.get("/sign-requests")
def my_requests(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's requests waiting for their confirmation (as the signer), newest first."""
    return [request_out(item) for item in remote.pending_for(_user(request))]


@router.get("/sign-requests/{token}")
def get_request(request: HttpRequest, token: str) -> dict[str, Any]:
    return request_out(remote.get_for(_user(request), token))


class ConfirmIn(Schema):
    code: str
    note: str = ""


@router.post("/sign-requests/{token}/confirm")
def confirm(request: HttpRequest, token: str, payload: ConfirmIn) -> dict[str, Any]:
    """The signer types the one-time code: the document is signed and approved at the signer's step."""
    doc = remote_signing.confirm_remote_sign(
        actor=_user(request), token=token, code=payload.code, note=payload.note
    )
    return {"request": request_out(remote.get_for(_user(request), token)), "document": detail(doc)}


class DeclineIn(Schema):
    reason: str = ""


@router.post("/sign-requests/{token}/decline")
def decline(request: HttpRequest, token: str, payload: DeclineIn) -> dict[str, Any]:
    return request_out(remote.decline(actor=_user(request), token=token, reason=payload.reason))


@router.post("/sign-requests/{token}/cancel")
def cancel(request: HttpRequest, token: str) -> dict[str, Any]:
    return request_out(remote.cancel(actor=_user(request), token=token))
