"""Dossiers over the API: thin handlers over archive.services, archive.selectors and archive.exports."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema
from ninja import Status as Reply

from api.auth_api import person_ref
from api.common import iso, paginate
from archive import exports, selectors, services
from archive.models import Dossier
from core.http import file_response
from orgs.models import User

router = Router(tags=["Hồ sơ, lưu trữ"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def summary(d: Dossier) -> dict[str, Any]:
    return {
        "id": d.pk,
        "organization": {"id": d.organization_id, "name": d.organization.name},
        "year": d.year,
        "code": d.code,
        "title": d.title,
        "retention": d.retention,
        "retention_years": d.retention_years,
        "status": d.status,
        "secrecy": d.secrecy,
    }


def detail(d: Dossier) -> dict[str, Any]:
    data = summary(d)
    data.update(
        {
            "rights": d.rights,
            "creator": person_ref(d.creator),
            "language": d.language,
            "start_date": iso(d.start_date),
            "end_date": iso(d.end_date),
            "description": d.description,
            "doc_total": d.doc_total,
            "page_total": d.page_total,
            "transfer_due": iso(d.transfer_due),
            "plan_item_id": d.plan_item_id,
            "documents": [
                {
                    "ordinal": i,
                    "kind": e.kind,
                    "id": e.document.pk,
                    "number_symbol": e.number_symbol,
                    "date": iso(e.date),
                    "type_name": e.type_name,
                    "issuer": e.issuer,
                    "subject": e.subject,
                    "pages": e.pages,
                    "files": [f.pk for f in e.files],
                }
                for i, e in enumerate(selectors.dossier_entries(d), start=1)
            ],
        }
    )
    return data


@router.get("/dossiers")
def dossier_list(
    request: HttpRequest,
    year: int | None = None,
    status: str = "",
    q: str = "",
    page: int = 1,
    page_size: int = 50,
) -> dict[str, Any]:
    items, total = paginate(
        selectors.dossier_list(_user(request), year=year, status=status, q=q), page, page_size
    )
    return {"items": [summary(d) for d in items], "total": total, "page": page}


@router.get("/dossiers/{pk}")
def dossier_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(selectors.dossier_get_for_user(_user(request), pk))


class DocumentRef(Schema):
    kind: str
    id: int


@router.post("/dossiers/{pk}/documents", response={201: dict})
def dossier_add(request: HttpRequest, pk: int, payload: DocumentRef) -> Any:
    dossier = selectors.dossier_get_for_user(_user(request), pk)
    services.dossier_add_document(
        actor=_user(request), dossier=dossier, kind=payload.kind, document_id=payload.id
    )
    return Reply(201, detail(selectors.dossier_get_for_user(_user(request), pk)))


@router.delete("/dossiers/{pk}/documents/{kind}/{doc_id}")
def dossier_remove(request: HttpRequest, pk: int, kind: str, doc_id: int) -> dict[str, Any]:
    dossier = selectors.dossier_get_for_user(_user(request), pk)
    services.dossier_remove_document(actor=_user(request), dossier=dossier, kind=kind, document_id=doc_id)
    return detail(selectors.dossier_get_for_user(_user(request), pk))


class CloseIn(Schema):
    end_date: str | None = None


@router.post("/dossiers/{pk}/close")
def dossier_close(request: HttpRequest, pk: int, payload: CloseIn | None = None) -> dict[str, Any]:
    from api.common import parse_date

    dossier = selectors.dossier_get_for_user(_user(request), pk)
    end = parse_date(payload.end_date if payload else None, "end_date")
    services.dossier_close(actor=_user(request), dossier=dossier, end_date=end)
    return detail(selectors.dossier_get_for_user(_user(request), pk))


class ReopenIn(Schema):
    reason: str


@router.post("/dossiers/{pk}/reopen")
def dossier_reopen(request: HttpRequest, pk: int, payload: ReopenIn) -> dict[str, Any]:
    dossier = selectors.dossier_get_for_user(_user(request), pk)
    services.dossier_reopen(actor=_user(request), dossier=dossier, reason=payload.reason)
    return detail(selectors.dossier_get_for_user(_user(request), pk))


@router.get("/dossiers/{pk}/export")
def dossier_export(request: HttpRequest, pk: int, format: str = "pdf") -> HttpResponse:
    data, name, content_type = exports.export_dossier(_user(request), pk, format)
    return file_response(data, name=name, content_type=content_type, inline=False, restricted=True)
