"""Files, registers, audit verification and health."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.common import parse_date
from core.audit import verify_chain
from core.errors import NotAllowed
from core.files import open_blob
from core.http import file_response
from documents.selectors import attachment_get_for_user
from orgs.models import User
from orgs.selectors import is_admin
from reports import exports

router = Router(tags=["Tệp, sổ, hệ thống"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@router.get("/files/{pk}/content")
def file_content(request: HttpRequest, pk: int, download: bool = False) -> HttpResponse:
    attachment, owner = attachment_get_for_user(request.user, pk)
    return file_response(
        open_blob(attachment.stored),
        name=attachment.name,
        content_type=attachment.stored.content_type,
        inline=not download,
        restricted=getattr(owner, "is_restricted", True),
    )


@router.get("/files/{pk}/print")
def file_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The file marked for printing (who, when, on every page); audited; PDF only."""
    from reports.printmark import printed_copy

    copy = printed_copy(request.user, pk)
    response = file_response(
        copy.data, name=copy.name, content_type="application/pdf", restricted=copy.restricted
    )
    response["X-Printed-Copy-Incremental"] = "1" if copy.incremental else "0"
    return response


@router.get("/registers")
def registers(request: HttpRequest) -> list[dict[str, Any]]:
    from orgs.selectors import today

    year = today().year
    return [
        {
            "id": r.pk,
            "kind": r.kind,
            "name": r.name,
            "period": r.period,
            "year": year,
            "organization_id": r.organization_id,
            "for_secret": r.for_secret,
            "last_number": exports.last_number_visible(_user(request), r, year),
        }
        for r in exports.registers_for(_user(request))
    ]


@router.get("/registers/{pk}/export")
def register_export(
    request: HttpRequest, pk: int, format: str = "pdf", kind: str = "", to: str = ""
) -> HttpResponse:
    """``kind``: "incoming" (default) or "followup" for an incoming register; "outgoing" (default) for an
    outgoing one. ``from``/``to`` (YYYY-MM-DD) must fall in one year: a book is one year."""
    export = exports.register_export(
        _user(request),
        pk,
        fmt=format,
        kind=kind,
        date_from=parse_date(request.GET.get("from", ""), "from"),
        date_to=parse_date(to, "to"),
    )
    return file_response(
        export.data, name=export.name, content_type=export.content_type, inline=False, restricted=True
    )


@router.get("/audit/verify")
def audit_verify(request: HttpRequest) -> dict[str, Any]:
    if not is_admin(_user(request)):
        raise NotAllowed("Chỉ quản trị hệ thống mới kiểm tra nhật ký.")
    return verify_chain().as_dict()


@router.get("/health", auth=None)
def health(request: HttpRequest) -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # health must answer even when the database does not
        database = "error"
    return {
        "status": "ok" if database == "ok" else "degraded",
        "database": database,
        "workers": "ok",
        "version": settings.VERSION,
    }
