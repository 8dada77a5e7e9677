"""Intake endpoints: read the metadata of a scan (OCR of its first pages, nothing stored)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile

from core.errors import FileTooLarge, InvalidInput
from intake import services
from orgs.models import User

router = Router(tags=["intake"])


@router.post("/intake/extract")
def intake_extract(
    request: HttpRequest,
    file: UploadedFile | None = File(None),  # noqa: B008
) -> dict[str, Any]:
    """The metadata read from a scan or PDF, with a confidence per field (0–1) and the OCR text."""
    if file is None:
        raise InvalidInput("Vui lòng gửi tệp bản quét (trường “file”).", details={"file": "required"})
    if file.size and file.size > settings.FILE_MAX_BYTES:
        raise FileTooLarge()
    user: User = request.user  # type: ignore[assignment]
    extraction, text = services.extract_upload(actor=user, name=file.name or "ban-quet", data=file.read())
    issued = extraction.value("issued_date")
    fields: tuple[str, ...] = ("issuer_name", "number_symbol", "issued_date", "doc_type", "subject")
    fields += ("signer_name", "signer_position", "place", "urgency", "secrecy")
    return {
        "issuer_name": extraction.value("issuer_name"),
        "number_symbol": extraction.value("number_symbol"),
        "issued_date": issued.isoformat() if issued else None,
        "doc_type": extraction.value("doc_type"),
        "subject": extraction.value("subject"),
        "signer_name": extraction.value("signer_name"),
        "signer_position": extraction.value("signer_position"),
        "place": extraction.value("place"),
        "urgency": extraction.value("urgency"),
        "secrecy": extraction.value("secrecy"),
        "profile": extraction.profile,
        "confidence": {name: round(extraction.fields[name].confidence, 2) for name in fields},
        "text": text,
    }
