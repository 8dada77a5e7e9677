"""An installation (the province of the shared World) that exchanges with a commune of another
installation, reached through a hub; a real HTTP server on loopback plays the next hop."""

from __future__ import annotations

import json
import ssl
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from conftest import World
from outgoing.tests.conftest import OutgoingWorld
from signing.pki import Issued, TestPki

COMMUNE_ID = "000.12.31.H99"


@dataclass
class NextHop:
    """A real HTTP server on loopback: records each POST and answers from a script (default 200); answers
    ``directory`` to a GET of the hub's directory. ``start(tls)``: HTTPS with that server context (one
    that requires a client certificate plays a receiver behind a mutual-TLS proxy)."""

    url: str = ""
    received: list[bytes] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    directory: dict[str, Any] = field(default_factory=lambda: {"entries": []})
    headers: dict[str, str] = field(default_factory=dict)  # added to every answer to a POST

    def start(self, tls: ssl.SSLContext | None = None) -> NextHop:
        hop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = self.path.rstrip("/") == "/exchange/v1/directory"
                body = json.dumps(hop.directory if found else {}).encode()
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                hop.received.append(self.rfile.read(length))
                receipt = {"message_id": self.headers.get("X-Edxml-Message-Id", ""), "receipt": "stored"}
                status, payload = hop.script.pop(0) if hop.script else (200, receipt)
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in hop.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:  # the handshake on accept; a client refused there is dropped
            self.server.socket = tls.wrap_socket(self.server.socket, server_side=True)
        scheme = "https" if tls is not None else "http"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@dataclass
class ExchangeWorld:
    ow: OutgoingWorld
    pki: TestPki
    province_key: Issued
    commune_key: Issued
    commune: Any
    hub: Any
    hop: NextHop

    @property
    def w(self) -> World:
        return self.ow.w


@pytest.fixture(scope="session")
def exchange_pki() -> tuple[TestPki, Issued, Issued]:
    pki = TestPki.create(root_cn="dieuhanh Exchange Test Root CA")
    return (
        pki,
        pki.issue("Văn phòng Tỉnh ủy Sông Lam", "Tỉnh ủy Sông Lam"),
        pki.issue("Đảng ủy xã Hòa Bình", "Đảng ủy xã Hòa Bình"),
    )


@pytest.fixture
def next_hop() -> Iterator[NextHop]:
    hop = NextHop().start()
    yield hop
    hop.stop()


def build_exchange_world(world: World, keys: tuple[TestPki, Issued, Issued], hop: NextHop) -> ExchangeWorld:
    """The province of ``world`` with its signing identity, and a commune of another installation
    reached through a hub (``hop``) that listed it with its certificate. Shared with the web tests."""
    from exchange.identity import identity_set
    from exchange.models import DirectoryEntry, Node
    from orgs.models import Organization

    pki, province_key, commune_key = keys
    ow = OutgoingWorld(world)
    identity_set(
        organization=world.org, key=province_key.key, chain=[province_key.cert, pki.intermediate.cert]
    )
    commune = Organization.objects.create(
        name="Đảng ủy xã Hòa Bình", abbreviation="ĐU", kind="commune_committee", identifier=COMMUNE_ID
    )
    hub = Node.objects.create(name="Trục liên thông tỉnh", endpoint=hop.url, is_hub=True)
    DirectoryEntry.objects.create(
        organization=commune,
        node=hub,
        source="hub",  # taken from the hub's listing
        certificates_pem=commune_key.cert.public_bytes(serialization.Encoding.PEM).decode(),
    )
    return ExchangeWorld(ow, pki, province_key, commune_key, commune, hub, hop)


@pytest.fixture
def xw(
    world: World, exchange_pki: tuple[TestPki, Issued, Issued], next_hop: NextHop, settings: Any
) -> ExchangeWorld:
    settings.EXCHANGE_BACKOFF_BASE = 0.05
    return build_exchange_world(world, exchange_pki, next_hop)


def signed_from_commune(
    xw: ExchangeWorld,
    *,
    number: str,
    subject: str,
    issued_on: date,
    due_date: date,
    sent_at: datetime,
    attachments: tuple[Any, ...],
    business: int = 0,
    reason: str = "",
    target: str = "",
    message_id: str | None = None,
    page_amount: int | None = None,
    key: Issued | None = None,
    header_fields: dict[str, Any] | None = None,
) -> bytes:
    """A report (BC) of the commune for the province, signed by the commune (or ``key``): the package the
    receiving tests take, here and in the web tests, each with its own dates and attachments
    (``header_fields``: other values of the MessageHeader, e.g. ``response_for``)."""
    from dataclasses import replace

    from exchange.edxml import build, model, sign
    from exchange.edxml.codes import Business

    header = model.MessageHeader(
        sender=model.Organ(COMMUNE_ID, "Đảng ủy xã Hòa Bình", "Huyện ủy Đông Sơn"),
        recipients=(model.Organ(xw.w.org.identifier or "", xw.w.org.name),),
        code=model.split_number_symbol(number),
        place="Hòa Bình",
        promulgation_date=issued_on,
        type_code="BC",
        type_name="Báo cáo",
        subject=subject,
        document_id=model.document_id(COMMUNE_ID, issued_on, number),
        signer=model.Signer("T/M ĐẢNG ỦY", "BÍ THƯ", "Hà Văn Nam"),
        due_date=due_date,
        to_places=("Tỉnh ủy Sông Lam,", "Lưu: VP."),
        priority=model.Priority.URGENT,
        page_amount=page_amount,
    )
    header = replace(header, **(header_fields or {}))
    package = model.Package(
        message_id=message_id or str(uuid.uuid4()),
        header=header,
        traces=(model.TraceHeader(COMMUNE_ID, sent_at),),
        business=model.BusinessInfo(kind=Business(business), reason=reason, document_id=target),
        attachments=attachments,
    )
    signer = key or xw.commune_key
    return sign.sign(build.package(package), signer.key, [signer.cert])
