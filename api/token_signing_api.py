"""Two-step signing with the signer's own token: register the token's certificate, prepare, complete."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja import Status as Reply

from api.outgoing_api import _get, detail
from core.errors import InvalidInput
from orgs.models import User
from outgoing import token_signing
from signing import client_signing

router = Router(tags=["Ký số bằng thiết bị của người ký"])

ALGORITHM = "RSASSA-PKCS1-v1_5-SHA256"  # PKCS#11 CKM_SHA256_RSA_PKCS over ``to_sign``


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"Trường {field} không phải base64 hợp lệ.", details={field: "base64"}) from exc


class ClientCertificateIn(Schema):
    certificate: str  # base64 DER (or PEM text)
    chain: list[str] = []


@router.post("/certificates/client", response={201: dict})
def register(request: HttpRequest, payload: ClientCertificateIn) -> Reply:
    """Register the caller's certificate whose key stays on their token (the client does it on first use)."""
    raw = (
        payload.certificate.encode()
        if "BEGIN" in payload.certificate
        else _b64(payload.certificate, "certificate")
    )
    cert = client_signing.register_client_certificate(
        actor=_user(request),
        owner=_user(request),
        certificate=raw,
        chain=[_b64(c, "chain") for c in payload.chain],
    )
    return Reply(
        201,
        {
            "id": cert.pk,
            "kind": cert.kind,
            "subject": cert.subject_cn,
            "serial": cert.serial_hex,
            "not_after": cert.not_after,
        },
    )


class PrepareIn(Schema):
    certificate_id: int | None = None
    version_sha256: str | None = None


@router.post("/outgoing/{pk}/sign/prepare")
def prepare(request: HttpRequest, pk: int, payload: PrepareIn) -> dict[str, Any]:
    """Step 1: what the token must sign (``to_sign``, base64) for the version at the signer's step."""
    session = token_signing.outgoing_sign_prepare(
        actor=_user(request),
        document=_get(request, pk),
        certificate_id=payload.certificate_id,
        version_sha256=payload.version_sha256,
    )
    return {
        "session": session.token,
        "to_sign": base64.b64encode(bytes(session.to_sign)).decode(),
        "algorithm": ALGORITHM,
        "certificate_id": session.certificate_id,
        "version_sha256": session.expected_sha256,
        "expires_at": session.expires_at,
    }


class CompleteIn(Schema):
    session: str
    signature: str  # base64 of the token's signature value
    note: str = ""


@router.post("/outgoing/{pk}/sign/complete")
def complete(request: HttpRequest, pk: int, payload: CompleteIn) -> dict[str, Any]:
    """Step 2: the token's signature; the document is signed and approved at the signer's step."""
    doc = token_signing.outgoing_sign_complete(
        actor=_user(request),
        document=_get(request, pk),
        session_token=payload.session,
        signature=_b64(payload.signature, "signature"),
        note=payload.note,
    )
    return detail(doc)
