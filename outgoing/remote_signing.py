"""Remote signing of an outgoing document from the signer's phone (issue 4).

At the signer's step, the signer (at a desk), the drafter or the organisation's clerk sends a request
for the exact version waiting for the signature; the signer confirms it on the phone with a one-time
code and the server signs with the certificate the signer entrusted to remote signing
(``signing.remote``), through the same ``outgoing_sign`` as the "Ký số" button: same checks (step,
capacity, version hash, rendition), same signed PDF, same audit.
"""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse

from core.errors import ApplicationError, Conflict, InvalidInput, NotAllowed
from orgs.models import User
from outgoing.models import ApprovalRouteStep, OutgoingDocument
from outgoing.permissions import may_approve_step, may_issue
from outgoing.selectors import outgoing_get_for_user
from outgoing.signatures import KIND, _approved_version, _rendition, outgoing_sign
from outgoing.states import Status
from signing import remote
from signing.models import SignatureRequest


def _signer_step(doc: OutgoingDocument) -> ApprovalRouteStep:
    step = doc.route.steps.filter(position=doc.current_step).first() if doc.route else None
    if doc.status != Status.PENDING_APPROVAL or step is None or not step.is_signer:
        raise Conflict("Văn bản chưa đến bước ký của người ký.", code="not_signer_step")
    return step


def expected_signer(doc: OutgoingDocument) -> User | None:
    """Whom the request goes to: the chosen signer, else the person the signer step names."""
    if doc.signer_id:
        return doc.signer
    step = doc.route.steps.filter(position=doc.current_step).first() if doc.route else None
    return step.person if step is not None and step.person_id else None


def may_request(user: User, doc: OutgoingDocument, signer: User | None) -> bool:
    """The signer, the drafter or the organisation's clerk may send the request to the signer's phone."""
    if signer is None:
        return False
    return user.pk in (signer.pk, doc.drafter_id) or may_issue(user, doc)


def request_remote_sign(
    *,
    actor: User,
    document: OutgoingDocument,
    version_sha256: str | None = None,
    certificate_id: int | None = None,
) -> SignatureRequest:
    """Open a remote-signing request for the version waiting at the signer's step."""
    doc = outgoing_get_for_user(actor, document.pk)
    doc = OutgoingDocument.objects.select_related("signer", "doc_type", "route").get(pk=doc.pk)
    step = _signer_step(doc)
    signer = expected_signer(doc) or (actor if may_approve_step(actor, doc, step) else None)
    if not may_request(actor, doc, signer):
        raise NotAllowed("Chỉ người ký, người soạn thảo hoặc văn thư mới gửi yêu cầu ký từ xa.")
    assert signer is not None
    if not may_approve_step(signer, doc, step):
        raise InvalidInput("Người ký không phải người duyệt ở bước ký của văn bản.", code="not_signer")
    from outgoing.services import _check_capacity

    _check_capacity(doc, signer)
    certificates = remote.remote_certificates(signer)
    certificate = next((c for c in certificates if c.pk == certificate_id), None) if certificate_id else None
    certificate = certificate or (certificates[0] if certificates and not certificate_id else None)
    if certificate is None:
        raise InvalidInput(
            "Người ký chưa cho phép ký từ xa bằng chứng thư số nào còn hiệu lực "
            "(trang “Chứng thư số của tôi”).",
            code="remote_not_enabled",
        )
    version = _approved_version(doc, version_sha256)
    _rendition(version)  # the PDF must be ready before the signer is disturbed
    # the title travels in the notification and the e-mail: a secret document's subject stays out of them
    about = doc.subject if doc.secrecy == "none" else "(văn bản mật)"
    title = f"{doc.doc_type.name} — {about} (phiên bản {version.number})"
    with transaction.atomic():
        return remote.open_request(
            requested_by=actor,
            signer=signer,
            certificate=certificate,
            document_kind=KIND,
            document_id=doc.pk,
            sha256=version.sha256,
            title=title,
            url=reverse("web:outgoing_detail", args=[doc.pk]),
        )


def confirm_remote_sign(*, actor: User, token: str, code: str, note: str = "") -> OutgoingDocument:
    """The signer's code accepted, the document is signed with the entrusted certificate; if signing
    fails after the code was used, the request is marked failed with the reason and the error raised."""
    request = remote.consume(actor=actor, token=token, code=code)
    try:
        if request.document_kind != KIND:
            raise InvalidInput("Loại yêu cầu ký không được hỗ trợ.", code="unsupported_request")
        document = OutgoingDocument.objects.get(pk=request.document_id)
        with transaction.atomic():  # the document signed and the request done, together
            signed = outgoing_sign(
                actor=actor,
                document=document,
                secret=remote.entrusted_secret(request.certificate),
                certificate_id=request.certificate_id,
                version_sha256=request.sha256,
                note=note,
                how="remote",
            )
            remote.mark_signed(request, actor=actor)
        return signed
    except ApplicationError as exc:
        remote.fail(request, exc.message)
        raise
    except Exception:
        remote.fail(request, "Lỗi hệ thống khi ký; vui lòng gửi yêu cầu mới.")
        raise
