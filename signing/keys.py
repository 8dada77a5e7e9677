"""Signers for pyHanko: from a stored PKCS#12 (password typed at signing time) or a PKCS#11 token (PIN).

Every path checks the certificate's validity period first: an expired or not yet valid certificate is
refused before anything is signed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import pkcs12
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from core.errors import InvalidInput
from signing.models import Certificate, CertificateKind
from signing.storage import decrypt

log = logging.getLogger(__name__)

WRONG_PASSWORD = "Mật khẩu khóa ký không đúng."  # noqa: S105 - a message
WRONG_PIN = "Mã PIN của thiết bị ký không đúng."


class CachedKeySigner(signers.SimpleSigner):
    """``SimpleSigner`` re-parses its key on every ``sign_raw`` (OpenSSL 3 checks an RSA key on load,
    ~35 ms) and pyHanko signs twice per document; this one keeps the parsed RSA key."""

    def __init__(self, *, pyca_key: RSAPrivateKey, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pyca_key = pyca_key

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        return self._pyca_key.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def read_pkcs12(data: bytes, password: str) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
    """Key, certificate and chain of a PKCS#12 file; Vietnamese errors for a wrong password or bad file."""
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(bytes(data), password.encode() or None)
    except ValueError as exc:
        text = str(exc).lower()
        if "password" in text or "mac" in text or "decrypt" in text:
            raise InvalidInput(WRONG_PASSWORD, code="wrong_password") from exc
        raise InvalidInput(
            "Tệp khóa ký không phải PKCS#12 (.p12, .pfx) hợp lệ.", code="invalid_pkcs12"
        ) from exc
    if key is None or cert is None:
        raise InvalidInput("Tệp PKCS#12 không chứa khóa ký và chứng thư số.", code="invalid_pkcs12")
    return key, cert, list(chain)


def check_validity(not_before: dt.datetime, not_after: dt.datetime, at: dt.datetime | None = None) -> None:
    at = at or dt.datetime.now(dt.UTC)
    if at > not_after:
        raise InvalidInput(
            f"Chứng thư số đã hết hạn ngày {not_after.astimezone(_vn()):%d/%m/%Y}, không thể ký.",
            code="certificate_expired",
        )
    if at < not_before:
        raise InvalidInput(
            f"Chứng thư số chưa có hiệu lực (từ ngày {not_before.astimezone(_vn()):%d/%m/%Y}), không thể ký.",
            code="certificate_not_yet_valid",
        )


def _vn() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Ho_Chi_Minh")


def signer_from_pkcs12(data: bytes, password: str) -> CachedKeySigner:
    key, cert, chain = read_pkcs12(data, password)
    check_validity(cert.not_valid_before_utc, cert.not_valid_after_utc)
    if not isinstance(key, RSAPrivateKey):
        raise InvalidInput("Chỉ hỗ trợ khóa ký RSA.", code="unsupported_key")
    key_der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return CachedKeySigner(
        pyca_key=key,
        signing_cert=_asn1(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1(c) for c in chain]),
    )


@contextmanager
def pkcs11_signer(
    *, module: str, token_label: str, key_label: str, pin: str, chain_der: list[bytes]
) -> Iterator[signers.Signer]:
    """A signer on a PKCS#11 token selected by label (never by slot: SoftHSM renumbers slots)."""
    import pkcs11.exceptions as p11_errors
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(module, token_criteria=TokenCriteria(label=token_label), user_pin=pin)
    except (p11_errors.PinIncorrect, p11_errors.PinLenRange, p11_errors.PinInvalid) as exc:
        raise InvalidInput(WRONG_PIN, code="wrong_pin") from exc
    except p11_errors.PinLocked as exc:
        raise InvalidInput("Thiết bị ký đã bị khóa do nhập sai PIN nhiều lần.", code="pin_locked") from exc
    except Exception as exc:  # the library raises plain PKCS11Error for a missing token
        log.warning("PKCS#11 session failed: %r", exc)
        raise InvalidInput(
            f"Không mở được thiết bị ký “{token_label}” (chưa cắm hoặc sai cấu hình).",
            code="token_unavailable",
        ) from exc
    try:
        signer = PKCS11Signer(
            session,
            key_label=key_label,
            cert_label=key_label,
            ca_chain=[asn1_x509.Certificate.load(d) for d in chain_der],
        )
        cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
        check_validity(cert.not_valid_before_utc, cert.not_valid_after_utc)
        yield signer
    finally:
        session.close()


@contextmanager
def signer_for(certificate: Certificate, secret: str) -> Iterator[signers.Signer]:
    """The signer of a stored certificate; ``secret`` is the PKCS#12 password or the token PIN."""
    check_validity(certificate.not_before, certificate.not_after)
    if not certificate.is_active:
        raise InvalidInput("Chứng thư số này đã ngừng sử dụng.", code="certificate_inactive")
    if certificate.kind == CertificateKind.PKCS12:
        yield signer_from_pkcs12(decrypt(certificate.pkcs12_encrypted), secret)
    elif certificate.kind == CertificateKind.PKCS11:
        import base64

        with pkcs11_signer(
            module=certificate.pkcs11_module,
            token_label=certificate.pkcs11_token_label,
            key_label=certificate.pkcs11_key_label,
            pin=secret,
            chain_der=[base64.b64decode(c) for c in certificate.chain_der],
        ) as signer:
            yield signer
    else:
        raise InvalidInput(
            "Khóa của chứng thư này nằm trên thiết bị của người ký: dùng chức năng ký hai bước.",
            code="client_side_key",
        )
