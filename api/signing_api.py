"""Signatures: validate any PDF (uploaded, or an attachment the caller may see); the caller's certificates."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router
from ninja.files import UploadedFile

from core.errors import FileTooLarge, InvalidInput
from core.files import open_blob
from documents.selectors import attachment_get_for_user
from orgs.models import User
from signing import selectors, services

router = Router(tags=["Chữ ký số"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.post("/signatures/validate")
def signatures_validate(
    request: HttpRequest,
    file: UploadedFile | None = File(None),  # noqa: B008
    file_id: Form[int | None] = None,
) -> dict[str, Any]:
    """Validate every signature of a PDF: multipart ``file``, or ``file_id`` of an attachment."""
    if file is not None:
        if file.size and file.size > settings.FILE_MAX_BYTES:
            raise FileTooLarge()
        data = file.read()
    elif file_id is not None:
        attachment, _owner = attachment_get_for_user(_user(request), file_id)
        data = open_blob(attachment.stored)
    else:
        raise InvalidInput("Hãy gửi tệp PDF (file) hoặc mã tệp đính kèm (file_id).", code="missing_file")
    report = services.validate(data=data)
    return {
        "verdict": report.verdict,
        "reason": report.reason,
        "signatures": [
            {
                "signer": s.signer,
                "role": s.role,
                "signed_at": s.signed_at,
                "verdict": s.verdict,
                "status": s.verdict,  # the name used by ../shared/api.md
                "reason": s.reason,
                "intact": s.intact,
                "covers_whole_document": s.covers_whole_document,
                "trusted": s.trusted,
                "revoked": s.revoked,
                "revoked_at": s.revoked_at,
                "timestamp": s.timestamp,
                "warnings": s.warnings,
                "certificate": {
                    "subject": s.certificate.subject,
                    "issuer": s.certificate.issuer,
                    "serial": s.certificate.serial,
                    "not_before": s.certificate.not_before,
                    "not_after": s.certificate.not_after,
                },
            }
            for s in report.signatures
        ],
    }


@router.get("/certificates/mine")
def certificates_mine(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's own certificates and those of the organisations where they are a clerk."""
    out = []
    for cert in selectors.certificates_for_user(_user(request)):
        state = selectors.expiry_state(cert)
        out.append(
            {
                "id": cert.pk,
                "owner": "person" if cert.person_id else "organization",
                "owner_name": cert.person.full_name if cert.person else cert.organization.name,  # type: ignore[union-attr]
                "kind": cert.kind,
                "subject": cert.subject_cn,
                "issuer": cert.issuer_cn,
                "serial": cert.serial_hex,
                "not_before": timezone.localtime(cert.not_before).isoformat(),
                "not_after": timezone.localtime(cert.not_after).isoformat(),
                "is_active": cert.is_active,
                "expiry": state,
                "expiry_label": selectors.EXPIRY_LABELS[state],
            }
        )
    return out
