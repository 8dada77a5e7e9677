"""XML signature of edXML messages by the sending organisation (signxml: enveloped, exclusive C14N,
rsa-sha256 / sha256, ``Reference URI=""`` — the whole message, attachments included).

The signed bytes are never serialised again: a hub forwards them as received, and the receiver parses only
what the signature covers (``Verified.root``, signxml's "see what is signed")."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from lxml import etree
from signxml import (
    CanonicalizationMethod,
    DigestAlgorithm,
    SignatureConfiguration,
    SignatureMethod,
    XMLSigner,
    XMLVerifier,
)
from signxml import exceptions as sx

from exchange.edxml import parse
from exchange.edxml.codes import DS, NS
from exchange.edxml.errors import BadSignature, CertificateExpired, MalformedPackage, UnknownCertificate

_LOCATION = f"./{{{NS}}}edXMLEnvelope/{{{NS}}}edXMLHeader/"


def fingerprint(certificate: x509.Certificate) -> str:
    """sha256 of the certificate's DER, hex: how the directory names a registered certificate."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).hexdigest()


def sign(root: etree._Element, key: PrivateKeyTypes, chain: list[x509.Certificate]) -> bytes:
    """The message signed with ``key`` (its certificate first in ``chain``), as UTF-8 bytes."""
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(root, key=key, cert=chain)  # type: ignore[arg-type]
    return bytes(etree.tostring(signed, encoding="UTF-8", xml_declaration=True))


@dataclass(frozen=True)
class Verified:
    root: etree._Element  # what the signature covers, and nothing else
    certificate: x509.Certificate
    fingerprint: str


def signer_certificate(root: etree._Element) -> x509.Certificate:
    """The signing certificate the message carries (first ``X509Certificate`` of its signature)."""
    found = root.find(f"{_LOCATION}{{{DS}}}Signature")
    cert = None
    if found is not None:
        cert = found.find(f"./{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    if cert is None or not (cert.text or "").strip():
        raise BadSignature("Gói tin không có chữ ký số của cơ quan gửi.", code="unsigned_package")
    try:
        return x509.load_der_x509_certificate(_b64("".join(cert.text.split())))
    except ValueError as exc:
        raise BadSignature("Chứng thư số trong chữ ký của gói tin không đọc được.") from exc


def verify(data: bytes, registered: Iterable[x509.Certificate]) -> Verified:
    """Check ``data``'s signature against the sender's ``registered`` certificates.

    The certificate in the signature must be one of them (by sha256); the signature must cover the whole
    message with the expected algorithms and sit in ``edXMLHeader``; the certificate must be valid now."""
    root = parse.read(data)
    references = root.findall(f"{_LOCATION}{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        # the signature must cover the whole message, not one element of it (signature wrapping)
        raise BadSignature("Chữ ký không bao trùm toàn bộ gói tin.")
    carried = signer_certificate(root)
    known = {fingerprint(c): c for c in registered}
    print_ = fingerprint(carried)
    if print_ not in known:
        raise UnknownCertificate()
    config = SignatureConfiguration(
        location=_LOCATION,
        expect_references=1,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
    )
    try:
        result = XMLVerifier().verify(
            root, x509_cert=known[print_], expect_config=config, parser=parse.parser()
        )
    except sx.InvalidCertificate as exc:
        raise CertificateExpired() from exc
    except (sx.InvalidSignature, sx.InvalidDigest) as exc:
        raise BadSignature() from exc
    except sx.InvalidInput as exc:
        raise MalformedPackage(f"Chữ ký của gói tin không đúng quy cách: {exc}"[:300]) from exc
    signed = result.signed_xml  # type: ignore[union-attr]
    if signed is None or signed.tag != root.tag:
        raise BadSignature("Chữ ký không bao trùm toàn bộ gói tin.")
    return Verified(root=signed, certificate=known[print_], fingerprint=print_)


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text, validate=True)
