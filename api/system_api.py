"""Files, registers, audit verification and health."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from ninja import Router

from api.common import parse_date
from core import audit
from core.audit import verify_chain
from core.errors import InvalidInput, NotAllowed, NotFound
from core.files import open_blob
from core.http import file_response
from documents.models import Register, RegisterKind
from documents.selectors import attachment_get_for_user
from incoming.permissions import OVERSEER_ROLES, orgs_with_roles
from orgs.models import User
from orgs.selectors import is_admin

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


def registers_for(user: User) -> list[Register]:
    orgs = orgs_with_roles(user, OVERSEER_ROLES)
    return list(
        Register.objects.filter(organization_id__in=orgs).select_related("organization").order_by("id")
    )


def register_for(user: User, pk: int) -> Register:
    register = next((r for r in registers_for(user) if r.pk == pk), None)
    if register is None:
        raise NotFound("Không tìm thấy sổ hoặc bạn không có quyền xem.")
    return register


@router.get("/registers")
def registers(request: HttpRequest) -> list[dict[str, Any]]:
    from core.numbering import peek
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
            "last_number": peek(r.counter_scope(year)),
        }
        for r in registers_for(_user(request))
    ]


def build_register_export(
    user: User, pk: int, *, fmt: str, kind: str, date_from: Any, date_to: Any
) -> HttpResponse:
    """The printable register (PDF or Excel), audited; shared by the API and the web page."""
    from reports import registers as printing

    register = register_for(user, pk)
    if register.kind != RegisterKind.INCOMING:
        raise InvalidInput(
            "Sổ văn bản đi sẽ in được khi phân hệ văn bản đi hoạt động.", code="not_supported_yet"
        )
    if fmt not in {"pdf", "xlsx"}:
        raise InvalidInput("Định dạng phải là pdf hoặc xlsx.", details={"format": fmt})
    if kind not in {"incoming", "followup"}:
        raise InvalidInput("Loại sổ phải là incoming hoặc followup.", details={"kind": kind})
    rows = printing.incoming_register_rows(user, register, date_from=date_from, date_to=date_to)
    builder = printing.export_pdf if fmt == "pdf" else printing.export_xlsx
    data = builder(
        kind,
        register,
        rows,
        date_from=date_from,
        date_to=date_to,
        organization_name=register.organization.name,
    )
    audit.record(
        actor=user,
        action="register.export",
        target=register,
        organization_id=register.organization_id,
        data={
            "format": fmt,
            "kind": kind,
            "rows": len(rows),
            "from": str(date_from or ""),
            "to": str(date_to or ""),
        },
    )
    content_type = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"so-{'den' if kind == 'incoming' else 'theo-doi'}-{register.pk}.{fmt}"
    return file_response(data, name=name, content_type=content_type, inline=False, restricted=True)


@router.get("/registers/{pk}/export")
def register_export(
    request: HttpRequest, pk: int, format: str = "pdf", kind: str = "incoming", to: str = ""
) -> HttpResponse:
    return build_register_export(
        _user(request),
        pk,
        fmt=format,
        kind=kind,
        date_from=parse_date(request.GET.get("from", ""), "from"),
        date_to=parse_date(to, "to"),
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
