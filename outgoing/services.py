"""Every write on outgoing documents: one transaction each, audit and history inside, effects on commit."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone

from core import audit, files, numbering
from core.errors import InvalidInput, NotAllowed
from core.vn import fold
from documents.models import Attachment, DocType, Urgency
from incoming.permissions import cleared_for
from notifications import services as notify
from orgs.models import Organization, Role, Secrecy, User
from orgs.selectors import people_with_roles, today
from outgoing import external, renditions
from outgoing import numbering as outgoing_numbering
from outgoing.models import Approval, ApprovalRoute, ApprovalRouteStep, OutgoingDocument, Recipient, Version
from outgoing.permissions import may_approve_step, may_draft, may_issue, may_recall
from outgoing.states import Decision, DeliveryStatus, SignerCapacity, Status, Steering, check_transition
from search import indexing as search_index

DRAFT_TYPES = frozenset({files.PDF, files.DOCX})
log = logging.getLogger(__name__)


@dataclass
class Draft:
    doc_type: str
    subject: str
    urgency: str = Urgency.NORMAL
    secrecy: str = Secrecy.NONE
    signer_id: int | None = None
    signer_capacity: str = SignerCapacity.OWN
    recipients: list[dict[str, Any]] = field(default_factory=list)
    reply_to_id: int | None = None
    fields: dict[str, Any] | None = None  # template fields (at least "content") instead of an upload
    response_due: date | None = None  # the recipients are asked to handle it by then
    steering: int = Steering.NONE


def _locked(doc: OutgoingDocument) -> OutgoingDocument:
    return OutgoingDocument.objects.select_for_update().get(pk=doc.pk)


def _audit(doc: OutgoingDocument, actor: User, action: str, data: dict[str, Any] | None = None) -> None:
    audit.record(
        actor=actor,
        action=f"outgoing.{action}",
        target=doc,
        organization_id=doc.organization_id,
        data={"status": doc.status, **(data or {})},
    )


def _search_text(doc: OutgoingDocument) -> str:
    return fold(" ".join([doc.number_symbol, doc.subject, doc.doc_type.name]))


def _add_version(
    doc: OutgoingDocument,
    actor: User,
    upload: tuple[str, bytes] | None,
    note: str,
    fields: dict[str, Any] | None = None,
) -> Version:
    number = doc.versions.count() + 1
    if upload is None:
        if fields is None:
            raise InvalidInput(
                "Vui lòng tải tệp dự thảo (.docx, .pdf) hoặc nhập nội dung theo mẫu.",
                details={"file": "trống"},
            )
        fields = clean_fields(fields)
        upload = renditions.draft_docx(doc, fields, version=number)
    checked = files.validate(*upload, allowed=DRAFT_TYPES)
    stored = files.store(checked)
    attachment = Attachment.objects.create(
        stored=stored,
        name=checked.name,
        owner_kind="outgoing",
        owner_id=doc.pk,
        position=number,
        uploaded_by=actor,
    )
    version = Version.objects.create(
        document=doc,
        number=number,
        attachment=attachment,
        sha256=checked.sha256,
        note=(note.strip() or f"Dự thảo lần {number}")[:500],
        fields=fields,
        created_by=actor,
    )
    renditions.schedule_conversion(version)
    return version


def clean_fields(fields: Any) -> dict[str, Any]:
    """Template fields: a JSON object of short texts (lists of texts for addressees)."""
    if not isinstance(fields, dict):
        raise InvalidInput("fields phải là một đối tượng JSON.", details={"fields": "không hợp lệ"})
    cleaned: dict[str, Any] = {}
    for key, value in fields.items():
        if not isinstance(key, str) or not key.isidentifier() or len(key) > 40:
            raise InvalidInput(f"Tên trường “{key}” không hợp lệ.", details={"fields": key})
        if isinstance(value, list):
            cleaned[key] = [str(item).strip()[:500] for item in value if str(item).strip()][:100]
        elif isinstance(value, str | int | float):
            cleaned[key] = str(value)[:100_000]
        elif value is not None:
            raise InvalidInput(f"Giá trị của trường “{key}” không hợp lệ.", details={"fields": key})
    if not str(cleaned.get("content", "")).strip():
        raise InvalidInput("Vui lòng nhập nội dung văn bản.", details={"content": "trống"})
    return cleaned


def _recipients(doc: OutgoingDocument, items: list[dict[str, Any]]) -> None:
    for item in items:
        organization_id = item.get("organization_id")
        if organization_id:
            organization = Organization.objects.filter(pk=organization_id, merged_into__isnull=True).first()
            if organization is None:
                raise InvalidInput("Nơi nhận không tồn tại.", details={"recipients": organization_id})
            Recipient.objects.create(document=doc, organization=organization, name=organization.name)
        elif str(item.get("name", "")).strip():
            Recipient.objects.create(document=doc, name=str(item["name"]).strip()[:255])
        else:
            raise InvalidInput("Mỗi nơi nhận cần organization_id hoặc name.", details={"recipients": item})


def outgoing_create(*, actor: User, data: Draft, upload: tuple[str, bytes] | None = None) -> OutgoingDocument:
    """A specialist starts a draft: version 1 is the uploaded .docx/.pdf, or rendered from the template."""
    organization = actor.organization
    if organization is None:
        raise NotAllowed("Tài khoản chưa thuộc cơ quan nào.")
    if not may_draft(actor, organization.pk):
        raise NotAllowed("Bạn chưa có vai trò soạn thảo văn bản tại cơ quan.")
    errors: dict[str, str] = {}
    doc_type = DocType.objects.filter(
        code=data.doc_type, profile=organization.profile, is_active=True
    ).first()
    if doc_type is None:
        errors["doc_type"] = "Loại văn bản không hợp lệ với khối của cơ quan."
    if not data.subject.strip():
        errors["subject"] = "Vui lòng nhập trích yếu."
    if data.urgency not in Urgency.values:
        errors["urgency"] = "Độ khẩn không hợp lệ."
    if data.secrecy not in Secrecy.values:
        errors["secrecy"] = "Độ mật không hợp lệ."
    if data.signer_capacity not in SignerCapacity.values:
        errors["signer_capacity"] = "Thẩm quyền ký không hợp lệ."
    if data.steering not in Steering.values:
        errors["steering"] = "Tính chất chỉ đạo không hợp lệ."
    if data.response_due is not None and data.response_due < timezone.localdate():
        errors["response_due"] = "Hạn xử lý đề nghị không được trước ngày hôm nay."
    signer = None
    if data.signer_id:
        signer = User.objects.filter(pk=data.signer_id, organization=organization, is_active=True).first()
        if signer is None:
            errors["signer_id"] = "Người ký không thuộc cơ quan."
    if errors:
        raise InvalidInput("Thông tin dự thảo chưa hợp lệ: " + " ".join(errors.values()), details=errors)
    if not cleared_for(actor, data.secrecy):
        raise NotAllowed("Bạn không được phép soạn văn bản ở độ mật này.")
    assert doc_type is not None
    with files.atomic_with_files():
        doc = OutgoingDocument.objects.create(
            organization=organization,
            drafting_unit=actor.unit,
            drafter=actor,
            doc_type=doc_type,
            subject=data.subject.strip()[:500],
            urgency=data.urgency,
            secrecy=data.secrecy,
            signer=signer,
            signer_capacity=data.signer_capacity,
            reply_to_id=data.reply_to_id,
            response_due=data.response_due,
            steering=data.steering,
        )
        doc.search_text = _search_text(doc)
        doc.save(update_fields=["search_text"])
        _recipients(doc, data.recipients)
        version = _add_version(doc, actor, upload, "Dự thảo lần 1", data.fields)
        search_index.reindex("outgoing", [doc.pk])  # in this transaction (search/indexing.py)
        _audit(doc, actor, "create", {"version": version.number, "sha256": version.sha256})
    return doc


def outgoing_add_version(
    *,
    actor: User,
    document: OutgoingDocument,
    upload: tuple[str, bytes] | None = None,
    note: str = "",
    fields: dict[str, Any] | None = None,
) -> Version:
    """A new version: an uploaded file, or the template rendered again with edited fields."""
    with files.atomic_with_files():
        doc = _locked(document)
        if doc.drafter_id != actor.pk:
            raise NotAllowed("Chỉ người soạn thảo mới thêm phiên bản.")
        check_transition("add_version", doc.status)
        version = _add_version(doc, actor, upload, note, fields)
        search_index.reindex("outgoing", [doc.pk])
        _audit(doc, actor, "add_version", {"version": version.number, "sha256": version.sha256})
    return version


def _route(doc: OutgoingDocument) -> ApprovalRoute:
    route = (
        ApprovalRoute.objects.filter(organization=doc.organization, doc_type=doc.doc_type).first()
        or ApprovalRoute.objects.filter(organization=doc.organization, doc_type__isnull=True).first()
    )
    if route is None or not route.steps.exists():
        raise InvalidInput("Cơ quan chưa cấu hình quy trình duyệt cho loại văn bản này.", code="no_route")
    return route


def _step_people(doc: OutgoingDocument, step: ApprovalRouteStep) -> list[User]:
    from orgs.selectors import unit_heads, working_lineage_ids

    if step.person_id:
        return [step.person]  # type: ignore[list-item]
    if step.role == Role.UNIT_HEAD:
        return list(unit_heads(doc.drafting_unit_id)) if doc.drafting_unit_id else []
    return list(people_with_roles({step.role}, working_lineage_ids(doc.organization_id)))


def _notify_step(doc: OutgoingDocument) -> None:
    step = ApprovalRouteStep.objects.get(route_id=doc.route_id, position=doc.current_step)
    people = [p for p in _step_people(doc, step) if may_approve_step(p, doc, step)]
    notify.notify_many(people, doc, "Dự thảo chờ bạn duyệt" if not step.is_signer else "Văn bản chờ bạn ký")


def outgoing_submit(*, actor: User, document: OutgoingDocument) -> OutgoingDocument:
    with transaction.atomic():
        doc = _locked(document)
        if doc.drafter_id != actor.pk:
            raise NotAllowed("Chỉ người soạn thảo mới trình duyệt.")
        doc.status = check_transition("submit", doc.status)
        route = _route(doc)
        doc.route = route
        doc.current_step = route.steps.order_by("position").values_list("position", flat=True).first() or 1
        doc.save(update_fields=["status", "route", "current_step"])
        search_index.reindex("outgoing", [doc.pk])
        _audit(doc, actor, "submit", {"route": route.pk, "step": doc.current_step})
        _notify_step(doc)
    return doc


def _check_capacity(doc: OutgoingDocument, signer: User, on: date | None = None) -> None:
    """The signer's position, roles and delegations allow the document's capacity on ``on`` (capacity.py)."""
    from outgoing.capacity import check_capacity

    check_capacity(doc, signer, on or today())


def outgoing_approve(*, actor: User, document: OutgoingDocument, note: str = "") -> OutgoingDocument:
    """The current step's approver agrees, on the latest version; the last step makes it ready to issue."""
    with transaction.atomic():
        doc = _locked(document)
        check_transition("approve", doc.status)
        step = ApprovalRouteStep.objects.get(route_id=doc.route_id, position=doc.current_step)
        if not may_approve_step(actor, doc, step):
            raise NotAllowed("Bạn không phải người duyệt ở bước này.")
        if step.is_signer:
            if doc.signer_id and doc.signer_id != actor.pk:
                raise NotAllowed("Chỉ người ký đã chọn mới ký văn bản này.")
            _check_capacity(doc, actor)
            if doc.signer_id is None:
                doc.signer = actor
        version = doc.versions.order_by("-number").first()
        assert version is not None
        Approval.objects.create(
            document=doc,
            version=version,
            step=step.position,
            approver=actor,
            decision=Decision.APPROVED,
            reason=note.strip(),
        )
        following = doc.route.steps.filter(position__gt=step.position).order_by("position").first()  # type: ignore[union-attr]
        if following is None:
            doc.status = Status.APPROVED
        else:
            doc.current_step = following.position
        doc.save(update_fields=["status", "current_step", "signer"])
        search_index.reindex("outgoing", [doc.pk])
        _audit(
            doc,
            actor,
            "approve",
            {"step": step.position, "version": version.number, "sha256": version.sha256},
        )
        if following is None:
            clerks = people_with_roles({Role.CLERK}, {doc.organization_id})
            notify.notify_many(clerks, doc, "Văn bản chờ cấp số và phát hành")
        else:
            _notify_step(doc)
    return doc


def outgoing_reject(*, actor: User, document: OutgoingDocument, reason: str) -> OutgoingDocument:
    if not reason.strip():
        raise InvalidInput("Vui lòng nhập lý do trả lại.", details={"reason": "trống"})
    with transaction.atomic():
        doc = _locked(document)
        check_transition("reject", doc.status)
        step = ApprovalRouteStep.objects.get(route_id=doc.route_id, position=doc.current_step)
        if not may_approve_step(actor, doc, step):
            raise NotAllowed("Bạn không phải người duyệt ở bước này.")
        version = doc.versions.order_by("-number").first()
        assert version is not None
        Approval.objects.create(
            document=doc,
            version=version,
            step=step.position,
            approver=actor,
            decision=Decision.REJECTED,
            reason=reason.strip(),
        )
        doc.status = check_transition("reject", doc.status)
        doc.current_step = 0
        doc.save(update_fields=["status", "current_step"])
        search_index.reindex("outgoing", [doc.pk])
        _audit(doc, actor, "reject", {"step": step.position, "reason": reason.strip()})
        notify.notify_many([doc.drafter], doc, "Dự thảo bị trả lại")
    return doc


def outgoing_issue(*, actor: User, document: OutgoingDocument, secret: str = "") -> OutgoingDocument:
    """The clerk numbers (gap-free, in this transaction) and issues; internal recipients get it at once.

    The issued PDF (number, date, recipients) is made right after the numbering commits, outside the
    counter's lock; a finalize task written in the numbering transaction redoes it if this process dies
    or the converter fails meanwhile, so the issued document is always completed and delivered once.
    A document signed digitally (``signed_file``) is sealed with the organisation's certificate:
    ``secret`` (its password) is checked before anything is numbered (outgoing/signatures.py).
    """
    from outgoing import signatures, tasks

    signatures.check_seal_secret(actor=actor, document=document, secret=secret)
    with transaction.atomic():
        doc = _locked(document)
        if not may_issue(actor, doc):
            raise NotAllowed("Chỉ văn thư của cơ quan mới cấp số và phát hành.")
        doc.status = check_transition("issue", doc.status)
        on = today()
        if doc.signer is not None:  # a delegation may have ended since the signer signed
            _check_capacity(doc, doc.signer, on)
        scope, register = outgoing_numbering.scope_for(doc, on)
        number = numbering.allocate(scope)
        doc.numbering_scope = scope
        doc.register = register
        doc.number = number
        doc.number_symbol = outgoing_numbering.format_number_symbol(doc, number)
        doc.issued_at = timezone.now()
        doc.issued_by = actor
        doc.search_text = _search_text(doc)
        doc.save()
        search_index.reindex("outgoing", [doc.pk])
        _audit(doc, actor, "issue", {"number": number, "number_symbol": doc.number_symbol, "scope": scope})
        _check_deliverable(doc)
        external.check(doc)  # refused here, the number is rolled back with the transaction
        external.queue(doc)
        tasks.finalize_issue.enqueue(doc.pk)
        if doc.replaces_id or doc.corrects_id:
            from outgoing.after_issue import on_issued

            on_issued(actor=actor, document=doc)
        if doc.reply_to is not None:
            from incoming.services import incoming_record_reply

            incoming_record_reply(
                actor=actor, document=doc.reply_to, number_symbol=doc.number_symbol, outgoing_id=doc.pk
            )
    try:
        return outgoing_finalize_issue(document_id=doc.pk, actor=actor, secret=secret)
    except Exception:  # numbered and committed: the finalize task or the clerk's button completes it
        log.exception("issued document %s not finalized yet; the worker retries", doc.pk)
        doc.refresh_from_db()
        return doc


def outgoing_finalize_issue(
    *, document_id: int, actor: User | None = None, secret: str = ""
) -> OutgoingDocument:
    """Make the issued PDF and deliver it to the recipients (idempotent: the first run does it).

    The worker runs it without an actor; a person (the "Hoàn tất phát hành" button) must be a clerk of
    the issuing organization. A signed document to seal needs the clerk and the seal's ``secret``: the
    worker leaves it pending."""
    doc = OutgoingDocument.objects.select_related("organization", "doc_type", "drafting_unit").get(
        pk=document_id
    )
    if actor is not None and not may_issue(actor, doc):
        raise NotAllowed("Chỉ văn thư của cơ quan mới hoàn tất phát hành.")
    if doc.issued_file_id is not None or doc.status != Status.ISSUED:
        return doc
    version = doc.versions.select_related("attachment__stored", "pdf__stored").order_by("-number").first()
    if version is None:
        raise InvalidInput("Văn bản chưa có tệp để phát hành.", code="no_file")
    clerk = actor or doc.issued_by
    stamped: list[Any] = []
    if doc.signed_file_id is not None:
        from outgoing import signatures

        made = signatures.issued_signed(doc, clerk=actor, secret=secret)
        if made is None:
            return doc
        name, data, stamped = made.name, made.data, made.annexes
    else:
        name, data = renditions.issued_pdf(doc, version)
    with files.atomic_with_files():
        doc = _locked(doc)
        if doc.issued_file_id is not None or doc.status != Status.ISSUED:
            return doc
        doc.issued_file = renditions.attach(doc, clerk, name, data, position=0)
        doc.save(update_fields=["issued_file"])
        search_index.reindex("outgoing", [doc.pk])  # the issued PDF's text replaces the draft's
        if doc.signed_file_id is not None:  # its signatures are checked like any received PDF's
            from signing.services import schedule_validation

            schedule_validation(doc.issued_file.stored)
        assert clerk is not None
        _audit(doc, clerk, "finalize", {"sha256": doc.issued_file.stored.sha256, "version": version.number})
        if stamped:
            from outgoing import signatures

            signatures.attach_stamped_annexes(doc, clerk, stamped)
        _deliver(doc, clerk)
        external.files_ready(doc)
    return doc


def _check_deliverable(doc: OutgoingDocument) -> None:
    """Refuse the issuance (nothing numbered) when an internal recipient cannot register it."""
    from documents.models import Register, RegisterKind

    for recipient in doc.recipients.select_related("organization"):
        organization = recipient.organization
        if organization is None or not organization.uses_system:
            continue
        if not Register.objects.filter(
            organization=organization, kind=RegisterKind.INCOMING, is_active=True
        ).exists():
            raise InvalidInput(
                f"{organization.name} chưa có sổ đăng ký văn bản đến: không chuyển được văn bản.",
                code="no_register",
            )


def outgoing_finalize_pending(older_than_seconds: int = 120) -> int:
    """Enqueue the finalize task again for issued documents still without their issued PDF."""
    from datetime import timedelta

    from outgoing import tasks
    from outgoing.signatures import needs_seal_secret

    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = OutgoingDocument.objects.filter(
        status=Status.ISSUED, issued_file__isnull=True, issued_at__lt=cutoff
    ).select_related("organization")
    count = 0
    for doc in pending:
        if needs_seal_secret(doc):  # only the clerk, with the seal's password, can complete it
            continue
        tasks.finalize_issue.enqueue(doc.pk)
        count += 1
    return count


def _deliver(doc: OutgoingDocument, actor: User) -> None:
    from incoming.services import receive_internal

    now = timezone.now()
    annexes = [a.attachment for a in doc.annexes.select_related("attachment__stored")]
    for recipient in doc.recipients.select_related("organization"):
        organization = recipient.organization
        if organization is not None and organization.uses_system:
            assert doc.issued_file is not None
            incoming = receive_internal(
                sender=doc,
                actor=actor,
                organization=organization,
                attachment=doc.issued_file,
                annexes=annexes,
            )
            recipient.incoming = incoming
            recipient.status = DeliveryStatus.DELIVERED
        elif organization is not None and organization.identifier:
            recipient.status = DeliveryStatus.QUEUED_EXCHANGE
        else:
            recipient.status = DeliveryStatus.SENT_POST
        recipient.at = now
        recipient.save(update_fields=["incoming", "status", "at"])


def complete_incoming_with_reply(
    *, actor: User, incoming: Any, reply: OutgoingDocument, note: str = ""
) -> Any:
    """The lead completes an incoming document by an issued outgoing reply: both are linked."""
    from incoming.services import incoming_complete

    if reply.status != Status.ISSUED:
        raise InvalidInput("Văn bản trả lời chưa được phát hành.", details={"result_document_id": reply.pk})
    if reply.reply_to_id not in (None, incoming.pk):
        raise InvalidInput(
            "Văn bản đi này trả lời một văn bản đến khác.", details={"result_document_id": reply.pk}
        )
    with transaction.atomic():
        done = incoming_complete(
            actor=actor, document=incoming, note=note, reply_number_symbol=reply.number_symbol
        )
        if reply.reply_to_id is None:
            OutgoingDocument.objects.filter(pk=reply.pk).update(reply_to=incoming)
            _audit(reply, actor, "link_reply", {"incoming": incoming.pk})
    return done


def outgoing_recall(*, actor: User, document: OutgoingDocument, reason: str) -> OutgoingDocument:
    """Recall an issued document: it is frozen; copies delivered inside the installation are withdrawn."""
    from incoming.services import incoming_withdraw

    if not reason.strip():
        raise InvalidInput("Vui lòng nhập lý do thu hồi.", details={"reason": "trống"})
    with transaction.atomic():
        doc = _locked(document)
        if not may_recall(actor, doc):
            raise NotAllowed("Chỉ văn thư hoặc lãnh đạo cơ quan mới thu hồi văn bản đã phát hành.")
        doc.status = check_transition("recall", doc.status)
        doc.save(update_fields=["status"])
        search_index.reindex("outgoing", [doc.pk])
        withdrawn = []
        for recipient in doc.recipients.exclude(incoming__isnull=True).select_related("incoming"):
            incoming = recipient.incoming
            assert incoming is not None
            if incoming.status != "recalled":
                incoming_withdraw(
                    actor=actor, document=incoming, reason=reason.strip(), sender_name=doc.organization.name
                )
                withdrawn.append(incoming.pk)
        external.recall(doc, reason.strip())
        _audit(doc, actor, "recall", {"reason": reason.strip(), "withdrawn": withdrawn})
    return doc
