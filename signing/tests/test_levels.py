"""PAdES B-T (timestamp) and B-LT (validation data embedded, validated offline from the DSS)."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from signing import pades
from signing.keys import signer_from_pkcs12
from signing.pki import TestPki
from signing.services import trust_anchor_add
from signing.tests.conftest import P12_PASSWORD, Pki
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


def test_b_t_with_a_timestamp_authority(pki: Pki, trusted: Any, ten_pages: bytes) -> None:
    from asn1crypto import x509 as ax
    from pyhanko.keys import load_private_key_from_pemder_data
    from pyhanko.sign.timestamps import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    tsa = pki.ca.issue("dieuhanh Test TSA", "dieuhanh Demo CA", tsa=True)
    stamper = DummyTimeStamper(
        tsa_cert=ax.Certificate.load(tsa.der),
        tsa_key=load_private_key_from_pemder_data(tsa.key_pem, None),
        certs_to_embed=SimpleCertificateStore.from_certs(
            [ax.Certificate.load(pki.ca.intermediate.der), ax.Certificate.load(pki.ca.root.der)]
        ),
    )
    # given a document signed with a timestamp
    signer = signer_from_pkcs12(pki.ca.pkcs12(pki.person, P12_PASSWORD), P12_PASSWORD)
    pdf = pades.sign_pdf(ten_pages, signer=signer, field_name="person", timestamper=stamper)
    # then it validates, and the signing time is the timestamp's
    sig = validate_pdf(pdf).signatures[0]
    assert sig.verdict == "valid"
    assert sig.timestamp is not None and sig.signed_at == sig.timestamp and sig.timestamp.endswith("+07:00")


@pytest.fixture
def crl_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = tmp_path / "www"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", folder
    finally:
        server.shutdown()
        server.server_close()


def test_b_lt_embeds_revocation_data_and_validates_offline(
    crl_server: tuple[str, Path], settings: Any, tmp_path: Path, ten_pages: bytes
) -> None:
    # given a CA whose CRLs are served over HTTP, and embedding of validation data switched on
    url, folder = crl_server
    ca = TestPki.create(root_cn="LT Root CA", crl_base_url=url)
    ca.write_crls(folder)
    trust_anchor_add(actor=None, name="LT", certificate=ca.root.der)
    leaf = ca.issue("Trần Văn Lãnh", "Tỉnh ủy Sông Lam")
    settings.SIGNING_FETCH_REVOCATION = True
    signer = signer_from_pkcs12(ca.pkcs12(leaf, P12_PASSWORD), P12_PASSWORD)
    pdf = pades.sign_pdf(ten_pages, signer=signer, field_name="person", embed_validation=True)
    assert b"/DSS" in pdf
    # when validated offline, with no local CRL file: the DSS is enough
    settings.SIGNING_FETCH_REVOCATION = False
    settings.SIGNING_CRL_DIR = tmp_path / "none"
    sig = validate_pdf(pdf).signatures[0]
    assert (sig.verdict, sig.modification_level) == ("valid", "LTA_UPDATES")


def test_b_lt_falls_back_when_revocation_data_is_unreachable(
    pki: Pki, trusted: Any, settings: Any, tmp_path: Path, ten_pages: bytes
) -> None:
    # given embedding switched on but no CRL reachable (offline, no local file)
    settings.SIGNING_CRL_DIR = tmp_path / "none"
    signer = signer_from_pkcs12(pki.ca.pkcs12(pki.person, P12_PASSWORD), P12_PASSWORD)
    pdf = pades.sign_pdf(ten_pages, signer=signer, field_name="person", embed_validation=True)
    # then the document is still signed (B-B), without a DSS
    assert b"/DSS" not in pdf
    assert validate_pdf(pdf).signatures[0].intact
