"""Keys: PKCS#12 encrypted at rest, wrong passwords refused, SoftHSM2 as a real PKCS#11 token."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from conftest import World
from core.errors import InvalidInput
from core.models import AuditEvent
from signing import storage
from signing.appearance import Box
from signing.models import Certificate
from signing.services import certificate_import_pkcs12, certificate_register_pkcs11, sign_bytes
from signing.tests.conftest import P12_PASSWORD, SIGNATURE_BOX, Certs, Pki
from signing.tests.tokens import PIN, SOFTHSM_MODULE, init_token
from signing.validation import validate_pdf

pytestmark = pytest.mark.django_db


def test_pkcs12_is_encrypted_at_rest(world: World, pki: Pki, trusted: Any) -> None:
    # given an imported PKCS#12 file
    original = pki.ca.pkcs12(pki.person, P12_PASSWORD)
    imported = certificate_import_pkcs12(
        actor=world.admin, owner=world.leader, data=original, password=P12_PASSWORD
    )
    stored = bytes(Certificate.objects.get(pk=imported.pk).pkcs12_encrypted)
    # then what is stored is neither the file nor readable: no DER prefix, no name, no certificate
    assert stored != original and not stored.startswith(b"\x30\x82")
    assert "Trần Văn Lãnh".encode() not in stored and b"Tr\xe1\xba\xa7n" not in stored
    assert pki.person.der[:64] not in stored
    # and it decrypts back to the very file with the storage key, and to nothing with another key
    assert storage.decrypt(stored) == original
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "SIGNING_STORAGE_KEY", "another-key")
        with pytest.raises(storage.StorageKeyError):
            storage.decrypt(stored)


def test_storage_key_rotation(world: World, certs: Certs, settings: Any) -> None:
    settings.SIGNING_STORAGE_KEY = "old-key"
    token = storage.encrypt(b"secret")
    settings.SIGNING_STORAGE_KEY = "new-key,old-key"
    rotated = storage.rotate(token)
    settings.SIGNING_STORAGE_KEY = "new-key"
    assert storage.decrypt(rotated) == b"secret"


def test_wrong_password_refused_and_nothing_written(world: World, pki: Pki, trusted: Any) -> None:
    # given a PKCS#12 file and a wrong password
    before = (Certificate.objects.count(), AuditEvent.objects.count())
    with pytest.raises(InvalidInput, match=r"^Mật khẩu khóa ký không đúng\.$"):
        certificate_import_pkcs12(
            actor=world.admin,
            owner=world.leader,
            data=pki.ca.pkcs12(pki.person, P12_PASSWORD),
            password="sai",
        )
    # and a file that is not PKCS#12
    with pytest.raises(InvalidInput, match="PKCS#12"):
        certificate_import_pkcs12(actor=world.admin, owner=world.leader, data=b"\x30\x03abc", password="x")
    # then nothing was stored nor audited
    assert (Certificate.objects.count(), AuditEvent.objects.count()) == before


def test_wrong_password_at_signing_refused(world: World, certs: Certs, ten_pages: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"^Mật khẩu khóa ký không đúng\.$"):
        sign_bytes(actor=world.leader, certificate=certs.person, secret="sai", pdf=ten_pages, role="person")


def test_only_the_owner_signs_and_only_clerks_seal(world: World, certs: Certs, ten_pages: bytes) -> None:
    from core.errors import NotAllowed

    with pytest.raises(NotAllowed):
        sign_bytes(
            actor=world.clerk, certificate=certs.person, secret=P12_PASSWORD, pdf=ten_pages, role="person"
        )
    with pytest.raises(NotAllowed):
        sign_bytes(actor=world.leader, certificate=certs.org, secret=P12_PASSWORD, pdf=ten_pages, role="seal")


def test_signing_another_version_is_refused(world: World, certs: Certs, ten_pages: bytes) -> None:
    from core.errors import Conflict

    with pytest.raises(Conflict, match="phiên bản đã được duyệt"):
        sign_bytes(
            actor=world.leader,
            certificate=certs.person,
            secret=P12_PASSWORD,
            pdf=ten_pages,
            role="person",
            expected_sha256="0" * 64,
        )


# --- SoftHSM2 -------------------------------------------------------------------------------------------


@pytest.fixture
def softhsm(tmp_path: Path, pki: Pki, monkeypatch: Any) -> str:
    """A SoftHSM2 token in tmp holding the leader's key and certificate (imported with python-pkcs11)."""
    return init_token(tmp_path, monkeypatch, pki.person, "lanh")


def test_softhsm_token_signs_and_validates(
    world: World, pki: Pki, trusted: Any, softhsm: str, ten_pages: bytes
) -> None:
    # given the leader's key on a PKCS#11 token, registered with its PIN
    cert = certificate_register_pkcs11(
        actor=world.admin,
        owner=world.leader,
        module=SOFTHSM_MODULE,
        token_label=softhsm,
        key_label="lanh",
        pin=PIN,
        chain_der=[pki.ca.intermediate.der, pki.ca.root.der],
    )
    assert (cert.kind, cert.subject_cn) == ("pkcs11", "Trần Văn Lãnh")
    assert [base64.b64decode(c) for c in cert.chain_der] == [pki.ca.intermediate.der, pki.ca.root.der]
    # when the leader signs through the token with the PIN
    pdf = sign_bytes(
        actor=world.leader,
        certificate=cert,
        secret=PIN,
        pdf=ten_pages,
        role="person",
        box=Box(9, *SIGNATURE_BOX),
    )
    # then the signature validates
    report = validate_pdf(pdf)
    assert [(s.signer, s.verdict) for s in report.signatures] == [("Trần Văn Lãnh", "valid")]
    # and a wrong PIN is refused in Vietnamese
    with pytest.raises(InvalidInput, match=r"^Mã PIN của thiết bị ký không đúng\.$"):
        sign_bytes(actor=world.leader, certificate=cert, secret="000000", pdf=ten_pages, role="person")


def test_signing_rekey_command(world: World, certs: Certs, settings: Any, ten_pages: bytes) -> None:
    import io

    from django.core.management import call_command

    from signing import remote

    # given certificates stored under the old key (one entrusted to remote signing), and a new key put first
    remote.enable(actor=world.leader, certificate=certs.person, secret=P12_PASSWORD)
    settings.SIGNING_STORAGE_KEY = f"new-key,from-secret-key:{settings.SECRET_KEY}"
    out = io.StringIO()
    call_command("signing_rekey", stdout=out)
    assert out.getvalue().strip() == "Đã mã hóa lại 2 tệp khóa ký."
    # then the old key can be dropped and signing still works
    settings.SIGNING_STORAGE_KEY = "new-key"
    certs.person.refresh_from_db()
    sign_bytes(
        actor=world.leader, certificate=certs.person, secret=P12_PASSWORD, pdf=ten_pages, role="person"
    )
    assert remote.entrusted_secret(certs.person) == P12_PASSWORD
