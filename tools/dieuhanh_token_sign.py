#!/usr/bin/env python3
"""Ký số văn bản đi của dieuhanh bằng thiết bị ký (USB token) cắm trên máy của người ký.

The signer's side of two-step signing (``signing/client_signing.py``): the key never leaves the token.
It needs Python 3.11 and python-pkcs11 on the signer's PC, the token's PKCS#11 library (the vendor's
``.so``/``.dll``; SoftHSM2's in tests) and the office's dieuhanh address.

    # once: register the token's certificate with the server
    python3 dieuhanh_token_sign.py --server https://dieuhanh.tinhuy.vn --user lanhdao \\
        --module /usr/lib/vgca/libvgca.so --token-label "VGCA" --key-label "Lê Văn Bí" register
    # sign outgoing document 123 waiting at your signer's step
    python3 dieuhanh_token_sign.py ... sign 123

Passwords and PINs are asked for on the terminal (or DIEUHANH_PASSWORD / TOKEN_PIN). The PIN goes only
to the token's library.
"""

from __future__ import annotations

import argparse
import base64
import getpass
import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

Signer = Callable[[bytes], bytes]


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.code = status, message, code


class Api:
    """The dieuhanh API at ``server`` (``/api/v1``), with a bearer token."""

    def __init__(self, server: str, token: str = "") -> None:
        self.base = server.rstrip("/") + "/api/v1"
        self.token = token

    def post(self, path: str, body: dict[str, Any]) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the office's own server, http(s) only
            self.base + path,
            data=json.dumps(body).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Accept": "application/json"},
        )
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read())
            except ValueError:
                error = {}
            raise ApiError(exc.code, error.get("message") or str(exc), error.get("code", "")) from exc

    def login(self, username: str, password: str) -> None:
        self.token = self.post("/auth/token", {"username": username, "password": password})["token"]


def token_certificate(module: str, token_label: str, key_label: str, pin: str) -> bytes:
    """The DER certificate stored on the token next to the key (same label)."""
    import pkcs11

    token = pkcs11.lib(module).get_token(token_label=token_label)
    with token.open(user_pin=pin) as session:
        for obj in session.get_objects(
            {pkcs11.Attribute.CLASS: pkcs11.ObjectClass.CERTIFICATE, pkcs11.Attribute.LABEL: key_label}
        ):
            return bytes(obj[pkcs11.Attribute.VALUE])
    raise SystemExit(f"Không thấy chứng thư số “{key_label}” trên thiết bị ký “{token_label}”.")


def token_signer(module: str, token_label: str, key_label: str, pin: str) -> Signer:
    """Sign with the token's private key: RSA PKCS#1 v1.5 over SHA-256 (CKM_SHA256_RSA_PKCS)."""
    import pkcs11
    import pkcs11.types

    def sign(data: bytes) -> bytes:
        token = pkcs11.lib(module).get_token(token_label=token_label)
        with token.open(user_pin=pin) as session:
            key = session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=key_label)
            assert isinstance(key, pkcs11.types.SignMixin)
            return bytes(key.sign(data, mechanism=pkcs11.Mechanism.SHA256_RSA_PKCS))

    return sign


def register(api: Api, certificate_der: bytes) -> dict[str, Any]:
    result: dict[str, Any] = api.post(
        "/certificates/client", {"certificate": base64.b64encode(certificate_der).decode()}
    )
    return result


def sign_document(api: Api, document_id: int, sign: Signer, *, note: str = "") -> dict[str, Any]:
    """Prepare on the server, sign on the token, complete on the server: the document afterwards."""
    prepared = api.post(f"/outgoing/{document_id}/sign/prepare", {})
    signature = sign(base64.b64decode(prepared["to_sign"]))
    result: dict[str, Any] = api.post(
        f"/outgoing/{document_id}/sign/complete",
        {"session": prepared["session"], "signature": base64.b64encode(signature).decode(), "note": note},
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ký số văn bản đi dieuhanh bằng thiết bị ký của bạn.")
    parser.add_argument("--server", required=True, help="địa chỉ dieuhanh, ví dụ https://dieuhanh.tinhuy.vn")
    parser.add_argument("--user", required=True, help="tên đăng nhập dieuhanh")
    parser.add_argument("--module", required=True, help="thư viện PKCS#11 của thiết bị ký (.so, .dll)")
    parser.add_argument("--token-label", required=True, help="nhãn thiết bị ký")
    parser.add_argument("--key-label", required=True, help="nhãn khóa ký (và chứng thư số) trên thiết bị")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("register", help="đăng ký chứng thư số trên thiết bị với dieuhanh (một lần)")
    sign_cmd = commands.add_parser("sign", help="ký số văn bản đi đang chờ bạn ký")
    sign_cmd.add_argument("document_id", type=int)
    sign_cmd.add_argument("--note", default="", help="ý kiến khi ký")
    args = parser.parse_args(argv)

    api = Api(args.server)
    password = os.environ.get("DIEUHANH_PASSWORD") or getpass.getpass("Mật khẩu dieuhanh: ")
    pin = os.environ.get("TOKEN_PIN") or getpass.getpass("Mã PIN thiết bị ký: ")
    try:
        api.login(args.user, password)
        if args.command == "register":
            cert = register(api, token_certificate(args.module, args.token_label, args.key_label, pin))
            print(f"Đã đăng ký chứng thư số {cert['subject']} (số hiệu {cert['serial']}).")
        else:
            signer = token_signer(args.module, args.token_label, args.key_label, pin)
            doc = sign_document(api, args.document_id, signer, note=args.note)
            print(
                f"Đã ký số văn bản: {doc.get('subject', '')} — {doc.get('status_label', doc.get('status'))}."
            )
    except ApiError as exc:
        print(f"Lỗi: {exc.message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
