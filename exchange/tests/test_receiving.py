"""Receiving: a package signed by a registered organisation arrives once (however often it is sent, even
signed again), waits for the clerk and answers 01; the clerk registers it (03) or returns it with the
reason (02); a recall withdraws it (15); statuses of our own documents are recorded; anything forged,
tampered, unknown or too large is refused with a Vietnamese reason and nothing stored."""

from __future__ import annotations

import base64
import uuid
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import make_pdf
from core.errors import InvalidInput, NotAllowed, WrongState
from core.models import AuditEvent, StoredFile
from documents.models import Attachment as DocAttachment
from exchange import dispatch, selectors, services
from exchange.edxml import build, model, parse, sign
from exchange.edxml.codes import Business, StatusCode
from exchange.edxml.errors import BadSignature, UnknownCertificate
from exchange.models import ExchangeStatus, InboxMessage, OutboxMessage
from exchange.states import InState, OutState
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld, signed_from_commune
from notifications.models import Notification

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PDF = make_pdf("Báo cáo kết quả công tác xây dựng Đảng tháng 11 năm 2026")


# ahead of the arrival date whenever the tests run (a due date before arrival is refused)
DUE = timezone.localdate() + timedelta(days=20)


def from_commune(
    xw: ExchangeWorld,
    *,
    number: str = "45-BC/ĐU",
    business: Business = Business.NEW,
    target: str = "",
    message_id: str | None = None,
    key: Any = None,
) -> bytes:
    return signed_from_commune(
        xw,
        number=number,
        subject="Báo cáo kết quả công tác xây dựng Đảng tháng 11 năm 2026",
        issued_on=date(2026, 11, 28),
        due_date=DUE,
        sent_at=datetime(2026, 11, 28, 15, 0, tzinfo=VN),
        attachments=()
        if business == Business.RECALL
        else (model.Attachment("a1", "45-BC-DU.pdf", "application/pdf", PDF, "Văn bản chính"),),
        business=business,
        reason="Ban hành nhầm" if business else "",
        target=target,
        message_id=message_id,
        key=key,
    )


pytestmark = pytest.mark.django_db


def test_a_package_arrives_once_waits_for_the_clerk_and_answers_arrived(xw: ExchangeWorld) -> None:
    data = from_commune(xw)
    receipt = services.receive(data)
    assert not receipt.duplicate
    inbox = InboxMessage.objects.get()
    assert (inbox.state, inbox.organization, inbox.from_identifier) == (InState.ARRIVED, xw.w.org, COMMUNE_ID)
    assert inbox.header["number_symbol"] == "45-BC/ĐU" and inbox.header["urgency"] == "urgent"
    assert inbox.signer_sha256 == sign.fingerprint(xw.commune_key.cert)
    # status 01 queued back to the commune, the clerks told
    (status,) = OutboxMessage.objects.filter(kind="status")
    assert (status.status_code, status.to_identifier, status.state) == ("01", COMMUNE_ID, OutState.PENDING)
    assert Notification.objects.filter(user=xw.w.clerk, text__contains="45-BC/ĐU").exists()
    assert AuditEvent.objects.filter(action="exchange.received").count() == 1
    # the same bytes again, and the same document signed again with a new message id: still one
    assert services.receive(data).duplicate
    assert services.receive(from_commune(xw)).duplicate
    assert InboxMessage.objects.count() == 1 and OutboxMessage.objects.filter(kind="status").count() == 1
    # the 01 leaves, signed by the province, through the commune's next hop
    assert dispatch.run_pending() == 1
    sent = parse.parse_status(sign.verify(xw.hop.received[0], [xw.province_key.cert]).root)
    assert sent.code == StatusCode.ARRIVED and sent.response_for.document_id == inbox.document_id
    assert sent.sender.organ_id == xw.w.org.identifier


def test_forged_tampered_and_unknown_messages_store_nothing(xw: ExchangeWorld) -> None:
    files_before = StoredFile.objects.count()
    data = from_commune(xw)
    with pytest.raises(BadSignature):
        services.receive(data.replace("Báo cáo kết quả".encode(), "Báo cáo sửa đổi".encode()))
    encoded = base64.b64encode(PDF)
    with pytest.raises(BadSignature):
        services.receive(data.replace(encoded[:40], base64.b64encode(b"%PDF-1.5" + PDF[8:30])[:40]))
    # signed by another organisation's key while claiming to be the commune
    with pytest.raises(UnknownCertificate):
        services.receive(from_commune(xw, key=xw.province_key))
    # an organisation the directory does not know
    with pytest.raises(NotAllowed) as refused:
        services.receive(data.replace(COMMUNE_ID.encode(), b"000.99.99.H99"))
    assert refused.value.code == "unknown_sender"
    assert not InboxMessage.objects.exists() and StoredFile.objects.count() == files_before


def test_the_clerk_registers_an_arrival_with_its_files_and_03_goes_back(xw: ExchangeWorld) -> None:
    services.receive(from_commune(xw))
    inbox = InboxMessage.objects.get()
    with pytest.raises(NotAllowed):
        services.inbox_register(actor=xw.w.specialist, inbox=inbox)
    result = services.inbox_register(actor=xw.w.clerk, inbox=inbox, changes={"subject": "Báo cáo tháng 11"})
    doc = result.document
    assert (doc.channel, doc.number_symbol, doc.issuer_name) == (
        "exchange",
        "45-BC/ĐU",
        "Đảng ủy xã Hòa Bình",
    )
    assert doc.subject == "Báo cáo tháng 11" and doc.issued_date == date(2026, 11, 28)
    assert doc.urgency == "urgent" and doc.secrecy == "none" and doc.due_date == DUE
    (file,) = DocAttachment.objects.filter(owner_kind="incoming", owner_id=doc.pk)
    assert file.name == "45-BC-DU.pdf"
    inbox.refresh_from_db()
    assert inbox.state == InState.REGISTERED and inbox.incoming == doc
    assert OutboxMessage.objects.filter(kind="status", status_code="03").count() == 1
    with pytest.raises(WrongState):
        services.inbox_register(actor=xw.w.clerk, inbox=inbox)


def test_the_clerk_returns_an_arrival_with_the_reason_and_02_goes_back(xw: ExchangeWorld) -> None:
    services.receive(from_commune(xw))
    inbox = InboxMessage.objects.get()
    with pytest.raises(Exception, match="lý do"):
        services.inbox_reject(actor=xw.w.clerk, inbox=inbox, reason="  ")
    services.inbox_reject(actor=xw.w.clerk, inbox=inbox, reason="Gửi nhầm nơi nhận")
    inbox.refresh_from_db()
    assert inbox.state == InState.REJECTED and inbox.reason == "Gửi nhầm nơi nhận"
    status = OutboxMessage.objects.get(kind="status", status_code="02")
    assert status.description == "Gửi nhầm nơi nhận"
    dispatch.run_pending()
    sent = [parse.parse_status(parse.read(d)) for d in xw.hop.received]
    assert [s.code for s in sent] == [StatusCode.ARRIVED, StatusCode.REJECTED]
    assert sent[1].description == "Gửi nhầm nơi nhận"


def test_a_recall_withdraws_the_document_before_or_after_registration(xw: ExchangeWorld) -> None:
    # arrived, not registered: withdrawn, 15
    services.receive(from_commune(xw, number="46-BC/ĐU"))
    first = InboxMessage.objects.get()
    services.receive(from_commune(xw, number="46-BC/ĐU", business=Business.RECALL, target=first.document_id))
    first.refresh_from_db()
    assert first.state == InState.WITHDRAWN and first.reason == "Ban hành nhầm"
    assert OutboxMessage.objects.filter(inbox=first, status_code="15").exists()
    # registered: the incoming document is recalled (work stops), 15
    services.receive(from_commune(xw, number="47-BC/ĐU"))
    second = InboxMessage.objects.get(document_id__endswith="47-BC/ĐU", business=0)
    incoming = services.inbox_register(actor=xw.w.clerk, inbox=second).document
    services.receive(from_commune(xw, number="47-BC/ĐU", business=Business.RECALL, target=second.document_id))
    incoming.refresh_from_db()
    assert incoming.status == "recalled"
    assert OutboxMessage.objects.filter(inbox=second, status_code="15").exists()
    # a document never received: 16
    services.receive(
        from_commune(
            xw, number="99-BC/ĐU", business=Business.RECALL, target=f"{COMMUNE_ID},2026/11/28,99-BC/ĐU"
        )
    )
    assert OutboxMessage.objects.filter(status_code="16").count() == 1


def _status(xw: ExchangeWorld, document_id: str, code: StatusCode, at: datetime, text: str = "") -> bytes:
    status = model.StatusMessage(
        message_id=str(uuid.uuid4()),
        response_for=model.ResponseFor("000.00.00.H99", "", None, document_id),
        sender=model.Organ(COMMUNE_ID, "Đảng ủy xã Hòa Bình"),
        code=code,
        timestamp=at,
        description=text,
    )
    return sign.sign(build.status(status), xw.commune_key.key, [xw.commune_key.cert])


def test_statuses_of_our_document_are_recorded_and_the_latest_shown(xw: ExchangeWorld) -> None:
    from outgoing.services import outgoing_issue

    doc = outgoing_issue(
        actor=xw.w.clerk, document=xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}])
    )
    dispatch.run_pending()
    message = OutboxMessage.objects.get(kind="package")
    recipient = message.recipient
    assert recipient is not None
    t0 = datetime(2026, 11, 30, 9, 0, tzinfo=VN)
    for code, minutes in ((StatusCode.ARRIVED, 0), (StatusCode.ACCEPTED, 5), (StatusCode.DONE, 30)):
        services.receive(_status(xw, message.document_id, code, t0 + timedelta(minutes=minutes)))
    # a late 04 (sent before the 06, arriving after it) does not hide the 06
    late = _status(xw, message.document_id, StatusCode.ASSIGNED, t0 + timedelta(minutes=10))
    services.receive(late)
    assert services.receive(late).duplicate
    current = selectors.current_status(recipient.pk)
    assert current is not None and current["code"] == "06" and current["label"] == "Hoàn thành"
    assert [h["code"] for h in current["history"]] == ["01", "03", "04", "06"]
    assert ExchangeStatus.objects.filter(recipient=recipient).count() == 4
    # a return with the reason tells the sender's clerks
    services.receive(
        _status(xw, message.document_id, StatusCode.REJECTED, t0 + timedelta(hours=1), "Sai nơi nhận")
    )
    assert Notification.objects.filter(user=xw.w.clerk, text__contains="Sai nơi nhận").exists()
    assert doc.pk == message.outgoing_id
    # a status about a document we never sent is refused
    with pytest.raises(Exception) as refused:
        services.receive(_status(xw, "000.00.00.H99,2026/01/01,1-TB/TU", StatusCode.ARRIVED, t0))
    assert getattr(refused.value, "code", "") == "unknown_document"


@pytest.mark.django_db(transaction=True)
def test_the_endpoint_answers_receipts_refusals_and_limits(xw: ExchangeWorld, settings: Any) -> None:
    client = Client()
    url = reverse("exchange:messages")
    data = from_commune(xw)
    first = client.post(url, data=data, content_type="application/xml")
    assert first.status_code == 200 and first.json()["receipt"] == "stored"
    again = client.post(url, data=data, content_type="application/xml")
    assert again.status_code == 200 and again.json()["receipt"] == "duplicate"
    tampered = client.post(
        url,
        data=data.replace(b"Hoa", b"Hoe").replace("Hòa".encode(), "Hoà".encode()),
        content_type="application/xml",
    )
    assert tampered.status_code == 403 and tampered.json()["code"] == "bad_signature"
    assert AuditEvent.objects.filter(action="exchange.refused", data__code="bad_signature").exists()
    bomb = client.post(
        url,
        data=b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><edXML/>',
        content_type="application/xml",
    )
    assert bomb.status_code == 400 and bomb.json()["code"] == "malformed_package"
    settings.EXCHANGE_MAX_MESSAGE_BYTES = 1000
    large = client.post(url, data=data, content_type="application/xml")
    assert large.status_code == 413 and "dung lượng" in large.json()["message"]
    assert client.get(url).status_code == 405
    health = client.get(reverse("exchange:health")).json()
    assert health["ok"] and health["inbox_packages"] == 1 and health["inbox_arrived"] == 1
    assert InboxMessage.objects.count() == 1


def test_verify_writes_nothing_and_record_stores_once(xw: ExchangeWorld) -> None:
    data = from_commune(xw)
    checked = services.verify(data)
    assert checked.package is not None and checked.signer == sign.fingerprint(xw.commune_key.cert)
    assert InboxMessage.objects.count() == 0 and OutboxMessage.objects.count() == 0
    assert not services.record(checked).duplicate
    assert services.record(services.verify(data)).duplicate
    assert InboxMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_endpoint_gives_its_verification_slot_back_before_storing(
    xw: ExchangeWorld, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exchange import views

    settings.EXCHANGE_MAX_CONCURRENT_VERIFICATIONS = 1
    slots = views._slots()
    free_while_storing: list[bool] = []
    real_record = services.record

    def record(checked: services.Checked) -> services.Receipt:
        # another message may be verified while this one's files are synced and its rows committed
        free_while_storing.append(slots.acquire(blocking=False))
        slots.release()
        return real_record(checked)

    monkeypatch.setattr(services, "record", record)
    data = from_commune(xw)
    answer = Client().post(reverse("exchange:messages"), data=data, content_type="application/xml")
    assert answer.status_code == 200 and answer.json()["receipt"] == "stored"
    assert free_while_storing == [True]
    assert InboxMessage.objects.count() == 1


def test_the_receivers_workflow_sends_04_05_06_once_each(xw: ExchangeWorld) -> None:
    from incoming.services import (
        AssignmentInput,
        incoming_add_note,
        incoming_assign,
        incoming_complete,
        incoming_forward,
        incoming_submit,
    )

    services.receive(from_commune(xw))
    doc = services.inbox_register(actor=xw.w.clerk, inbox=InboxMessage.objects.get()).document
    w = xw.w
    incoming_submit(actor=w.clerk, document=doc)
    incoming_assign(
        actor=w.leader,
        document=doc,
        instruction="Phòng Tổng hợp tham mưu, chú ý số liệu đảng viên mới",
        items=[AssignmentInput(role="lead", unit_id=w.unit.pk, deadline=DUE)],
    )
    incoming_forward(actor=w.head, document=doc, person_ids=[w.specialist.pk])
    incoming_add_note(actor=w.specialist, document=doc, note="Đã đối chiếu số liệu")
    incoming_complete(actor=w.specialist, document=doc, note="Đã tổng hợp", reply_number_symbol="130-CV/VPTU")
    codes = list(
        OutboxMessage.objects.filter(kind="status").order_by("id").values_list("status_code", flat=True)
    )
    assert codes == ["01", "03", "04", "05", "06"]
    done = OutboxMessage.objects.get(status_code="06")
    assert done.description == "Hoàn thành, trả lời bằng văn bản số 130-CV/VPTU"
    # the leader's instruction stays inside the office
    assert not OutboxMessage.objects.filter(description__contains="chú ý").exists()
    # a document registered by hand (not by exchange) tells nobody
    other = w.distributed()
    assert other.channel != "exchange" and OutboxMessage.objects.filter(kind="status").count() == 5


def _with_files(xw: ExchangeWorld, number: str, *attachments: tuple[str, bytes]) -> InboxMessage:
    data = signed_from_commune(
        xw,
        number=number,
        subject="Báo cáo kèm biểu mẫu",
        issued_on=timezone.localdate(),
        due_date=DUE,
        sent_at=timezone.localtime(),
        attachments=tuple(
            model.Attachment(f"a{i}", name, "application/octet-stream", content, "Tệp")
            for i, (name, content) in enumerate(attachments, start=1)
        ),
    )
    return InboxMessage.objects.get(message_id=services.receive(data).message_id)


def test_files_of_a_type_not_kept_stay_in_the_package_and_the_note_says_so(xw: ExchangeWorld) -> None:
    inbox = _with_files(
        xw, "48-BC/ĐU", ("48-BC-DU.pdf", PDF), ("bieu-mau.doc", b"\xd0\xcf\x11\xe0 old word"),
        ("ghi-chu.txt", b"ghi chu"),
    )  # fmt: skip
    doc = services.inbox_register(actor=xw.w.clerk, inbox=inbox).document
    assert [a.name for a in DocAttachment.objects.filter(owner_kind="incoming", owner_id=doc.pk)] == [
        "48-BC-DU.pdf"
    ]
    assert doc.description == (
        "Tệp gửi kèm không vào sổ được (loại tệp không được chấp nhận), xem trong gói tin liên thông: "
        "bieu-mau.doc, ghi-chu.txt"
    )
    # they are still there, as sent, from the arrival's page
    client = Client()
    client.force_login(xw.w.clerk)
    kept = client.get(reverse("web:exchange_file", args=[inbox.pk, "a3"]), {"download": "1"})
    assert kept.status_code == 200 and kept.getvalue() == b"ghi chu"


def test_a_main_file_of_a_type_not_kept_is_refused_with_what_to_do(xw: ExchangeWorld) -> None:
    inbox = _with_files(xw, "49-BC/ĐU", ("49-BC-DU.doc", b"\xd0\xcf\x11\xe0 old word"), ("phu-luc.pdf", PDF))
    with pytest.raises(InvalidInput) as refused:
        services.inbox_register(actor=xw.w.clerk, inbox=inbox)
    assert refused.value.code == "main_file_refused"
    assert "trả lại nơi gửi và đề nghị gửi bản PDF" in refused.value.message
    inbox.refresh_from_db()
    assert inbox.state == InState.ARRIVED and inbox.incoming_id is None
