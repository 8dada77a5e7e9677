"""Digital signatures in the outgoing flow (issue 4, slice 2): the signer signs, the clerk seals.

The order (docs/architecture.md, "Signatures"):

1. at the signer's step, the PDF rendition of the approved version (its hash checked) gets the empty
   number and date form fields (``formfields.add_issue_fields``), then the signer's signature in the box
   between the position line and the name (the seal's field is created in the same update); the signed
   PDF is kept in ``OutgoingDocument.signed_file`` and the signer's approval is recorded with it, so the
   version is locked;
2. at issuance, after the number is allocated, the fields are filled in an incremental update (form
   filling, which the signer's signature allows), then the clerk seals with the organisation's
   certificate in the prepared seal field; PDF annexes get the organisation's text stamp.

The clerk's password is checked before anything is numbered (``check_seal_secret``). The background
finalize task has no password: it leaves a signed document that needs the seal pending, and the clerk's
"Hoàn tất phát hành" completes it.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.text import slugify

from core import audit, files
from core.errors import Conflict, InvalidInput, NotAllowed
from core.vn import fold
from orgs.models import User
from outgoing import renditions
from outgoing.drafting import formfields
from outgoing.drafting.context import signer_block
from outgoing.models import Annex, OutgoingDocument, Version
from outgoing.permissions import may_approve_step, may_issue
from outgoing.states import Decision, RenditionStatus, Status, check_transition
from signing import keys
from signing.appearance import Box
from signing.models import Certificate, CertificateKind, SignatureEvent, SignatureRole
from signing.permissions import may_use
from signing.selectors import personal_certificates, seal_certificate
from signing.services import schedule_validation, sign_bytes

log = logging.getLogger(__name__)

KIND = "outgoing"
PDF_NOT_READY = "Bản PDF của dự thảo chưa sẵn sàng, vui lòng chờ trong giây lát rồi ký lại."
VERSION_MISMATCH = "Tệp cần ký không đúng phiên bản đã được duyệt; vui lòng tải lại trang và xem lại dự thảo."
SEAL_SECRET_REQUIRED = "Vui lòng nhập mật khẩu khóa ký của cơ quan để đóng dấu số."  # noqa: S105 - a message
BOX_WIDTH = 140.0  # points: the signature image between the position line and the name
BOX_MAX_HEIGHT = 80.0
SIGNED_POSITION = 2000  # attachment position of the signed PDF (versions 1.., renditions 1000+)


# --- certificates ----------------------------------------------------------------------------------------


# personal_certificates(user) and seal_certificate(organization_id) are signing.selectors' (imported above)


def signature_events(doc: OutgoingDocument) -> list[SignatureEvent]:
    return list(
        SignatureEvent.objects.filter(document_kind=KIND, document_id=doc.pk)
        .select_related("certificate", "actor")
        .order_by("at", "id")
    )


# --- where the signature goes ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    x0: float
    x1: float
    top: float
    bottom: float

    @property
    def centre(self) -> float:
        return (self.x0 + self.x1) / 2


def _rows(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (float(w["top"]), float(w["x0"]))):
        for row in rows:
            if abs(float(row[0]["top"]) - float(word["top"])) < 3:
                row.append(word)
                break
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: float(w["x0"])) for row in rows]


def _find(rows: list[list[dict[str, Any]]], text: str) -> list[Found]:
    """Every place where the words of ``text`` follow each other on one line (case and accents kept)."""
    target = [t.casefold() for t in text.split()]
    if not target:
        return []
    found = []
    for row in rows:
        tokens = [str(w["text"]).casefold() for w in row]
        for i in range(len(tokens) - len(target) + 1):
            if tokens[i : i + len(target)] == target:
                run = row[i : i + len(target)]
                found.append(
                    Found(
                        float(run[0]["x0"]),
                        float(run[-1]["x1"]),
                        min(float(w["top"]) for w in run),
                        max(float(w["bottom"]) for w in run),
                    )
                )
    return found


def signature_box(pdf: bytes, *, position: str, name: str) -> Box:
    """The box between the position line and the signer's name on the last page holding them, in PDF
    points; a box in the lower right of the last page when they are not found."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = list(document.pages)
        for index in range(len(pages) - 1, -1, -1):
            page = pages[index]
            height = float(page.height)
            rows = _rows(page.extract_words(keep_blank_chars=False))
            positions = _find(rows, position)
            names = _find(rows, name)
            pairs = [
                (p, n)
                for p in positions
                for n in names
                if n.top > p.bottom and abs(n.centre - p.centre) < 120 and n.top - p.bottom < 200
            ]
            if pairs:
                p, n = max(pairs, key=lambda pair: pair[0].top)
                top, bottom = height - p.bottom - 2, height - n.top + 2
                if top - bottom > BOX_MAX_HEIGHT:
                    middle = (top + bottom) / 2
                    top, bottom = middle + BOX_MAX_HEIGHT / 2, middle - BOX_MAX_HEIGHT / 2
                centre = (p.centre + n.centre) / 2
            elif positions and not name.strip():
                p = positions[-1]
                top = height - p.bottom - 2
                bottom, centre = top - 65, p.centre
            else:
                continue
            return Box(
                index,
                round(centre - BOX_WIDTH / 2, 1),
                round(bottom, 1),
                round(centre + BOX_WIDTH / 2, 1),
                round(top, 1),
            )
        last = pages[-1]
        width = float(last.width)
    return Box(len(pages) - 1, round(width - 72 - BOX_WIDTH, 1), 110.0, round(width - 72, 1), 175.0)


def person_field_box(pdf: bytes) -> Box | None:
    """The rectangle of the signer's signature field (the seal's box is derived from it)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    for index, page in enumerate(reader.pages):
        for annotation in page.get("/Annots") or []:
            widget = annotation.get_object()
            if widget.get("/T") == "person" and "/Rect" in widget:
                x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
                return Box(index, x1, y1, x2, y2)
    return None


# --- signing at the signer's step ------------------------------------------------------------------------


def _approved_version(doc: OutgoingDocument, version_sha256: str | None) -> Version:
    """The latest version, which every approval of the current round was given on (hash check)."""
    version = doc.versions.select_related("pdf__stored", "attachment__stored").order_by("-number").first()
    if version is None:
        raise InvalidInput("Văn bản chưa có tệp để ký.", code="no_file")
    if version_sha256 is not None and version_sha256 != version.sha256:
        raise Conflict(VERSION_MISMATCH, code="version_mismatch")
    last_reject = doc.approvals.filter(decision=Decision.REJECTED).order_by("-id").first()
    round_approvals = doc.approvals.filter(decision=Decision.APPROVED)
    if last_reject is not None:
        round_approvals = round_approvals.filter(id__gt=last_reject.pk)
    if round_approvals.exclude(version=version).exists():
        raise Conflict(VERSION_MISMATCH, code="version_mismatch")
    return version


def _rendition(version: Version) -> bytes:
    """The PDF rendition of the version, checked against the hash recorded when it was stored."""
    if version.pdf is None or version.pdf_status != RenditionStatus.READY:
        raise Conflict(PDF_NOT_READY, code="pdf_not_ready")
    data = files.open_blob(version.pdf.stored)
    digest = hashlib.sha256(data).hexdigest()
    own = version.pdf_id != version.attachment_id or digest == version.sha256
    if digest != version.pdf.stored.sha256 or not own:
        raise Conflict(VERSION_MISMATCH, code="version_mismatch")
    return data


def server_key_certificates(user: User) -> QuerySet[Certificate]:
    """The person's valid certificates whose key the server can use with a password/PIN (not a token on
    the signer's own PC, which signs in two steps: ``outgoing.token_signing``)."""
    return personal_certificates(user).exclude(kind=CertificateKind.CLIENT)


def _certificate(actor: User, certificate_id: int | None) -> Certificate:
    found = server_key_certificates(actor)
    certificate = found.filter(pk=certificate_id).first() if certificate_id else found.first()
    if certificate is None:
        raise InvalidInput(
            "Bạn chưa có chứng thư số còn hiệu lực để ký số; có thể dùng “Ký duyệt” (không ký số).",
            code="no_certificate",
            details={"certificate_id": "không có"},
        )
    return certificate


@dataclass
class ToSign:
    """A document ready for the signer's signature: the approved version, its rendition with the number
    and date fields, and the box between the position line and the name."""

    doc: OutgoingDocument
    version: Version
    pdf: bytes
    box: Box


def check_signer_step(
    *, actor: User, document: OutgoingDocument, version_sha256: str | None
) -> tuple[OutgoingDocument, Version]:
    """The checks of the signer's step (state, step, chosen signer, capacity, approved version) shared by
    every way of signing (password, remote code, the signer's own token)."""
    from outgoing.services import _check_capacity

    doc = OutgoingDocument.objects.select_related("organization", "doc_type", "signer__position").get(
        pk=document.pk
    )
    check_transition("approve", doc.status)  # wrong state is a 409, as for every transition
    step = doc.route.steps.filter(position=doc.current_step).first() if doc.route else None
    if step is None or not may_approve_step(actor, doc, step):
        raise NotAllowed("Bạn không phải người duyệt ở bước này.")
    if not step.is_signer:
        raise InvalidInput("Chỉ ký số ở bước ký của người ký văn bản.", code="not_signer_step")
    if doc.signer_id and doc.signer_id != actor.pk:
        raise NotAllowed("Chỉ người ký đã chọn mới ký văn bản này.")
    _check_capacity(doc, actor)
    return doc, _approved_version(doc, version_sha256)


def prepare_to_sign(*, actor: User, document: OutgoingDocument, version_sha256: str | None) -> ToSign:
    """The signer's step checked, and the rendition laid out for the signature."""
    doc, version = check_signer_step(actor=actor, document=document, version_sha256=version_sha256)
    prepared = formfields.add_issue_fields(_rendition(version))
    if doc.signer_id is None:
        doc.signer = actor  # the block was drawn with the head's title; the name is the signer's
    block = signer_block(doc)
    box = signature_box(prepared, position=block["position"], name=block["signer_name"])
    return ToSign(doc, version, prepared, box)


def _lock_unchanged(doc: OutgoingDocument, version: Version) -> OutgoingDocument:
    """Inside the transaction: the document is still at the same step of the same version."""
    locked = OutgoingDocument.objects.select_for_update().get(pk=doc.pk)
    latest = locked.versions.order_by("-number").values_list("pk", flat=True).first()
    if locked.status != Status.PENDING_APPROVAL or locked.current_step != doc.current_step:
        raise Conflict()
    if latest != version.pk:
        raise Conflict(VERSION_MISMATCH, code="version_mismatch")
    return locked


def record_signed(
    *,
    actor: User,
    locked: OutgoingDocument,
    ready: ToSign,
    signed: bytes,
    certificate: Certificate,
    note: str,
    how: str,
) -> OutgoingDocument:
    """Inside the transaction: keep the signed PDF, queue its validation, approve the signer's step."""
    from outgoing.services import outgoing_approve

    doc, version, box = ready.doc, ready.version, ready.box
    stem = slugify(fold(doc.doc_type.name)) or "van-ban"
    attachment = renditions.attach(
        locked, actor, f"{stem}-ky-so-phien-ban-{version.number}.pdf", signed, SIGNED_POSITION
    )
    OutgoingDocument.objects.filter(pk=doc.pk).update(signed_file=attachment)
    schedule_validation(attachment.stored)  # the verdict shown on the document page
    done = outgoing_approve(actor=actor, document=locked, note=note)
    audit.record(
        actor=actor,
        action="outgoing.sign",
        target=done,
        organization_id=done.organization_id,
        data={
            "status": done.status,
            "how": how,
            "version": version.number,
            "version_sha256": version.sha256,
            "rendition_sha256": version.pdf.stored.sha256 if version.pdf else "",
            "signed_sha256": attachment.stored.sha256,
            "certificate": certificate.pk,
            "box": [box.page, box.x1, box.y1, box.x2, box.y2],
        },
    )
    return done


def outgoing_sign(
    *,
    actor: User,
    document: OutgoingDocument,
    secret: str,
    certificate_id: int | None = None,
    version_sha256: str | None = None,
    note: str = "",
    how: str = "key",
) -> OutgoingDocument:
    """The signer signs the approved version digitally and approves it at the signer's step.

    ``version_sha256``: the version the signer looked at (the page sends it); signing another is refused.
    ``how``: recorded in the audit event (``key``: password/PIN typed; ``remote``: confirmed by a code)."""
    ready = prepare_to_sign(actor=actor, document=document, version_sha256=version_sha256)
    if not secret:
        raise InvalidInput(
            "Vui lòng nhập mật khẩu khóa ký.", code="secret_required", details={"secret": "trống"}
        )
    certificate = _certificate(actor, certificate_id)
    doc = ready.doc
    with files.atomic_with_files():
        locked = _lock_unchanged(doc, ready.version)
        signed = sign_bytes(
            actor=actor,
            certificate=certificate,
            secret=secret,
            pdf=ready.pdf,
            role=SignatureRole.PERSON,
            box=ready.box,
            document_kind=KIND,
            document_id=doc.pk,
        )
        record_signed(
            actor=actor,
            locked=locked,
            ready=ready,
            signed=signed,
            certificate=certificate,
            note=note,
            how=how,
        )
    doc.refresh_from_db()
    return doc


# --- issuance --------------------------------------------------------------------------------------------


def needs_seal_secret(doc: OutgoingDocument) -> bool:
    return doc.signed_file_id is not None and seal_certificate(doc.organization_id) is not None


def check_seal_secret(*, actor: User, document: OutgoingDocument, secret: str) -> None:
    """Before the number is allocated: open the seal key with the clerk's password (wrong → nothing
    numbered). Documents without the signer's digital signature need nothing."""
    doc = OutgoingDocument.objects.get(pk=document.pk)
    if doc.signed_file_id is None or doc.status != Status.APPROVED:
        return
    if not may_issue(actor, doc):
        raise NotAllowed("Chỉ văn thư của cơ quan mới cấp số và phát hành.")
    certificate = seal_certificate(doc.organization_id)
    if certificate is None:
        return
    if not may_use(actor, certificate, SignatureRole.SEAL):
        raise NotAllowed("Bạn không được dùng chứng thư số của cơ quan để đóng dấu.")
    if not secret:
        raise InvalidInput(SEAL_SECRET_REQUIRED, code="secret_required", details={"secret": "trống"})
    with keys.signer_for(certificate, secret):
        pass


@dataclass
class Issued:
    name: str
    data: bytes
    annexes: list[tuple[Annex, bytes]]


def issued_signed(doc: OutgoingDocument, *, clerk: User | None, secret: str) -> Issued | None:
    """The issued PDF of a signed document: its fields filled, then sealed when the organisation has a
    seal certificate. None when the seal is needed but no password was given (the worker)."""
    assert doc.signed_file is not None and doc.number is not None and doc.issued_at is not None
    certificate = seal_certificate(doc.organization_id)
    if certificate is not None and (not secret or clerk is None):
        if clerk is None:
            log.info("signed document %s waits for the clerk's seal password", doc.pk)
            return None
        raise InvalidInput(SEAL_SECRET_REQUIRED, code="secret_required", details={"secret": "trống"})
    on = doc.issued_at.astimezone().date()
    data = formfields.fill_issue_fields(
        files.open_blob(doc.signed_file.stored), number=doc.number, number_symbol=doc.number_symbol, on=on
    )
    annexes: list[tuple[Annex, bytes]] = []
    if certificate is not None:
        assert clerk is not None
        data = sign_bytes(
            actor=clerk,
            certificate=certificate,
            secret=secret,
            pdf=data,
            role=SignatureRole.SEAL,
            box=person_field_box(data),
            document_kind=KIND,
            document_id=doc.pk,
        )
        for annex in doc.annexes.select_related("attachment__stored"):
            if annex.attachment.stored.content_type != files.PDF:
                continue  # a .docx annex is delivered as it is
            stamped = sign_bytes(
                actor=clerk,
                certificate=certificate,
                secret=secret,
                pdf=files.open_blob(annex.attachment.stored),
                role=SignatureRole.STAMP,
                stamp_text=doc.number_symbol,
                document_kind=KIND,
                document_id=doc.pk,
                attachment_id=annex.attachment_id,
            )
            annexes.append((annex, stamped))
    stem = slugify(fold(doc.number_symbol)) or "van-ban"
    return Issued(f"{stem}.pdf", data, annexes)


def attach_stamped_annexes(doc: OutgoingDocument, clerk: User, annexes: list[tuple[Annex, bytes]]) -> None:
    """Inside the finalize transaction: each annex now points at its stamped PDF (delivered as such)."""
    for annex, data in annexes:
        annex.attachment = renditions.attach(doc, clerk, annex.attachment.name, data, 500 + annex.position)
        annex.save(update_fields=["attachment"])
