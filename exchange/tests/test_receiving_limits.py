"""Receiving, the edges: a message id is its sender's (two senders may use the same one); what does not
fit the columns is refused with the reason (400), never a server error the sender would retry for ever;
only the inbox's own "once" constraints count as a duplicate; a hub serving some recipients of a package
relays it to the others."""

from __future__ import annotations

import os
import socket
import struct
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from lxml import etree

from core import files
from core.models import AuditEvent
from exchange import directory, dispatch, services
from exchange.edxml import build, parse, sign
from exchange.edxml.errors import BadSignature, MalformedPackage
from exchange.edxml.model import Attachment, Organ, document_id
from exchange.models import DirectoryEntry, InboxMessage, Node, OutboxMessage
from exchange.states import InState, Kind, OutState
from exchange.testing import network
from exchange.testing.samples import package
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld
from orgs.models import Organization

pytestmark = pytest.mark.django_db

WARD_ID = "000.12.32.H99"


def _ward(xw: ExchangeWorld, key: Any, *, through: Node | None = None) -> Organization:
    """The ward, served by an installation of its own (``through``: reached by way of that node instead);
    the same loopback next hop plays both."""
    ward = Organization.objects.create(name="Đảng ủy phường Bắc Hà", identifier=WARD_ID)
    node = through or Node.objects.create(name="Phường Bắc Hà", endpoint=xw.hop.url, is_hub=False)
    DirectoryEntry.objects.create(
        organization=ward,
        node=node,
        source="hub",
        certificates_pem=key.cert.public_bytes(serialization.Encoding.PEM).decode(),
    )
    return ward


def _signed(
    xw: ExchangeWorld,
    *,
    sender: str = COMMUNE_ID,
    key: Any = None,
    message_id: str | None = None,
    to: tuple[str, ...] | None = None,
    number: str = "3-BC/ĐU",
    attachments: tuple[Attachment, ...] | None = None,
) -> bytes:
    sample = package()
    p = replace(
        sample,
        message_id=message_id or str(uuid.uuid4()),
        attachments=sample.attachments if attachments is None else attachments,
        header=replace(
            sample.header,
            sender=Organ(sender, "Cơ quan gửi"),
            recipients=tuple(Organ(i, i) for i in (to or (xw.w.org.identifier or "",))),
            document_id=document_id(sender, sample.header.promulgation_date, number),
            response_for=(),
        ),
    )
    signer = key or xw.commune_key
    return sign.sign(build.package(p), signer.key, [signer.cert])


def test_two_senders_may_use_the_same_message_id(xw: ExchangeWorld) -> None:
    ward_key = xw.pki.issue("Đảng ủy phường Bắc Hà", "Đảng ủy phường Bắc Hà")
    _ward(xw, ward_key)
    shared = str(uuid.uuid4())
    assert not services.receive(_signed(xw, message_id=shared)).duplicate
    second = services.receive(_signed(xw, sender=WARD_ID, key=ward_key, message_id=shared))
    assert not second.duplicate
    assert set(InboxMessage.objects.values_list("from_identifier", flat=True)) == {COMMUNE_ID, WARD_ID}
    # the same sender again with that id is still a duplicate
    assert services.receive(_signed(xw, message_id=shared, number="4-BC/ĐU")).duplicate


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"message_id": "x" * 101}, "mã thông điệp"),
        ({"to": ("000.00.12.H99", "0" * 36)}, "nơi nhận"),
        ({"number": "1-" + "Đ" * 190}, "DocumentId"),
    ],
)
def test_what_does_not_fit_is_refused_with_the_reason(xw: ExchangeWorld, changes: Any, words: str) -> None:
    if "to" in changes:
        changes["to"] = (xw.w.org.identifier, changes["to"][1])
    with pytest.raises(MalformedPackage, match=words) as refused:
        services.receive(_signed(xw, **changes))
    assert refused.value.status == 400 and "quá giới hạn" in refused.value.message
    assert InboxMessage.objects.count() == 0


def test_only_the_inbox_once_constraints_count_as_a_duplicate(xw: ExchangeWorld, monkeypatch: Any) -> None:
    def broken(**kwargs: Any) -> None:
        raise IntegrityError("FOREIGN KEY constraint failed")

    monkeypatch.setattr("exchange.services.audit.record", broken)
    with pytest.raises(IntegrityError):
        services.receive(_signed(xw))  # not passed off as "duplicate" (the sender would stop for ever)
    monkeypatch.undo()
    services.receive(_signed(xw))
    row = InboxMessage.objects.get()
    # the real thing: the same message stored twice at once is recognised, on either database
    for changes in ({"document_id": "other"}, {"message_id": "other"}):
        values = {
            f.attname: getattr(row, f.attname)
            for f in InboxMessage._meta.concrete_fields
            if not f.primary_key
        }
        values.update(changes)
        with pytest.raises(IntegrityError) as caught, transaction.atomic():
            InboxMessage.objects.create(**values)
        assert services._duplicate(caught.value), changes


def test_a_hub_serving_some_recipients_relays_to_the_others(xw: ExchangeWorld) -> None:
    _ward(xw, xw.pki.issue("Đảng ủy phường Bắc Hà", "Đảng ủy phường Bắc Hà"))
    # an attachment large enough to be hashed aside while the signature is checked (sign.LARGE_TEXT)
    scan = Attachment("a1", "van-ban.pdf", "application/pdf", os.urandom(sign.LARGE_TEXT))
    data = _signed(xw, to=(xw.w.org.identifier or "", WARD_ID), attachments=(scan,))
    assert not services.receive(data).duplicate
    local = InboxMessage.objects.get(to_identifier=xw.w.org.identifier)
    assert local.state == InState.ARRIVED
    # the part served here is read whole, its attachment as sent
    assert [a["size"] for a in local.header["attachments"]] == [len(scan.data)]
    checked = services.verify(data)
    assert checked.package is not None and checked.package.attachments == (scan,)
    relayed = InboxMessage.objects.get(to_identifier=WARD_ID)
    assert relayed.state == InState.RELAYED
    onward = OutboxMessage.objects.get(inbox=relayed)
    assert onward.state == OutState.PENDING and onward.kind == Kind.PACKAGE
    assert services.receive(data).duplicate  # both parts known
    dispatch.run_pending()
    assert data in xw.hop.received  # forwarded as received (and the 01 for the local one went too)


def test_a_relayed_message_received_again_is_a_duplicate_with_nothing_added(xw: ExchangeWorld) -> None:
    from core.models import StoredFile

    _ward(xw, xw.pki.issue("Đảng ủy phường Bắc Hà", "Đảng ủy phường Bắc Hà"))
    scan = Attachment("a1", "van-ban.pdf", "application/pdf", os.urandom(sign.LARGE_TEXT))
    data = _signed(xw, to=(WARD_ID,), attachments=(scan,))
    # only relayed: verified without keeping the attachment in the tree, not decoded, forwarded as sent
    checked = services.verify(data)
    assert checked.package is not None and checked.package.attachments == ()
    assert checked.data is data
    tampered = _tamper_attachment(data)
    with pytest.raises(BadSignature):
        services.verify(tampered)
    assert not services.receive(data).duplicate
    counts = (InboxMessage.objects.count(), OutboxMessage.objects.count(), AuditEvent.objects.count())
    stored = StoredFile.objects.get(pk=InboxMessage.objects.get().package_id)
    # the sender, its answer lost, sends it again: a duplicate, nothing added, the stored file kept
    assert services.receive(data).duplicate
    assert (InboxMessage.objects.count(), OutboxMessage.objects.count(), AuditEvent.objects.count()) == counts
    assert StoredFile.objects.filter(sha256=stored.sha256).count() == 1
    assert files.open_blob(stored) == data


def _tamper_attachment(data: bytes) -> bytes:
    """One base64 character of the largest text changed (the attachment), the rest as signed."""
    root = etree.fromstring(data)
    node = max(root.iter(etree.Element), key=lambda e: len(e.text or ""))
    text = node.text or ""
    node.text = text[:100] + ("A" if text[100] != "A" else "B") + text[101:]
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_a_message_is_not_relayed_back_the_way_it_came(xw: ExchangeWorld) -> None:
    """The hub's directory routes the ward here, where it is not served, and ours (pulled from the hub)
    reaches it through the hub, as it reaches the sender: relaying it would send it back to the hub, which
    would answer "duplicate" — lost without a word. It is refused, so the hub reports it to the sender."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from exchange.edxml import model
    from exchange.edxml.codes import StatusCode

    _ward(xw, xw.pki.issue("Đảng ủy phường Bắc Hà", "Đảng ủy phường Bắc Hà"), through=xw.hub)
    with pytest.raises(services.UnknownRecipient):
        services.receive(_signed(xw, to=(WARD_ID,), number="8-BC/ĐU"))
    # a package also for us: ours is kept, the ward's part is not sent back
    services.receive(_signed(xw, to=(xw.w.org.identifier or "", WARD_ID), number="9-BC/ĐU"))
    assert [i.to_identifier for i in InboxMessage.objects.all()] == [xw.w.org.identifier]
    assert not OutboxMessage.objects.filter(kind=Kind.PACKAGE).exists()
    # nor a status about a document we did not send, from and to organisations behind the hub
    status = model.StatusMessage(
        message_id=str(uuid.uuid4()),
        response_for=model.ResponseFor(WARD_ID, "8-BC/ĐU", None, f"{WARD_ID},2026/11/30,8-BC/ĐU"),
        sender=model.Organ(COMMUNE_ID, "Đảng ủy xã Hòa Bình"),
        code=StatusCode.ARRIVED,
        timestamp=datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    )
    with pytest.raises(services.UnknownDocument):
        services.receive(sign.sign(build.status(status), xw.commune_key.key, [xw.commune_key.cert]))
    assert not InboxMessage.objects.filter(state=InState.RELAYED).exists()


def test_a_hub_that_cannot_deliver_onward_reports_02_to_the_sender(xw: ExchangeWorld) -> None:
    from exchange.edxml.codes import StatusCode

    _ward(xw, xw.pki.issue("Đảng ủy phường Bắc Hà", "Đảng ủy phường Bắc Hà"))
    data = _signed(xw, to=(WARD_ID,), number="7-BC/ĐU")  # the commune writes to the ward, through us
    services.receive(data)
    xw.hop.script.append((400, {"code": "malformed_package", "message": "Nơi nhận không đọc được gói tin."}))
    dispatch.run_pending()
    onward = OutboxMessage.objects.get(kind=Kind.PACKAGE)
    assert onward.state == OutState.FAILED
    report = OutboxMessage.objects.get(kind=Kind.STATUS)
    assert (report.status_code, report.to_identifier, report.from_identifier) == ("02", COMMUNE_ID, WARD_ID)
    assert dispatch.run_pending() == 1
    # signed with this installation's own key (it does not speak for the ward otherwise)
    status = parse.parse_status(sign.verify(xw.hop.received[-1], [xw.province_key.cert]).root)
    assert status.code == StatusCode.REJECTED and status.sender.organ_id == WARD_ID
    assert (
        status.response_for.organ_id == COMMUNE_ID
        and status.response_for.code == package().header.code.number_symbol
    )
    assert (
        "Nơi nhận không đọc được gói tin." in status.description and "Trục liên thông" in status.description
    )
    assert AuditEvent.objects.filter(action="exchange.relay_failed").count() == 1


def _issued_to_commune(xw: ExchangeWorld) -> tuple[Any, OutboxMessage]:
    """A document issued to the commune and its package, sent."""
    from outgoing.services import outgoing_issue

    doc = outgoing_issue(
        actor=xw.w.clerk, document=xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}])
    )
    dispatch.run_pending()
    return doc, OutboxMessage.objects.get(kind=Kind.PACKAGE)


def _relay_report(
    xw: ExchangeWorld, doc: Any, sent: OutboxMessage, code: Any, key: Any, reason: str
) -> bytes:
    """A status about the commune's copy of ``doc``, in the words of the hub that relays to it."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from exchange.edxml import model

    status = model.StatusMessage(
        message_id=str(uuid.uuid4()),
        response_for=model.ResponseFor(xw.w.org.identifier or "", doc.number_symbol, None, sent.document_id),
        sender=model.Organ(COMMUNE_ID, "Đảng ủy xã Hòa Bình"),
        code=code,
        timestamp=datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
        description=f"Trục liên thông không chuyển được văn bản đến 000.12.31.H99: {reason}",
    )
    return sign.sign(build.status(status), key.key, [key.cert])


def test_the_sender_takes_a_02_signed_by_the_relay_of_that_recipient_only(xw: ExchangeWorld) -> None:
    from core.errors import NotAllowed
    from exchange.edxml.codes import StatusCode
    from exchange.edxml.errors import UnknownCertificate
    from exchange.models import ExchangeStatus

    doc, sent = _issued_to_commune(xw)
    hub_key = xw.pki.issue("Trục liên thông tỉnh", "Trục liên thông tỉnh")

    def report(code: StatusCode) -> bytes:
        return _relay_report(xw, doc, sent, code, hub_key, "hỏng")

    with pytest.raises(UnknownCertificate):  # the hub's relay certificate not known here
        services.receive(report(StatusCode.REJECTED))
    xw.hub.relay_certificates_pem = hub_key.cert.public_bytes(serialization.Encoding.PEM).decode()
    xw.hub.save()
    services.receive(report(StatusCode.REJECTED))
    status = ExchangeStatus.objects.get()
    assert status.code == "02" and "không chuyển được" in status.description
    with pytest.raises(NotAllowed, match="02"):  # the relay may not say anything else for the commune
        services.receive(report(StatusCode.ACCEPTED))
    assert ExchangeStatus.objects.count() == 1


def test_the_hub_publishes_its_relay_certificate_and_a_pull_keeps_it(xw: ExchangeWorld) -> None:
    published = directory.publish()
    assert "BEGIN CERTIFICATE" in published["relay_certificates_pem"]
    directory.apply({"entries": [], "relay_certificates_pem": published["relay_certificates_pem"]}, xw.hub)
    xw.hub.refresh_from_db()
    assert directory.relay_certificates(COMMUNE_ID)[0] == xw.province_key.cert


def test_a_relay_report_about_an_organisation_listed_without_certificates_is_taken(
    xw: ExchangeWorld,
) -> None:
    """The hub listed the commune before its certificate (a document can be sent to it): the hub's 02
    that it could not deliver is still taken — the commune's own messages are not."""
    from core.errors import NotAllowed
    from exchange.edxml.codes import StatusCode
    from exchange.edxml.errors import UnknownCertificate
    from exchange.models import ExchangeStatus

    DirectoryEntry.objects.filter(organization=xw.commune).update(certificates_pem="")
    doc, sent = _issued_to_commune(xw)
    hub_key = xw.pki.issue("Trục liên thông tỉnh", "Trục liên thông tỉnh")
    xw.hub.relay_certificates_pem = hub_key.cert.public_bytes(serialization.Encoding.PEM).decode()
    xw.hub.save()

    def status(code: StatusCode, key: Any) -> bytes:
        return _relay_report(xw, doc, sent, code, key, "không nhận.")

    services.receive(status(StatusCode.REJECTED, hub_key))
    assert ExchangeStatus.objects.get().code == "02"
    with pytest.raises(NotAllowed, match="02"):
        services.receive(status(StatusCode.ACCEPTED, hub_key))
    with pytest.raises(UnknownCertificate):  # the commune itself: its certificate not known yet
        services.receive(status(StatusCode.ACCEPTED, xw.commune_key))
    with pytest.raises(services.UnknownSender):  # nor a package from it, whatever signs it
        services.receive(_signed(xw, key=hub_key, number="10-BC/ĐU"))
    assert ExchangeStatus.objects.count() == 1


# a package the hub takes (under its 40 MB) for a ward whose installation takes 1 MB: more than twice
# that, so the ward's guard answers 413 at once and closes while the hub is still writing the body
# (larger than what the loopback's socket buffers hold)
WARD_LIMIT = 1024 * 1024
LARGE = tuple(  # two attachments of 6 MB
    Attachment(f"a{i}", f"ban-do-{i}.pdf", "application/pdf", b"%PDF-1.7\n" + os.urandom(6 * 2**20), "Bản đồ")
    for i in (1, 2)
)


@pytest.fixture
def small_receiver(tmp_path: Path) -> Iterator[network.Node]:
    """A real installation's front (uvicorn, the ASGI guard in front of Django) that takes messages up
    to ``WARD_LIMIT``; what it refuses is refused before Django or its database (not migrated) is
    reached."""
    env = network.node_env("ward", tmp_path) | {
        "EXCHANGE_MAX_MESSAGE_BYTES": str(WARD_LIMIT),
        "DIEUHANH_INPROCESS_JOBS": "0",
    }
    node = network.Node("ward", network._free_port(), tmp_path, env)
    node.start()

    def listening() -> bool:
        assert node.process is not None and node.process.poll() is None, node.log()
        with socket.socket() as sock:
            return sock.connect_ex(("127.0.0.1", node.port)) == 0

    try:
        network.wait_for(listening, timeout=60, interval=0.1)
        yield node
    finally:
        node.stop()


def _relayed_large(xw: ExchangeWorld, endpoint: str) -> OutboxMessage:
    """The commune's large package for the ward, taken here and queued onward to ``endpoint``."""
    ward_key = xw.pki.issue("Đảng ủy phường Bắc Hà", "Đảng ủy phường Bắc Hà")
    _ward(xw, ward_key, through=Node.objects.create(name="Phường Bắc Hà", endpoint=endpoint, is_hub=False))
    data = _signed(xw, to=(WARD_ID,), number="11-BC/ĐU", attachments=LARGE)
    assert 2 * WARD_LIMIT + 10 * 2**20 < len(data) < settings.EXCHANGE_MAX_MESSAGE_BYTES
    services.receive(data)
    return OutboxMessage.objects.get(kind=Kind.PACKAGE)


@pytest.mark.slow
def test_a_refusal_answered_before_the_whole_body_is_read_is_final(
    xw: ExchangeWorld, small_receiver: network.Node
) -> None:
    onward = _relayed_large(xw, small_receiver.url)
    dispatch.run_pending()
    onward.refresh_from_db()
    # the ward's refusal in its own words, once: not a broken connection retried for ever
    assert (onward.state, onward.attempts, onward.last_http_status) == (OutState.FAILED, 1, 413)
    assert onward.last_error == "Gói tin vượt quá dung lượng cho phép."
    # the ward's installation answered: it is not counted down
    assert Node.objects.get(name="Phường Bắc Hà").consecutive_failures == 0
    # and the commune is told why its package did not reach the ward
    report = OutboxMessage.objects.get(kind=Kind.STATUS, to_identifier=COMMUNE_ID)
    assert report.status_code == "02" and "vượt quá dung lượng" in report.description


def test_a_connection_cut_with_no_answer_to_read_is_still_retried(xw: ExchangeWorld) -> None:
    """A receiver that reads the headers and drops the connection without a word (reset)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def cut() -> None:
        connection, _ = listener.accept()
        with connection:
            head = b""
            while b"\r\n\r\n" not in head:
                head += connection.recv(65536)
            connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    threading.Thread(target=cut, daemon=True).start()
    try:
        onward = _relayed_large(xw, f"http://127.0.0.1:{listener.getsockname()[1]}")
        dispatch.run_pending()
    finally:
        listener.close()
    onward.refresh_from_db()
    assert (onward.state, onward.attempts, onward.last_http_status) == (OutState.PENDING, 1, None)
    assert onward.last_error.startswith("Không kết nối được Phường Bắc Hà")
    assert Node.objects.get(name="Phường Bắc Hà").consecutive_failures == 1
    assert not OutboxMessage.objects.filter(kind=Kind.STATUS, to_identifier=COMMUNE_ID).exists()


def test_over_https_with_the_configured_ca_an_early_refusal_is_read_too(
    xw: ExchangeWorld, settings: Any, tmp_path: Path
) -> None:
    """A receiver behind TLS that answers 413 after the headers and closes at once (no reading)."""
    import json
    import ssl

    from exchange.asgi import TOO_LARGE
    from exchange.testing.tlsca import NetworkCa

    ca = NetworkCa("Phường Bắc Hà CA", tmp_path)
    server = ca.issue("ward", server=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(server.cert, server.key)
    listener = socket.create_server(("127.0.0.1", 0))
    answer = json.dumps(TOO_LARGE, ensure_ascii=False).encode()

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # closed: the test is over
            # as asyncio (uvicorn) does: without it the answer may wait behind the unacknowledged session
            # tickets (Nagle) and be dropped with the connection, closed with the body unread
            connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                with tls.wrap_socket(connection, server_side=True) as secure:
                    head = b""
                    while b"\r\n\r\n" not in head:
                        head += secure.recv(65536)
                    secure.sendall(
                        b"HTTP/1.1 413 Payload Too Large\r\nContent-Type: application/json\r\n"
                        b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(answer), answer)
                    )
            except (OSError, ssl.SSLError):
                continue  # a client that does not trust us

    threading.Thread(target=serve, daemon=True).start()
    try:
        onward = _relayed_large(xw, f"https://127.0.0.1:{listener.getsockname()[1]}")
        settings.EXCHANGE_CA_FILE = ""  # the system's CAs only: the ward's certificate is not trusted
        dispatch.run_pending()
        onward.refresh_from_db()
        assert onward.state == OutState.PENDING and "CERTIFICATE_VERIFY_FAILED" in onward.last_error
        settings.EXCHANGE_CA_FILE = str(ca.pem)
        OutboxMessage.objects.filter(pk=onward.pk).update(next_attempt_at=timezone.now())
        dispatch.run_pending()
    finally:
        listener.close()
    onward.refresh_from_db()
    assert (onward.state, onward.attempts, onward.last_http_status) == (OutState.FAILED, 2, 413)
    assert onward.last_error == TOO_LARGE["message"]
