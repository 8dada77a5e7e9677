"""The signer signs an outgoing document with a USB token on their own PC, in two steps (issue 4).

``outgoing_sign_prepare`` runs the checks of the signer's step and lays the signature out as "Ký số"
does; the token signs what it returns (``signing.client_signing``); ``outgoing_sign_complete`` checks
everything again under the document's lock, embeds the signature and approves the step — the same
``record_signed`` as the other ways of signing.
"""

from __future__ import annotations

from django.db.models import QuerySet

from core import files
from core.errors import InvalidInput, NotFound
from orgs.models import User
from outgoing.models import OutgoingDocument
from outgoing.signatures import (
    KIND,
    ToSign,
    _lock_unchanged,
    check_signer_step,
    personal_certificates,
    prepare_to_sign,
    record_signed,
)
from signing import client_signing
from signing.appearance import Box
from signing.models import Certificate, CertificateKind, ClientSigningSession, SignatureRole


def token_certificates(user: User) -> QuerySet[Certificate]:
    """The person's valid certificates whose key is on their own token."""
    return personal_certificates(user).filter(kind=CertificateKind.CLIENT)


def outgoing_sign_prepare(
    *,
    actor: User,
    document: OutgoingDocument,
    certificate_id: int | None = None,
    version_sha256: str | None = None,
) -> ClientSigningSession:
    ready = prepare_to_sign(actor=actor, document=document, version_sha256=version_sha256)
    found = token_certificates(actor)
    certificate = found.filter(pk=certificate_id).first() if certificate_id else found.first()
    if certificate is None:
        raise InvalidInput(
            "Bạn chưa đăng ký chứng thư số trên thiết bị ký (token) của mình, hoặc chứng thư đã hết hạn.",
            code="no_certificate",
        )
    return client_signing.prepare(
        actor=actor,
        certificate=certificate,
        pdf=ready.pdf,
        role=SignatureRole.PERSON,
        box=ready.box,
        expected_sha256=ready.version.sha256,
        document_kind=KIND,
        document_id=ready.doc.pk,
    )


def outgoing_sign_complete(
    *, actor: User, document: OutgoingDocument, session_token: str, signature: bytes, note: str = ""
) -> OutgoingDocument:
    peek = ClientSigningSession.objects.filter(token=session_token).first()
    if (
        peek is None
        or peek.actor_id != actor.pk
        or peek.document_kind != KIND
        or peek.document_id != document.pk
    ):
        raise NotFound()
    doc, version = check_signer_step(actor=actor, document=document, version_sha256=peek.expected_sha256)
    ready = ToSign(doc, version, b"", Box(*peek.box) if peek.box else Box(0, 0.0, 0.0, 0.0, 0.0))
    with files.atomic_with_files():
        session = client_signing.open_session(actor, session_token)
        locked = _lock_unchanged(doc, version)
        signed = client_signing.finish(actor=actor, session=session, signature=signature)
        record_signed(
            actor=actor,
            locked=locked,
            ready=ready,
            signed=signed,
            certificate=session.certificate,
            note=note,
            how="token",
        )
    doc.refresh_from_db()
    return doc
