"""Fixtures: one test PKI per test process, the trust list, imported certificates, a 10-page PDF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from conftest import World, make_pdf
from signing.pki import DAY, YEAR, Issued, TestPki, utcnow

P12_PASSWORD = "Demo@2026"
SIGNATURE_BOX = (350.0, 222.0, 490.0, 287.0)  # 140 × 65 pt between the position line and the name


@dataclass
class Pki:
    ca: TestPki
    person: Issued
    org: Issued
    expired: Issued
    revoked: Issued
    stranger_ca: TestPki
    stranger: Issued


@pytest.fixture(scope="session")
def pki() -> Pki:
    ca = TestPki.create(root_cn="dieuhanh Test Root CA", crl_base_url="http://127.0.0.1:9/crl")
    now = utcnow()
    person = ca.issue("Trần Văn Lãnh", "Tỉnh ủy Sông Lam")
    org = ca.issue("Tỉnh ủy Sông Lam", "Tỉnh ủy Sông Lam")
    expired = ca.issue("Trần Thị Hết Hạn", "Tỉnh ủy Sông Lam", not_before=now - 3 * YEAR, not_after=now - DAY)
    revoked = ca.issue("Phạm Văn Thu Hồi", "Tỉnh ủy Sông Lam")
    ca.revoke(revoked, now - 2 * DAY)
    stranger_ca = TestPki.create(root_cn="Other Root CA", crl_base_url="http://127.0.0.1:9/other")
    stranger = stranger_ca.issue("Người Lạ", "Nơi Khác")
    return Pki(ca, person, org, expired, revoked, stranger_ca, stranger)


@pytest.fixture(scope="session")
def font_dir(tmp_path_factory: Any) -> Path:
    return Path(tmp_path_factory.mktemp("signing-fonts"))


@pytest.fixture(autouse=True)
def _signing_settings(settings: Any, tmp_path: Path, font_dir: Path, pki: Pki) -> None:
    """Offline: revocation only from the local CRL files; no TSA; fonts cached per test process."""
    crl_dir = tmp_path / "crl"
    pki.ca.write_crls(crl_dir)
    settings.SIGNING_CRL_DIR = crl_dir
    settings.SIGNING_FONT_DIR = font_dir
    settings.SIGNING_FETCH_REVOCATION = False
    settings.SIGNING_TSA_URL = ""
    settings.SIGNING_EMBED_VALIDATION = False


@pytest.fixture
def trusted(db: Any, pki: Pki) -> Any:
    from signing.services import trust_anchor_add

    return trust_anchor_add(actor=None, name="Gốc thử nghiệm", certificate=pki.ca.root.der)


@dataclass
class Certs:
    person: Any
    org: Any


@pytest.fixture
def certs(world: World, pki: Pki, trusted: Any) -> Certs:
    from signing.services import certificate_import_pkcs12

    person = certificate_import_pkcs12(
        actor=world.admin,
        owner=world.leader,
        data=pki.ca.pkcs12(pki.person, P12_PASSWORD),
        password=P12_PASSWORD,
    )
    org = certificate_import_pkcs12(
        actor=world.admin, owner=world.org, data=pki.ca.pkcs12(pki.org, P12_PASSWORD), password=P12_PASSWORD
    )
    return Certs(person, org)


@pytest.fixture(scope="session")
def ten_pages() -> bytes:
    return make_pdf("Quyết định về công tác cán bộ", pages=10)
