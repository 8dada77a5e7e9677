"""Authorisation matrix for every outgoing operation, through the API; denied cases change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import make_pdf
from core import tokens
from core.models import AuditEvent, StoredFile
from outgoing.models import Approval, OutgoingDocument, Version
from outgoing.tests.conftest import OutgoingWorld

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    if user is None:
        return Client()
    key, _ = tokens.issue(user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def snapshot(doc: OutgoingDocument) -> tuple[Any, ...]:
    doc.refresh_from_db()
    return (
        doc.status,
        doc.current_step,
        doc.number,
        Version.objects.filter(document=doc).count(),
        Approval.objects.filter(document=doc).count(),
        AuditEvent.objects.count(),
        StoredFile.objects.count(),
        OutgoingDocument.objects.count(),
    )


def draft(ow: OutgoingWorld, secrecy: str) -> OutgoingDocument:
    return ow.draft(secrecy=secrecy, recipients=[])


def pending(ow: OutgoingWorld, secrecy: str) -> OutgoingDocument:
    from outgoing.services import outgoing_submit

    doc = draft(ow, secrecy)
    outgoing_submit(actor=ow.w.specialist, document=doc)
    return doc


def approved(ow: OutgoingWorld, secrecy: str) -> OutgoingDocument:
    return ow.approved(secrecy=secrecy, recipients=[])


# operation: (setup, method, path, payload, allowed persona, expected status after success)
OPERATIONS: dict[str, tuple[Callable[[OutgoingWorld, str], OutgoingDocument], str, str, Any, str, str]] = {
    "view": (draft, "get", "/api/v1/outgoing/{id}", None, "specialist", "draft"),
    "deliveries": (draft, "get", "/api/v1/outgoing/{id}/deliveries", None, "specialist", "draft"),
    "version": (draft, "multipart", "/api/v1/outgoing/{id}/versions", None, "specialist", "draft"),
    "submit": (draft, "post", "/api/v1/outgoing/{id}/submit", {}, "specialist", "pending_approval"),
    "approve": (pending, "post", "/api/v1/outgoing/{id}/approve", {}, "head", "pending_approval"),
    "reject": (pending, "post", "/api/v1/outgoing/{id}/reject", {"reason": "Sửa lại"}, "head", "draft"),
    "issue": (approved, "post", "/api/v1/outgoing/{id}/issue", {}, "clerk", "issued"),
}
PERSONAS = ["anonymous", "other_organization", "no_role", "secrecy_too_high", "allowed"]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_outgoing_authorization_matrix(ow: OutgoingWorld, operation: str, persona: str) -> None:
    setup, method, path, payload, allowed, expected_status = OPERATIONS[operation]
    doc = setup(ow, "confidential" if persona == "secrecy_too_high" else "none")
    user = {
        "anonymous": None,
        "other_organization": ow.w.outsider,
        "no_role": ow.w.norole,
        "secrecy_too_high": ow.w.lowclear,
        "allowed": getattr(ow.w, allowed),
    }[persona]
    before = snapshot(doc)
    client = client_for(user)
    url = path.format(id=doc.pk)
    if method == "get":
        response = client.get(url)
    elif method == "multipart":
        response = client.post(url, {"file": SimpleUploadedFile("v2.pdf", make_pdf("v2"), "application/pdf")})
    else:
        response = client.post(url, data=payload, content_type="application/json")
    if persona == "allowed":
        assert response.status_code in (200, 201), response.content
        doc.refresh_from_db()
        assert doc.status == expected_status
        return
    assert response.status_code == (401 if persona == "anonymous" else 404), (persona, response.content)
    assert snapshot(doc) == before


def test_visible_but_not_your_step_is_403(ow: OutgoingWorld) -> None:
    doc = pending(ow, "none")
    before = snapshot(doc)
    response = client_for(ow.w.clerk).post(
        f"/api/v1/outgoing/{doc.pk}/approve", data={}, content_type="application/json"
    )
    assert response.status_code == 403 and response.json()["code"] == "not_allowed"
    assert snapshot(doc) == before


def test_full_flow_through_the_api(ow: OutgoingWorld) -> None:
    w = ow.w
    import json

    created = client_for(w.specialist).post(
        "/api/v1/outgoing",
        {
            "file": SimpleUploadedFile("cong-van.pdf", make_pdf("cong van"), "application/pdf"),
            "doc_type": "CV",
            "subject": "Về việc báo cáo kết quả quý IV",
            "recipients": json.dumps([{"organization_id": w.other_org.pk}, {"name": "Sở Nội vụ"}]),
        },
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["versions"][0]["number"] == 1
    assert client_for(w.specialist).post(f"/api/v1/outgoing/{pk}/submit").status_code == 200
    assert [d["id"] for d in client_for(w.head).get("/api/v1/outgoing?awaiting=true").json()["items"]] == [pk]
    for user in (w.head, w.leader, ow.secretary):
        assert client_for(user).post(f"/api/v1/outgoing/{pk}/approve").status_code == 200
    issued = client_for(w.clerk).post(f"/api/v1/outgoing/{pk}/issue").json()
    assert issued["number_symbol"] == "01-CV/TU" and issued["status"] == "issued" and issued["issued_at"]
    assert [a["step"] for a in issued["approvals"]] == [1, 2, 3] and issued["files"]
    deliveries = client_for(w.clerk).get(f"/api/v1/outgoing/{pk}/deliveries").json()
    assert [(d["recipient"], d["status_code"]) for d in deliveries] == [
        (w.other_org.name, "delivered"),
        ("Sở Nội vụ", "sent_post"),
    ]
    assert deliveries[0]["processing_status"] == "registered"
    bad = client_for(w.specialist).post(
        "/api/v1/outgoing",
        {
            "file": SimpleUploadedFile("x.pdf", make_pdf("x"), "application/pdf"),
            "doc_type": "TB",
            "subject": "x",
            "recipients": "not json",
        },
    )
    assert bad.status_code == 400 and "recipients" in bad.json()["details"]
