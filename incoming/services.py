"""Every write on incoming documents: one transaction each, audit and history in it, effects on commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core import audit, files, numbering
from core.errors import InvalidInput, NotAllowed
from core.vn import fold, normalize_symbol
from documents.models import Attachment, Channel, DocType, Register, RegisterKind, Urgency
from incoming import hooks, selectors
from incoming.models import Assignment, Event, IncomingDocument
from incoming.permissions import LEADER_ROLES, cleared_for, heads_units, is_clerk_of, is_leader_of
from incoming.states import OPEN_ASSIGNMENT, AssignmentRole, AssignmentStatus, Status, check_transition
from notifications import services as notify
from orgs.models import Organization, Secrecy, Unit, User
from orgs.selectors import lineage_ids, people_with_roles, today, unit_heads, working_lineage_ids
from search import indexing as search_index
from signing.services import schedule_validation


@dataclass
class Registration:
    """What the clerk fills in to register an incoming document."""

    issuer_name: str
    number_symbol: str
    issued_date: date | None
    doc_type: str
    subject: str
    issuer_id: int | None = None
    signer_name: str = ""
    signer_position: str = ""
    urgency: str = Urgency.NORMAL
    secrecy: str = Secrecy.NONE
    due_date: date | None = None
    channel: str = Channel.PAPER
    page_count: int | None = None
    arrival_date: date | None = None
    description: str = ""
    register_id: int | None = None


@dataclass
class RegistrationResult:
    document: IncomingDocument
    warnings: list[dict[str, Any]] = field(default_factory=list)


def _locked(doc: IncomingDocument) -> IncomingDocument:
    return IncomingDocument.objects.select_for_update().get(pk=doc.pk)


def _event(
    doc: IncomingDocument,
    actor: User,
    action: str,
    note: str,
    from_status: str,
    data: dict[str, Any] | None = None,
) -> None:
    Event.objects.create(
        document=doc, actor=actor, action=action, note=note, from_status=from_status, to_status=doc.status
    )
    hooks.event(doc, action, note)
    audit.record(
        actor=actor,
        action=f"incoming.{action}",
        target=doc,
        organization_id=doc.organization_id,
        data={"from": from_status, "to": doc.status, "note": note, **(data or {})},
    )


def _search_text(doc: IncomingDocument) -> str:
    return fold(
        " ".join(
            [
                doc.number_symbol,
                doc.issuer_name,
                doc.subject,
                doc.signer_name,
                doc.doc_type.name,
                str(doc.arrival_number),
            ]
        )
    )


def _validate(data: Registration, arrival: date, *, check_future: bool = True) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not data.issuer_name.strip() and not data.issuer_id:
        errors["issuer_name"] = "Vui lòng nhập cơ quan ban hành."
    if not data.number_symbol.strip():
        errors["number_symbol"] = "Vui lòng nhập số, ký hiệu văn bản."
    elif len(data.number_symbol) > 60:
        errors["number_symbol"] = "Số, ký hiệu quá dài (tối đa 60 ký tự)."
    if not data.subject.strip():
        errors["subject"] = "Vui lòng nhập trích yếu nội dung."
    elif len(data.subject) > 500:
        errors["subject"] = "Trích yếu quá dài (tối đa 500 ký tự)."
    if data.issued_date is None:
        errors["issued_date"] = "Vui lòng nhập ngày văn bản (dd/mm/yyyy)."
    elif data.issued_date > arrival:
        errors["issued_date"] = "Ngày văn bản không thể sau ngày đến."
    if check_future and arrival > today():
        errors["arrival_date"] = "Ngày đến không thể ở tương lai."
    if data.due_date is not None and data.due_date < arrival:
        errors["due_date"] = "Hạn giải quyết không thể trước ngày đến."
    if data.urgency not in Urgency.values:
        errors["urgency"] = "Độ khẩn không hợp lệ."
    if data.secrecy not in Secrecy.values:
        errors["secrecy"] = "Độ mật không hợp lệ."
    if data.channel not in Channel.values:
        errors["channel"] = "Hình thức nhận không hợp lệ."
    if data.page_count is not None and not 0 < data.page_count < 100000:
        errors["page_count"] = "Số trang không hợp lệ."
    if len(data.signer_name) > 50:
        errors["signer_name"] = "Tên người ký quá dài (tối đa 50 ký tự)."
    if len(data.signer_position) > 100:
        errors["signer_position"] = "Chức vụ người ký quá dài (tối đa 100 ký tự)."
    return errors


def _doc_type(code: str, profile: str) -> DocType | None:
    """The type with this code, the receiving organization's own profile first (an incoming document may
    also be of the other profile: a State decision received by a Party committee)."""
    types = DocType.objects.filter(code=code, is_active=True)
    return types.filter(profile=profile).first() or types.first()


def _pick_register(organization: Organization, data: Registration) -> Register:
    registers = Register.objects.filter(organization=organization, kind=RegisterKind.INCOMING, is_active=True)
    if data.register_id:
        register = registers.filter(pk=data.register_id).first()
        if register is None:
            raise InvalidInput("Sổ đăng ký không hợp lệ.", details={"register_id": "Sổ không tồn tại."})
        return register
    secret = data.secrecy != Secrecy.NONE
    register = registers.filter(for_secret=secret).order_by("id").first() or registers.order_by("id").first()
    if register is None:
        raise InvalidInput(
            "Cơ quan chưa có sổ đăng ký văn bản đến. Vui lòng liên hệ quản trị hệ thống.", code="no_register"
        )
    return register


def incoming_register(
    *, actor: User, organization: Organization, data: Registration, uploads: list[tuple[str, bytes]]
) -> RegistrationResult:
    """Register an incoming document with its files; the arrival number is taken in this transaction."""
    if not is_clerk_of(actor, organization.pk):
        raise NotAllowed("Chỉ văn thư của cơ quan mới được vào sổ văn bản đến.")
    arrival = data.arrival_date or today()
    errors = _validate(data, arrival)
    doc_type = _doc_type(data.doc_type, organization.profile)
    if doc_type is None:
        errors["doc_type"] = "Loại văn bản không hợp lệ."
    if not uploads:
        errors["files"] = "Vui lòng đính kèm ít nhất một tệp (tệp đầu tiên là văn bản chính)."
    if errors:
        raise InvalidInput("Thông tin văn bản đến chưa hợp lệ: " + " ".join(errors.values()), details=errors)
    if not cleared_for(actor, data.secrecy):
        raise NotAllowed("Bạn không được phép tiếp cận văn bản ở độ mật này.")
    issuer = None
    if data.issuer_id:
        issuer = Organization.objects.filter(pk=data.issuer_id).first()
        if issuer is None:
            raise InvalidInput("Cơ quan ban hành không tồn tại.", details={"issuer_id": "Không tồn tại."})
    checked = [files.validate(name, content) for name, content in uploads]  # nothing written if one fails
    register = _pick_register(organization, data)
    assert doc_type is not None and data.issued_date is not None  # both validated above
    issued_date = data.issued_date

    with files.atomic_with_files():
        year = arrival.year
        number = numbering.allocate(register.counter_scope(year))
        doc = IncomingDocument(
            organization=organization,
            register=register,
            year=year,
            arrival_number=number,
            arrival_date=arrival,
            issuer=issuer,
            issuer_name=(data.issuer_name.strip() or (issuer.name if issuer else "")),
            number_symbol=data.number_symbol.strip(),
            symbol_key=normalize_symbol(data.number_symbol),
            issued_date=issued_date,
            doc_type=doc_type,
            subject=data.subject.strip(),
            signer_name=data.signer_name.strip(),
            signer_position=data.signer_position.strip(),
            urgency=data.urgency,
            secrecy=data.secrecy,
            due_date=data.due_date,
            channel=data.channel,
            page_count=data.page_count or checked[0].page_count,
            description=data.description.strip(),
            created_by=actor,
            status=Status.REGISTERED,
        )
        doc.search_text = _search_text(doc)
        doc.save()
        for position, item in enumerate(checked):
            stored = files.store(item)
            Attachment.objects.create(
                stored=stored,
                name=item.name,
                owner_kind="incoming",
                owner_id=doc.pk,
                position=position,
                uploaded_by=actor,
            )
            schedule_validation(stored)  # signatures checked by the worker (signing.tasks)
        search_index.reindex("incoming", [doc.pk])  # in this transaction (search/indexing.py)
        duplicates = selectors.possible_duplicates(
            lineage_ids(organization.pk),
            issuer_name=doc.issuer_name,
            number_symbol=doc.number_symbol,
            sha256s=[c.sha256 for c in checked],
            issued_year=issued_date.year,
            exclude_id=doc.pk,
        )
        # name only the duplicates the clerk may see (not even the id of a secret one)
        duplicates = sorted(
            selectors.incoming_visible_to(actor).filter(pk__in=duplicates).values_list("pk", flat=True)
        )
        Event.objects.create(
            document=doc,
            actor=actor,
            action="register",
            from_status="",
            to_status=doc.status,
            note=f"Vào sổ số đến {number}",
        )
        audit.record(
            actor=actor,
            action="incoming.register",
            target=doc,
            organization_id=organization.pk,
            data={
                "arrival_number": number,
                "year": year,
                "register": register.pk,
                "files": [c.sha256 for c in checked],
                "duplicates": duplicates,
            },
        )
    warnings = []
    if duplicates:
        warnings.append(
            {
                "code": "possible_duplicate",
                "document_ids": duplicates,
                "message": "Văn bản có thể đã được vào sổ trước đó (trùng số, ký hiệu và cơ quan "
                "ban hành, hoặc trùng tệp).",
            }
        )
    return RegistrationResult(doc, warnings)


def incoming_submit(*, actor: User, document: IncomingDocument, note: str = "") -> IncomingDocument:
    """The clerk presents the document to the leaders who distribute it."""
    with transaction.atomic():
        doc = _locked(document)
        if not is_clerk_of(actor, doc.organization_id):
            raise NotAllowed("Chỉ văn thư mới trình văn bản đến.")
        before = doc.status
        doc.status = check_transition("submit", before)
        doc.save(update_fields=["status"])
        search_index.reindex("incoming", [doc.pk])
        _event(doc, actor, "submit", note, before)
        notify.notify_many(_leaders(doc), doc, "Văn bản đến chờ phân phối")
    return doc


def _leaders(doc: IncomingDocument) -> list[User]:
    """Who distributes this document now: leaders of its (successor) organization and their delegates."""
    return list(people_with_roles(set(LEADER_ROLES), working_lineage_ids(doc.organization_id)))


@dataclass
class AssignmentInput:
    role: str
    unit_id: int | None = None
    person_id: int | None = None
    deadline: date | None = None


def _check_targets(doc: IncomingDocument, items: list[AssignmentInput]) -> None:
    if not items:
        raise InvalidInput(
            "Vui lòng chọn ít nhất một đơn vị hoặc cá nhân xử lý.", details={"assignments": "trống"}
        )
    orgs = working_lineage_ids(doc.organization_id)
    leads = [i for i in items if i.role == AssignmentRole.LEAD]
    if len(leads) != 1:
        raise InvalidInput(
            "Phải có đúng một đơn vị hoặc cá nhân chủ trì.", details={"assignments": "chủ trì"}
        )
    for item in items:
        if item.role not in AssignmentRole.values:
            raise InvalidInput("Vai trò xử lý không hợp lệ.", details={"role": item.role})
        if bool(item.unit_id) == bool(item.person_id):
            raise InvalidInput("Mỗi dòng phân phối chọn một đơn vị hoặc một cá nhân.")
        if item.unit_id:
            unit = Unit.objects.filter(pk=item.unit_id, organization_id__in=orgs, is_active=True).first()
            if unit is None:
                raise InvalidInput("Đơn vị không thuộc cơ quan.", details={"unit_id": item.unit_id})
            if doc.secrecy != Secrecy.NONE and not any(
                cleared_for(h, doc.secrecy) for h in unit_heads(unit.pk)
            ):
                raise InvalidInput(
                    f"{unit.name} không có trưởng đơn vị được phép tiếp cận văn bản ở độ mật này; "
                    "hãy giao cho cá nhân đủ điều kiện.",
                    details={"unit_id": item.unit_id},
                )
        if item.person_id:
            person = User.objects.filter(pk=item.person_id, organization_id__in=orgs, is_active=True).first()
            if person is None:
                raise InvalidInput("Cán bộ không thuộc cơ quan.", details={"person_id": item.person_id})
            if not cleared_for(person, doc.secrecy):
                raise InvalidInput(
                    f"{person} không được phép tiếp cận văn bản ở độ mật này.",
                    details={"person_id": item.person_id},
                )
        if item.deadline is not None and item.deadline < doc.arrival_date:
            raise InvalidInput(
                "Hạn xử lý không thể trước ngày đến.", details={"deadline": str(item.deadline)}
            )


def incoming_assign(
    *, actor: User, document: IncomingDocument, items: list[AssignmentInput], instruction: str = ""
) -> IncomingDocument:
    """The leader distributes: one lead, supporting and informed units or people, with deadlines."""
    with transaction.atomic():
        doc = _locked(document)
        if not is_leader_of(actor, doc.organization_id):
            raise NotAllowed("Chỉ lãnh đạo mới phân phối văn bản đến.")
        before = doc.status
        doc.status = check_transition("assign", before)
        _check_targets(doc, items)
        # redistribution replaces the open top-level instructions
        doc.assignments.filter(parent__isnull=True, status__in=OPEN_ASSIGNMENT).update(
            status=AssignmentStatus.CLOSED, finished_at=timezone.now()
        )
        doc.assignments.filter(parent__isnull=False, status__in=OPEN_ASSIGNMENT).update(
            status=AssignmentStatus.CLOSED, finished_at=timezone.now()
        )
        created = [
            Assignment.objects.create(
                document=doc,
                role=i.role,
                unit_id=i.unit_id,
                person_id=i.person_id,
                deadline=i.deadline,
                instruction=instruction,
                assigned_by=actor,
            )
            for i in items
        ]
        lead = next(a for a in created if a.role == AssignmentRole.LEAD)
        doc.due_date = lead.deadline or doc.due_date
        doc.save(update_fields=["status", "due_date"])
        search_index.reindex("incoming", [doc.pk])
        _event(
            doc,
            actor,
            "assign",
            instruction,
            before,
            data={
                "assignments": [
                    {
                        "role": a.role,
                        "unit": a.unit_id,
                        "person": a.person_id,
                        "deadline": str(a.deadline or ""),
                    }
                    for a in created
                ]
            },
        )
        recipients: list[User] = []
        for a in created:
            if a.person_id:
                recipients.append(a.person)  # type: ignore[arg-type]
            elif a.unit_id:
                recipients.extend(unit_heads(a.unit_id))
        notify.notify_many(recipients, doc, "Văn bản đến được giao xử lý")
    return doc


def _open_unit_assignment(doc: IncomingDocument, actor: User) -> Assignment | None:
    units = heads_units(actor)
    if not units:
        return None
    return (
        doc.assignments.filter(unit_id__in=units, person__isnull=True, status__in=OPEN_ASSIGNMENT)
        .order_by("id")
        .first()
    )


def incoming_forward(
    *,
    actor: User,
    document: IncomingDocument,
    person_ids: list[int],
    deadline: date | None = None,
    instruction: str = "",
) -> IncomingDocument:
    """A unit head passes the unit's assignment to specialists of the unit."""
    with transaction.atomic():
        doc = _locked(document)
        unit_assignment = _open_unit_assignment(doc, actor)
        if unit_assignment is None:
            raise NotAllowed("Chỉ trưởng đơn vị được giao mới chuyển văn bản cho chuyên viên.")
        check_transition("forward", doc.status)
        if not person_ids:
            raise InvalidInput("Vui lòng chọn chuyên viên xử lý.", details={"person_ids": "trống"})
        unit_id = unit_assignment.unit_id
        assert unit_id is not None  # a unit assignment always names its unit
        person_ids = list(dict.fromkeys(person_ids))  # the first named person carries the unit's role
        found = {p.pk: p for p in User.objects.filter(pk__in=person_ids, unit_id=unit_id, is_active=True)}
        people = [found[pk] for pk in person_ids if pk in found]
        if len(people) != len(person_ids):
            raise InvalidInput("Chỉ chuyển cho chuyên viên trong đơn vị.", details={"person_ids": person_ids})
        for person in people:
            if not cleared_for(person, doc.secrecy):
                raise InvalidInput(f"{person} không được phép tiếp cận văn bản ở độ mật này.")
        limit = unit_assignment.deadline
        if deadline and limit and deadline > limit:
            raise InvalidInput(
                "Hạn của chuyên viên không thể sau hạn của đơn vị.", details={"deadline": str(deadline)}
            )
        for index, person in enumerate(people):
            Assignment.objects.create(
                document=doc,
                role=unit_assignment.role
                if index == 0 or unit_assignment.role != AssignmentRole.LEAD
                else AssignmentRole.SUPPORT,
                person=person,
                parent=unit_assignment,
                deadline=deadline or limit,
                instruction=instruction,
                assigned_by=actor,
            )
        unit_assignment.status = AssignmentStatus.FORWARDED
        unit_assignment.save(update_fields=["status"])
        _event(
            doc,
            actor,
            "forward",
            instruction,
            doc.status,
            data={"people": [p.pk for p in people], "unit": unit_assignment.unit_id},
        )
        notify.notify_many(people, doc, "Văn bản đến được giao cho bạn xử lý")
    return doc


def incoming_add_note(*, actor: User, document: IncomingDocument, note: str) -> IncomingDocument:
    with transaction.atomic():
        doc = _locked(document)
        if not note.strip():
            raise InvalidInput("Vui lòng nhập nội dung ý kiến xử lý.", details={"note": "trống"})
        participates = doc.assignments.filter(
            Q(person=actor) | Q(unit_id__in=heads_units(actor)), status__in=OPEN_ASSIGNMENT
        ).exists()
        if not (participates or is_leader_of(actor, doc.organization_id)):
            raise NotAllowed("Chỉ người tham gia xử lý mới ghi ý kiến.")
        check_transition("note", doc.status)
        _event(doc, actor, "note", note.strip(), doc.status)
    return doc


def _is_lead(doc: IncomingDocument, actor: User) -> bool:
    lead = doc.assignments.filter(role=AssignmentRole.LEAD, status__in=OPEN_ASSIGNMENT)
    return lead.filter(Q(person=actor) | Q(unit_id__in=heads_units(actor), person__isnull=True)).exists()


def incoming_complete(
    *, actor: User, document: IncomingDocument, note: str = "", reply_number_symbol: str = ""
) -> IncomingDocument:
    """The lead assignee (or a leader of the organization) completes the document."""
    with transaction.atomic():
        doc = _locked(document)
        if not (_is_lead(doc, actor) or is_leader_of(actor, doc.organization_id)):
            raise NotAllowed("Chỉ đơn vị, cá nhân chủ trì mới được hoàn thành văn bản.")
        before = doc.status
        doc.status = check_transition("complete", before)
        doc.completed_at = timezone.now()
        doc.completion_note = note.strip()
        doc.reply_number_symbol = reply_number_symbol.strip()[:60]
        doc.save(update_fields=["status", "completed_at", "completion_note", "reply_number_symbol"])
        search_index.reindex("incoming", [doc.pk])
        doc.assignments.filter(status__in=OPEN_ASSIGNMENT).update(
            status=AssignmentStatus.DONE, finished_at=timezone.now()
        )
        _event(doc, actor, "complete", note.strip(), before, data={"reply": doc.reply_number_symbol})
    return doc


def incoming_acknowledge(*, actor: User, document: IncomingDocument, note: str = "") -> IncomingDocument:
    """A supporting or informed participant marks their part done."""
    with transaction.atomic():
        doc = _locked(document)
        mine = doc.assignments.filter(
            Q(person=actor) | Q(unit_id__in=heads_units(actor), person__isnull=True),
            status__in=OPEN_ASSIGNMENT,
        ).exclude(role=AssignmentRole.LEAD)
        if not mine.exists():
            raise NotAllowed("Bạn không có phần việc phối hợp hoặc để biết nào đang mở.")
        check_transition("acknowledge", doc.status)
        mine.update(status=AssignmentStatus.DONE, finished_at=timezone.now())
        _event(doc, actor, "acknowledge", note.strip(), doc.status)
    return doc


def incoming_return(*, actor: User, document: IncomingDocument, reason: str) -> IncomingDocument:
    """Send the document back one step, with a reason.

    A leader returns a presented document to the clerk; a specialist returns their part to the unit
    head; the lead unit (or lead person) returns the document to the leader for redistribution.
    """
    if not reason.strip():
        raise InvalidInput("Vui lòng nhập lý do trả lại.", details={"reason": "trống"})
    with transaction.atomic():
        doc = _locked(document)
        before = doc.status
        personal = doc.assignments.filter(
            person=actor, parent__isnull=False, status__in=OPEN_ASSIGNMENT
        ).first()
        if doc.status == Status.SUBMITTED and is_leader_of(actor, doc.organization_id):
            doc.status = check_transition("return_to_clerk", before)
            action = "return_to_clerk"
            notify.notify_many([doc.created_by], doc, "Văn bản đến bị trả lại")
        elif personal is not None:
            check_transition("return_to_unit", before)
            personal.status = AssignmentStatus.RETURNED
            personal.finished_at = timezone.now()
            personal.save(update_fields=["status", "finished_at"])
            parent = personal.parent
            assert parent is not None
            if not parent.children.filter(status__in=OPEN_ASSIGNMENT).exists():
                parent.status = AssignmentStatus.PENDING
                parent.save(update_fields=["status"])
            action = "return_to_unit"
            notify.notify_many([personal.assigned_by], doc, "Chuyên viên trả lại văn bản đến")
        elif _is_lead(doc, actor):
            doc.status = check_transition("return_to_leader", before)
            doc.assignments.filter(status__in=OPEN_ASSIGNMENT).update(
                status=AssignmentStatus.RETURNED, finished_at=timezone.now()
            )
            action = "return_to_leader"
            notify.notify_many(_leaders(doc), doc, "Văn bản đến bị trả lại để phân phối lại")
        elif is_leader_of(actor, doc.organization_id) or _has_any(doc, actor):
            check_transition("return_to_clerk", before)  # raises WrongState with the current status
            raise NotAllowed("Bạn không thể trả lại văn bản ở bước này.")
        else:
            raise NotAllowed("Bạn không thể trả lại văn bản này.")
        doc.save(update_fields=["status"])
        search_index.reindex("incoming", [doc.pk])
        _event(doc, actor, action, reason.strip(), before)
    return doc


def _has_any(doc: IncomingDocument, actor: User) -> bool:
    return doc.assignments.filter(Q(person=actor) | Q(unit_id__in=heads_units(actor))).exists()


EDITABLE = (
    "issuer_name",
    "number_symbol",
    "issued_date",
    "subject",
    "signer_name",
    "signer_position",
    "urgency",
    "due_date",
    "channel",
    "page_count",
    "description",
)


def incoming_update(
    *,
    actor: User,
    document: IncomingDocument,
    changes: dict[str, Any],
    uploads: list[tuple[str, bytes]] | None = None,
) -> IncomingDocument:
    """The clerk corrects the registration (and may add files) before the document is distributed.

    The arrival number, register and secrecy never change here; every old and new value is audited.
    """
    unknown = set(changes) - set(EDITABLE) - {"doc_type"}
    if unknown:
        raise InvalidInput(
            "Không được sửa các trường: " + ", ".join(sorted(unknown)), details={"fields": sorted(unknown)}
        )
    checked = [files.validate(name, content) for name, content in uploads or []]
    with files.atomic_with_files():
        doc = _locked(document)
        if not is_clerk_of(actor, doc.organization_id):
            raise NotAllowed("Chỉ văn thư mới sửa thông tin vào sổ.")
        check_transition("update", doc.status)
        merged = Registration(
            issuer_name=changes.get("issuer_name", doc.issuer_name),
            number_symbol=changes.get("number_symbol", doc.number_symbol),
            issued_date=changes.get("issued_date", doc.issued_date),
            doc_type=changes.get("doc_type", doc.doc_type.code),
            subject=changes.get("subject", doc.subject),
            signer_name=changes.get("signer_name", doc.signer_name),
            signer_position=changes.get("signer_position", doc.signer_position),
            urgency=changes.get("urgency", doc.urgency),
            secrecy=doc.secrecy,
            due_date=changes.get("due_date", doc.due_date),
            channel=changes.get("channel", doc.channel),
            page_count=changes.get("page_count", doc.page_count),
            arrival_date=doc.arrival_date,
            description=changes.get("description", doc.description) or "",
        )
        errors = _validate(merged, doc.arrival_date, check_future=False)
        if errors:
            raise InvalidInput("Thông tin sửa chưa hợp lệ: " + " ".join(errors.values()), details=errors)
        before = {field: str(getattr(doc, field)) for field in EDITABLE} | {"doc_type": doc.doc_type.code}
        if "doc_type" in changes and changes["doc_type"] != doc.doc_type.code:
            doc_type = _doc_type(changes["doc_type"], doc.organization.profile)
            if doc_type is None:
                raise InvalidInput(
                    "Loại văn bản không hợp lệ.", details={"doc_type": "Loại văn bản không hợp lệ."}
                )
            doc.doc_type = doc_type
        for field in EDITABLE:
            value = getattr(merged, field)
            setattr(doc, field, value.strip() if isinstance(value, str) else value)
        doc.symbol_key = normalize_symbol(doc.number_symbol)
        doc.search_text = _search_text(doc)
        doc.save()
        position = Attachment.objects.filter(owner_kind="incoming", owner_id=doc.pk).count()
        for offset, item in enumerate(checked):
            stored = files.store(item)
            Attachment.objects.create(
                stored=stored,
                name=item.name,
                owner_kind="incoming",
                owner_id=doc.pk,
                position=position + offset,
                uploaded_by=actor,
            )
            schedule_validation(stored)
        search_index.reindex("incoming", [doc.pk])
        after = {field: str(getattr(doc, field)) for field in EDITABLE} | {"doc_type": doc.doc_type.code}
        changed = {k: {"old": before[k], "new": after[k]} for k in after if before[k] != after[k]}
        Event.objects.create(
            document=doc,
            actor=actor,
            action="update",
            from_status=doc.status,
            to_status=doc.status,
            note=", ".join(sorted(changed)) or "thêm tệp",
        )
        audit.record(
            actor=actor,
            action="incoming.update",
            target=doc,
            organization_id=doc.organization_id,
            data={"changes": changed, "files": [c.sha256 for c in checked]},
        )
    return doc


def receive_internal(
    *,
    sender: Any,
    actor: User,
    organization: Organization,
    attachment: Attachment,
    annexes: list[Attachment] | None = None,
    sender_kind: str = "outgoing",
    description: str = "",
) -> IncomingDocument:
    """A document issued by another organization of this installation arrives at once: registered in the
    recipient's incoming register with its metadata filled and ``channel=internal``; its clerks are told.

    ``sender`` is an issued outgoing document, or an electronic copy (``sender_kind="copy"``, with a
    ``description`` saying what it is a copy of)."""
    secret = sender.secrecy != Secrecy.NONE
    registers = Register.objects.filter(organization=organization, kind=RegisterKind.INCOMING, is_active=True)
    register = registers.filter(for_secret=secret).order_by("id").first() or registers.order_by("id").first()
    if register is None:
        raise InvalidInput(
            f"{organization.name} chưa có sổ đăng ký văn bản đến: không chuyển được văn bản.",
            code="no_register",
        )
    arrival = today()
    number = numbering.allocate(register.counter_scope(arrival.year))
    signer = sender.signer
    doc = IncomingDocument(
        organization=organization,
        register=register,
        year=arrival.year,
        arrival_number=number,
        arrival_date=arrival,
        issuer=sender.organization,
        issuer_name=sender.organization.name,
        number_symbol=sender.number_symbol,
        symbol_key=normalize_symbol(sender.number_symbol),
        issued_date=timezone.localdate(sender.issued_at),
        doc_type=sender.doc_type,
        subject=sender.subject,
        signer_name=(signer.display_name if signer else "")[:50],
        signer_position=(str(signer.position) if signer and signer.position else "")[:100],
        urgency=sender.urgency,
        secrecy=sender.secrecy,
        channel=Channel.INTERNAL,
        page_count=attachment.stored.page_count,
        description=description[:500],
        created_by=actor,
        status=Status.REGISTERED,
    )
    doc.search_text = _search_text(doc)
    doc.save()
    for position, file in enumerate([attachment, *(annexes or [])]):
        Attachment.objects.create(
            stored=file.stored,
            name=file.name,
            owner_kind="incoming",
            owner_id=doc.pk,
            position=position,
            uploaded_by=actor,
        )
        schedule_validation(file.stored)
    search_index.reindex("incoming", [doc.pk])
    Event.objects.create(
        document=doc,
        actor=actor,
        action="register",
        from_status="",
        to_status=doc.status,
        note=f"Nhận tự động từ {sender.organization.name}, số đến {number}",
    )
    audit.record(
        actor=actor,
        action="incoming.receive_internal",
        target=doc,
        organization_id=organization.pk,
        data={"arrival_number": number, "year": arrival.year, f"from_{sender_kind}": sender.pk},
    )
    clerks = people_with_roles({"clerk"}, {organization.pk})
    notify.notify_many(clerks, doc, "Văn bản đến mới từ hệ thống")
    return doc


def incoming_record_reply(
    *, actor: User, document: IncomingDocument, number_symbol: str, outgoing_id: int
) -> IncomingDocument:
    """An outgoing reply to this document was issued: its number-symbol is recorded on the incoming one."""
    with transaction.atomic():
        doc = _locked(document)
        if not doc.reply_number_symbol:
            doc.reply_number_symbol = number_symbol[:60]
            doc.save(update_fields=["reply_number_symbol"])
            search_index.reindex("incoming", [doc.pk])
        _event(
            doc,
            actor,
            "reply_issued",
            f"Đã phát hành văn bản trả lời số {number_symbol}",
            doc.status,
            data={"outgoing": outgoing_id},
        )
    return doc


def incoming_withdraw(
    *, actor: User, document: IncomingDocument, reason: str, sender_name: str, replaced_by: str = ""
) -> IncomingDocument:
    """The issuer recalled the document, or replaced it by the document numbered ``replaced_by`` (which
    arrives on its own): the copy is withdrawn (work stops; metadata and trail are kept)."""
    with transaction.atomic():
        doc = _locked(document)
        before = doc.status
        doc.status = check_transition("recall", before)
        doc.save(update_fields=["status"])
        search_index.reindex("incoming", [doc.pk])
        participants = [
            a.person for a in doc.assignments.filter(status__in=OPEN_ASSIGNMENT, person__isnull=False)
        ]
        doc.assignments.filter(status__in=OPEN_ASSIGNMENT).update(
            status=AssignmentStatus.CLOSED, finished_at=timezone.now()
        )
        if replaced_by:
            note = f"{sender_name} thay thế văn bản bằng văn bản số {replaced_by}: {reason}"
            _event(doc, actor, "replaced", note, before, data={"replaced_by": replaced_by})
            title = f"Văn bản đến đã được thay thế bằng văn bản số {replaced_by}"
        else:
            _event(doc, actor, "recalled", f"{sender_name} thu hồi văn bản: {reason}", before)
            title = "Văn bản đến đã bị cơ quan ban hành thu hồi"
        clerks = people_with_roles({"clerk"}, {doc.organization_id})
        notify.notify_many([*clerks, *participants], doc, title)
    return doc


def incoming_record_notice(
    *, actor: User, document: IncomingDocument, action: str, note: str, title: str
) -> IncomingDocument:
    """The issuer tells the recipients about its document after issuance (a correction, a replacement of
    a copy already withdrawn): an event in the history; its clerks and current handlers are told."""
    with transaction.atomic():
        doc = _locked(document)
        _event(doc, actor, action, note, doc.status)
        participants = [
            a.person for a in doc.assignments.filter(status__in=OPEN_ASSIGNMENT, person__isnull=False)
        ]
        clerks = people_with_roles({"clerk"}, {doc.organization_id})
        notify.notify_many([*clerks, *participants], doc, title)
    return doc
