"""XML signature of edXML messages by the sending organisation (signxml: enveloped, exclusive C14N,
rsa-sha256 / sha256, ``Reference URI=""`` — the whole message, attachments included).

The signed bytes are never serialised again: a hub forwards them as received, and the receiver parses only
what the signature covers (``Verified.root``, signxml's "see what is signed")."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from copy import deepcopy
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


class _Signer(XMLSigner):
    """signxml's signer reading the message back with our parser (``parse.parser``): its own default
    refuses a text node over 10 MB — an attachment of ~7.5 MB once in base64 —, far under the exchange's
    limit, so larger attachments could not be sent at all."""

    @property
    def parser(self) -> etree.XMLParser:
        return parse.parser()


def sign(root: etree._Element, key: PrivateKeyTypes, chain: list[x509.Certificate]) -> bytes:
    """The message signed with ``key`` (its certificate first in ``chain``), as UTF-8 bytes."""
    signer = _Signer(
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
    """Check ``data``'s signature against the sender's ``registered`` certificates (``verify_tree``)."""
    return verify_tree(parse.read(data), registered)


def verify_tree(
    root: etree._Element, registered: Iterable[x509.Certificate], *, keep_large_texts: bool = True
) -> Verified:
    """Check a received message's signature against the sender's ``registered`` certificates.

    The certificate in the signature must be one of them (by sha256); the signature must cover the whole
    message (one reference, to ``""``) and sit in ``edXMLHeader``; the certificate must be valid now. A
    signature in our own profile (exclusive C14N, enveloped, rsa-sha256, sha256: what ``sign`` writes and
    the axis uses) is checked by ``_verify_profile`` — one canonicalisation of the tree as parsed, 6–7
    times cheaper than signxml's general path, which re-serialises and re-parses the message several
    times; any other profile goes through signxml. Both give the same verdict (tested).

    ``keep_large_texts=False``: the caller reads nothing of the message's large texts (the attachments'
    base64) after this — a hub forwarding the bytes as received —, which may then be left out of the
    tree (``_canonical_digest``)."""
    references = root.findall(f"{_LOCATION}{{{DS}}}Signature/{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        # the signature must cover the whole message, not one element of it (signature wrapping)
        raise BadSignature("Chữ ký không bao trùm toàn bộ gói tin.")
    carried = signer_certificate(root)
    known = {fingerprint(c): c for c in registered}
    print_ = fingerprint(carried)
    if print_ not in known:
        raise UnknownCertificate()
    certificate = known[print_]
    signature = root.find(f"{_LOCATION}{{{DS}}}Signature")
    assert signature is not None  # found with its Reference above
    if _verify_profile(root, signature, certificate, keep_large_texts=keep_large_texts):
        return Verified(root=root, certificate=certificate, fingerprint=print_)
    return _verify_signxml(root, certificate, print_)


def _verify_signxml(root: etree._Element, certificate: x509.Certificate, print_: str) -> Verified:
    config = SignatureConfiguration(
        location=_LOCATION,
        expect_references=1,
        signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
    )
    try:
        result = XMLVerifier().verify(
            root, x509_cert=certificate, expect_config=config, parser=parse.parser()
        )
    except sx.InvalidCertificate as exc:
        raise CertificateExpired() from exc
    except (sx.InvalidSignature, sx.InvalidDigest) as exc:
        raise BadSignature() from exc
    except (sx.InvalidInput, etree.XMLSyntaxError) as exc:  # signxml re-parses what it serialised
        raise MalformedPackage(f"Chữ ký của gói tin không đúng quy cách: {exc}"[:300]) from exc
    signed = result.signed_xml  # type: ignore[union-attr]
    if signed is None or signed.tag != root.tag:
        raise BadSignature("Chữ ký không bao trùm toàn bộ gói tin.")
    return Verified(root=signed, certificate=certificate, fingerprint=print_)


_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


def _algorithm(node: etree._Element | None, tag: str) -> str | None:
    """The Algorithm of a childless element named ``ds:tag`` (None when it is anything else)."""
    if node is None or node.tag != f"{{{DS}}}{tag}" or len(node):
        return None
    return node.get("Algorithm")


def _verify_profile(
    root: etree._Element,
    signature: etree._Element,
    certificate: x509.Certificate,
    *,
    keep_large_texts: bool = True,
) -> bool:
    """Our profile checked directly; False when the signature is in another profile (signxml's turn).
    Raises the refusal when it is in our profile and wrong. ``keep_large_texts``: ``_canonical_digest``."""
    import base64
    import binascii
    import datetime as dt
    import hmac

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    children = list(signature)
    if [c.tag for c in children[:2]] != [f"{{{DS}}}SignedInfo", f"{{{DS}}}SignatureValue"]:
        return False
    signed_info, value = children[0], children[1]
    parts = list(signed_info)
    if len(parts) != 3 or _algorithm(parts[0], "CanonicalizationMethod") != _EXC_C14N:
        return False
    if _algorithm(parts[1], "SignatureMethod") != _RSA_SHA256:
        return False
    reference = parts[2]
    items = list(reference)
    if reference.tag != f"{{{DS}}}Reference" or len(items) != 3 or set(reference.keys()) != {"URI"}:
        return False
    transforms, method, digest_value = items
    if transforms.tag != f"{{{DS}}}Transforms" or [_algorithm(t, "Transform") for t in transforms] != [
        _ENVELOPED,
        _EXC_C14N,
    ]:
        return False
    if _algorithm(method, "DigestMethod") != _SHA256 or digest_value.tag != f"{{{DS}}}DigestValue":
        return False
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        return False
    now = dt.datetime.now(dt.UTC)
    if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
        raise CertificateExpired()
    try:
        expected = base64.b64decode("".join((digest_value.text or "").split()), validate=True)
        raw = base64.b64decode("".join((value.text or "").split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadSignature() from exc
    digest = _canonical_digest(root, signature, keep_large_texts=keep_large_texts)
    if not hmac.compare_digest(digest, expected):
        raise BadSignature()
    signed_info_c14n = etree.tostring(signed_info, method="c14n", exclusive=True, with_comments=False)
    try:
        key.verify(raw, signed_info_c14n, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as exc:
        raise BadSignature() from exc
    return True


def _canonical_without(root: etree._Element, signature: etree._Element) -> bytes:
    """Exclusive C14N (no comments) of the message without its signature (the enveloped-signature
    transform: the element goes, its tail text stays), the tree left as it was."""
    parent = signature.getparent()
    assert parent is not None
    index = parent.index(signature)
    previous = signature.getprevious()
    saved = previous.tail if previous is not None else parent.text
    if signature.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + signature.tail
        else:
            parent.text = (parent.text or "") + signature.tail
    tail = signature.tail
    parent.remove(signature)
    try:
        return bytes(etree.tostring(root, method="c14n", exclusive=True, with_comments=False))
    finally:
        if previous is not None:
            previous.tail = saved
        else:
            parent.text = saved
        parent.insert(index, signature)
        signature.tail = tail


# a text node this long is taken out of the canonicalisation and hashed as it stands (``_canonical_digest``)
LARGE_TEXT = 65536
# what exclusive C14N changes in a text node (``&amp;`` ``&lt;`` ``&gt;`` ``&#xD;``); every other character
# is written as itself, in UTF-8
_ESCAPED_IN_TEXT = ("&", "<", ">", "\r")


def _canonical_digest(
    root: etree._Element, signature: etree._Element, *, keep_large_texts: bool = True
) -> bytes:
    """sha256 of ``_canonical_without(root, signature)``, the large text nodes (the attachments' base64)
    hashed as they stand instead of canonicalised: libxml2 writes a text node character by character
    (~6 ms for a 1 MB attachment, most of a verification), while a text without the four characters C14N
    escapes comes out of it unchanged. Each such node is swapped for a marker, the rest canonicalised,
    and the digest fed the canonical parts and the texts in document order; where the markers are not
    found exactly once each, in order, the whole tree is canonicalised as before.

    The swap is made in a copy of the tree (setting a large text back costs as much as canonicalising
    it) — or, with ``keep_large_texts=False``, in the tree itself, whose large texts are then left as
    markers: for a caller that reads nothing of them (a hub forwards the bytes as received)."""
    if keep_large_texts:
        path = []  # where the signature is, to find it in the copy
        node = signature
        while (parent := node.getparent()) is not None:
            path.append(parent.index(node))
            node = parent
        tree = deepcopy(root)
        tree_signature = tree
        for index in reversed(path):
            tree_signature = tree_signature[index]
    else:
        tree, tree_signature = root, signature
    marker = secrets.token_hex(16)
    large: list[tuple[etree._Element, str]] = []
    for element in tree.iter(etree.Element):
        text = element.text
        if text is not None and len(text) >= LARGE_TEXT and not any(c in text for c in _ESCAPED_IN_TEXT):
            element.text = f"{marker}{len(large)}."
            large.append((element, text))
    canonical = _canonical_without(tree, tree_signature)
    if not large:
        return hashlib.sha256(canonical).digest()
    parts = canonical.split(marker.encode())
    if len(parts) == len(large) + 1 and all(
        part.startswith(f"{index}.".encode()) for index, part in enumerate(parts[1:])
    ):
        digest = hashlib.sha256(parts[0])
        for index, ((_, text), part) in enumerate(zip(large, parts[1:], strict=True)):
            digest.update(text.encode())
            digest.update(memoryview(part)[len(f"{index}.") :])
        return digest.digest()
    if not keep_large_texts:  # the texts go back where they were, for the whole canonical form
        for element, text in large:
            element.text = text
    return hashlib.sha256(_canonical_without(root, signature)).digest()


def _b64(text: str) -> bytes:
    import base64

    return base64.b64decode(text, validate=True)
