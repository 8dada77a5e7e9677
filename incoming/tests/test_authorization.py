"""Authorisation matrix for every incoming operation, through the API.

Personas: anonymous, another organization, no role, secrecy too high, allowed. Denied cases must
change nothing: status, history, assignments, files and the audit log stay as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World, make_pdf
from core.models import AuditEvent, StoredFile
from incoming.models import Assignment, Event, IncomingDocument

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    if user is not None:
        from core import tokens

        key, _ = tokens.issue(user)
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


def snapshot(doc: IncomingDocument) -> tuple[Any, ...]:
    doc.refresh_from_db()
    return (
        doc.status,
        doc.due_date,
        Event.objects.filter(document=doc).count(),
        list(Assignment.objects.filter(document=doc).values_list("id", "status")),
        AuditEvent.objects.count(),
        IncomingDocument.objects.count(),
        StoredFile.objects.count(),
    )


def setup_registered(w: World, secrecy: str) -> IncomingDocument:
    return w.register(secrecy=secrecy)


def setup_submitted(w: World, secrecy: str) -> IncomingDocument:
    from incoming.services import incoming_submit

    doc = w.register(secrecy=secrecy)
    incoming_submit(actor=w.clerk, document=doc)
    return doc


def setup_unit_assigned(w: World, secrecy: str) -> IncomingDocument:
    from incoming.services import AssignmentInput, incoming_assign

    doc = setup_submitted(w, secrecy)
    incoming_assign(actor=w.leader, document=doc, items=[AssignmentInput(role="lead", unit_id=w.unit.pk)])
    return doc


def setup_forwarded(w: World, secrecy: str) -> IncomingDocument:
    from incoming.services import AssignmentInput, incoming_assign, incoming_forward

    doc = setup_submitted(w, secrecy)
    support = [] if secrecy != "none" else [AssignmentInput(role="support", unit_id=w.unit2.pk)]
    incoming_assign(
        actor=w.leader, document=doc, items=[AssignmentInput(role="lead", unit_id=w.unit.pk), *support]
    )
    incoming_forward(actor=w.head, document=doc, person_ids=[w.specialist.pk])
    return doc


# operation: (setup, method, path, payload, allowed persona, expected status after success)
OPERATIONS: dict[
    str, tuple[Callable[[World, str], IncomingDocument], str, str, dict[str, Any] | None, str, str]
] = {
    "view": (setup_registered, "get", "/api/v1/incoming/{id}", None, "clerk", "registered"),
    "history": (setup_registered, "get", "/api/v1/incoming/{id}/history", None, "clerk", "registered"),
    "update": (
        setup_registered,
        "patch",
        "/api/v1/incoming/{id}",
        {"subject": "Trích yếu sửa"},
        "clerk",
        "registered",
    ),
    "submit": (setup_registered, "post", "/api/v1/incoming/{id}/submit", {}, "clerk", "submitted"),
    "assign": (
        setup_submitted,
        "post",
        "/api/v1/incoming/{id}/assign",
        {
            "assignments": [{"role": "lead", "unit_id": "UNIT", "deadline": "DEADLINE"}],
            "instruction": "Giao Phòng Tổng hợp chủ trì",
        },
        "leader",
        "in_progress",
    ),
    "return": (
        setup_submitted,
        "post",
        "/api/v1/incoming/{id}/return",
        {"reason": "Không đúng thẩm quyền"},
        "leader",
        "returned",
    ),
    "forward": (
        setup_unit_assigned,
        "post",
        "/api/v1/incoming/{id}/forward",
        {"person_ids": ["SPECIALIST"]},
        "head",
        "in_progress",
    ),
    "note": (
        setup_forwarded,
        "post",
        "/api/v1/incoming/{id}/notes",
        {"note": "Đang dự thảo trả lời"},
        "specialist",
        "in_progress",
    ),
    "complete": (
        setup_forwarded,
        "post",
        "/api/v1/incoming/{id}/complete",
        {"note": "Đã trả lời", "reply_number_symbol": "12-CV/TU"},
        "specialist",
        "completed",
    ),
    "acknowledge": (
        setup_forwarded,
        "post",
        "/api/v1/incoming/{id}/acknowledge",
        {"note": "Đã phối hợp"},
        "head2",
        "in_progress",
    ),
    "metadata": (setup_registered, "get", "/api/v1/incoming/{id}/metadata", None, "clerk", "registered"),
    "file": (setup_registered, "get", "/api/v1/files/{file}/content", None, "clerk", "registered"),
}

PERSONAS = ["anonymous", "other_organization", "no_role", "secrecy_too_high", "allowed"]


def _resolve(value: Any, w: World) -> Any:
    if value == "UNIT":
        return w.unit.pk
    if value == "SPECIALIST":
        return w.specialist.pk
    if value == "DEADLINE":  # a month after today's arrival, whatever the day the tests run
        return (timezone.localdate() + timedelta(days=30)).isoformat()
    if isinstance(value, list):
        return [_resolve(v, w) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, w) for k, v in value.items()}
    return value


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_authorization_matrix(world: World, operation: str, persona: str) -> None:
    setup, method, path, payload, allowed, expected_status = OPERATIONS[operation]
    # given a document at the right step (secret when the persona lacks clearance)
    secrecy = "confidential" if persona == "secrecy_too_high" else "none"
    doc = setup(world, secrecy)
    from documents.models import Attachment

    attachment = Attachment.objects.get(owner_kind="incoming", owner_id=doc.pk)
    user = {
        "anonymous": None,
        "other_organization": world.outsider,
        "no_role": world.norole,
        "secrecy_too_high": world.lowclear,
        "allowed": getattr(world, allowed),
    }[persona]
    before = snapshot(doc)
    # when the persona calls the operation
    client = client_for(user)
    url = path.format(id=doc.pk, file=attachment.pk)
    if method == "get":
        response = client.get(url)
    else:
        send = client.patch if method == "patch" else client.post
        response = send(url, data=_resolve(payload, world), content_type="application/json")
    # then
    if persona == "allowed":
        assert response.status_code == 200, response.content
        doc.refresh_from_db()
        assert doc.status == expected_status
        if method != "get":
            assert AuditEvent.objects.count() > before[4]
        return
    expected = 401 if persona == "anonymous" else 404
    assert response.status_code == expected, (persona, response.content)
    body = response.json()
    assert body["code"] in {"not_authenticated", "not_found"}
    assert body["message"] and any(
        ch in body["message"] for ch in "ạảãàáâầấậẩẫăắằặẳẵêềếệểễôồốộổỗơờớợởỡưừứựửữđ"
    )
    assert snapshot(doc) == before


def test_visible_but_not_allowed_is_403_and_changes_nothing(world: World) -> None:
    # given a presented document the specialist cannot see, and one the unit head can see but not distribute
    doc = setup_unit_assigned(world, "none")
    before = snapshot(doc)
    # when the unit head (a participant) tries to distribute it
    response = client_for(world.head).post(
        f"/api/v1/incoming/{doc.pk}/assign",
        content_type="application/json",
        data={"assignments": [{"role": "lead", "unit_id": world.unit2.pk}]},
    )
    # then it is refused as forbidden, not hidden, and nothing changed
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert snapshot(doc) == before


def test_wrong_state_is_409_distinct_from_not_allowed(world: World) -> None:
    doc = setup_registered(world, "none")
    before = snapshot(doc)
    response = client_for(world.leader).post(
        f"/api/v1/incoming/{doc.pk}/assign",
        content_type="application/json",
        data={"assignments": [{"role": "lead", "unit_id": world.unit.pk}]},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "wrong_state"
    assert snapshot(doc) == before


def test_restricted_reads_are_audited(world: World) -> None:
    doc = world.register(secrecy="confidential")
    from documents.models import Attachment

    attachment = Attachment.objects.get(owner_kind="incoming", owner_id=doc.pk)
    count = AuditEvent.objects.filter(action__startswith="incoming.read").count()
    assert client_for(world.leader).get(f"/api/v1/incoming/{doc.pk}").status_code == 200
    assert client_for(world.leader).get(f"/api/v1/files/{attachment.pk}/content").status_code == 200
    reads = AuditEvent.objects.filter(action__startswith="incoming.read").order_by("seq")
    assert reads.count() == count + 2
    assert {e.actor_id for e in reads} == {world.leader.pk}
    assert list(reads.values_list("action", flat=True))[-2:] == ["incoming.read.view", "incoming.read.file"]


def test_lists_share_the_visibility_filter(world: World) -> None:
    visible = world.distributed()
    hidden = world.register(number_symbol="7-TB/BTCTW", pdf=make_pdf("hidden"))
    secret = world.register(number_symbol="8-TB/BTCTW", secrecy="secret", pdf=make_pdf("secret"))
    ids = {i["id"] for i in client_for(world.specialist).get("/api/v1/incoming").json()["items"]}
    assert ids == {visible.pk}
    ids = {i["id"] for i in client_for(world.lowclear).get("/api/v1/incoming").json()["items"]}
    assert hidden.pk in ids and secret.pk not in ids
    assert client_for(world.outsider).get("/api/v1/incoming").json()["total"] == 0
