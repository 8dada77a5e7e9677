"""Sending: issuing a document with a recipient of another installation queues one signed package in the
issuing transaction; the dispatcher delivers it to the next hop, retries when the link is down, stops on
a refusal with the reason, and never lets a recall overtake its document. Secret documents never leave."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import NotAllowed
from exchange import dispatch, selectors
from exchange.edxml import parse, sign
from exchange.edxml.codes import Business
from exchange.identity import NoIdentity
from exchange.models import Identity, OutboxMessage
from exchange.states import OutState
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld
from outgoing.services import outgoing_issue, outgoing_recall

pytestmark = pytest.mark.django_db


def issued(xw: ExchangeWorld, **kwargs: Any) -> Any:
    recipients = [
        {"organization_id": xw.commune.pk},
        {"organization_id": xw.w.other_org.pk},
        {"name": "Báo Sông Lam"},
    ]
    doc = xw.ow.approved("TB", recipients=recipients, **kwargs)
    return outgoing_issue(actor=xw.w.clerk, document=doc)


def test_issuing_queues_one_signed_package_for_the_external_recipient_only(xw: ExchangeWorld) -> None:
    doc = issued(xw)
    # Then one package waits for the commune (the internal recipient got its copy at once)
    (message,) = OutboxMessage.objects.all()
    assert (message.to_identifier, message.state, message.business) == (COMMUNE_ID, OutState.PENDING, 0)
    issued_on = timezone.localdate(doc.issued_at)  # Vietnam's date, whatever the server's zone
    assert message.document_id == f"000.00.00.H99,{issued_on:%Y/%m/%d},{doc.number_symbol}"
    # When the dispatcher runs
    assert dispatch.run_pending() == 1
    # Then the hub received the package, signed by the province, with the issued document
    (data,) = xw.hop.received
    verified = sign.verify(data, [xw.province_key.cert])
    package = parse.parse_package(verified.root)
    h = package.header
    assert h.sender.organ_id == "000.00.00.H99" and [r.organ_id for r in h.recipients] == [COMMUNE_ID]
    assert h.code.number_symbol == doc.number_symbol and h.subject == doc.subject
    assert h.type_name == "Thông báo" and "Đảng ủy xã Hòa Bình" in h.to_places
    assert package.attachments[0].data.startswith(b"%PDF") and package.message_id == str(message.message_id)
    message.refresh_from_db()
    assert message.state == OutState.SENT and message.sent_at is not None and message.attempts == 1
    # and the document page can say so
    recipient = doc.recipients.get(organization=xw.commune)
    assert recipient.status == "queued_exchange"
    assert selectors.delivery_of(recipient.pk)["state"] == OutState.SENT  # type: ignore[index]


@pytest.mark.parametrize("secrecy", ["confidential", "secret", "top_secret"])
def test_a_secret_document_is_refused_before_it_is_numbered(xw: ExchangeWorld, secrecy: str) -> None:
    # everyone on the way is cleared for it: the exchange is what refuses it
    for person in (xw.w.specialist, xw.w.head, xw.w.leader, xw.w.clerk, xw.ow.secretary):
        person.clearance = "top_secret"
        person.save(update_fields=["clearance"])
    doc = xw.ow.approved("TB", secrecy=secrecy, recipients=[{"organization_id": xw.commune.pk}])
    with pytest.raises(NotAllowed) as refused:
        outgoing_issue(actor=xw.w.clerk, document=doc)
    assert refused.value.code == "secret_document" and "cơ yếu" in refused.value.message
    doc.refresh_from_db()
    assert doc.number is None and doc.status != "issued" and not OutboxMessage.objects.exists()


def test_without_a_signing_key_nothing_is_numbered(xw: ExchangeWorld) -> None:
    Identity.objects.all().delete()
    doc = xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}])
    with pytest.raises(NoIdentity):
        outgoing_issue(actor=xw.w.clerk, document=doc)
    doc.refresh_from_db()
    assert doc.number is None and not OutboxMessage.objects.exists()


def test_an_expired_signing_key_is_refused_before_numbering(xw: ExchangeWorld) -> None:
    from datetime import timedelta

    Identity.objects.update(not_after=timezone.now() - timedelta(days=1))
    doc = xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}])
    with pytest.raises(Exception, match="đã hết hạn") as refused:
        outgoing_issue(actor=xw.w.clerk, document=doc)
    assert getattr(refused.value, "code", "") == "exchange_identity_expired"
    doc.refresh_from_db()
    assert doc.number is None and not OutboxMessage.objects.exists()


def _due_now() -> None:
    OutboxMessage.objects.filter(state=OutState.PENDING).update(next_attempt_at=timezone.now())


def test_a_link_down_is_retried_with_the_same_bytes_until_delivered(xw: ExchangeWorld) -> None:
    issued(xw)
    message = OutboxMessage.objects.get()
    # the hub answers "unavailable" once
    xw.hop.script.append((503, {"message": "Bảo trì"}))
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert message.state == OutState.PENDING and message.attempts == 1 and message.last_http_status == 503
    assert message.next_attempt_at is not None and "Bảo trì" in message.last_error
    # and then is not reachable at all
    real = xw.hub.endpoint
    xw.hub.endpoint = "http://127.0.0.1:9"  # discard port: connection refused
    xw.hub.save()
    _due_now()
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert (
        message.state == OutState.PENDING
        and message.attempts == 2
        and "Không kết nối được" in message.last_error
    )
    # it comes back: the package goes, the very bytes signed the first time
    xw.hub.endpoint = real
    xw.hub.save()
    time.sleep(0.3)  # past the backoff (0.05 s doubled, jitter)
    assert dispatch.run_pending() == 1
    first, second = xw.hop.received
    assert first == second
    message.refresh_from_db()
    assert message.state == OutState.SENT and message.attempts == 3


def test_a_refusal_stops_with_the_receivers_reason_and_can_be_sent_again(xw: ExchangeWorld) -> None:
    from exchange.services import resend

    issued(xw)
    xw.hop.script.append((403, {"code": "bad_signature", "message": "Chữ ký số không hợp lệ."}))
    dispatch.run_pending()
    message = OutboxMessage.objects.get()
    assert message.state == OutState.FAILED and message.last_error == "Chữ ký số không hợp lệ."
    time.sleep(0.2)
    assert dispatch.run_pending() == 0  # a failed message is not retried by itself
    resend(actor=xw.w.admin, message=message)
    assert dispatch.run_pending() == 1
    message.refresh_from_db()
    assert message.state == OutState.SENT


def test_a_recall_cancels_what_has_not_left_and_follows_what_has(xw: ExchangeWorld) -> None:
    # not sent yet: cancelled, nothing leaves
    doc = issued(xw)
    outgoing_recall(actor=xw.w.clerk, document=doc, reason="Ban hành nhầm")
    assert dispatch.run_pending() == 0 and xw.hop.received == []
    assert OutboxMessage.objects.get().state == OutState.CANCELLED
    # sent already: a recall message follows it to the same recipient
    doc2 = issued(xw)
    dispatch.run_pending()
    outgoing_recall(actor=xw.w.clerk, document=doc2, reason="Sai thẩm quyền ký")
    assert dispatch.run_pending() == 1
    recall = parse.parse_package(sign.verify(xw.hop.received[-1], [xw.province_key.cert]).root)
    assert recall.business.kind == Business.RECALL and recall.business.reason == "Sai thẩm quyền ký"
    assert recall.business.document_id.endswith(doc2.number_symbol) and recall.attachments == ()


def test_a_recall_never_overtakes_its_document(xw: ExchangeWorld) -> None:
    doc = issued(xw)
    xw.hop.script.append((503, {}))
    dispatch.run_pending()  # the package is waiting for a retry
    package = OutboxMessage.objects.get()
    package.state = OutState.SENDING  # (the recall path treats it as already on its way)
    package.save()
    outgoing_recall(actor=xw.w.clerk, document=doc, reason="Ban hành nhầm")
    package.state = OutState.PENDING
    package.save()
    recall = OutboxMessage.objects.get(business=Business.RECALL)
    OutboxMessage.objects.filter(pk=package.pk).update(next_attempt_at="2999-01-01T00:00:00Z")
    assert dispatch.run_pending() == 0  # the recall waits for its package
    recall.refresh_from_db()
    assert recall.state == OutState.PENDING and len(xw.hop.received) == 1
    _due_now()
    assert dispatch.run_pending() == 2
    kinds = [parse.parse_package(parse.read(d)).business.kind for d in xw.hop.received[1:]]
    assert kinds == [Business.NEW, Business.RECALL]


def test_a_2xx_that_is_not_a_receipt_or_a_redirect_is_not_delivered(xw: ExchangeWorld) -> None:
    issued(xw)
    # a portal page answering 200, then a redirect (which urllib would follow as a GET without the body)
    xw.hop.script.append((200, {"title": "Cổng thông tin"}))
    assert dispatch.run_pending() == 0
    message = OutboxMessage.objects.get()
    assert message.state == OutState.PENDING and "biên nhận" in message.last_error
    xw.hop.script.append((302, {}))
    _due_now()
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert message.state == OutState.PENDING and message.last_http_status == 302
    assert len(xw.hop.received) == 2  # the redirect was not followed
    _due_now()
    assert dispatch.run_pending() == 1
    message.refresh_from_db()
    assert message.state == OutState.SENT


def test_rows_blocked_behind_an_unreachable_peer_do_not_starve_the_others(xw: ExchangeWorld) -> None:
    from datetime import timedelta

    from exchange.states import Kind

    later = timezone.now() + timedelta(hours=1)
    # many documents whose first message waits out a long backoff, each with a due message behind it
    for index in range(5):
        for state, when in ((OutState.PENDING, later), (OutState.PENDING, timezone.now())):
            OutboxMessage.objects.create(
                kind=Kind.STATUS,
                status_code="01",
                from_identifier="000.00.00.H99",
                to_identifier="000.99.99.H99",
                document_id=f"x,{index}",
                state=state,
                next_attempt_at=when,
            )
    issued(xw)  # and one package due for the commune
    assert dispatch.run_pending(limit=3) == 1  # the blocked rows are not even picked: the package goes
    assert OutboxMessage.objects.get(kind="package").state == OutState.SENT


def test_only_an_administrator_may_send_again(xw: ExchangeWorld) -> None:
    from exchange.services import resend

    issued(xw)
    xw.hop.script.append((403, {"message": "Chưa đăng ký."}))
    dispatch.run_pending()
    message = OutboxMessage.objects.get()
    with pytest.raises(NotAllowed, match="quản trị"):
        resend(actor=xw.w.clerk, message=message)
    assert resend(actor=xw.w.admin, message=message).state == OutState.PENDING


def test_an_unknown_certificate_pulls_the_directory_and_is_retried_before_it_fails(
    xw: ExchangeWorld, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exchange import directory

    settings.EXCHANGE_UNKNOWN_CERTIFICATE_ATTEMPTS = 2
    pulls: list[bool] = []

    def pull(**kwargs: Any) -> bool:
        pulls.append(True)
        return False

    monkeypatch.setattr(directory, "refresh", pull)
    refusal = (403, {"code": "unknown_certificate", "message": "Chứng thư số chưa đăng ký."})
    issued(xw)
    xw.hop.script.append(refusal)
    dispatch.run_pending()
    message = OutboxMessage.objects.get()
    assert message.state == OutState.PENDING and message.last_error == "Chứng thư số chưa đăng ký."
    assert pulls == [True]
    xw.hop.script.append(refusal)  # still unknown at the second attempt: given up, for an administrator
    _due_now()
    dispatch.run_pending()
    message.refresh_from_db()
    assert message.state == OutState.FAILED and message.attempts == 2


def test_each_attempt_records_the_next_hops_health(xw: ExchangeWorld) -> None:
    issued(xw)
    xw.hop.script.append((503, {}))
    dispatch.run_pending()
    xw.hub.refresh_from_db()
    assert xw.hub.consecutive_failures == 1 and xw.hub.last_ok_at is None
    xw.hop.script.append((502, {}))
    _due_now()
    dispatch.run_pending()
    xw.hub.refresh_from_db()
    assert xw.hub.consecutive_failures == 2
    _due_now()
    assert dispatch.run_pending() == 1
    xw.hub.refresh_from_db()
    assert xw.hub.consecutive_failures == 0 and xw.hub.last_ok_at is not None
    assert timezone.now() - xw.hub.last_ok_at < timedelta(minutes=1)


def test_a_package_over_the_exchange_limit_fails_with_the_reason_without_being_sent(
    xw: ExchangeWorld, settings: Any
) -> None:
    settings.EXCHANGE_MAX_MESSAGE_BYTES = 2000  # the signed package with its PDF is larger
    issued(xw)
    assert dispatch.run_pending() == 0
    message = OutboxMessage.objects.get()
    assert message.state == OutState.FAILED and "vượt quá dung lượng" in message.last_error
    assert xw.hop.received == []  # not retried for ever against a receiver that cuts it off


@pytest.mark.django_db(transaction=True)
def test_several_sending_threads_claim_in_batches_and_send_each_message_once(
    world: Any, exchange_pki: Any, next_hop: Any, settings: Any, request: Any
) -> None:
    """With sending threads (production), due rows are claimed a batch at a time and marked sent together;
    a recall still waits behind its document, a refusal still fails only its own row."""
    from exchange.tests.conftest import build_exchange_world

    settings.EXCHANGE_DISPATCH_THREADS = 3
    xw = build_exchange_world(world, exchange_pki, next_hop)
    request.addfinalizer(dispatch.close_connections)  # the sending threads' own connections
    docs = [issued(xw) for _ in range(7)]
    with CaptureQueriesContext(connection) as queries:  # the dispatcher's own connection (claims, marks)
        assert dispatch.run_pending() == 7
    # claimed and marked sent a batch (2 × 3 threads) at a time: two batches, two statements each —
    # not a claim and a "sent" per message
    writes = [
        q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "exchange_outboxmessage" in q["sql"]
    ]
    assert len(writes) == 4
    # the next hops are read once per batch, not per message; the hub's health is written once
    hops = [
        q["sql"] for q in queries if q["sql"].startswith("SELECT") and "exchange_directoryentry" in q["sql"]
    ]
    assert len(hops) == 2
    xw.hub.refresh_from_db()
    assert xw.hub.consecutive_failures == 0 and xw.hub.last_ok_at is not None
    # a recall queued behind a document the hub had: the document goes first, then the recall
    outgoing_recall(actor=xw.w.leader, document=docs[0], reason="Ban hành nhầm")
    issued(xw)
    assert dispatch.run_pending() == 2
    rows = list(OutboxMessage.objects.order_by("id"))
    assert len(rows) == 9
    assert [(m.state, m.attempts, m.last_http_status) for m in rows] == [(OutState.SENT, 1, 200)] * 9
    assert all(m.sent_at is not None for m in rows)
    # each message reached the hub once, the recall after the document it recalls
    received = [
        parse.parse_package(parse.read(data), attachments=False).message_id for data in xw.hop.received
    ]
    assert sorted(received) == sorted(str(m.message_id) for m in rows)
    recall = next(m for m in rows if m.business == Business.RECALL)
    assert received.index(str(rows[0].message_id)) < received.index(str(recall.message_id))


@pytest.mark.django_db(transaction=True)
def test_a_refusal_in_a_batch_fails_its_own_row_only(
    world: Any, exchange_pki: Any, next_hop: Any, settings: Any, request: Any
) -> None:
    from exchange.tests.conftest import build_exchange_world

    settings.EXCHANGE_DISPATCH_THREADS = 3
    xw = build_exchange_world(world, exchange_pki, next_hop)
    request.addfinalizer(dispatch.close_connections)
    for _ in range(4):
        issued(xw)
    xw.hop.script.append((400, {"message": "Gói tin không hợp lệ."}))  # the first POST the hub answers
    assert dispatch.run_pending() == 3
    states = sorted(m.state for m in OutboxMessage.objects.all())
    assert states == sorted([OutState.FAILED, OutState.SENT, OutState.SENT, OutState.SENT])
    failed = OutboxMessage.objects.get(state=OutState.FAILED)
    assert failed.last_error == "Gói tin không hợp lệ." and failed.last_http_status == 400
