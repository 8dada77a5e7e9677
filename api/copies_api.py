"""Electronic copies over the API: thin handlers over copies.services and copies.selectors."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja import Status as Reply

from api.auth_api import person_ref
from api.common import iso, paginate
from copies import selectors, services
from copies.models import Copy
from documents.selectors import document_get_for_user
from orgs.models import User
from orgs.selectors import today

router = Router(tags=["Bản sao"])


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def summary(copy: Copy) -> dict[str, Any]:
    return {
        "id": copy.pk,
        "number_symbol": copy.number_symbol,
        "number": copy.number,
        "year": copy.year,
        "form": copy.form,
        "form_name": copy.get_form_display(),
        "organization": {"id": copy.organization_id, "name": copy.organization.name},
        "source": copy.source_label,
        "subject": copy.subject,
        "created_at": iso(copy.created_at.astimezone()),
    }


def detail(copy: Copy) -> dict[str, Any]:
    data = summary(copy)
    file = copy.file
    data.update(
        {
            "source_kind": copy.source_kind,
            "source_id": copy.source_copy_id
            if copy.source_copy_id
            else copy.source_outgoing_id or copy.source_incoming_id,
            "original": {
                "kind": "outgoing" if copy.source_outgoing_id else "incoming",
                "id": copy.source_outgoing_id or copy.source_incoming_id,
                "number_symbol": copy.source_number_symbol or None,
                "date": iso(copy.source_date),
                "issuer": copy.source_issuer_name,
                "doc_type_name": copy.source_type_name,
            },
            "source_sha256": copy.source_sha256,
            "from_paper": copy.from_paper,
            "pages": copy.pages or None,
            "page_count": copy.page_count,
            "decided_by": person_ref(copy.decided_by),
            "created_by": person_ref(copy.created_by),
            "file": {
                "id": file.pk,
                "name": file.name,
                "sha256": file.stored.sha256,
                "size": file.stored.size,
                "content_type": file.stored.content_type,
            }
            if file is not None
            else None,
            "recipients": [
                {
                    "name": r.name,
                    "organization_id": r.organization_id,
                    "incoming_id": r.incoming_id,
                    "delivered": r.incoming_id is not None,
                }
                for r in copy.recipients.all()
            ],
        }
    )
    return data


class RecipientIn(Schema):
    organization_id: int | None = None
    name: str = ""


class CopyIn(Schema):
    source_kind: str
    source_id: int
    form: str
    decided_by: int
    pages: str = ""
    file_id: int | None = None
    recipients: list[RecipientIn] = []
    secret: str = ""


@router.post("/copies", response={201: dict})
def create_copy(request: HttpRequest, payload: CopyIn) -> Reply[dict[str, Any]]:
    """Make an electronic copy (sao y, sao lục from a sao y, trích sao of ``pages``) signed with the
    organisation's certificate; ``secret`` is its password (never stored)."""
    copy = services.copy_create(
        actor=_user(request),
        data=services.CopyRequest(
            source_kind=payload.source_kind,
            source_id=payload.source_id,
            form=payload.form,
            decided_by_id=payload.decided_by,
            pages=payload.pages,
            file_id=payload.file_id,
            recipients=[r.dict(exclude_none=True) for r in payload.recipients],
        ),
        secret=payload.secret,
    )
    return Reply(201, detail(document_get_for_user(_user(request), "copy", copy.pk)))


@router.get("/copies")
def list_copies(
    request: HttpRequest, year: int | None = None, page: int = 1, page_size: int = 50
) -> dict[str, Any]:
    """The copy register of a year (default: this year) of the organisations the user keeps or leads."""
    qs = selectors.copy_register(_user(request), year or today().year)
    items, total = paginate(qs, page, page_size)
    return {
        "items": [summary(c) for c in items],
        "total": total,
        "page": min(max(page, 1), 1_000_000),
        "page_size": min(max(page_size, 1), 200),
    }


@router.get("/copies/{pk}")
def get_copy(request: HttpRequest, pk: int) -> dict[str, Any]:
    return detail(document_get_for_user(_user(request), "copy", pk))
