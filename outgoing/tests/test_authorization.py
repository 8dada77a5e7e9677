"""Authorisation matrix for every outgoing operation, through the API; denied cases change nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from api.tests.helpers import client_for
from conftest import make_pdf
from core.models import AuditEvent, StoredFile
from outgoing.models import Approval, OutgoingDocument, Version
from outgoing.tests.conftest import OutgoingWorld
from outgoing.tests.helpers import PERSONAS, persona_user

pytestmark = pytest.mark.django_db


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


def issued(ow: OutgoingWorld, secrecy: str) -> OutgoingDocument:
    from outgoing.services import outgoing_issue

    return outgoing_issue(actor=ow.w.clerk, document=approved(ow, secrecy))


# operation: (setup, method, path, payload, allowed persona, expected status after success)
OPERATIONS: dict[str, tuple[Callable[[OutgoingWorld, str], OutgoingDocument], str, str, Any, str, str]] = {
    "view": (draft, "get", "/api/v1/outgoing/{id}", None, "specialist", "draft"),
    "deliveries": (draft, "get", "/api/v1/outgoing/{id}/deliveries", None, "specialist", "draft"),
    "version": (draft, "multipart", "/api/v1/outgoing/{id}/versions", None, "specialist", "draft"),
    "version_fields": (
        draft,
        "post",
        "/api/v1/outgoing/{id}/versions",
        {"fields": {"content": "Nội dung sửa."}},
        "specialist",
        "draft",
    ),
    "submit": (draft, "post", "/api/v1/outgoing/{id}/submit", {}, "specialist", "pending_approval"),
    "approve": (pending, "post", "/api/v1/outgoing/{id}/approve", {}, "head", "pending_approval"),
    "reject": (pending, "post", "/api/v1/outgoing/{id}/reject", {"reason": "Sửa lại"}, "head", "draft"),
    "issue": (approved, "post", "/api/v1/outgoing/{id}/issue", {}, "clerk", "issued"),
    "recall": (issued, "post", "/api/v1/outgoing/{id}/recall", {"reason": "Sai sót"}, "clerk", "recalled"),
}


# Elsewhere: reviews, comments, answers and compare in test_reviews.py; replace and correct in
# test_after_issue.py. Create, list and the register export have their own matrices below.
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


def test_the_api_takes_the_deadline_asked_of_recipients_and_the_steering(ow: OutgoingWorld) -> None:
    from datetime import timedelta

    from django.utils import timezone

    due = timezone.localdate() + timedelta(days=7)
    body = {"doc_type": "CV", "subject": "Đề nghị báo cáo", "fields": {"content": "Đề nghị báo cáo."}}
    client = client_for(ow.w.specialist)
    created = client.post(
        "/api/v1/outgoing", {**body, "response_due": due.isoformat(), "steering": 1}, "application/json"
    )
    assert created.status_code == 201, created.content
    assert (created.json()["response_due"], created.json()["steering"]) == (due.isoformat(), 1)
    bad = client.post("/api/v1/outgoing", {**body, "response_due": "15/12/2026"}, "application/json")
    assert bad.status_code == 400 and bad.json()["details"] == {"response_due": "15/12/2026"}
    assert OutgoingDocument.objects.count() == 1


# ------------------------------------------------------------------ create (from a file, from fields)


def created_snapshot() -> tuple[int, ...]:
    return (
        OutgoingDocument.objects.count(),
        Version.objects.count(),
        AuditEvent.objects.count(),
        StoredFile.objects.count(),
    )


# anonymous: 401; another organization's person replying to our incoming document: 404 (the door);
# an account without a role: 403; a draft more secret than the drafter's clearance: 403.
CREATE_STATUS = {"anonymous": 401, "other_organization": 404, "no_role": 403, "secrecy_too_high": 403}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("source", ["file", "fields"])
def test_create_authorization_matrix(ow: OutgoingWorld, source: str, persona: str) -> None:
    # given an incoming document of the organization handed to the specialist, answered by the draft
    incoming = ow.w.distributed()
    user = persona_user(ow, persona, "specialist")
    data: dict[str, Any] = {
        "doc_type": "CV",
        "subject": "Trả lời Ban Tổ chức Trung ương",
        "secrecy": "confidential" if persona == "secrecy_too_high" else "none",
        "signer_id": ow.secretary.pk,
        "recipients": [{"name": "Ban Tổ chức Trung ương"}],
    }
    if persona not in ("no_role", "secrecy_too_high"):
        data["reply_to_id"] = incoming.pk
    before = created_snapshot()
    client = client_for(user)
    # when they create it from an uploaded PDF (multipart) or from template fields (JSON)
    if source == "file":
        form = {**data, "recipients": json.dumps(data["recipients"])}
        form["file"] = SimpleUploadedFile("tra-loi.pdf", make_pdf("tra loi"), "application/pdf")
        response = client.post("/api/v1/outgoing", form)
    else:
        body = {**data, "fields": {"content": "Tỉnh ủy Sông Lam báo cáo như sau."}}
        response = client.post("/api/v1/outgoing", data=body, content_type="application/json")
    # then only the allowed persona creates it; nothing is stored for the others
    if persona == "allowed":
        assert response.status_code == 201, response.content
        created = response.json()
        assert created["reply_to_id"] == incoming.pk and created["versions"][0]["from_template"] == (
            source == "fields"
        )
        return
    assert response.status_code == CREATE_STATUS[persona], (persona, response.content)
    assert created_snapshot() == before


# ------------------------------------------------------------------ list


LIST_QUERIES = [
    "",
    "?status=pending_approval",
    "?q=Th%C3%B4ng%20b%C3%A1o",
    "?mine=true",
    "?awaiting=true",
    "?page_size=200",
]


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_authorization_matrix(ow: OutgoingWorld, persona: str) -> None:
    # given a draft pending at the unit head (confidential for the under-cleared persona)
    doc = pending(ow, "confidential" if persona == "secrecy_too_high" else "none")
    user = persona_user(ow, persona, "head")
    before = snapshot(doc)
    client = client_for(user)
    # when they list outgoing documents, with every filter
    responses = {query: client.get(f"/api/v1/outgoing{query}") for query in LIST_QUERIES}
    if persona == "anonymous":
        assert {r.status_code for r in responses.values()} == {401}
        return
    found = {query: [d["id"] for d in r.json()["items"]] for query, r in responses.items()}
    if persona == "allowed":
        # then the unit head whose step it is finds it (it is not "mine": he did not draft it)
        assert {query for query, ids in found.items() if doc.pk in ids} == set(LIST_QUERIES) - {"?mine=true"}
        return
    # then the document never appears for the others, and nothing changed
    assert all(doc.pk not in ids for ids in found.values()), found
    assert snapshot(doc) == before


# ------------------------------------------------------------------ register export (outgoing register)


@pytest.mark.parametrize("persona", PERSONAS)
def test_outgoing_register_export_authorization_matrix(ow: OutgoingWorld, persona: str) -> None:
    import io

    from openpyxl import load_workbook

    from documents.models import Register

    # given an issued document in the organization's outgoing register (confidential for the
    # under-cleared persona, who keeps the register as a clerk but may not see that entry)
    doc = issued(ow, "confidential" if persona == "secrecy_too_high" else "none")
    register = Register.objects.get(organization=ow.w.org, kind="outgoing")
    user = persona_user(ow, persona, "clerk")
    audits = AuditEvent.objects.count()
    # when they export the register as Excel
    response = client_for(user).get(f"/api/v1/registers/{register.pk}/export?format=xlsx")
    if persona in ("anonymous", "other_organization", "no_role"):
        assert response.status_code == (401 if persona == "anonymous" else 404), response.content
        assert AuditEvent.objects.count() == audits
        return
    assert response.status_code == 200
    body: Any = response
    data = b"".join(body.streaming_content) if body.streaming else body.content
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    cells = " ".join(str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None)
    # then the allowed clerk's book lists it; the under-cleared keeper's book leaves it out
    assert (doc.number_symbol in cells) == (persona == "allowed"), cells[:500]
