"""PAdES signing with pyHanko: B-B, B-T with a timestamp authority, B-LT with validation data embedded.

All signature fields of a document are created in one incremental update before the first signature
(``prepare_fields``): later signatures then only fill their field (form filling, which validators accept),
and the z-order of overlapping widgets is the creation order (the seal after the signature, on top).
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter

from signing.appearance import Box, image_style, now_iso, text_stamp_style

log = logging.getLogger(__name__)


def field_names(pdf: bytes) -> list[str]:
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return [name for name, _, _ in fields.enumerate_sig_fields(reader)]


def prepare_fields(pdf: bytes, boxes: dict[str, Box]) -> bytes:
    """Create the missing signature fields, in the given order, in one incremental update."""
    existing = set(field_names(pdf))
    missing = {name: box for name, box in boxes.items() if name not in existing}
    if not missing:
        return pdf
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for name, box in missing.items():
        fields.append_signature_field(writer, SigFieldSpec(name, on_page=box.page, box=box.rect))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def timestamper_from_settings() -> timestamps.TimeStamper | None:
    if settings.SIGNING_TSA_URL:
        return timestamps.HTTPTimeStamper(settings.SIGNING_TSA_URL, timeout=10)
    return None


def sign_pdf(
    pdf: bytes,
    *,
    signer: signers.Signer,
    field_name: str,
    box: Box | None = None,
    image: bytes | None = None,
    stamp_text: str | None = None,
    timestamper: timestamps.TimeStamper | None = None,
    embed_validation: bool | None = None,
    reason: str | None = None,
    location: str | None = None,
) -> bytes:
    """Sign ``pdf`` in ``field_name`` (created in ``box`` when missing) and return the new bytes.

    ``image``: a PNG shown in the field (signature or seal); ``stamp_text``: first line(s) of the text
    stamp (number-symbol, or the copy form), followed by the signing time in ISO 8601 with +07:00.
    Without either, the signature is invisible (or the field keeps no appearance)."""
    style, text_params = _style_and_text(image, stamp_text)
    embed = settings.SIGNING_EMBED_VALIDATION if embed_validation is None else embed_validation
    if embed:
        try:
            return _sign(
                pdf, signer, field_name, box, style, text_params, timestamper, True, reason, location
            )
        except Exception as exc:
            log.warning("validation data could not be embedded (%r); signing without it", exc)
    return _sign(pdf, signer, field_name, box, style, text_params, timestamper, False, reason, location)


def _style_and_text(image: bytes | None, stamp_text: str | None) -> tuple[Any, dict[str, str] | None]:
    if image is not None:
        return image_style(image), None
    if stamp_text is not None:
        return text_stamp_style(), {"number": stamp_text, "signed_at": now_iso()}
    return None, None


# --- two steps: the server prepares, the signer's own token signs, the server embeds ----------------------


@dataclass(frozen=True)
class Prepared:
    """A PDF with the signature's placeholder, what the token must sign (the CMS signed attributes, DER)
    and where the signature container goes — everything ``finish_external`` needs, serialisable."""

    pdf: bytes
    to_sign: bytes
    document_digest: bytes
    region_start: int
    region_end: int


def _external(cert_der: bytes, chain_der: list[bytes], value: bytes | int) -> signers.ExternalSigner:
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    return signers.ExternalSigner(
        signing_cert=asn1_x509.Certificate.load(cert_der),
        cert_registry=SimpleCertificateStore.from_certs([asn1_x509.Certificate.load(c) for c in chain_der]),
        signature_value=value,
    )


def prepare_external(
    pdf: bytes,
    *,
    cert_der: bytes,
    chain_der: list[bytes],
    field_name: str,
    box: Box | None = None,
    image: bytes | None = None,
    stamp_text: str | None = None,
) -> Prepared:
    """Step 1: the document with its signature field, appearance and an empty signature container, and
    the signed attributes (PAdES: with the signing certificate reference, no signing time) to be signed
    with RSA PKCS#1 v1.5 / SHA-256 by the signer's token."""
    import asyncio

    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

    public_key = x509.load_der_x509_certificate(cert_der).public_key()
    if not isinstance(public_key, RSAPublicKey):
        from core.errors import InvalidInput

        raise InvalidInput("Chỉ hỗ trợ khóa ký RSA.", code="unsupported_key")
    key_bytes = public_key.key_size // 8
    external = _external(cert_der, chain_der, key_bytes)
    style, text_params = _style_and_text(image, stamp_text)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, subfilter=SigSeedSubFilter.PADES, md_algorithm="sha256"
    )
    new_field = None
    if field_name not in field_names(pdf):
        new_field = (
            SigFieldSpec(field_name, on_page=box.page, box=box.rect) if box else SigFieldSpec(field_name)
        )
    pdf_signer = signers.PdfSigner(meta, signer=external, stamp_style=style, new_field_spec=new_field)

    async def run() -> Prepared:
        digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(
            IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
            appearance_text_params=text_params,
        )
        attrs = await external.signed_attrs(digest.document_digest, "sha256", use_pades=True)
        output.seek(0)
        return Prepared(
            pdf=output.read(),
            to_sign=attrs.dump(),
            document_digest=digest.document_digest,
            region_start=digest.reserved_region_start,
            region_end=digest.reserved_region_end,
        )

    return asyncio.run(run())


def finish_external(
    prepared: Prepared, *, signature: bytes, cert_der: bytes, chain_der: list[bytes]
) -> bytes:
    """Step 3: the token's signature (checked against the certificate first) packed into the CMS
    container, written into the placeholder; a timestamp is added when a TSA is configured (B-T)."""
    import asyncio

    from asn1crypto import cms
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.hashes import SHA256
    from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
    from pyhanko.sign.signers.pdf_signer import PdfTBSDocument

    from core.errors import InvalidInput

    public_key = x509.load_der_x509_certificate(cert_der).public_key()
    try:
        if not isinstance(public_key, RSAPublicKey):
            raise TypeError("only RSA keys")
        public_key.verify(signature, prepared.to_sign, PKCS1v15(), SHA256())
    except (InvalidSignature, TypeError, ValueError) as exc:
        raise InvalidInput(
            "Chữ ký từ thiết bị ký không khớp với chứng thư số hoặc với nội dung cần ký.",
            code="bad_client_signature",
        ) from exc
    external = _external(cert_der, chain_der, signature)
    attrs = cms.CMSAttributes.load(prepared.to_sign)

    async def run() -> bytes:
        container = await external.async_sign_prescribed_attributes(
            "sha256", signed_attrs=attrs, timestamper=timestamper_from_settings()
        )
        output = io.BytesIO(prepared.pdf)
        digest = PreparedByteRangeDigest(
            document_digest=prepared.document_digest,
            reserved_region_start=prepared.region_start,
            reserved_region_end=prepared.region_end,
        )
        await PdfTBSDocument.async_finish_signing(output, digest, container)
        return output.getvalue()

    return asyncio.run(run())


def _sign(
    pdf: bytes,
    signer: signers.Signer,
    field_name: str,
    box: Box | None,
    style: Any,
    text_params: dict[str, str] | None,
    timestamper: timestamps.TimeStamper | None,
    embed: bool,
    reason: str | None,
    location: str | None,
) -> bytes:
    context = None
    if embed:
        from signing.validation import validation_context

        context = validation_context(fetch=settings.SIGNING_FETCH_REVOCATION)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        subfilter=SigSeedSubFilter.PADES,  # ETSI.CAdES.detached: PAdES baseline
        md_algorithm="sha256",
        reason=reason,
        location=location,
        embed_validation_info=embed,
        validation_context=context,
    )
    new_field = None
    if field_name not in field_names(pdf):
        new_field = (
            SigFieldSpec(field_name, on_page=box.page, box=box.rect) if box else SigFieldSpec(field_name)
        )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        timestamper=timestamper if timestamper is not None else timestamper_from_settings(),
        stamp_style=style,
        new_field_spec=new_field,
    )
    out = pdf_signer.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
        existing_fields_only=False,
        appearance_text_params=text_params,
    )
    return bytes(out.getvalue())
