"""Every write of the signing app: one transaction each, with the audit event inside.

``sign_bytes`` is what the outgoing flow calls (slice 2): the signer's signature at the signer's step,
the clerk's seal at issuance, the text stamp on annexes and copies. It signs outside the transaction
(CPU only) and records the SignatureEvent and the audit event in one.
"""

from __future__ import annotations

import base64
import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput, NotAllowed
from core.models import StoredFile
from orgs.models import Organization, User
from signing import appearance, keys, pades, selectors, storage
from signing.models import (
    Certificate,
    CertificateKind,
    FileValidation,
    SignatureEvent,
    SignatureRole,
    TrustAnchor,
)
from signing.permissions import may_manage, may_use
from signing.validation import Report, validate_pdf

MAX_PKCS12_BYTES = 64 * 1024
DEFAULT_SEAL_MM = 35.0
MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 4000 * 4000
REASON_IMAGE = "Ảnh chữ ký, con dấu phải là tệp PNG nền trong suốt."

log = logging.getLogger(__name__)


def _cn(name: x509.Name) -> str:
    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def _owner_fields(owner: User | Organization) -> dict[str, Any]:
    if isinstance(owner, User):
        return {"person": owner, "organization": None}
    return {"person": None, "organization": owner}


def _owner_org_id(owner: User | Organization) -> int | None:
    return owner.organization_id if isinstance(owner, User) else owner.pk


def _default_images(owner: User | Organization) -> dict[str, bytes]:
    if isinstance(owner, User):
        return {"signature_image": appearance.default_signature_png(owner.full_name or owner.username)}
    return {"seal_image": appearance.default_seal_png(owner.name)}


def _cert_fields(cert: x509.Certificate, chain: list[x509.Certificate]) -> dict[str, Any]:
    der = serialization.Encoding.DER
    return {
        "subject_cn": _cn(cert.subject),
        "issuer_cn": _cn(cert.issuer),
        "serial_hex": format(cert.serial_number, "x"),
        "not_before": cert.not_valid_before_utc,
        "not_after": cert.not_valid_after_utc,
        "certificate_der": cert.public_bytes(der),
        "chain_der": [base64.b64encode(c.public_bytes(der)).decode() for c in chain],
    }


def _check_usage(cert: x509.Certificate) -> None:
    try:
        usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return
    if not (usage.digital_signature or usage.content_commitment):
        raise InvalidInput(
            "Chứng thư số này không dùng để ký số (thiếu mục đích sử dụng khóa digitalSignature "
            "hoặc nonRepudiation).",
            code="not_a_signing_certificate",
        )


def check_pkcs12(data: bytes, password: str) -> tuple[Any, x509.Certificate, list[x509.Certificate]]:
    """A PKCS#12 file fit for signing: not empty or too large, the password opens it, its certificate
    is for signing. InvalidInput / NotAllowed with a Vietnamese message otherwise (the admin form and
    ``certificate_import_pkcs12`` share it)."""
    if not data or len(data) > MAX_PKCS12_BYTES:
        raise InvalidInput("Tệp khóa ký rỗng hoặc quá lớn.", code="invalid_pkcs12")
    key, cert, chain = keys.read_pkcs12(data, password)
    _check_usage(cert)
    return key, cert, chain


def check_image(image: bytes) -> None:
    """A signature or seal image: a PNG, not too large, with a transparent background (an alpha
    channel or a transparent colour that some pixels use) — an opaque image would hide the text."""
    from PIL import Image, UnidentifiedImageError

    refused = InvalidInput(REASON_IMAGE, code="invalid_image")
    if not image.startswith(b"\x89PNG\r\n\x1a\n") or len(image) > MAX_IMAGE_BYTES:
        raise refused
    try:
        with Image.open(io.BytesIO(image)) as picture:
            if picture.format != "PNG" or picture.width * picture.height > MAX_IMAGE_PIXELS:
                raise refused
            if picture.mode not in ("RGBA", "LA", "PA") and "transparency" not in picture.info:
                raise refused
            alpha = picture.convert("RGBA").getchannel("A")
            lowest, _highest = alpha.getextrema()
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise refused from exc
    if lowest == 255:  # an alpha channel, but every pixel opaque
        raise refused


def certificate_import_pkcs12(
    *,
    actor: User | None,
    owner: User | Organization,
    data: bytes,
    password: str,
    image: bytes | None = None,
    seal_size_mm: float = 35.0,
) -> Certificate:
    """Check a PKCS#12 file with its password, then keep it encrypted; the password is not stored.
    ``actor`` None: a management command (demo_ca)."""
    if actor is not None and not may_manage(actor, owner):
        raise NotAllowed()
    _key, cert, chain = check_pkcs12(data, password)
    if image is not None:
        check_image(image)
    images = _default_images(owner)
    if image is not None:
        images = {next(iter(images)): image}
    with transaction.atomic():
        certificate = Certificate.objects.create(
            kind=CertificateKind.PKCS12,
            pkcs12_encrypted=storage.encrypt(bytes(data)),
            seal_size_mm=seal_size_mm,
            created_by=actor,
            **_owner_fields(owner),
            **_cert_fields(cert, chain),
            **images,
        )
        _audit(actor, "certificate.import", certificate, {"kind": certificate.kind})
    return certificate


def certificate_register_pkcs11(
    *,
    actor: User,
    owner: User | Organization,
    module: str,
    token_label: str,
    key_label: str,
    pin: str,
    chain_der: list[bytes] | None = None,
    image: bytes | None = None,
    seal_size_mm: float = 35.0,
) -> Certificate:
    """Register a key on a PKCS#11 token attached to the server: the certificate is read from the token."""
    if not may_manage(actor, owner):
        raise NotAllowed()
    with keys.pkcs11_signer(
        module=module, token_label=token_label, key_label=key_label, pin=pin, chain_der=chain_der or []
    ) as signer:
        if signer.signing_cert is None:
            raise InvalidInput("Không tìm thấy chứng thư số trên thiết bị ký.", code="certificate_missing")
        cert = x509.load_der_x509_certificate(signer.signing_cert.dump())
    chain = [x509.load_der_x509_certificate(d) for d in chain_der or []]
    _check_usage(cert)
    if image is not None:
        check_image(image)
    images = _default_images(owner) if image is None else {next(iter(_default_images(owner))): image}
    with transaction.atomic():
        certificate = Certificate.objects.create(
            kind=CertificateKind.PKCS11,
            pkcs11_module=module,
            pkcs11_token_label=token_label,
            pkcs11_key_label=key_label,
            seal_size_mm=seal_size_mm,
            created_by=actor,
            **_owner_fields(owner),
            **_cert_fields(cert, chain),
            **images,
        )
        _audit(actor, "certificate.register", certificate, {"kind": certificate.kind, "token": token_label})
    return certificate


def trust_anchor_add(*, actor: User | None, name: str, certificate: bytes) -> TrustAnchor:
    """Add a root certificate (DER or PEM) to the trust list; adding a known one returns it."""
    try:
        cert = (
            x509.load_pem_x509_certificate(certificate)
            if certificate.lstrip().startswith(b"-----BEGIN")
            else x509.load_der_x509_certificate(certificate)
        )
    except ValueError as exc:
        raise InvalidInput("Tệp không phải chứng thư số (X.509) hợp lệ.", code="invalid_certificate") from exc
    der = cert.public_bytes(serialization.Encoding.DER)
    digest = hashlib.sha256(der).hexdigest()
    with transaction.atomic():
        anchor, created = TrustAnchor.objects.get_or_create(
            sha256=digest,
            defaults={
                "name": name or _cn(cert.subject),
                "certificate_der": der,
                "not_after": cert.not_valid_after_utc,
            },
        )
        if created:
            audit.record(
                actor=actor,
                action="signing.trust_anchor.add",
                target=anchor,
                data={"name": anchor.name, "sha256": digest},
            )
    return anchor


def _free_field(pdf: bytes, role: str) -> str:
    """The first unsigned field of this role (``person``, ``seal``, ``stamp``), or a new name."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    taken = {}
    for name, value, _ref in enumerate_sig_fields(PdfFileReader(io.BytesIO(pdf), strict=False)):
        taken[name] = value is not None
    candidates = [role] + [f"{role}-{n}" for n in range(2, 100)]
    for name in candidates:
        if not taken.get(name, False):
            return name
    raise InvalidInput("Văn bản đã có quá nhiều chữ ký.", code="too_many_signatures")


def _page_size(pdf: bytes, page: int) -> tuple[float, float]:
    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(pdf)).pages[page].mediabox
    return float(box.width), float(box.height)


def _signature_rects(pdf: bytes, page: int) -> list[tuple[float, float, float, float]]:
    """Rectangles of the signature fields on a page."""
    from pypdf import PdfReader

    rects = []
    for ref in PdfReader(io.BytesIO(pdf)).pages[page].get("/Annots") or []:
        annot = ref.get_object()
        parent = annot.get("/Parent")
        field_type = annot.get("/FT") or (parent.get_object().get("/FT") if parent is not None else None)
        if annot.get("/Subtype") == "/Widget" and field_type == "/Sig" and "/Rect" in annot:
            x1, y1, x2, y2 = (float(v) for v in annot["/Rect"])
            rects.append((min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    return rects


def _stamp_box(pdf: bytes, text: str) -> appearance.Box:
    """Top right of page 1, moved down below any signature field already there (a sao lục of a sao y
    keeps both stamps readable)."""
    box = appearance.stamp_box(*_page_size(pdf, 0), text=text)
    rects = _signature_rects(pdf, 0)
    moved = True
    while moved:
        moved = False
        for x1, y1, x2, y2 in rects:
            if x1 < box.x2 and box.x1 < x2 and y1 < box.y2 and box.y1 < y2:
                top = y1 - 4
                box = appearance.Box(0, box.x1, top - box.height, box.x2, top)
                moved = True
    return box


def _seal_size_for(organization_id: int | None) -> float:
    """The real size of the seal that will be applied (the organisation's seal certificate valid now)."""
    cert = selectors.seal_certificate(organization_id)
    return float(cert.seal_size_mm) if cert else DEFAULT_SEAL_MM


@dataclass(frozen=True)
class Plan:
    """Where and how a signature goes: the PDF with the fields prepared, the field, its box, the image or
    the stamp text, and the hash of the PDF as it was given (``sha256_before`` of the event)."""

    pdf: bytes
    field_name: str
    box: appearance.Box | None
    image: bytes | None
    stamp_text: str | None
    before: str


def plan_signature(
    *,
    actor: User,
    certificate: Certificate,
    pdf: bytes,
    role: str,
    box: appearance.Box | None = None,
    stamp_text: str = "",
    expected_sha256: str | None = None,
) -> Plan:
    """The checks and the layout shared by one-step (``sign_bytes``) and two-step (client token) signing.

    * ``person``: the certificate's image in ``box`` (the box between the position line and the name).
      The first signature also creates the seal's field in the same update (seal over the left third).
    * ``seal``: the organisation's seal at real size over the left third of ``box`` (the same signature
      box), or in the field prepared by the person's signature.
    * ``stamp``: the text stamp (``stamp_text`` + signing time) at the top right of page 1: the
      number-symbol on an annex, ``appearance.copy_stamp_text`` on an electronic copy.
    ``expected_sha256``: the approved version's hash; signing anything else is refused."""
    if role not in SignatureRole.values:
        raise InvalidInput("Loại chữ ký không hợp lệ.")
    if not may_use(actor, certificate, role):
        raise NotAllowed("Bạn không được dùng chứng thư số này để ký.")
    if not pdf.startswith(b"%PDF-"):
        raise InvalidInput("Chỉ ký được tệp PDF.", code="not_pdf")
    before = hashlib.sha256(pdf).hexdigest()
    if expected_sha256 is not None and before != expected_sha256:
        raise Conflict("Tệp cần ký không đúng phiên bản đã được duyệt.", code="version_mismatch")
    if role == SignatureRole.STAMP and not stamp_text.strip():
        raise InvalidInput(
            "Thiếu nội dung ghi trên chữ ký số (số, ký hiệu văn bản hoặc hình thức sao).",
            code="missing_stamp_text",
        )

    field_name = _free_field(pdf, role)
    field_box: appearance.Box | None = box
    image: bytes | None = None
    if role == SignatureRole.PERSON:
        image = bytes(certificate.signature_image) or None
        if box is not None:
            seal_mm = _seal_size_for(certificate.person.organization_id if certificate.person else None)
            pdf = pades.prepare_fields(pdf, {field_name: box, "seal": appearance.seal_box(box, seal_mm)})
    elif role == SignatureRole.SEAL:
        image = bytes(certificate.seal_image) or None
        if box is not None:
            field_box = appearance.seal_box(box, float(certificate.seal_size_mm))
    else:
        field_box = box or _stamp_box(pdf, stamp_text)
    text = stamp_text if role == SignatureRole.STAMP else None
    return Plan(pdf=pdf, field_name=field_name, box=field_box, image=image, stamp_text=text, before=before)


def record_signature(
    *,
    actor: User,
    certificate: Certificate,
    role: str,
    field_name: str,
    before: str,
    signed: bytes,
    document_kind: str = "",
    document_id: int | None = None,
    attachment_id: int | None = None,
) -> SignatureEvent:
    """The SignatureEvent and the audit event of a signature applied, in one transaction."""
    after = hashlib.sha256(signed).hexdigest()
    with transaction.atomic():
        event = SignatureEvent.objects.create(
            role=role,
            certificate=certificate,
            actor=actor,
            at=timezone.now(),
            field_name=field_name,
            sha256_before=before,
            sha256_after=after,
            document_kind=document_kind,
            document_id=document_id,
            attachment_id=attachment_id,
        )
        _audit(
            actor,
            f"sign.{role}",
            certificate,
            {
                "event": event.pk,
                "field": field_name,
                "sha256_before": before,
                "sha256_after": after,
                "document_kind": document_kind,
                "document_id": document_id,
                "serial": certificate.serial_hex,
            },
        )
    return event


def sign_bytes(
    *,
    actor: User,
    certificate: Certificate,
    secret: str,
    pdf: bytes,
    role: str,
    box: appearance.Box | None = None,
    stamp_text: str = "",
    expected_sha256: str | None = None,
    document_kind: str = "",
    document_id: int | None = None,
    attachment_id: int | None = None,
) -> bytes:
    """Sign ``pdf`` (laid out by ``plan_signature``) and return the signed bytes; records a SignatureEvent
    and an audit event."""
    plan = plan_signature(
        actor=actor,
        certificate=certificate,
        pdf=pdf,
        role=role,
        box=box,
        stamp_text=stamp_text,
        expected_sha256=expected_sha256,
    )
    with keys.signer_for(certificate, secret) as signer:
        signed = pades.sign_pdf(
            plan.pdf,
            signer=signer,
            field_name=plan.field_name,
            box=plan.box,
            image=plan.image,
            stamp_text=plan.stamp_text,
        )
    record_signature(
        actor=actor,
        certificate=certificate,
        role=role,
        field_name=plan.field_name,
        before=plan.before,
        signed=signed,
        document_kind=document_kind,
        document_id=document_id,
        attachment_id=attachment_id,
    )
    return signed


def validate(*, data: bytes) -> Report:
    """Validate every signature of a PDF against the trust list (no write)."""
    return validate_pdf(data)


# --- automatic validation of stored files -------------------------------------------------------------


def schedule_validation(stored: StoredFile) -> FileValidation | None:
    """Queue the validation of a PDF's signatures, in the caller's transaction (a rollback drops the row
    and the task together). A file already validated or queued is not queued again: the result is per
    distinct file. Anything but a PDF: nothing."""
    from core.files import PDF
    from signing import tasks

    if stored.content_type != PDF:
        return None
    with transaction.atomic():
        row, created = FileValidation.objects.get_or_create(stored=stored)
        if created:
            tasks.validate_file.enqueue(stored.pk)
    return row


def revalidate(*, actor: User, stored: StoredFile) -> FileValidation:
    """Validate again ("Kiểm tra lại"), e.g. after a trust anchor was added or a CRL became reachable.
    The caller has already checked that ``actor`` may see a document carrying the file."""
    from core.files import PDF
    from signing import tasks

    if stored.content_type != PDF:
        raise InvalidInput("Chỉ kiểm tra chữ ký số được trên tệp PDF.", code="not_pdf")
    with transaction.atomic():
        row, created = FileValidation.objects.select_for_update().get_or_create(stored=stored)
        if created or not row.is_pending:
            row.requested_at = timezone.now()
            row.save(update_fields=["requested_at"])
            tasks.validate_file.enqueue(stored.pk)
        audit.record(actor=actor, action="signing.revalidate", target=stored, data={"sha256": stored.sha256})
    return row


def file_validate(stored_id: int) -> FileValidation | None:
    """The worker's step: validate the file's bytes and store the result. Idempotent: a result newer than
    the last request is kept as it is."""
    from core.files import open_blob

    row = FileValidation.objects.select_related("stored").filter(stored_id=stored_id).first()
    if row is None:
        stored = StoredFile.objects.filter(pk=stored_id).first()
        if stored is None:
            return None
        row, _ = FileValidation.objects.get_or_create(stored=stored)
    if not row.is_pending:
        return row
    started = timezone.now()
    try:
        report = validate_pdf(open_blob(row.stored))
        verdict, reason, details = report.verdict, report.reason, report.as_dict()
    except InvalidInput as exc:  # not a readable PDF: say so, the file cannot carry a valid signature
        verdict, reason, details = "invalid", exc.message, {}
    except Exception:  # never leave the file "đang kiểm tra" forever
        log.exception("validation of stored file %s failed", row.stored_id)
        verdict, reason, details = "indeterminate", "Không kiểm tra được chữ ký số (lỗi khi đọc tệp).", {}
    with transaction.atomic():
        FileValidation.objects.filter(pk=row.pk).update(
            verdict=verdict, reason=reason[:500], report=details, validated_at=started
        )
    row.refresh_from_db()
    return row


def _audit(actor: User | None, action: str, certificate: Certificate, data: dict[str, Any]) -> None:
    audit.record(
        actor=actor,
        action=f"signing.{action}",
        target=certificate,
        organization_id=certificate.organization_id
        or (certificate.person.organization_id if certificate.person else None),
        data={"subject": certificate.subject_cn, **data},
    )
