"""Drafting, approval through three steps, numbering per profile, issuance and internal delivery."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_pdf
from core.errors import InvalidInput, NotAllowed, WrongState
from core.models import AuditEvent
from incoming.models import IncomingDocument
from orgs.models import Delegation, Organization
from outgoing import selectors, services
from outgoing.models import Approval, OutgoingDocument
from outgoing.states import Status
from outgoing.tests.conftest import OutgoingWorld

pytestmark = pytest.mark.django_db


def test_draft_approved_in_three_steps_issued_and_received_inside(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = ow.draft("TB")
    assert doc.status == Status.DRAFT and doc.versions.count() == 1
    services.outgoing_submit(actor=w.specialist, document=doc)
    # each step's approver sees it in their queue, and only then
    assert [d.pk for d in selectors.awaiting_approval(w.head)] == [doc.pk]
    assert selectors.awaiting_approval(w.leader) == []
    services.outgoing_approve(actor=w.head, document=doc)
    assert [d.pk for d in selectors.awaiting_approval(w.leader)] == [doc.pk]
    with pytest.raises(NotAllowed):
        services.outgoing_approve(actor=w.head, document=doc)  # not the head's step any more
    services.outgoing_approve(actor=w.leader, document=doc)
    services.outgoing_approve(actor=ow.secretary, document=doc)
    doc.refresh_from_db()
    assert doc.status == Status.APPROVED and doc.signer_id == ow.secretary.pk
    assert [d.pk for d in selectors.to_issue(w.clerk)] == [doc.pk]
    # every approval is bound to the exact version it was given on
    version = doc.versions.get()
    assert set(Approval.objects.filter(document=doc).values_list("version__sha256", flat=True)) == {
        version.sha256
    }
    services.outgoing_issue(actor=w.clerk, document=doc)
    doc.refresh_from_db()
    assert doc.status == Status.ISSUED and doc.number == 1 and doc.number_symbol == "01-TB/TU"
    # the commune receives it at once in its incoming register, with the same file
    received = IncomingDocument.objects.get(organization=w.other_org)
    assert received.channel == "internal" and received.number_symbol == "01-TB/TU"
    assert received.arrival_number == 1 and received.issuer_id == w.org.pk and received.subject == doc.subject
    from documents.models import Attachment

    # …with the issued PDF: the approved version with the number and date written on it
    doc.refresh_from_db()
    assert doc.issued_file is not None and doc.issued_file.stored.sha256 != version.sha256
    delivered = Attachment.objects.get(owner_kind="incoming", owner_id=received.pk)
    assert delivered.stored_id == doc.issued_file.stored_id
    from core.files import open_blob
    from outgoing.tests.pdftext import page_text

    assert "01-TB/TU" in page_text(open_blob(delivered.stored)) and "du thao" in page_text(
        open_blob(delivered.stored)
    )
    statuses = dict(doc.recipients.values_list("name", "status"))
    assert statuses == {w.other_org.name: "delivered", "Báo Sông Lam": "sent_post"}
    assert AuditEvent.objects.filter(action="outgoing.issue", target_id=str(doc.pk)).exists()
    assert w.outsider.notifications.filter(text__contains="Văn bản đến mới").exists()


def test_party_numbers_run_per_type_through_the_term_and_secret_shares_the_sequence(
    ow: OutgoingWorld,
) -> None:
    w = ow.w
    numbers: list[str] = []
    for doc_type, secrecy in [("TB", "none"), ("CV", "none"), ("TB", "confidential"), ("TB", "none")]:
        doc = ow.approved(doc_type, secrecy=secrecy, recipients=[], text=f"{doc_type}{secrecy}{len(numbers)}")
        numbers.append(services.outgoing_issue(actor=w.clerk, document=doc).number_symbol)
    assert numbers == ["01-TB/TU", "01-CV/TU", "02-TB/TU", "03-TB/TU"]


def test_state_numbers_per_register_per_year_with_a_separate_secret_sequence(ow: OutgoingWorld) -> None:
    from documents.models import Register

    w = ow.w
    Organization.objects.filter(pk=w.org.pk).update(profile="state", abbreviation="UBND")
    Register.objects.create(organization=w.org, kind="outgoing", name="Sổ văn bản mật đi", for_secret=True)
    w.unit.abbreviation = "VX"
    w.unit.save()
    ow.w.org.refresh_from_db()
    issued = []
    for doc_type, secrecy in [("QĐ", "none"), ("CV", "none"), ("QĐ", "confidential")]:
        doc = ow.approved(doc_type, secrecy=secrecy, recipients=[], text=f"s{doc_type}{secrecy}")
        issued.append(services.outgoing_issue(actor=w.clerk, document=doc).number_symbol)
    assert issued == ["01/QĐ-UBND", "02/UBND-VX", "01/QĐ-UBND"]
    secret_register = OutgoingDocument.objects.filter(secrecy="confidential").get().register
    assert secret_register is not None and secret_register.for_secret


def test_without_a_committee_term_party_issuance_is_refused_and_changes_nothing(ow: OutgoingWorld) -> None:
    from outgoing.models import CommitteeTerm

    CommitteeTerm.objects.all().delete()
    doc = ow.approved(recipients=[])
    with pytest.raises(InvalidInput, match="nhiệm kỳ"):
        services.outgoing_issue(actor=ow.w.clerk, document=doc)
    doc.refresh_from_db()
    assert doc.status == Status.APPROVED and doc.number is None


def test_rejection_returns_the_draft_and_a_new_version_restarts_the_chain(ow: OutgoingWorld) -> None:
    w = ow.w
    doc = ow.draft()
    services.outgoing_submit(actor=w.specialist, document=doc)
    services.outgoing_approve(actor=w.head, document=doc)
    with pytest.raises(InvalidInput):
        services.outgoing_reject(actor=w.leader, document=doc, reason=" ")
    services.outgoing_reject(actor=w.leader, document=doc, reason="Bổ sung số liệu quý III")
    doc.refresh_from_db()
    assert doc.status == Status.DRAFT and w.specialist.notifications.filter(text__contains="trả lại").exists()
    with pytest.raises(NotAllowed):
        services.outgoing_add_version(actor=w.head, document=doc, upload=("v2.pdf", make_pdf("v2")))
    v2 = services.outgoing_add_version(
        actor=w.specialist, document=doc, upload=("v2.pdf", make_pdf("v2")), note="Đã bổ sung số liệu"
    )
    services.outgoing_submit(actor=w.specialist, document=doc)
    doc.refresh_from_db()
    assert doc.current_step == 1 and v2.number == 2
    with pytest.raises(WrongState):
        services.outgoing_issue(actor=w.clerk, document=doc)


def test_acting_signature_needs_an_acting_decision_in_force(ow: OutgoingWorld) -> None:
    from outgoing.models import OutgoingDocument as Doc

    doc = ow.draft()
    Doc.objects.filter(pk=doc.pk).update(signer_capacity="acting")
    doc.refresh_from_db()
    services.outgoing_submit(actor=ow.w.specialist, document=doc)
    services.outgoing_approve(actor=ow.w.head, document=doc)
    services.outgoing_approve(actor=ow.w.leader, document=doc)
    with pytest.raises(InvalidInput, match="hiệu lực"):
        services.outgoing_approve(actor=ow.secretary, document=doc)
    Delegation.objects.create(
        grantor=ow.w.leader,
        grantee=ow.secretary,
        kind="acting",
        start_date=timezone.localdate() - timedelta(days=1),
        end_date=timezone.localdate() + timedelta(days=5),
    )
    services.outgoing_approve(actor=ow.secretary, document=doc)
    doc.refresh_from_db()
    assert doc.status == Status.APPROVED


def test_drafts_must_be_pdf_or_docx(ow: OutgoingWorld) -> None:
    from outgoing.services import Draft, outgoing_create

    count = OutgoingDocument.objects.count()
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, format="PNG")
    with pytest.raises(Exception, match="không thuộc loại"):
        outgoing_create(
            actor=ow.w.specialist,
            data=Draft(doc_type="TB", subject="x"),
            upload=("anh.png", buffer.getvalue()),
        )
    assert OutgoingDocument.objects.count() == count


def test_a_reply_links_both_ways_and_completes_the_incoming_task(ow: OutgoingWorld) -> None:
    from django.test import Client

    from core import tokens
    from incoming.services import AssignmentInput, incoming_assign, incoming_forward, incoming_submit
    from outgoing.services import Draft, outgoing_approve, outgoing_create, outgoing_submit

    w = ow.w
    incoming = w.register()
    incoming_submit(actor=w.clerk, document=incoming)
    incoming_assign(actor=w.leader, document=incoming, items=[AssignmentInput("lead", unit_id=w.unit.pk)])
    incoming_forward(actor=w.head, document=incoming, person_ids=[w.specialist.pk])
    reply = outgoing_create(
        actor=w.specialist,
        upload=("tl.pdf", make_pdf("tra loi")),
        data=Draft(doc_type="CV", subject="Trả lời Ban Tổ chức Trung ương", reply_to_id=incoming.pk),
    )
    outgoing_submit(actor=w.specialist, document=reply)
    for approver in (w.head, w.leader, ow.secretary):
        outgoing_approve(actor=approver, document=reply)
    reply.refresh_from_db()
    services.outgoing_issue(actor=w.clerk, document=reply)
    incoming.refresh_from_db()
    assert incoming.reply_number_symbol == "01-CV/TU" and list(incoming.replies.all()) == [reply]
    assert incoming.events.filter(action="reply_issued").exists()
    key, _ = tokens.issue(w.specialist)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(
        f"/api/v1/incoming/{incoming.pk}/complete",
        data={"result_document_id": reply.pk, "note": "Đã trả lời"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == "completed"
    assert response.json()["reply_number_symbol"] == "01-CV/TU"


def test_recall_freezes_the_document_and_withdraws_internal_copies(ow: OutgoingWorld) -> None:
    from incoming.services import AssignmentInput, incoming_assign, incoming_submit

    w = ow.w
    doc = services.outgoing_issue(actor=w.clerk, document=ow.approved())
    received = IncomingDocument.objects.get(organization=w.other_org)
    incoming_submit(actor=w.outsider, document=received)
    incoming_assign(
        actor=w.outsider, document=received, items=[AssignmentInput("lead", person_id=w.outsider.pk)]
    )
    with pytest.raises(NotAllowed):
        services.outgoing_recall(actor=w.specialist, document=doc, reason="Sai số liệu")
    with pytest.raises(InvalidInput):
        services.outgoing_recall(actor=w.clerk, document=doc, reason="")
    services.outgoing_recall(actor=w.clerk, document=doc, reason="Sai số liệu, sẽ ban hành văn bản thay thế")
    doc.refresh_from_db()
    received.refresh_from_db()
    assert doc.status == Status.RECALLED and received.status == "recalled"
    assert not received.assignments.filter(status__in=["pending", "forwarded"]).exists()
    assert received.events.filter(action="recalled", note__contains="Sai số liệu").exists()
    assert w.outsider.notifications.filter(text__contains="thu hồi").exists()
    with pytest.raises(WrongState):
        services.outgoing_recall(actor=w.clerk, document=doc, reason="lần nữa")
    assert AuditEvent.objects.filter(action="outgoing.recall", data__withdrawn=[received.pk]).exists()
