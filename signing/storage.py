"""PKCS#12 files at rest: Fernet (AES-128-CBC + HMAC-SHA256) under keys derived with HKDF-SHA256.

``SIGNING_STORAGE_KEY`` holds one or more comma-separated secrets: the first encrypts, all decrypt, so a
key can be rotated (new key first, ``manage.py signing_rekey``, then remove the old one). When it is
empty the key is derived from ``SECRET_KEY`` (changing SECRET_KEY then makes the stored files unreadable).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from core.errors import ApplicationError


class StorageKeyError(ApplicationError):
    status = 500
    code = "signing_storage_key"
    message = "Không giải mã được khóa ký đã lưu (khóa lưu trữ SIGNING_STORAGE_KEY không đúng)."


def _derive(secret: str) -> Fernet:
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dieuhanh-signing", info=b"pkcs12-at-rest").derive(
        secret.encode()
    )
    return Fernet(base64.urlsafe_b64encode(raw))


def _fernet() -> MultiFernet:
    secrets = [s.strip() for s in settings.SIGNING_STORAGE_KEY.split(",") if s.strip()]
    if not secrets:
        secrets = ["from-secret-key:" + settings.SECRET_KEY]
    return MultiFernet([_derive(s) for s in secrets])


def encrypt(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def decrypt(token: bytes) -> bytes:
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken as exc:
        raise StorageKeyError() from exc


def rotate(token: bytes) -> bytes:
    """Re-encrypt with the first (newest) key."""
    try:
        return _fernet().rotate(bytes(token))
    except InvalidToken as exc:
        raise StorageKeyError() from exc
