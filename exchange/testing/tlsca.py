"""A CA of a closed network for tests: it issues the installations' TLS certificates — server ones for
127.0.0.1 and client ones for mutual TLS — as PEM files in a folder."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


@dataclass
class Pem:
    cert: Path
    key: Path


class NetworkCa:
    def __init__(self, name: str, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = self._build(self.name, self.key.public_key(), ca=True).sign(self.key, hashes.SHA256())
        self.pem = folder / "network-ca.pem"
        self.pem.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))

    def _build(self, subject: x509.Name, public_key: Any, *, ca: bool) -> x509.CertificateBuilder:
        now = dt.datetime.now(dt.UTC)
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self.name)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=1))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
        )

    def issue(self, name: str, *, server: bool = False, client: bool = False) -> Pem:
        """A certificate for ``name`` (files ``<name>.crt``/``.key``): a server's for 127.0.0.1, a
        client's, or both."""
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        usages = [ExtendedKeyUsageOID.SERVER_AUTH] * server + [ExtendedKeyUsageOID.CLIENT_AUTH] * client
        builder = self._build(subject, key.public_key(), ca=False).add_extension(
            x509.ExtendedKeyUsage(usages), False
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
            )
        cert = builder.sign(self.key, hashes.SHA256())
        pem = Pem(self.folder / f"{name}.crt", self.folder / f"{name}.key")
        pem.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        pem.key.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        return pem

    def client_context(self, pem: Pem | None = None) -> ssl.SSLContext:
        """A client's context that trusts this CA (and presents ``pem``)."""
        context = ssl.create_default_context(cafile=str(self.pem))
        if pem is not None:
            context.load_cert_chain(pem.cert, pem.key)
        return context
