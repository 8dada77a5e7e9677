"""Authorisation matrix for the dossier operations (API) and the printed copy; denied cases change nothing.

Personas: anonymous; other organisation (clerk and leader of the commune); no role; secrecy too high (a
clerk and office leader of the organisation cleared for nothing, on a Mật dossier); allowed."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pdfplumber
import pytest

from api.tests.helpers import client_for
from archive import services
from archive.models import Dossier, DossierItem
from archive.tests.conftest import ArchiveWorld
from core.models import AuditEvent

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "other_organization", "no_role", "secrecy_too_high", "allowed"]


def snapshot(dossier: Dossier) -> tuple[Any, ...]:
    dossier.refresh_from_db()
    return (
        dossier.status,
        dossier.doc_total,
        dossier.secrecy,
        DossierItem.objects.filter(dossier=dossier).count(),
        AuditEvent.objects.count(),
    )


def open_dossier(aw: ArchiveWorld, secrecy: str) -> Dossier:
    dossier = aw.dossier()
    rec = aw.record(secrecy=secrecy)
    services.dossier_add_document(actor=aw.w.clerk, dossier=dossier, kind="archive", document_id=rec.pk)
    dossier.refresh_from_db()
    return dossier


def closed_dossier(aw: ArchiveWorld, secrecy: str) -> Dossier:
    return services.dossier_close(actor=aw.w.clerk, dossier=open_dossier(aw, secrecy))


def _new_record(aw: ArchiveWorld, dossier: Dossier) -> dict[str, Any]:
    from datetime import date

    rec = aw.record(issued=date(2021, 1, 1), secrecy="none")
    return {"kind": "archive", "id": rec.pk}


def _first_record(aw: ArchiveWorld, dossier: Dossier) -> dict[str, Any]:
    return {"id": DossierItem.objects.filter(dossier=dossier).first().record_id}  # type: ignore[union-attr]


# operation: (setup, method, path, payload factory, allowed persona, check after success)
OPERATIONS: dict[str, tuple[Callable[..., Dossier], str, str, Any, str, Callable[[Dossier], bool]]] = {
    "list": (open_dossier, "get", "/api/v1/dossiers", None, "leader", lambda d: True),
    "detail": (open_dossier, "get", "/api/v1/dossiers/{id}", None, "leader", lambda d: True),
    "add_document": (
        open_dossier,
        "post",
        "/api/v1/dossiers/{id}/documents",
        _new_record,
        "clerk",
        lambda d: d.items.count() == 2,
    ),
    "remove_document": (
        open_dossier,
        "delete",
        "/api/v1/dossiers/{id}/documents/archive/{doc}",
        _first_record,
        "clerk",
        lambda d: d.items.count() == 0,
    ),
    "close": (
        open_dossier,
        "post",
        "/api/v1/dossiers/{id}/close",
        {},
        "clerk",
        lambda d: d.status == "closed",
    ),
    "reopen": (
        closed_dossier,
        "post",
        "/api/v1/dossiers/{id}/reopen",
        {"reason": "Bổ sung"},
        "leader",
        lambda d: d.status == "open",
    ),
    "export_pdf": (
        open_dossier,
        "get",
        "/api/v1/dossiers/{id}/export?format=pdf",
        None,
        "leader",
        lambda d: True,
    ),
    "export_xml": (
        open_dossier,
        "get",
        "/api/v1/dossiers/{id}/export?format=xml",
        None,
        "leader",
        lambda d: True,
    ),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_dossier_authorization_matrix(aw: ArchiveWorld, operation: str, persona: str) -> None:
    setup, method, path, payload, allowed, check = OPERATIONS[operation]
    dossier = setup(aw, "confidential" if persona == "secrecy_too_high" else "none")
    data = payload(aw, dossier) if callable(payload) else payload
    user = {
        "anonymous": None,
        "other_organization": aw.w.outsider,
        "no_role": aw.w.norole,
        "secrecy_too_high": aw.w.lowclear,
        "allowed": getattr(aw.w, allowed),
    }[persona]
    before = snapshot(dossier)
    client = client_for(user)
    url = path.format(id=dossier.pk, doc=(data or {}).get("id", 0))
    if method == "get":
        response = client.get(url)
    elif method == "delete":
        response = client.delete(url)
    else:
        response = client.post(url, data=data, content_type="application/json")
    if persona == "allowed":
        assert response.status_code in (200, 201), response.content
        dossier.refresh_from_db()
        assert check(dossier)
        if operation == "list":
            assert [d["id"] for d in response.json()["items"]] == [dossier.pk]
        return
    if operation == "list" and persona != "anonymous":
        assert response.status_code == 200 and response.json()["items"] == []
    else:
        assert response.status_code == (401 if persona == "anonymous" else 404), (persona, response.content)
    assert snapshot(dossier) == before


def test_visible_but_not_allowed_is_403_and_changes_nothing(aw: ArchiveWorld) -> None:
    # the leader sees the dossier but only clerks close it; only the office leader reopens
    dossier = open_dossier(aw, "none")
    before = snapshot(dossier)
    response = client_for(aw.w.leader).post(
        f"/api/v1/dossiers/{dossier.pk}/close", data={}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert snapshot(dossier) == before


@pytest.mark.parametrize("persona", PERSONAS)
def test_printed_copy_matrix(aw: ArchiveWorld, persona: str) -> None:
    record = aw.record(secrecy="confidential" if persona == "secrecy_too_high" else "none", pages=2)
    user = {
        "anonymous": None,
        "other_organization": aw.w.outsider,
        "no_role": aw.w.norole,
        "secrecy_too_high": aw.w.lowclear,
        "allowed": aw.w.leader,
    }[persona]
    before = AuditEvent.objects.count()
    stored = record.file.stored.sha256
    response = client_for(user).get(f"/api/v1/files/{record.file_id}/print")
    if persona != "allowed":
        assert response.status_code == (401 if persona == "anonymous" else 404)
        assert AuditEvent.objects.count() == before
        return
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    with pdfplumber.open(io.BytesIO(response.content)) as pdf:
        assert len(pdf.pages) == 2
        for page in pdf.pages:
            mark = "".join(
                c["text"] for c in sorted((c for c in page.chars if c["size"] < 8), key=lambda c: -c["top"])
            )
            assert "TrầnVănLãnh(TỉnhủySôngLam)" in mark.replace(" ", "")
    event = AuditEvent.objects.get(action="document.print")
    assert (
        event.actor == aw.w.leader and event.data["document"] == record.pk and event.data["sha256"] == stored
    )
    record.file.stored.refresh_from_db()
    import hashlib

    from core.files import open_blob

    assert hashlib.sha256(open_blob(record.file.stored)).hexdigest() == stored
