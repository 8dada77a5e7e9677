"""The directory comes from the hub: published by it (organisations and certificates), pulled by the
installations behind it, our own organisations never overwritten; a message from an organisation added
at the hub since the last pull is taken after one pull."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.test import Client
from django.urls import reverse

from exchange import directory, services
from exchange.edxml import build, sign
from exchange.models import DirectoryEntry, InboxMessage
from exchange.testing.samples import package
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld
from orgs.models import Organization

pytestmark = pytest.mark.django_db


def _pem(issued: Any) -> str:
    return issued.cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.django_db(transaction=True)  # the view reads on a thread of its own (its own connection)
def test_the_hub_publishes_what_it_reaches_and_ours(xw: ExchangeWorld) -> None:
    published = Client().get(reverse("exchange:directory")).json()
    by_id = {e["identifier"]: e for e in published["entries"]}
    assert by_id[COMMUNE_ID]["certificates_pem"] == _pem(xw.commune_key) and by_id[COMMUNE_ID]["active"]
    assert by_id[xw.w.org.identifier]["name"] == xw.w.org.name
    assert "BEGIN CERTIFICATE" in by_id[xw.w.org.identifier]["certificates_pem"]
    assert published["version"]


def test_a_pull_adds_updates_and_stops_organisations_but_never_touches_ours(xw: ExchangeWorld) -> None:
    newcomer = xw.pki.issue("Đảng ủy xã Tân Phú", "Đảng ủy xã Tân Phú")
    xw.hop.script.clear()
    payload = {
        "version": "2026-11-30T10:00:00+00:00",
        "entries": [
            {
                "identifier": "000.12.32.H99",
                "name": "Đảng ủy xã Tân Phú",
                "certificates_pem": _pem(newcomer),
                "active": True,
            },
            {
                "identifier": COMMUNE_ID,
                "name": "Đảng ủy xã Hòa Bình",
                "certificates_pem": _pem(newcomer),
                "active": False,
            },
            # the hub's idea of our own organisation is ignored, and nonsense identifiers too
            {"identifier": xw.w.org.identifier, "name": "Giả mạo", "certificates_pem": _pem(newcomer)},
            {"identifier": "not an id", "name": "x", "certificates_pem": ""},
        ],
    }
    result = directory.apply(payload, xw.hub)
    assert (result.added, result.updated, result.deactivated) == (1, 1, 1)
    added = DirectoryEntry.objects.get(organization__identifier="000.12.32.H99")
    assert added.node == xw.hub and added.active and not added.organization.uses_system
    assert not DirectoryEntry.objects.get(organization__identifier=COMMUNE_ID).active
    xw.w.org.refresh_from_db()
    assert xw.w.org.name != "Giả mạo" and not DirectoryEntry.objects.filter(organization=xw.w.org).exists()
    assert not Organization.objects.filter(name="x").exists()
    # a broken certificate: nothing written at all
    broken = {
        "entries": [
            {
                "identifier": "000.12.33.H99",
                "name": "X",
                "certificates_pem": "-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n",
            }
        ]
    }
    with pytest.raises(ValueError):
        directory.apply(broken, xw.hub)
    assert not Organization.objects.filter(identifier="000.12.33.H99").exists()


def test_a_message_from_an_organisation_added_at_the_hub_is_taken_after_one_pull(xw: ExchangeWorld) -> None:
    from dataclasses import replace

    from exchange.edxml.model import Organ, document_id

    newcomer = xw.pki.issue("Đảng ủy xã Tân Phú", "Đảng ủy xã Tân Phú")
    directory._last_refresh.clear()
    # the hub (the NextHop server) answers the directory pull with the newcomer
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    listing = json.dumps(
        {
            "entries": [
                {
                    "identifier": "000.12.32.H99",
                    "name": "Đảng ủy xã Tân Phú",
                    "certificates_pem": _pem(newcomer),
                    "active": True,
                }
            ]
        }
    ).encode()

    class Hub(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(listing)))
            self.end_headers()
            self.wfile.write(listing)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        xw.hub.endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        xw.hub.save()
        sample = package()
        p = replace(
            sample,
            message_id=str(uuid.uuid4()),
            header=replace(
                sample.header,
                sender=Organ("000.12.32.H99", "Đảng ủy xã Tân Phú"),
                recipients=(Organ(xw.w.org.identifier or "", xw.w.org.name),),
                document_id=document_id("000.12.32.H99", sample.header.promulgation_date, "3-BC/ĐU"),
                response_for=(),
            ),
        )
        data = sign.sign(build.package(p), newcomer.key, [newcomer.cert])
        assert not services.receive(data).duplicate
    finally:
        server.shutdown()
        server.server_close()
    assert InboxMessage.objects.get().from_identifier == "000.12.32.H99"


def test_a_pull_never_overwrites_or_reroutes_an_entry_configured_by_hand(xw: ExchangeWorld) -> None:
    from exchange.models import Node

    impostor = xw.pki.issue("Kẻ giả mạo", "Kẻ giả mạo")
    direct = Node.objects.create(name="Huyện ủy Đông Sơn", endpoint="https://huyenuy.example.vn")
    ward = Organization.objects.create(name="Đảng ủy phường Bắc Hà", identifier="000.12.40.H99")
    local = DirectoryEntry.objects.create(
        organization=ward, node=direct, certificates_pem=_pem(xw.commune_key), source="local"
    )
    payload = {
        "entries": [
            # the hub's listing claims the organisation configured here by hand, with another certificate
            {"identifier": "000.12.40.H99", "name": "x", "certificates_pem": _pem(impostor), "active": False},
            {"identifier": "000.12.41.H99", "name": "Đảng ủy phường Nam Hà", "certificates_pem": ""},
        ]
    }
    result = directory.apply(payload, xw.hub)
    assert (result.added, result.updated, result.deactivated) == (1, 0, 0)
    local.refresh_from_db()
    assert local.node == direct and local.active and local.certificates_pem == _pem(xw.commune_key)
    assert local.source == "local"
    taken = DirectoryEntry.objects.get(organization__identifier="000.12.41.H99")
    assert taken.source == "hub" and taken.node == xw.hub
    assert directory.registered_certificates("000.12.40.H99")[0] == xw.commune_key.cert


def test_a_hub_without_https_is_refused_outside_development(xw: ExchangeWorld, settings: Any) -> None:
    from django.core.management import CommandError, call_command

    settings.EXCHANGE_ALLOW_HTTP = False
    assert xw.hub.endpoint.startswith("http://")
    with pytest.raises(directory.InsecureHub, match="HTTPS"):
        directory.sync()
    with pytest.raises(CommandError, match="phải dùng HTTPS"):
        call_command("exchange_directory_sync")
    directory._last_refresh.clear()
    assert directory.refresh_for_unknown("000.12.32.H99") is False  # refused, not fetched
    settings.EXCHANGE_ALLOW_HTTP = True  # development and tests: plain HTTP allowed
    directory.check_hub_endpoint(xw.hub)
    xw.hub.endpoint = "https://truc.example.vn"
    settings.EXCHANGE_ALLOW_HTTP = False
    directory.check_hub_endpoint(xw.hub)


def test_a_sender_with_a_new_certificate_is_taken_after_one_pull(
    xw: ExchangeWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from exchange.edxml.errors import UnknownCertificate
    from exchange.tests.test_receiving import from_commune

    renewed = xw.pki.issue("Đảng ủy xã Hòa Bình", "Đảng ủy xã Hòa Bình (2027)")
    listing = {"entries": [{"identifier": COMMUNE_ID, "name": "x", "certificates_pem": _pem(renewed)}]}
    pulls: list[int] = []

    def pull(**kwargs: Any) -> directory.SyncResult:
        pulls.append(1)
        return directory.apply(listing, xw.hub)

    monkeypatch.setattr(directory, "sync", pull)
    directory._last_refresh.clear()
    data = from_commune(xw, key=renewed)
    assert not services.receive(data).duplicate  # the hub had published the new certificate
    assert pulls == [1]
    # a certificate the hub does not know either is still refused (and the pulls stay rate-limited)
    stranger = xw.pki.issue("Giả danh", "Giả danh")
    with pytest.raises(UnknownCertificate):
        services.receive(from_commune(xw, key=stranger, number="46-BC/ĐU"))
    assert pulls == [1]
