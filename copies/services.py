"""Making an electronic copy (bản sao điện tử: sao y, sao lục, trích sao), signed by the organisation.

``copy_create`` runs in this order, so that a refusal or a failure stores nothing:

1. the source through the one door (``documents.selectors.document_get_for_user``: invisible = 404);
   the form matches the source (sao lục only from a sao y; sao y and trích sao from a document);
   secret sources are refused (NĐ 30 §27.2: copying state secrets follows the secrecy law);
2. the actor is a clerk of the copying organisation, the decider one of its leaders, the recipients
   exist and can receive; the organisation's certificate may be used by the actor, and its key opens
   with the typed password (a wrong password takes no number);
3. one ``files.atomic_with_files`` transaction: the number (``core.numbering.allocate``, common to all
   forms, per calendar year), the copy row, the organisation's signature with the copy stamp (role
   ``stamp``: form, body name, signing time, top right of page 1), the signed file, the internal
   recipients' incoming documents and the audit event. Any exception rolls all of it back, the number
   included, and removes the blob written.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.text import slugify

from copies import numbering as copy_numbering
from copies import pdfpages
from copies.models import STAMP_LABELS, Copy, CopyForm, CopyRecipient, SourceKind
from copies.permissions import copyable_secrecy, may_copy, may_decide
from copies.selectors import copying_organization_id, pdf_files
from core import audit, files, numbering
from core.errors import Conflict, InvalidInput, NotAllowed, WrongState
from core.vn import fold
from documents.models import Attachment, Register, RegisterKind
from documents.selectors import document_get_for_user
from orgs.models import Organization, User
from orgs.selectors import today
from signing import appearance, keys
from signing.models import Certificate, SignatureRole
from signing.permissions import may_use
from signing.services import schedule_validation, sign_bytes

KIND = "copy"
SECRECY_REFUSED = (
    "Không sao văn bản mật trên hệ thống: việc sao văn bản có nội dung bí mật nhà nước thực hiện theo "
    "quy định của pháp luật về bảo vệ bí mật nhà nước."
)
MAX_RECIPIENTS = 100


@dataclass
class CopyRequest:
    source_kind: str  # "outgoing", "incoming" or "copy" (a sao y, for a sao lục)
    source_id: int
    form: str  # CopyForm
    decided_by_id: int | None
    pages: str = ""  # trích sao only: "1-3, 5"
    file_id: int | None = None  # which PDF of an incoming document (default: the first)
    recipients: list[dict[str, Any]] = field(default_factory=list)  # {"organization_id"} or {"name"}


@dataclass
class _Source:
    kind: str
    document: Any
    original_kind: str
    original: Any
    file: Attachment


def _source(actor: User, data: CopyRequest) -> _Source:
    if data.source_kind not in SourceKind.values:
        raise InvalidInput("Nguồn sao không hợp lệ.", details={"source_kind": data.source_kind})
    if data.form not in CopyForm.values:
        raise InvalidInput("Hình thức sao không hợp lệ.", details={"form": data.form})
    document = document_get_for_user(actor, data.source_kind, data.source_id, need="file")
    if data.form == CopyForm.SAO_LUC:
        if data.source_kind != SourceKind.COPY or document.form != CopyForm.SAO_Y:
            raise InvalidInput("Sao lục chỉ thực hiện từ bản sao y.", code="sao_luc_needs_sao_y")
    elif data.source_kind == SourceKind.COPY:
        raise InvalidInput(
            "Sao y và trích sao thực hiện từ văn bản (bản chính, bản gốc), không từ bản sao.",
            code="copy_of_copy",
        )
    if not copyable_secrecy(document.secrecy):
        raise NotAllowed(SECRECY_REFUSED, code="secret_document")
    if data.source_kind == SourceKind.OUTGOING:
        from outgoing.states import Status

        if document.status != Status.ISSUED or document.issued_file_id is None:
            raise WrongState("Chỉ sao được văn bản đi đã phát hành (có bản phát hành).")
    if data.source_kind == SourceKind.INCOMING:
        from incoming.states import Status as IncomingStatus

        if document.status == IncomingStatus.RECALLED:
            raise WrongState("Văn bản đến đã bị thu hồi: không sao được.")
    candidates = pdf_files(data.source_kind, document)
    chosen = next((f for f in candidates if f.pk == data.file_id), None) if data.file_id else None
    if data.file_id and chosen is None:
        raise InvalidInput("Tệp được chọn không phải tệp PDF của văn bản.", details={"file_id": data.file_id})
    chosen = chosen or (candidates[0] if candidates else None)
    if chosen is None:
        raise InvalidInput("Văn bản không có tệp PDF để sao.", code="no_pdf")
    if data.source_kind == SourceKind.COPY:
        original_kind = document.source_kind
        original = document.source_outgoing or document.source_incoming
    else:
        original_kind, original = data.source_kind, document
    return _Source(data.source_kind, document, original_kind, original, chosen)


def _decider(organization: Organization, decided_by_id: int | None) -> User:
    decider = User.objects.filter(pk=decided_by_id).first() if decided_by_id else None
    if decider is None or not may_decide(decider, organization.pk):
        raise InvalidInput(
            "Vui lòng chọn người quyết định sao là lãnh đạo của cơ quan.",
            code="decider_required",
            details={"decided_by": decided_by_id},
        )
    return decider


def _recipients(
    organization: Organization, items: list[dict[str, Any]]
) -> list[tuple[Organization | None, str]]:
    """Checked before anything is numbered: organisations exist, can receive, are not the copying body."""
    if len(items) > MAX_RECIPIENTS:
        raise InvalidInput("Quá nhiều nơi nhận.", details={"recipients": len(items)})
    found: list[tuple[Organization | None, str]] = []
    seen: set[int] = set()
    for item in items:
        organization_id = item.get("organization_id")
        if organization_id:
            target = Organization.objects.filter(pk=organization_id, merged_into__isnull=True).first()
            if target is None:
                raise InvalidInput("Nơi nhận không tồn tại.", details={"recipients": organization_id})
            if target.pk == organization.pk:
                raise InvalidInput(
                    "Nơi nhận là chính cơ quan sao: bản sao đã được lưu tại cơ quan.",
                    details={"recipients": organization_id},
                )
            if target.pk in seen:
                continue
            seen.add(target.pk)
            if (
                target.uses_system
                and not Register.objects.filter(
                    organization=target, kind=RegisterKind.INCOMING, is_active=True
                ).exists()
            ):
                raise InvalidInput(
                    f"{target.name} chưa có sổ đăng ký văn bản đến: không chuyển được bản sao.",
                    code="no_register",
                )
            found.append((target, target.name))
        elif str(item.get("name", "")).strip():
            found.append((None, str(item["name"]).strip()[:255]))
        else:
            raise InvalidInput("Mỗi nơi nhận cần organization_id hoặc name.", details={"recipients": item})
    return found


def _certificate(actor: User, organization: Organization, secret: str) -> Certificate:
    from outgoing.signatures import seal_certificate

    certificate = seal_certificate(organization.pk)
    if certificate is None:
        raise InvalidInput(
            f"{organization.name} chưa có chứng thư số còn hiệu lực: không tạo được bản sao điện tử.",
            code="no_seal_certificate",
        )
    if not may_use(actor, certificate, SignatureRole.STAMP):
        raise NotAllowed("Bạn không được dùng chứng thư số của cơ quan để ký bản sao.")
    if not secret:
        raise InvalidInput(
            "Vui lòng nhập mật khẩu khóa ký của cơ quan.", code="secret_required", details={"secret": "trống"}
        )
    with keys.signer_for(certificate, secret):  # a wrong password stops here: nothing numbered
        pass
    return certificate


def _source_fields(source: _Source) -> dict[str, Any]:
    original = source.original
    if source.original_kind == SourceKind.OUTGOING:
        return {
            "source_type_name": original.doc_type.name,
            "source_number_symbol": original.number_symbol,
            "source_date": timezone.localdate(original.issued_at) if original.issued_at else None,
            "source_issuer_name": original.organization.name,
            "subject": original.subject,
            "urgency": original.urgency,
            "from_paper": False,
        }
    from documents.models import Channel

    return {
        "source_type_name": original.doc_type.name,
        "source_number_symbol": original.number_symbol,
        "source_date": original.issued_date,
        "source_issuer_name": original.issuer_name,
        "subject": original.subject,
        "urgency": original.urgency,
        # a paper original scanned to PDF at registration: the copy is a "paper → electronic" sao y
        "from_paper": original.channel == Channel.PAPER,
    }


def _content(source: _Source, form: str, pages: str) -> tuple[bytes, str, int]:
    """The bytes to sign (the whole source, or the chosen pages), the pages label and the page count."""
    data = files.open_blob(source.file.stored)
    if hashlib.sha256(data).hexdigest() != source.file.stored.sha256:
        raise Conflict("Tệp gốc không khớp với mã băm đã lưu; không sao được.", code="source_corrupted")
    count = pdfpages.page_count(data)
    if form != CopyForm.TRICH_SAO:
        if pages.strip():
            raise InvalidInput("Chỉ trích sao mới chọn trang.", details={"pages": pages})
        return data, "", count
    chosen = pdfpages.parse_pages(pages, count)
    return pdfpages.extract(data, chosen), pdfpages.pages_label(chosen), len(chosen)


def copy_create(*, actor: User, data: CopyRequest, secret: str) -> Copy:
    """The clerk makes an electronic copy of a document, signed with the organisation's certificate."""
    if not actor.is_authenticated:
        raise NotAllowed()
    source = _source(actor, data)
    organization = Organization.objects.get(pk=copying_organization_id(source.document))
    if not may_copy(actor, organization.pk):
        raise NotAllowed("Chỉ văn thư của cơ quan mới tạo bản sao điện tử.")
    decider = _decider(organization, data.decided_by_id)
    recipients = _recipients(organization, data.recipients)
    content, pages_label, page_count = _content(source, data.form, data.pages)
    certificate = _certificate(actor, organization, secret)
    doc_type = copy_numbering.doc_type_for(organization, data.form)
    stamp_text = appearance.copy_stamp_text(
        STAMP_LABELS[CopyForm(data.form)], (organization.heading_name or organization.name).upper()
    )

    with files.atomic_with_files():
        year = today().year
        scope = copy_numbering.scope_for(organization, year)
        number = numbering.allocate(scope)
        original = source.original
        copy = Copy.objects.create(
            organization=organization,
            form=data.form,
            doc_type=doc_type,
            year=year,
            number=number,
            number_symbol=copy_numbering.format_number_symbol(organization, doc_type, number),
            numbering_scope=scope,
            source_kind=source.kind,
            source_outgoing=original if source.original_kind == SourceKind.OUTGOING else None,
            source_incoming=original if source.original_kind == SourceKind.INCOMING else None,
            source_copy=source.document if source.kind == SourceKind.COPY else None,
            source_file=source.file,
            source_sha256=source.file.stored.sha256,
            pages=pages_label,
            page_count=page_count,
            decided_by=decider,
            created_by=actor,
            **_source_fields(source),
        )
        signed = sign_bytes(
            actor=actor,
            certificate=certificate,
            secret=secret,
            pdf=content,
            role=SignatureRole.STAMP,
            stamp_text=stamp_text,
            document_kind=KIND,
            document_id=copy.pk,
        )
        stem = slugify(fold(copy.number_symbol)) or "ban-sao"
        checked = files.validate(f"ban-sao-{stem}.pdf", signed, allowed=frozenset({files.PDF}))
        copy.file = Attachment.objects.create(
            stored=files.store(checked),
            name=checked.name,
            owner_kind=KIND,
            owner_id=copy.pk,
            position=0,
            uploaded_by=actor,
        )
        copy.save(update_fields=["file"])
        schedule_validation(copy.file.stored)
        delivered = _deliver(copy, actor, recipients)
        audit.record(
            actor=actor,
            action="copy.create",
            target=copy,
            organization_id=organization.pk,
            data={
                "number_symbol": copy.number_symbol,
                "scope": scope,
                "form": copy.form,
                "source_kind": source.kind,
                "source_id": source.document.pk,
                "original_kind": source.original_kind,
                "original_id": original.pk,
                "source_sha256": copy.source_sha256,
                "pages": pages_label,
                "decided_by": decider.pk,
                "certificate": certificate.pk,
                "sha256": checked.sha256,
                "delivered": delivered,
            },
        )
    return copy


def _deliver(copy: Copy, actor: User, recipients: list[tuple[Organization | None, str]]) -> list[int]:
    """Record "Nơi nhận"; organisations using the system receive the copy as an incoming document."""
    from incoming.services import receive_internal

    assert copy.file is not None
    description = f"{copy.get_form_display()} số {copy.number_symbol} của {copy.source_label}"
    delivered = []
    for organization, name in recipients:
        incoming = None
        if organization is not None and organization.uses_system:
            incoming = receive_internal(
                sender=copy,
                actor=actor,
                organization=organization,
                attachment=copy.file,
                sender_kind=KIND,
                description=description,
            )
            delivered.append(incoming.pk)
        CopyRecipient.objects.create(copy=copy, organization=organization, name=name, incoming=incoming)
    return delivered
