"""A test PKI made with ``cryptography``: root → intermediate (with a CRL distribution point) → leaves.

Used by the tests and by ``manage.py demo_ca``. Never for production keys: the national roots and the
certificates of real signers come from the licensed certification authorities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DAY = dt.timedelta(days=1)
YEAR = dt.timedelta(days=365)
CA_ORG = "dieuhanh Demo CA"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def name(cn: str, organization: str = CA_ORG) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
        ]
    )


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Issued:
    cert: x509.Certificate
    key: rsa.RSAPrivateKey

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )

    @property
    def serial(self) -> int:
        return self.cert.serial_number


def _build(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Issued | None,
    *,
    ca: bool,
    not_before: dt.datetime,
    not_after: dt.datetime,
    crl_url: str | None = None,
    path_len: int | None = None,
    tsa: bool = False,
    for_signing: bool = True,
) -> x509.Certificate:
    issuer_name = issuer.cert.subject if issuer else subject
    issuer_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    )
    signer = not ca and for_signing
    usage = {
        "digital_signature": signer,
        "content_commitment": signer and not tsa,  # nonRepudiation: pyHanko requires it for signers
        "key_cert_sign": ca,
        "crl_sign": ca,
    }
    builder = builder.add_extension(
        x509.KeyUsage(
            key_encipherment=not ca and not for_signing,  # an encryption-only certificate (tests)
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    if tsa:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    if crl_url:
        point = x509.DistributionPoint(
            full_name=[x509.UniformResourceIdentifier(crl_url)],
            relative_name=None,
            reasons=None,
            crl_issuer=None,
        )
        builder = builder.add_extension(x509.CRLDistributionPoints([point]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@dataclass
class TestPki:
    """A root and an intermediate CA; leaves carry the intermediate's CRL distribution point."""

    __test__ = False  # not a pytest class

    root: Issued
    intermediate: Issued
    crl_base_url: str
    revoked: list[tuple[int, dt.datetime]] = field(default_factory=list)
    crl_prefix: str = ""  # CRL file names: <prefix>int.crl, <prefix>root.crl (under crl_base_url too)

    @classmethod
    def create(
        cls,
        *,
        root_cn: str = "dieuhanh Demo Root CA",
        crl_base_url: str = "http://127.0.0.1:8765",
        crl_prefix: str = "",
    ) -> TestPki:
        now = utcnow()
        root_key = new_key()
        root = Issued(
            _build(name(root_cn), root_key, None, ca=True, not_before=now - YEAR, not_after=now + 20 * YEAR),
            root_key,
        )
        int_key = new_key()
        intermediate = Issued(
            _build(
                name(root_cn.replace("Root", "Intermediate")),
                int_key,
                root,
                ca=True,
                path_len=0,
                not_before=now - YEAR,
                not_after=now + 10 * YEAR,
                crl_url=f"{crl_base_url}/{crl_prefix}root.crl",
            ),
            int_key,
        )
        return cls(root, intermediate, crl_base_url, crl_prefix=crl_prefix)

    def issue(
        self,
        cn: str,
        organization: str,
        *,
        not_before: dt.datetime | None = None,
        not_after: dt.datetime | None = None,
        tsa: bool = False,
        for_signing: bool = True,
    ) -> Issued:
        now = utcnow()
        key = new_key()
        cert = _build(
            name(cn, organization),
            key,
            self.intermediate,
            ca=False,
            not_before=not_before or now - 30 * DAY,
            not_after=not_after or now + 2 * YEAR,
            crl_url=f"{self.crl_base_url}/{self.crl_prefix}int.crl",
            tsa=tsa,
            for_signing=for_signing,
        )
        return Issued(cert, key)

    def revoke(self, leaf: Issued, when: dt.datetime | None = None) -> None:
        self.revoke_serial(leaf.serial, when or utcnow() - 2 * DAY)

    def revoke_serial(self, serial: int, when: dt.datetime | None = None) -> bool:
        """Put a serial on the intermediate's CRL; False when it is there already."""
        if any(known == serial for known, _ in self.revoked):
            return False
        self.revoked.append((serial, when or utcnow()))
        return True

    def _crl(self, issuer: Issued, revoked: list[tuple[int, dt.datetime]]) -> bytes:
        now = utcnow()
        builder = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(now - DAY)
            .next_update(now + 7 * DAY)
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
            )
        )
        for serial, when in revoked:
            builder = builder.add_revoked_certificate(
                x509.RevokedCertificateBuilder()
                .serial_number(serial)
                .revocation_date(when)
                .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
                .build()
            )
        return builder.sign(issuer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)

    def intermediate_crl(self) -> bytes:
        return self._crl(self.intermediate, self.revoked)

    def root_crl(self) -> bytes:
        return self._crl(self.root, [])

    def crl_names(self) -> tuple[str, str]:
        """The file names of the intermediate's and the root's CRL (the last part of their URLs)."""
        return f"{self.crl_prefix}int.crl", f"{self.crl_prefix}root.crl"

    def write_crls(self, directory: Path) -> None:
        """Write both CRLs, each to a temporary file renamed into place (a reader never sees half)."""
        directory.mkdir(parents=True, exist_ok=True)
        int_name, root_name = self.crl_names()
        for file_name, data in ((int_name, self.intermediate_crl()), (root_name, self.root_crl())):
            partial = directory / f".{file_name}.tmp"
            partial.write_bytes(data)
            partial.replace(directory / file_name)

    def pkcs12(self, leaf: Issued, password: str) -> bytes:
        friendly = leaf.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
        return pkcs12.serialize_key_and_certificates(
            str(friendly).encode(),
            leaf.key,
            leaf.cert,
            [self.intermediate.cert, self.root.cert],
            serialization.BestAvailableEncryption(password.encode()),
        )

    # --- persistence (demo_ca): the CA keys are kept encrypted with the demo password ---------------

    def save(self, directory: Path, password: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        enc = serialization.BestAvailableEncryption(password.encode())
        for stem, issued in (("root", self.root), ("intermediate", self.intermediate)):
            (directory / f"{stem}.cert.pem").write_bytes(issued.pem)
            (directory / f"{stem}.key.pem").write_bytes(
                issued.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, enc)
            )
            (directory / f"{stem}.key.pem").chmod(0o600)
        (directory / "crl-base-url.txt").write_text(self.crl_base_url)
        (directory / "crl-prefix.txt").write_text(self.crl_prefix)
        self.save_revocations(directory)

    def save_revocations(self, directory: Path) -> None:
        """One line per revoked certificate: serial (hex) and revocation time (ISO 8601, UTC)."""
        lines = [f"{serial:x} {when.isoformat()}\n" for serial, when in self.revoked]
        (directory / "revoked.txt").write_text("".join(lines))

    @classmethod
    def load(cls, directory: Path, password: str) -> TestPki:
        def one(stem: str) -> Issued:
            cert = x509.load_pem_x509_certificate((directory / f"{stem}.cert.pem").read_bytes())
            key = serialization.load_pem_private_key(
                (directory / f"{stem}.key.pem").read_bytes(), password.encode()
            )
            assert isinstance(key, rsa.RSAPrivateKey)
            return Issued(cert, key)

        def text(file_name: str) -> str:
            path = directory / file_name
            return path.read_text().strip() if path.exists() else ""

        revoked = []
        for line in text("revoked.txt").splitlines():
            serial, when = line.split()
            revoked.append((int(serial, 16), dt.datetime.fromisoformat(when)))
        return cls(
            one("root"),
            one("intermediate"),
            text("crl-base-url.txt"),
            revoked=revoked,
            crl_prefix=text("crl-prefix.txt"),
        )
