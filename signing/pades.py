"""PAdES signing with pyHanko: B-B, B-T with a timestamp authority, B-LT with validation data embedded.

All signature fields of a document are created in one incremental update before the first signature
(``prepare_fields``): later signatures then only fill their field (form filling, which validators accept),
and the z-order of overlapping widgets is the creation order (the seal after the signature, on top).
"""

from __future__ import annotations

import io
import logging
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
    style: Any = None
    text_params = None
    if image is not None:
        style = image_style(image)
    elif stamp_text is not None:
        style = text_stamp_style()
        text_params = {"number": stamp_text, "signed_at": now_iso()}
    embed = settings.SIGNING_EMBED_VALIDATION if embed_validation is None else embed_validation
    if embed:
        try:
            return _sign(
                pdf, signer, field_name, box, style, text_params, timestamper, True, reason, location
            )
        except Exception as exc:
            log.warning("validation data could not be embedded (%r); signing without it", exc)
    return _sign(pdf, signer, field_name, box, style, text_params, timestamper, False, reason, location)


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
