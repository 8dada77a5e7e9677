"""The outbox stays consistent with what the recipients hold: a recall follows only a package that may
have arrived (one refused or never sent is just cancelled), a recalled document's failed package is not
sent again, and a replacement stops the old document's unsent packages and recalls it from recipients
dropped from the new list."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from conftest import make_pdf
from core.errors import WrongState
from exchange import dispatch, services
from exchange.edxml import parse, sign
from exchange.edxml.codes import Business
from exchange.models import DirectoryEntry, OutboxMessage
from exchange.states import OutState
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld
from exchange.tests.test_after_issue import _issue
from orgs.models import Organization
from outgoing import after_issue
from outgoing import services as outgoing
from outgoing.services import outgoing_recall

pytestmark = pytest.mark.django_db

WARD_ID = "000.12.32.H99"


def _due_now() -> None:
    OutboxMessage.objects.filter(state=OutState.PENDING).update(next_attempt_at="2000-01-01T00:00:00Z")


def _businesses(xw: ExchangeWorld) -> list[tuple[int, str]]:
    out = []
    for data in xw.hop.received:
        p = parse.parse_package(sign.verify(data, [xw.province_key.cert]).root)
        out.append((int(p.business.kind), p.header.recipients[0].organ_id))
    return out


def _ward(xw: ExchangeWorld) -> Any:
    ward = Organization.objects.create(name="Đảng ủy phường Bắc Hà", identifier=WARD_ID)
    DirectoryEntry.objects.create(
        organization=ward,
        node=xw.hub,
        source="hub",
        certificates_pem=xw.commune_key.cert.public_bytes(serialization.Encoding.PEM).decode(),
    )
    return ward


def test_a_recall_behind_a_package_that_is_then_refused_is_cancelled_and_the_package_not_resent(
    xw: ExchangeWorld,
) -> None:
    doc = _issue(xw, xw.ow.draft("TB", recipients=[{"organization_id": xw.commune.pk}]))
    package = OutboxMessage.objects.get()
    OutboxMessage.objects.filter(pk=package.pk).update(state=OutState.SENDING, attempts=1)  # in flight
    outgoing_recall(actor=xw.w.clerk, document=doc, reason="Ban hành nhầm")
    recall = OutboxMessage.objects.get(business=Business.RECALL)
    assert recall.state == OutState.PENDING  # it may arrive: the recall waits behind it
    # the attempt in flight is refused by the next hop: the package never arrived
    OutboxMessage.objects.filter(pk=package.pk).update(state=OutState.PENDING, attempts=0)
    xw.hop.script.append((400, {"code": "malformed_package", "message": "Gói tin hỏng."}))
    dispatch.run_pending()
    package.refresh_from_db()
    recall.refresh_from_db()
    assert package.state == OutState.FAILED
    assert recall.state == OutState.CANCELLED and "chưa đến" in recall.last_error
    assert len(xw.hop.received) == 1  # the refused package only: no recall of a document never delivered
    with pytest.raises(WrongState, match="thu hồi"):
        services.resend(actor=xw.w.admin, message=package)
    package.refresh_from_db()
    assert package.state == OutState.FAILED


def test_a_recall_follows_a_package_whose_answer_was_lost(xw: ExchangeWorld) -> None:
    doc = _issue(xw, xw.ow.draft("TB", recipients=[{"organization_id": xw.commune.pk}]))
    xw.hop.script.append((504, {}))  # it may have been stored behind the gateway
    dispatch.run_pending()
    package = OutboxMessage.objects.get()
    assert package.state == OutState.PENDING and package.attempts == 1
    outgoing_recall(actor=xw.w.clerk, document=doc, reason="Ban hành nhầm")
    package.refresh_from_db()
    assert package.state == OutState.CANCELLED  # no more retries
    _due_now()
    assert dispatch.run_pending() == 1
    assert _businesses(xw)[-1] == (Business.RECALL, COMMUNE_ID)  # and the recipient is told, in case


def test_a_replacement_stops_unsent_packages_and_recalls_from_recipients_dropped(xw: ExchangeWorld) -> None:
    ward = _ward(xw)
    old = _issue(
        xw, xw.ow.draft("TB", recipients=[{"organization_id": xw.commune.pk}, {"organization_id": ward.pk}])
    )
    assert dispatch.run_pending() == 2  # both delivered
    new = after_issue.outgoing_start_replacement(actor=xw.w.specialist, document=old, reason="Sai số liệu")
    outgoing.outgoing_add_version(
        actor=xw.w.specialist, document=new, upload=("v2.pdf", make_pdf("so lieu dung")), note="Sửa"
    )
    new.recipients.filter(organization=ward).delete()  # the ward is no longer a recipient
    new = _issue(xw, new)
    assert dispatch.run_pending() == 2
    sent = _businesses(xw)[2:]
    assert sorted(sent) == sorted([(Business.REPLACE, COMMUNE_ID), (Business.RECALL, WARD_ID)])
    recall = OutboxMessage.objects.get(business=Business.RECALL)
    assert recall.outgoing_id == old.pk and new.number_symbol in recall.description


def test_a_replacement_cancels_what_never_left_of_the_old_document(xw: ExchangeWorld) -> None:
    ward = _ward(xw)
    old = _issue(
        xw, xw.ow.draft("TB", recipients=[{"organization_id": xw.commune.pk}, {"organization_id": ward.pk}])
    )
    OutboxMessage.objects.filter(to_identifier=WARD_ID).update(next_attempt_at="2999-01-01T00:00:00Z")
    assert dispatch.run_pending() == 1  # the commune has it; the ward's has not left
    new = after_issue.outgoing_start_replacement(actor=xw.w.specialist, document=old, reason="Sai số liệu")
    outgoing.outgoing_add_version(
        actor=xw.w.specialist, document=new, upload=("v2.pdf", make_pdf("so lieu dung")), note="Sửa"
    )
    new = _issue(xw, new)
    unsent = OutboxMessage.objects.get(outgoing=old, to_identifier=WARD_ID, business=Business.NEW)
    assert unsent.state == OutState.CANCELLED
    _due_now()
    dispatch.run_pending()
    # the old one never reached the ward: no recall; both get the replacement only
    assert sorted(_businesses(xw)[1:]) == sorted(
        [(Business.REPLACE, COMMUNE_ID), (Business.REPLACE, WARD_ID)]
    )
    assert not OutboxMessage.objects.filter(business=Business.RECALL).exists()


def test_a_crash_before_the_issued_pdf_is_made_sends_nothing_until_it_is_then_sends_once(
    xw: ExchangeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outgoing import renditions

    doc = xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}])

    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the process died while making the issued PDF")

    # the issuance commits (numbered, its package queued) but the PDF is not made
    with monkeypatch.context() as patched:
        patched.setattr(renditions, "issued_pdf", crash)
        doc = outgoing.outgoing_issue(actor=xw.w.clerk, document=doc)
    assert doc.number_symbol and doc.issued_file_id is None
    (message,) = OutboxMessage.objects.all()
    assert message.state == OutState.AWAITING_FILE
    assert dispatch.run_pending() == 0 and xw.hop.received == []  # nothing leaves without the document
    # the finalize (the worker's retry, or the clerk's "Hoàn tất phát hành") makes it: sent once
    outgoing.outgoing_finalize_issue(document_id=doc.pk)
    message.refresh_from_db()
    assert message.state == OutState.PENDING
    assert dispatch.run_pending() == 1 and dispatch.run_pending() == 0
    (data,) = xw.hop.received
    package = parse.parse_package(sign.verify(data, [xw.province_key.cert]).root)
    assert package.header.code.number_symbol == doc.number_symbol and package.attachments


def test_a_sender_dying_after_sending_before_marking_it_sent_sends_the_same_bytes_again(
    xw: ExchangeWorld,
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    doc = xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}])
    outgoing.outgoing_issue(actor=xw.w.clerk, document=doc)
    (message,) = OutboxMessage.objects.all()
    # a dispatcher claims it and sends it; the receiver has it; the dispatcher dies before its "sent"
    assert dispatch._claim([message.pk]) == 1
    claimed = OutboxMessage.objects.select_related("inbox", "package").get(pk=message.pk)
    delivered: list[tuple[int, int]] = []
    assert dispatch._send(claimed, delivered) is True and len(xw.hop.received) == 1
    message.refresh_from_db()
    assert message.state == OutState.SENDING  # not marked: the process is gone
    assert dispatch.run_pending() == 0  # its lease holds: no one sends it meanwhile
    # the lease ends: another dispatcher sends it again, the very same bytes (the receiver answers
    # "duplicate" for a message it holds: one document there)
    OutboxMessage.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert dispatch.run_pending() == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutState.SENT, 2)
    first, second = xw.hop.received
    assert first == second
