"""Signatures: validate any PDF (uploaded, or an attachment the caller may see); the caller's certificates."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import File, Form, Router
from ninja import Status as Reply
from ninja.files import UploadedFile

from api.common import parse_date
from core.errors import FileTooLarge, InvalidInput, NotFound
from core.files import PDF, open_blob
from documents.selectors import attachment_get_for_user
from orgs.models import User
from signing import selectors, services
from signing.models import FileValidation

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
    return selectors.report_payload(report.as_dict())


def _stored_validation(request: HttpRequest, pk: int) -> Any:
    attachment, _owner = attachment_get_for_user(_user(request), pk)  # the owner document's door
    if attachment.stored.content_type != PDF:
        raise NotFound("Tệp không phải PDF: không có chữ ký số để kiểm tra.", code="not_pdf")
    return attachment


@router.get("/files/{pk}/signatures")
def file_signatures(request: HttpRequest, pk: int) -> dict[str, Any]:
    """The stored validation of an attachment's signatures (``verdict`` "pending" while the worker runs);
    404 for a file of a document the caller may not see."""
    attachment = _stored_validation(request, pk)
    row = FileValidation.objects.filter(stored_id=attachment.stored_id).first()
    if row is None:  # a PDF attached before automatic validation: queue it now
        row = services.schedule_validation(attachment.stored)
    assert row is not None
    return selectors.validation_payload(row)


@router.post("/files/{pk}/signatures/revalidate", response={202: dict})
def file_signatures_revalidate(request: HttpRequest, pk: int) -> Reply:
    """Validate again (after a trust anchor was added, or revocation data became reachable)."""
    attachment = _stored_validation(request, pk)
    row = services.revalidate(actor=_user(request), stored=attachment.stored)
    return Reply(202, selectors.validation_payload(row))


@router.get("/certificates/mine")
def certificates_mine(request: HttpRequest) -> list[dict[str, Any]]:
    """The caller's own certificates and those of the organisations where they are a clerk."""
    out = []
    for row in selectors.certificate_rows(_user(request)):
        cert = row["certificate"]
        out.append(
            {
                "id": cert.pk,
                "owner": "organization" if row["is_seal"] else "person",
                "owner_name": row["owner"],
                "kind": cert.kind,
                "subject": cert.subject_cn,
                "issuer": cert.issuer_cn,
                "serial": cert.serial_hex,
                "not_before": timezone.localtime(cert.not_before).isoformat(),
                "not_after": timezone.localtime(cert.not_after).isoformat(),
                "is_active": cert.is_active,
                "expiry": row["state"],
                "expiry_label": row["state_label"],
            }
        )
    return out


@router.get("/statistics/signatures")
def statistics_signatures(request: HttpRequest, to: str = "") -> dict[str, Any]:
    """Share of issued outgoing documents signed by a person and sealed by the organisation, in total,
    per organisation and per signer; ``from``/``to`` (YYYY-MM-DD) default to this year."""
    year = timezone.localdate().year
    start = parse_date(request.GET.get("from", ""), "from") or date(year, 1, 1)
    end = parse_date(to, "to") or date(year, 12, 31)
    stats = selectors.signature_statistics(_user(request), start, end)
    return stats | {"from": start.isoformat(), "to": end.isoformat()}
