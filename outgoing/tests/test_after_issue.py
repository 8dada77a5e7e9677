"""After issuance: replacing (thay thế) and correcting (đính chính) an issued document, end to end."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from api.tests.helpers import client_for
from conftest import make_pdf
from core.errors import ApplicationError, InvalidInput, NotAllowed, WrongState
from core.models import AuditEvent, StoredFile
from incoming.models import IncomingDocument
from incoming.services import AssignmentInput, incoming_assign, incoming_submit
from notifications.models import Notification
from outgoing import after_issue, services
from outgoing.models import OutgoingDocument
from outgoing.states import Status
from outgoing.tests.conftest import OutgoingWorld
from outgoing.tests.helpers import PERSONAS

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def issued(ow: OutgoingWorld, **kwargs: Any) -> OutgoingDocument:
    return services.outgoing_issue(actor=ow.w.clerk, document=ow.approved(**kwargs))


def approve_and_issue(ow: OutgoingWorld, doc: OutgoingDocument, drafter: Any) -> OutgoingDocument:
    services.outgoing_submit(actor=drafter, document=doc)
    for approver in (ow.w.head, ow.w.leader, ow.secretary):
        services.outgoing_approve(actor=approver, document=doc)
    doc.refresh_from_db()
    return services.outgoing_issue(actor=ow.w.clerk, document=doc)


def handled_copy(ow: OutgoingWorld) -> IncomingDocument:
    """The commune's copy, presented and handed to a handler (the commune's leader)."""
    w = ow.w
    received = IncomingDocument.objects.get(organization=w.other_org)
    incoming_submit(actor=w.outsider, document=received)
    incoming_assign(
        actor=w.outsider, document=received, items=[AssignmentInput("lead", person_id=w.outsider.pk)]
    )
    received.refresh_from_db()
    return received


def snapshot(doc: OutgoingDocument) -> tuple[Any, ...]:
    doc.refresh_from_db()
    return (
        doc.status,
        doc.replaced_by_id,
        doc.corrected_by_id,
        OutgoingDocument.objects.count(),
        AuditEvent.objects.count(),
        StoredFile.objects.count(),
        Notification.objects.count(),
    )


# ---------------------------------------------------------------- replace


def test_full_replacement_flow(ow: OutgoingWorld) -> None:
    w = ow.w
    old = issued(ow)
    received = handled_copy(ow)
    old_sha = old.versions.get().sha256

    new = after_issue.outgoing_start_replacement(
        actor=w.specialist, document=old, reason="Sai số liệu tại mục 2"
    )
    # a new draft of the same form, with the issued file as version 1
    assert new.status == Status.DRAFT and new.replaces_id == old.pk and new.drafter_id == w.specialist.pk
    assert (new.doc_type_id, new.subject, new.drafting_unit_id, new.signer_id) == (
        old.doc_type_id,
        old.subject,
        old.drafting_unit_id,
        old.signer_id,
    )
    assert list(new.recipients.values_list("organization_id", "name")) == list(
        old.recipients.values_list("organization_id", "name")
    )
    assert new.versions.get().sha256 == old_sha and new.after_issue_reason == "Sai số liệu tại mục 2"
    old.refresh_from_db()
    assert old.status == Status.ISSUED  # nothing happens to the old one before the replacement is issued

    services.outgoing_add_version(
        actor=w.specialist, document=new, upload=("v2.pdf", make_pdf("so lieu dung")), note="Sửa số liệu"
    )
    new = approve_and_issue(ow, new, w.specialist)
    old.refresh_from_db()
    received.refresh_from_db()
    assert new.number_symbol == "02-TB/TU"
    assert old.status == Status.REPLACED and old.replaced_by_id == new.pk
    # the recipient's old copy is withdrawn, its work closed, the history says why; the new one arrives
    assert received.status == "recalled"
    assert not received.assignments.filter(status__in=["pending", "forwarded"]).exists()
    event = received.events.get(action="replaced")
    assert "02-TB/TU" in event.note and "Sai số liệu tại mục 2" in event.note
    assert w.outsider.notifications.filter(text__contains="thay thế bằng văn bản số 02-TB/TU").exists()
    history = login(w.outsider).get(f"/van-ban-den/{received.pk}/").content.decode()
    assert "Bị thay thế" in history and "02-TB/TU" in history
    fresh = IncomingDocument.objects.get(organization=w.other_org, number_symbol="02-TB/TU")
    assert fresh.status == "registered" and fresh.channel == "internal"
    # the trail
    for action, target in (
        ("outgoing.start_replacement", new),
        ("outgoing.replacement_started", old),
        ("outgoing.replaced", old),
        ("outgoing.replaces", new),
        ("incoming.replaced", received),
    ):
        assert AuditEvent.objects.filter(action=action, target_id=str(target.pk)).exists(), action
    assert AuditEvent.objects.get(action="outgoing.replaced").data["withdrawn"] == [received.pk]
    # both documents link to each other, through the API
    api = client_for(w.clerk)
    assert api.get(f"/api/v1/outgoing/{old.pk}").json()["replaced_by"] == {
        "id": new.pk,
        "number_symbol": "02-TB/TU",
    }
    body = api.get(f"/api/v1/outgoing/{new.pk}").json()
    assert body["replaces"] == {"id": old.pk, "number_symbol": "01-TB/TU"}
    assert body["after_issue_reason"] == "Sai số liệu tại mục 2"
    assert api.get("/api/v1/outgoing?status=replaced").json()["items"][0]["id"] == old.pk


def test_a_replacement_started_before_a_recall_still_replaces(ow: OutgoingWorld) -> None:
    w = ow.w
    old = issued(ow)
    received = handled_copy(ow)
    new = after_issue.outgoing_start_replacement(actor=w.clerk, document=old, reason="Sai nội dung")
    services.outgoing_recall(actor=w.clerk, document=old, reason="Thu hồi để ban hành văn bản thay thế")
    approve_and_issue(ow, new, w.clerk)
    old.refresh_from_db()
    received.refresh_from_db()
    assert old.status == Status.REPLACED and received.status == "recalled"
    assert received.events.filter(action="replaced").exists()  # told, though already withdrawn
    assert AuditEvent.objects.get(action="outgoing.replaced").data["told"] == [received.pk]


def test_only_one_replacement_is_issued(ow: OutgoingWorld) -> None:
    w = ow.w
    old = issued(ow, recipients=[])
    first = after_issue.outgoing_start_replacement(actor=w.clerk, document=old, reason="Lần 1")
    second = after_issue.outgoing_start_replacement(actor=w.leader, document=old, reason="Lần 2")
    approve_and_issue(ow, first, w.clerk)
    services.outgoing_submit(actor=w.leader, document=second)
    for approver in (w.head, w.leader, ow.secretary):
        services.outgoing_approve(actor=approver, document=second)
    with pytest.raises(WrongState, match="đã được thay thế"):
        services.outgoing_issue(actor=w.clerk, document=second)
    second.refresh_from_db()
    old.refresh_from_db()
    assert second.status == Status.APPROVED and second.number is None and old.replaced_by_id == first.pk


# ---------------------------------------------------------------- correct


def test_full_correction_flow(ow: OutgoingWorld) -> None:
    w = ow.w
    old = issued(ow)
    received = handled_copy(ow)
    new = after_issue.outgoing_start_correction(
        actor=w.leader, document=old, reason="Sai thể thức phần nơi nhận"
    )
    assert new.status == Status.DRAFT and new.corrects_id == old.pk and new.doc_type.code == "CV"
    assert new.subject.startswith("V/v đính chính thông báo số 01-TB/TU ngày ")
    version = new.versions.get()
    # version 1 is the công văn template filled with an outline of the correction, for the drafter to edit
    assert version.attachment.name.endswith(".docx") and version.sha256 != old.versions.get().sha256
    fields = version.fields or {}
    assert "Sai thể thức phần nơi nhận" in fields["content"]
    assert "01-TB/TU" in fields["content"] and fields["addressees"]
    new = approve_and_issue(ow, new, w.leader)
    old.refresh_from_db()
    received.refresh_from_db()
    assert new.number_symbol == "01-CV/TU"
    assert old.status == Status.ISSUED and old.corrected_by_id == new.pk  # it stays issued
    assert received.status == "in_progress"  # the copy stays in work, with an event in its history
    event = received.events.get(action="corrected")
    assert "01-CV/TU" in event.note and "Sai thể thức" in event.note
    assert w.outsider.notifications.filter(text__contains="đính chính bởi văn bản số 01-CV/TU").exists()
    assert "Được đính chính" in login(w.outsider).get(f"/van-ban-den/{received.pk}/").content.decode()
    assert IncomingDocument.objects.filter(organization=w.other_org, number_symbol="01-CV/TU").exists()
    assert AuditEvent.objects.filter(action="outgoing.corrected", target_id=str(old.pk)).exists()
    assert AuditEvent.objects.filter(action="outgoing.corrects", target_id=str(new.pk)).exists()
    assert AuditEvent.objects.filter(action="incoming.corrected", target_id=str(received.pk)).exists()
    api = client_for(w.clerk)
    body = api.get(f"/api/v1/outgoing/{old.pk}").json()
    assert body["corrected_by"] == {"id": new.pk, "number_symbol": "01-CV/TU"}
    assert body["corrections"] == [{"id": new.pk, "number_symbol": "01-CV/TU"}] and body["status"] == "issued"
    assert api.get(f"/api/v1/outgoing/{new.pk}").json()["corrects"] == {
        "id": old.pk,
        "number_symbol": "01-TB/TU",
    }
    page = login(w.specialist).get(f"/van-ban-di/{old.pk}/").content.decode()
    assert "Đã được đính chính bởi" in page and "01-CV/TU" in page


def test_state_profile_correction_is_a_state_cong_van(ow: OutgoingWorld) -> None:
    from orgs.models import Organization

    Organization.objects.filter(pk=ow.w.org.pk).update(profile="state", abbreviation="UBND")
    ow.w.org.refresh_from_db()
    old = issued(ow, doc_type="QĐ", recipients=[])
    new = after_issue.outgoing_start_correction(actor=ow.w.clerk, document=old, reason="Sai ngày ký")
    assert new.doc_type.profile == "state" and new.doc_type.code == "CV"
    assert approve_and_issue(ow, new, ow.w.clerk).number_symbol == "02/UBND-TH"


# ---------------------------------------------------------------- refused


@pytest.mark.parametrize("start", ["replace", "correct"])
def test_refused_cases_change_nothing(ow: OutgoingWorld, start: str) -> None:
    w = ow.w
    begin = (
        after_issue.outgoing_start_replacement
        if start == "replace"
        else after_issue.outgoing_start_correction
    )
    draft = ow.draft(recipients=[])
    approved = ow.approved(recipients=[], text="approved")
    done = issued(ow, recipients=[], text="issued")
    cases: list[tuple[Any, OutgoingDocument, str, type[ApplicationError]]] = [
        (w.specialist, draft, "Sai", WrongState),  # not issued
        (w.clerk, approved, "Sai", WrongState),  # approved, not yet issued
        (w.clerk, done, "  ", InvalidInput),  # no reason
        (w.outsider, done, "Sai", NotAllowed),  # another organization
        (w.specialist2, done, "Sai", NotAllowed),  # a colleague who did not draft it
        (w.head, done, "Sai", NotAllowed),  # approved it, but neither drafter, clerk nor leader
    ]
    for actor, doc, reason, error in cases:
        before = snapshot(doc)
        with pytest.raises(error) as raised:
            begin(actor=actor, document=doc, reason=reason)
        assert snapshot(doc) == before, (actor, error)
        if error is InvalidInput:
            assert "lý do" in raised.value.message
    services.outgoing_recall(actor=w.clerk, document=done, reason="Thu hồi")
    with pytest.raises(WrongState):
        begin(actor=w.clerk, document=done, reason="Sai")


# ---------------------------------------------------------------- authorisation matrix (API)

OPERATIONS = {
    "replace": ("/api/v1/outgoing/{id}/replace", "clerk"),
    "correct": ("/api/v1/outgoing/{id}/correct", "leader"),
    "replace_by_drafter": ("/api/v1/outgoing/{id}/replace", "specialist"),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_after_issue_authorization_matrix(ow: OutgoingWorld, operation: str, persona: str) -> None:
    path, allowed = OPERATIONS[operation]
    doc = issued(ow, secrecy="confidential" if persona == "secrecy_too_high" else "none", recipients=[])
    user = {
        "anonymous": None,
        "other_organization": ow.w.outsider,
        "no_role": ow.w.norole,
        "secrecy_too_high": ow.w.lowclear,
        "allowed": getattr(ow.w, allowed),
    }[persona]
    before = snapshot(doc)
    response = client_for(user).post(
        path.format(id=doc.pk), data={"reason": "Sai sót"}, content_type="application/json"
    )
    if persona == "allowed":
        assert response.status_code == 201, response.content
        body = response.json()
        assert body["status"] == "draft" and body["id"] != doc.pk
        link = "replaces" if "replace" in operation else "corrects"
        assert body[link] == {"id": doc.pk, "number_symbol": doc.number_symbol}
        doc.refresh_from_db()
        assert doc.status == Status.ISSUED
        return
    assert response.status_code == (401 if persona == "anonymous" else 404), (persona, response.content)
    assert snapshot(doc) == before


def test_visible_but_not_allowed_is_403_and_no_reason_is_400(ow: OutgoingWorld) -> None:
    doc = issued(ow, recipients=[])
    before = snapshot(doc)
    for path in ("replace", "correct"):
        denied = client_for(ow.w.head).post(
            f"/api/v1/outgoing/{doc.pk}/{path}", data={"reason": "x"}, content_type="application/json"
        )
        assert denied.status_code == 403 and denied.json()["code"] == "not_allowed"
        empty = client_for(ow.w.clerk).post(
            f"/api/v1/outgoing/{doc.pk}/{path}", data={"reason": ""}, content_type="application/json"
        )
        assert empty.status_code == 400 and "lý do" in empty.json()["message"]
    assert snapshot(doc) == before


# ---------------------------------------------------------------- screens


def test_replace_and_correct_from_the_document_page(ow: OutgoingWorld) -> None:
    w = ow.w
    old = issued(ow, recipients=[])
    clerk = login(w.clerk)
    page = clerk.get(f"/van-ban-di/{old.pk}/").content.decode()
    assert "Thay thế" in page and "Đính chính" in page and 'id="dlg-replace"' in page
    assert "Thay thế" not in login(w.head).get(f"/van-ban-di/{old.pk}/").content.decode().split("Nơi nhận")[0]
    refused = clerk.post(f"/van-ban-di/{old.pk}/replace/", {"reason": ""}, follow=True).content.decode()
    assert "Vui lòng nhập lý do thay thế." in refused
    response = clerk.post(f"/van-ban-di/{old.pk}/replace/", {"reason": "Sai nội dung điều 2"}, follow=True)
    new = OutgoingDocument.objects.get(replaces=old)
    assert response.redirect_chain[-1][0] == f"/van-ban-di/{new.pk}/"
    page = response.content.decode()
    assert "Đã tạo dự thảo văn bản thay thế" in page
    assert "Thay thế văn bản số" in page and "01-TB/TU" in page and "Sai nội dung điều 2" in page
    approve_and_issue(ow, new, w.clerk)
    old_page = clerk.get(f"/van-ban-di/{old.pk}/").content.decode()
    assert (
        "Đã bị thay thế" in old_page
        and "Đã bị thay thế bởi văn bản số" in old_page
        and "02-TB/TU" in old_page
    )
    assert 'id="btn-replace"' not in old_page  # only issued documents
    other = issued(ow, recipients=[], text="khac")
    response = clerk.post(f"/van-ban-di/{other.pk}/correct/", {"reason": "Sai thể thức"}, follow=True)
    correction = OutgoingDocument.objects.get(corrects=other)
    assert response.redirect_chain[-1][0] == f"/van-ban-di/{correction.pk}/"
    assert "Đính chính văn bản số" in response.content.decode()


def test_replacing_a_template_document_starts_from_its_fields(ow: OutgoingWorld) -> None:
    """A document drafted from the template is replaced by a draft with the same fields, to be edited."""
    from outgoing.services import Draft, outgoing_create

    w = ow.w
    doc = outgoing_create(
        actor=w.specialist,
        data=Draft(
            doc_type="TB",
            subject="Thông báo lịch họp",
            recipients=[{"organization_id": w.other_org.pk}],
            fields={"content": "Họp vào thứ Hai."},
        ),
    )
    old = approve_and_issue(ow, doc, w.specialist)
    new = after_issue.outgoing_start_replacement(actor=w.specialist, document=old, reason="Sai giờ họp")
    first = new.versions.get()
    assert first.fields == {"content": "Họp vào thứ Hai."} and first.attachment.name.endswith(".docx")
    assert first.pdf_status == "pending"  # its PDF comes from the worker, like any template draft
