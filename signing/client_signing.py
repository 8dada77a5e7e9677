"""Two-step signing with the signer's own USB token (PKCS#11 on the signer's PC, never on the server).

1. ``prepare``: the server lays the signature out exactly as for a server-held key (``plan_signature``),
   writes the PDF with an empty signature container and returns the CMS signed attributes to be signed
   (DER), kept in a ``ClientSigningSession`` for ``SIGNING_CLIENT_SESSION_MINUTES``;
2. the signer's client (``tools/dieuhanh_token_sign.py``, or any client speaking the API) signs those
   bytes on the token with RSA PKCS#1 v1.5 / SHA-256 (PKCS#11 mechanism ``CKM_SHA256_RSA_PKCS``) after
   the signer types the PIN — on the PC, into the token's own library;
3. ``finish``: the server checks the signature against the registered certificate, embeds it (with a
   timestamp when a TSA is configured) and records the SignatureEvent, once.

The certificate is registered without its key (``CertificateKind.CLIENT``): by the owner uploading the
certificate file, or by the client on first use.
"""

from __future__ import annotations

import secrets
from dataclasses import astuple
from datetime import timedelta

from cryptography import x509
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import audit
from core.errors import Conflict, InvalidInput, NotAllowed, NotFound
from orgs.models import Organization, User
from signing import appearance, keys, pades
from signing.models import Certificate, CertificateKind, ClientSigningSession
from signing.permissions import may_manage
from signing.services import (
    _audit,
    _cert_fields,
    _check_usage,
    _default_images,
    _owner_fields,
    plan_signature,
    record_signature,
)

EXPIRED = "Phiên ký đã hết hạn; vui lòng ký lại."


def _load_certificate(data: bytes) -> x509.Certificate:
    try:
        if data.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(data)
        return x509.load_der_x509_certificate(data)
    except ValueError as exc:
        raise InvalidInput(
            "Tệp chứng thư số không hợp lệ (cần tệp .cer, .crt hoặc .pem).", code="invalid_certificate"
        ) from exc


def _known_issuers() -> dict[bytes, x509.Certificate]:
    """Certificates this installation already knows (trust anchors and the chains of registered
    certificates), by subject: to complete a chain the token did not provide."""
    import base64

    from signing.models import TrustAnchor

    known: dict[bytes, x509.Certificate] = {}
    blobs = [bytes(der) for der in TrustAnchor.objects.values_list("certificate_der", flat=True)]
    for chain in Certificate.objects.exclude(chain_der=[]).values_list("chain_der", flat=True):
        blobs += [base64.b64decode(c) for c in chain]
    for blob in blobs:
        try:
            cert = x509.load_der_x509_certificate(blob)
        except ValueError:
            continue
        known.setdefault(cert.subject.public_bytes(), cert)
    return known


def _complete_chain(cert: x509.Certificate, given: list[x509.Certificate]) -> list[x509.Certificate]:
    if given:
        return given
    known, current = _known_issuers(), cert
    chain: list[x509.Certificate] = []
    while current.issuer != current.subject and len(chain) < 5:
        issuer = known.get(current.issuer.public_bytes())
        if issuer is None:
            break
        chain.append(issuer)
        current = issuer
    return chain


def register_client_certificate(
    *,
    actor: User,
    owner: User | Organization,
    certificate: bytes,
    chain: list[bytes] | None = None,
    image: bytes | None = None,
) -> Certificate:
    """Register a certificate whose key stays on the owner's token (only the public certificate is kept).
    Registering the same certificate again returns the existing one."""
    from cryptography.hazmat.primitives import serialization

    if not may_manage(actor, owner):
        raise NotAllowed()
    cert = _load_certificate(certificate)
    _check_usage(cert)
    keys.check_validity(cert.not_valid_before_utc, cert.not_valid_after_utc)
    der = cert.public_bytes(serialization.Encoding.DER)
    existing = Certificate.objects.filter(certificate_der=der, **_owner_fields(owner)).first()
    if existing is not None:
        return existing
    intermediates = _complete_chain(cert, [_load_certificate(c) for c in chain or []])
    images = _default_images(owner) if image is None else {next(iter(_default_images(owner))): image}
    with transaction.atomic():
        registered = Certificate.objects.create(
            kind=CertificateKind.CLIENT,
            created_by=actor,
            **_owner_fields(owner),
            **_cert_fields(cert, intermediates),
            **images,
        )
        _audit(actor, "certificate.register", registered, {"kind": registered.kind})
    return registered


def prepare(
    *,
    actor: User,
    certificate: Certificate,
    pdf: bytes,
    role: str,
    box: appearance.Box | None = None,
    stamp_text: str = "",
    expected_sha256: str = "",
    document_kind: str = "",
    document_id: int | None = None,
) -> ClientSigningSession:
    """Step 1: the prepared PDF and the bytes the token must sign, kept in a session."""
    import base64

    if certificate.kind != CertificateKind.CLIENT:
        raise InvalidInput("Chứng thư số này không dùng thiết bị ký của người ký.", code="not_client_key")
    if not certificate.is_active:
        raise InvalidInput("Chứng thư số này đã ngừng sử dụng.", code="certificate_inactive")
    keys.check_validity(certificate.not_before, certificate.not_after)
    purge_expired()
    plan = plan_signature(
        actor=actor, certificate=certificate, pdf=pdf, role=role, box=box, stamp_text=stamp_text
    )
    prepared = pades.prepare_external(
        plan.pdf,
        cert_der=bytes(certificate.certificate_der),
        chain_der=[base64.b64decode(c) for c in certificate.chain_der],
        field_name=plan.field_name,
        box=plan.box,
        image=plan.image,
        stamp_text=plan.stamp_text,
    )
    now = timezone.now()
    with transaction.atomic():
        session = ClientSigningSession.objects.create(
            token=secrets.token_urlsafe(32),
            actor=actor,
            certificate=certificate,
            role=role,
            document_kind=document_kind,
            document_id=document_id,
            expected_sha256=expected_sha256,
            field_name=plan.field_name,
            sha256_before=plan.before,
            prepared_pdf=prepared.pdf,
            to_sign=prepared.to_sign,
            document_digest=prepared.document_digest,
            region_start=prepared.region_start,
            region_end=prepared.region_end,
            box=list(astuple(plan.box)) if plan.box is not None else [],
            expires_at=now + timedelta(minutes=settings.SIGNING_CLIENT_SESSION_MINUTES),
        )
        audit.record(
            actor=actor,
            action="sign.client_prepare",
            target=session,
            data={"certificate": certificate.pk, "document_kind": document_kind, "document_id": document_id},
        )
    return session


def open_session(actor: User, token: str) -> ClientSigningSession:
    """The caller's unfinished, unexpired session, locked (call inside a transaction)."""
    session = (
        ClientSigningSession.objects.select_for_update()
        .select_related("certificate")
        .filter(token=token)
        .first()
    )
    if session is None or session.actor_id != actor.pk:
        raise NotFound()
    if session.finished_at is not None:
        raise Conflict("Phiên ký này đã hoàn tất.", code="session_finished")
    if timezone.now() >= session.expires_at:
        raise Conflict(EXPIRED, code="session_expired")
    return session


def finish(*, actor: User, session: ClientSigningSession, signature: bytes) -> bytes:
    """Step 3 (inside the caller's transaction, on a session from ``open_session``): the signed PDF; the
    SignatureEvent recorded and the session closed (its PDF dropped)."""
    import base64

    certificate = session.certificate
    signed = pades.finish_external(
        pades.Prepared(
            pdf=bytes(session.prepared_pdf),
            to_sign=bytes(session.to_sign),
            document_digest=bytes(session.document_digest),
            region_start=session.region_start,
            region_end=session.region_end,
        ),
        signature=signature,
        cert_der=bytes(certificate.certificate_der),
        chain_der=[base64.b64decode(c) for c in certificate.chain_der],
    )
    record_signature(
        actor=actor,
        certificate=certificate,
        role=session.role,
        field_name=session.field_name,
        before=session.sha256_before,
        signed=signed,
        document_kind=session.document_kind,
        document_id=session.document_id,
    )
    session.finished_at = timezone.now()
    session.prepared_pdf = b""
    session.save(update_fields=["finished_at", "prepared_pdf"])
    return signed


def purge_expired() -> int:
    """Drop the prepared PDFs of sessions nobody finished (called by the hourly reminders loop)."""
    return (
        ClientSigningSession.objects.filter(finished_at__isnull=True, expires_at__lt=timezone.now())
        .exclude(prepared_pdf=b"")
        .update(prepared_pdf=b"")
    )
