"""Delivery over HTTPS, and mutual TLS where a receiver requires it.

Plain HTTP endpoints are refused outside development and tests (the package waits for the administrator
to mend the address; a redirect is not followed and says where it points). A receiver (or hub) behind a
proxy that requires a client certificate gets our packages and serves us its directory only when this
installation presents its certificate (``EXCHANGE_CLIENT_CERT_FILE``/``_KEY_FILE``); without it, or with
one its CA did not issue, nothing is delivered and the package waits for the next attempt; a certificate
that cannot be used is an operator's error said in Vietnamese (the package waits, the peer is not blamed,
``manage.py check`` reports it)."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from exchange import dispatch
from exchange.checks import client_certificate
from exchange.models import DirectoryEntry, Node, OutboxMessage
from exchange.states import OutState
from exchange.testing.tlsca import NetworkCa, Pem
from exchange.tests.conftest import ExchangeWorld, NextHop
from exchange.tests.test_sending import issued

pytestmark = pytest.mark.django_db


@pytest.fixture
def network_ca(tmp_path: Path) -> NetworkCa:
    return NetworkCa("CA mạng nội bộ", tmp_path)


def _tls_hop(ca: NetworkCa, *, clients: bool) -> NextHop:
    """A hub served over HTTPS with a certificate of the network's CA (``clients``: requiring one of its
    client certificates too, as a mutual-TLS proxy does)."""
    server = ca.issue("truc-lien-thong", server=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(server.cert, server.key)
    if clients:
        tls.verify_mode = ssl.CERT_REQUIRED
        tls.load_verify_locations(ca.pem)
    return NextHop().start(tls)


@pytest.fixture
def guarded_hub(network_ca: NetworkCa) -> Iterator[NextHop]:
    """The hub behind a proxy that requires a client certificate issued by the network's CA."""
    hop = _tls_hop(network_ca, clients=True)
    yield hop
    hop.stop()


@pytest.fixture
def https_hub(network_ca: NetworkCa) -> Iterator[NextHop]:
    hop = _tls_hop(network_ca, clients=False)
    yield hop
    hop.stop()


def _through(xw: ExchangeWorld, hop: NextHop, settings: Any, ca: NetworkCa) -> None:
    Node.objects.filter(pk=xw.hub.pk).update(endpoint=hop.url)
    settings.EXCHANGE_CA_FILE = str(ca.pem)  # the hub's server certificate is trusted


def _present(settings: Any, pem: Pem | None) -> None:
    """This installation presents ``pem`` as its TLS client certificate (None: none)."""
    settings.EXCHANGE_CLIENT_CERT_FILE = str(pem.cert) if pem else ""
    settings.EXCHANGE_CLIENT_KEY_FILE = str(pem.key) if pem else ""


def _again(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def test_a_package_reaches_a_receiver_requiring_mutual_tls_only_with_our_certificate(
    xw: ExchangeWorld, guarded_hub: NextHop, network_ca: NetworkCa, settings: Any, tmp_path: Path
) -> None:
    _through(xw, guarded_hub, settings, network_ca)
    issued(xw)
    message = OutboxMessage.objects.get()
    # Without a client certificate the proxy ends the handshake: nothing delivered, tried again later
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutState.PENDING, 1)
    assert message.last_error.startswith("Không kết nối được Trục liên thông tỉnh")
    assert guarded_hub.received == []
    # A certificate from a CA the receiver does not trust is refused the same way
    foreign = NetworkCa("CA khác", tmp_path / "other").issue("tinh-uy", client=True)
    _present(settings, foreign)
    _again(message)
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutState.PENDING, 2) and guarded_hub.received == []
    assert message.last_error.startswith("Không kết nối được Trục liên thông tỉnh")
    # With the certificate the network's CA issued to this installation: delivered
    ours = network_ca.issue("tinh-uy", client=True)
    _present(settings, ours)
    _again(message)
    assert dispatch.run_pending() == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_http_status) == (OutState.SENT, 3, 200)
    assert len(guarded_hub.received) == 1 and str(message.message_id).encode() in guarded_hub.received[0]


def test_the_directory_is_pulled_from_a_hub_requiring_mutual_tls_with_our_certificate(
    xw: ExchangeWorld, guarded_hub: NextHop, network_ca: NetworkCa, settings: Any
) -> None:
    _through(xw, guarded_hub, settings, network_ca)
    guarded_hub.directory = {
        "entries": [{"identifier": "000.12.40.H99", "name": "Đảng ủy xã Tân Lập", "certificates_pem": ""}]
    }
    with pytest.raises(CommandError, match="Không đồng bộ được danh bạ từ trục"):
        call_command("exchange_directory_sync")
    assert not DirectoryEntry.objects.filter(organization__identifier="000.12.40.H99").exists()
    ours = network_ca.issue("tinh-uy", client=True)
    _present(settings, ours)
    call_command("exchange_directory_sync")
    entry = DirectoryEntry.objects.get(organization__identifier="000.12.40.H99")
    assert entry.node_id == xw.hub.pk and entry.organization.name == "Đảng ủy xã Tân Lập"


def test_an_unusable_client_certificate_is_the_operators_error_not_the_peers(
    xw: ExchangeWorld, guarded_hub: NextHop, network_ca: NetworkCa, settings: Any
) -> None:
    _through(xw, guarded_hub, settings, network_ca)
    ours, other = network_ca.issue("tinh-uy", client=True), network_ca.issue("huyen-uy", client=True)
    # the key is another certificate's
    settings.EXCHANGE_CLIENT_CERT_FILE, settings.EXCHANGE_CLIENT_KEY_FILE = str(ours.cert), str(other.key)
    (warning,) = client_certificate()
    assert warning.id == "exchange.W001" and "Không dùng được chứng thư TLS máy khách" in warning.msg
    issued(xw)
    message = OutboxMessage.objects.get()
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert message.state == OutState.PENDING and message.attempts == 1
    assert message.last_error.startswith("Không dùng được chứng thư TLS máy khách của hệ thống này")
    assert str(ours.cert) not in message.last_error  # the paths are in the log, not on the dashboard
    assert Node.objects.get(pk=xw.hub.pk).consecutive_failures == 0  # the hub is not blamed
    assert guarded_hub.received == []
    # a key without its certificate
    settings.EXCHANGE_CLIENT_CERT_FILE = ""
    (warning,) = client_certificate()
    assert "thiếu chứng thư TLS máy khách" in warning.msg
    # a network CA file that is not there: the same, naming its setting (not a crash of every command)
    settings.EXCHANGE_CLIENT_KEY_FILE = ""
    settings.EXCHANGE_CA_FILE = str(network_ca.pem) + ".missing"
    (warning,) = client_certificate()
    assert "EXCHANGE_CA_FILE" in warning.msg and "tệp thiếu" in warning.msg
    _again(message)
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert "EXCHANGE_CA_FILE" in message.last_error
    assert Node.objects.get(pk=xw.hub.pk).consecutive_failures == 0
    settings.EXCHANGE_CA_FILE = str(network_ca.pem)
    # mended: nothing to report, and the package leaves at its next attempt
    _present(settings, ours)
    assert client_certificate() == []
    _again(message)
    assert dispatch.run_pending() == 1
    assert len(guarded_hub.received) == 1


def test_plain_http_is_refused_outside_development_and_the_package_waits(
    xw: ExchangeWorld, https_hub: NextHop, network_ca: NetworkCa, settings: Any
) -> None:
    settings.EXCHANGE_ALLOW_HTTP = False
    assert xw.hub.endpoint.startswith("http://")
    issued(xw)
    message = OutboxMessage.objects.get()
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert message.state == OutState.PENDING and xw.hop.received == []
    assert message.last_error.startswith("Địa chỉ liên thông của Trục liên thông tỉnh")
    assert "phải dùng HTTPS" in message.last_error
    assert Node.objects.get(pk=xw.hub.pk).consecutive_failures == 0  # the address is ours to mend
    # the administration form refuses such an address (and takes an https one)
    with pytest.raises(ValidationError) as refused:
        Node(name="Huyện ủy Đông Sơn", endpoint="http://huyenuy.example.vn").full_clean()
    assert "phải dùng HTTPS" in str(refused.value.message_dict["endpoint"])
    Node(name="Huyện ủy Đông Sơn", endpoint="https://huyenuy.example.vn").full_clean()
    # mended: the hub's https address; the package leaves at its next attempt
    _through(xw, https_hub, settings, network_ca)
    _again(message)
    assert dispatch.run_pending() == 1
    assert len(https_hub.received) == 1 and xw.hop.received == []


def test_a_redirect_is_not_followed_and_says_where_it_points(xw: ExchangeWorld) -> None:
    xw.hop.script = [(301, {})]
    xw.hop.headers = {"Location": "https://truc.example.vn/exchange/v1/messages"}
    issued(xw)
    assert dispatch.run_pending() == 0
    message = OutboxMessage.objects.get()
    assert (message.state, message.last_http_status) == (OutState.PENDING, 301)
    assert message.last_error.startswith("Nơi nhận chuyển hướng sang “https://truc.example.vn/exchange/v1/")
    assert len(xw.hop.received) == 1  # sent once, not again as a GET to the new address
