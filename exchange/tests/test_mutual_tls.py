"""Mutual TLS, optional: a receiver (or hub) behind a proxy that requires a client certificate gets our
packages and serves us its directory only when this installation presents its certificate
(``EXCHANGE_CLIENT_CERT_FILE``/``_KEY_FILE``); without it, or with one its CA did not issue, nothing is
delivered and the package waits for the next attempt; a certificate that cannot be used is an operator's
error said in Vietnamese (the package waits, the peer is not blamed, ``manage.py check`` reports it)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.core.management import CommandError, call_command
from django.utils import timezone

from exchange import dispatch
from exchange.checks import client_certificate
from exchange.models import DirectoryEntry, Node, OutboxMessage
from exchange.states import OutState
from exchange.tests.conftest import ExchangeWorld, NextHop
from exchange.tests.test_sending import issued

pytestmark = pytest.mark.django_db


@dataclass
class Pem:
    cert: Path
    key: Path


class _Ca:
    """A CA of the closed network that issues the installations' TLS certificates."""

    def __init__(self, name: str, folder: Path) -> None:
        self.folder = folder
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = self._build(self.name, self.key.public_key(), ca=True).sign(self.key, hashes.SHA256())
        self.pem = folder / f"{name}.pem"
        self.pem.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def _build(self, subject: x509.Name, public_key: Any, *, ca: bool) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
        )

    def issue(self, name: str, *, server: bool) -> Pem:
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = self._build(subject, key.public_key(), ca=False).add_extension(
            x509.ExtendedKeyUsage([usage]), False
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
            )
        cert = builder.sign(self.key, hashes.SHA256())
        pem = Pem(self.folder / f"{name}.crt", self.folder / f"{name}.key")
        pem.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        pem.key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return pem


@pytest.fixture
def network_ca(tmp_path: Path) -> _Ca:
    return _Ca("CA mạng nội bộ", tmp_path)


@pytest.fixture
def guarded_hub(network_ca: _Ca) -> Iterator[NextHop]:
    """The hub behind a proxy that requires a client certificate issued by the network's CA."""
    server = network_ca.issue("truc-lien-thong", server=True)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(server.cert, server.key)
    tls.verify_mode = ssl.CERT_REQUIRED
    tls.load_verify_locations(network_ca.pem)
    hop = NextHop().start(tls)
    yield hop
    hop.stop()


def _through(xw: ExchangeWorld, hop: NextHop, settings: Any, ca: _Ca) -> None:
    Node.objects.filter(pk=xw.hub.pk).update(endpoint=hop.url)
    settings.EXCHANGE_CA_FILE = str(ca.pem)  # the hub's server certificate is trusted


def _present(settings: Any, pem: Pem | None) -> None:
    """This installation presents ``pem`` as its TLS client certificate (None: none)."""
    settings.EXCHANGE_CLIENT_CERT_FILE = str(pem.cert) if pem else ""
    settings.EXCHANGE_CLIENT_KEY_FILE = str(pem.key) if pem else ""


def _again(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())


def test_a_package_reaches_a_receiver_requiring_mutual_tls_only_with_our_certificate(
    xw: ExchangeWorld, guarded_hub: NextHop, network_ca: _Ca, settings: Any, tmp_path: Path
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
    (tmp_path / "other").mkdir()
    stranger = _Ca("CA khác", tmp_path / "other")
    foreign = stranger.issue("tinh-uy", server=False)
    _present(settings, foreign)
    _again(message)
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutState.PENDING, 2) and guarded_hub.received == []
    # With the certificate the network's CA issued to this installation: delivered
    ours = network_ca.issue("tinh-uy", server=False)
    _present(settings, ours)
    _again(message)
    assert dispatch.run_pending() == 1
    message.refresh_from_db()
    assert (message.state, message.attempts, message.last_http_status) == (OutState.SENT, 3, 200)
    assert len(guarded_hub.received) == 1 and str(message.message_id).encode() in guarded_hub.received[0]


def test_the_directory_is_pulled_from_a_hub_requiring_mutual_tls_with_our_certificate(
    xw: ExchangeWorld, guarded_hub: NextHop, network_ca: _Ca, settings: Any
) -> None:
    _through(xw, guarded_hub, settings, network_ca)
    guarded_hub.directory = {
        "entries": [{"identifier": "000.12.40.H99", "name": "Đảng ủy xã Tân Lập", "certificates_pem": ""}]
    }
    with pytest.raises(CommandError, match="Không đồng bộ được danh bạ từ trục"):
        call_command("exchange_directory_sync")
    assert not DirectoryEntry.objects.filter(organization__identifier="000.12.40.H99").exists()
    ours = network_ca.issue("tinh-uy", server=False)
    _present(settings, ours)
    call_command("exchange_directory_sync")
    entry = DirectoryEntry.objects.get(organization__identifier="000.12.40.H99")
    assert entry.node_id == xw.hub.pk and entry.organization.name == "Đảng ủy xã Tân Lập"


def test_an_unusable_client_certificate_is_the_operators_error_not_the_peers(
    xw: ExchangeWorld, guarded_hub: NextHop, network_ca: _Ca, settings: Any
) -> None:
    _through(xw, guarded_hub, settings, network_ca)
    ours, other = network_ca.issue("tinh-uy", server=False), network_ca.issue("huyen-uy", server=False)
    # the key is another certificate's
    settings.EXCHANGE_CLIENT_CERT_FILE, settings.EXCHANGE_CLIENT_KEY_FILE = str(ours.cert), str(other.key)
    (error,) = client_certificate()
    assert error.id == "exchange.E001" and "Không dùng được chứng thư TLS" in error.msg
    issued(xw)
    message = OutboxMessage.objects.get()
    assert dispatch.run_pending() == 0
    message.refresh_from_db()
    assert message.state == OutState.PENDING and message.attempts == 1
    assert message.last_error.startswith("Không dùng được chứng thư TLS của máy chủ")
    assert Node.objects.get(pk=xw.hub.pk).consecutive_failures == 0  # the hub is not blamed
    assert guarded_hub.received == []
    # a key without its certificate
    settings.EXCHANGE_CLIENT_CERT_FILE = ""
    (error,) = client_certificate()
    assert "thiếu chứng thư TLS" in error.msg
    # mended: nothing to report, and the package leaves at its next attempt
    _present(settings, ours)
    assert client_certificate() == []
    _again(message)
    assert dispatch.run_pending() == 1
    assert len(guarded_hub.received) == 1
