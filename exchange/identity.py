"""Signing identities: the key each organisation of this installation signs its exchange messages with."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes

from core.errors import InvalidInput
from exchange.edxml.sign import fingerprint
from exchange.models import Identity
from orgs.models import Organization
from signing import storage
from signing.keys import read_pkcs12


class NoIdentity(InvalidInput):
    code = "no_exchange_identity"
    message = "Cơ quan chưa có khóa ký gói tin liên thông: quản trị cần nhập khóa trước khi gửi."


@dataclass(frozen=True)
class Signer:
    key: PrivateKeyTypes
    chain: list[x509.Certificate]


def identity_set(
    *, organization: Organization, key: PrivateKeyTypes, chain: list[x509.Certificate]
) -> Identity:
    """Keep ``key`` (encrypted at rest) and its certificate chain for ``organization``."""
    if not organization.identifier:
        raise InvalidInput("Cơ quan chưa có mã định danh: không liên thông được.", code="no_identifier")
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    certificates = "".join(c.public_bytes(serialization.Encoding.PEM).decode() for c in chain)
    identity, _ = Identity.objects.update_or_create(
        organization=organization,
        defaults={
            "key_encrypted": storage.encrypt(pem),
            "certificate_pem": certificates,
            "fingerprint": fingerprint(chain[0]),
            "not_after": chain[0].not_valid_after_utc,
        },
    )
    return identity


def identity_import(*, organization: Organization, pkcs12: bytes, password: str) -> Identity:
    key, certificate, chain = read_pkcs12(pkcs12, password)
    return identity_set(organization=organization, key=key, chain=[certificate, *chain])


def signer_of(identifier: str) -> Signer:
    identity = (
        Identity.objects.filter(organization__identifier=identifier).select_related("organization").first()
    )
    if identity is None:
        raise NoIdentity()
    return _load_signer(bytes(identity.key_encrypted), identity.certificate_pem)


@lru_cache(maxsize=64)
def _load_signer(key_encrypted: bytes, certificate_pem: str) -> Signer:
    """Loading an RSA key checks it (~20–200 ms with OpenSSL 3): once per stored key, not per message.
    Keyed by the stored bytes, so a new key or certificate (``identity_set``) is loaded afresh."""
    key = serialization.load_pem_private_key(storage.decrypt(key_encrypted), password=None)
    chain = x509.load_pem_x509_certificates(certificate_pem.encode())
    return Signer(key=key, chain=chain)


def relay_identity() -> Identity | None:
    """The key this installation signs its relay failure reports with, as a hub: its oldest identity."""
    return Identity.objects.select_related("organization").order_by("id").first()


def relay_signer() -> Signer:
    identity = relay_identity()
    if identity is None:
        raise NoIdentity()
    return signer_of(identity.organization.identifier or "")
