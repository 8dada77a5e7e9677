"""CRLs published over HTTP (``/pki/crl/<name>.crl``): served from SIGNING_CRL_DIR to anyone, and fetched
by a validator that has no local copy."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from django.core.management import call_command
from django.test import Client
from django.utils.http import http_date

from conftest import World
from signing import pades, validation
from signing.keys import signer_from_pkcs12
from signing.models import Certificate
from signing.pki import TestPki
from signing.services import sign_bytes
from signing.tests.conftest import P12_PASSWORD, Pki
from signing.validation import validate_pdf


def signed(ca: TestPki, cn: str, pdf: bytes) -> tuple[bytes, int]:
    leaf = ca.issue(cn, "Tỉnh ủy Sông Lam")
    signer = signer_from_pkcs12(ca.pkcs12(leaf, P12_PASSWORD), P12_PASSWORD)
    return pades.sign_pdf(pdf, signer=signer, field_name="person"), leaf.serial


# --- the view ----------------------------------------------------------------------------------------------


def test_a_crl_is_served_to_anyone_as_pkix_crl_with_cache_headers(settings: Any, pki: Pki) -> None:
    # given the CRL folder of the test CA (int.crl, root.crl) and an anonymous client
    client = Client()
    # when another installation fetches the intermediate's CRL
    response = client.get("/pki/crl/int.crl")
    # then it gets the DER bytes as written, with the CRL media type and cache headers
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pkix-crl"
    body = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    assert body == (Path(settings.SIGNING_CRL_DIR) / "int.crl").read_bytes()
    assert x509.load_der_x509_crl(body).issuer == pki.ca.intermediate.cert.subject
    assert "public" in response["Cache-Control"] and "max-age=3600" in response["Cache-Control"]
    # and a client that has it already is told so without the body
    again = client.get("/pki/crl/int.crl", HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert again.status_code == 304
    assert client.head("/pki/crl/root.crl").status_code == 200
    assert client.post("/pki/crl/root.crl").status_code == 405


def test_only_crl_files_of_the_folder_are_served(settings: Any, tmp_path: Path) -> None:
    # given a secret next to the CRL folder, a link to it from inside, and other files in the folder
    crl_dir = Path(settings.SIGNING_CRL_DIR)
    (tmp_path / "secret.crl").write_bytes(b"secret")
    (crl_dir / "link.crl").symlink_to(tmp_path / "secret.crl")
    (crl_dir / "notes.txt").write_text("ghi chú")
    (crl_dir / "sub").mkdir()
    (crl_dir / "sub" / "x.crl").write_bytes(b"x")
    client = Client()
    # then nothing but the folder's own .crl files is answered
    for url in (
        "/pki/crl/missing.crl",
        "/pki/crl/link.crl",
        "/pki/crl/notes.txt",
        "/pki/crl/sub/x.crl",
        "/pki/crl/../secret.crl",
        "/pki/crl/..%2Fsecret.crl",
        "/pki/crl/%2E%2E%2Fsecret.crl",
        "/pki/crl/.hidden.crl",
        "/pki/crl/sub",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/pki/crl/int.crl", HTTP_IF_MODIFIED_SINCE=http_date(0)).status_code == 200


# --- a validator without the CRL fetches it ---------------------------------------------------------------


@pytest.fixture
def published(live_server: Any, settings: Any) -> TestPki:
    """A CA whose CRLs are published by this installation's view (the live server) and by no other way."""
    base = f"{live_server.url}/pki/crl"
    ca = TestPki.create(root_cn="Published Root CA", crl_base_url=base, crl_prefix="pub-")
    ca.write_crls(Path(settings.SIGNING_CRL_DIR))
    return ca


def test_a_validator_without_local_crl_fetches_it_over_http(
    published: TestPki, settings: Any, monkeypatch: pytest.MonkeyPatch, ten_pages: bytes
) -> None:
    # given one good and one revoked certificate of the CA, each signing a document
    good, _ = signed(published, "Trần Văn Lãnh", ten_pages)
    bad, serial = signed(published, "Phạm Văn Thu Hồi", ten_pages)
    published.revoke_serial(serial)
    published.write_crls(Path(settings.SIGNING_CRL_DIR))
    roots = [asn1_x509.Certificate.load(published.root.der)]
    # and a validator elsewhere: no local CRL file at all, fetching on
    monkeypatch.setattr(validation, "local_crls", list)
    # when it validates both documents
    good_report = validate_pdf(good, roots=roots, fetch=True)
    bad_report = validate_pdf(bad, roots=roots, fetch=True)
    # then the CRLs came over HTTP: the good one is valid, the revoked one invalid and revoked
    assert good_report.verdict == "valid", good_report
    assert bad_report.verdict == "invalid", bad_report
    assert bad_report.signatures[0].revoked and bad_report.signatures[0].revoked_at
    assert "đã bị thu hồi" in bad_report.signatures[0].reason
    # and offline the same validator cannot tell: indeterminate, never valid
    offline = validate_pdf(good, roots=roots, fetch=False)
    assert offline.verdict == "indeterminate"
    assert offline.signatures[0].reason == validation.REASON_NO_REVOCATION


def test_local_crls_come_first_even_when_fetching(
    pki: Pki, settings: Any, tmp_path: Path, ten_pages: bytes
) -> None:
    # given the test CA, whose CRL addresses answer nothing (127.0.0.1:9), and its CRLs as local files
    roots = [asn1_x509.Certificate.load(pki.ca.root.der)]
    pdf, _ = signed(pki.ca, "Trần Văn Lãnh", ten_pages)
    # when validated with fetching on: the local files answer, nothing needs to be fetched
    assert validate_pdf(pdf, roots=roots, fetch=True).verdict == "valid"
    # and without the local files the unreachable address leaves it indeterminate
    settings.SIGNING_CRL_DIR = tmp_path / "empty"
    report = validate_pdf(pdf, roots=roots, fetch=True)
    assert report.verdict == "indeterminate", report


# --- demo_ca publishes at SITE_URL and revokes ------------------------------------------------------------


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("demo_ca", *args, stdout=out)
    return out.getvalue()


def crl_url(der: bytes) -> str:
    extensions = x509.load_der_x509_certificate(der).extensions
    points = extensions.get_extension_for_class(x509.CRLDistributionPoints)
    return str(points.value[0].full_name[0].value)


@pytest.mark.django_db
def test_demo_ca_points_at_this_installation_and_revokes(
    world: World, settings: Any, tmp_path: Path, ten_pages: bytes
) -> None:
    # given an installation at https://vp.example.vn
    settings.DATA_DIR = tmp_path
    settings.SITE_URL = "https://vp.example.vn/"
    run()
    cert = Certificate.objects.get(person=world.leader)
    # then its demo certificates name this installation's CRL address, and the file is there to serve
    assert crl_url(bytes(cert.certificate_der)) == "https://vp.example.vn/pki/crl/demo-int.crl"
    assert Client().get("/pki/crl/demo-int.crl").status_code == 200
    pdf = sign_bytes(actor=world.leader, certificate=cert, secret="Demo@2026", pdf=ten_pages, role="person")
    assert validate_pdf(pdf).verdict == "valid"
    # when the leader's certificate is revoked with the command
    out = run("--revoke", cert.serial_hex.upper())
    # then the CRL is re-issued and the same signature is now revoked
    assert f"Đã thu hồi chứng thư số {cert.serial_hex}" in out
    assert "https://vp.example.vn/pki/crl/demo-int.crl" in out
    report = validate_pdf(pdf)
    assert (report.verdict, report.signatures[0].revoked) == ("invalid", True)
    # and the revocation is kept: a later plain run re-issues the CRL with it still listed
    run()
    assert validate_pdf(pdf).signatures[0].revoked
    assert "đã bị thu hồi từ trước" in run("--revoke", cert.serial_hex)


@pytest.mark.django_db
def test_demo_ca_revoke_refuses_unknown_serials(world: World, settings: Any, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    settings.DATA_DIR = tmp_path
    with pytest.raises(CommandError, match="Chưa có CA thử nghiệm"):
        run("--revoke", "abc")
    run()
    with pytest.raises(CommandError, match="Không có chứng thư số"):
        run("--revoke", "abc")
    with pytest.raises(CommandError, match="không hợp lệ"):
        run("--revoke", "xyz")
