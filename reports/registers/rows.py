"""Rows of the incoming, follow-up and outgoing registers, for one user and one register."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from core.errors import InvalidInput
from documents.models import Channel, Register, RegisterKind, Urgency
from incoming.models import Assignment, Event, IncomingDocument
from incoming.selectors import incoming_visible_to
from incoming.states import AssignmentRole, AssignmentStatus, Status
from orgs.models import Profile, Secrecy, User
from orgs.selectors import today
from outgoing.models import OutgoingDocument, Recipient
from outgoing.selectors import outgoing_visible_to

Row = dict[str, Any]

RECEIVED_IN_SYSTEM = "Đã nhận trên hệ thống"
_ROLE_ORDER = {AssignmentRole.LEAD: 0, AssignmentRole.SUPPORT: 1, AssignmentRole.INFO: 2}
# Superseded by a redistribution: never shown.
# Returned to the leader: shown only while nothing has replaced them.
_SUPERSEDED = {AssignmentStatus.CLOSED}
_RETURNED = {AssignmentStatus.RETURNED}


def incoming_register_rows(
    user: User,
    register: Register,
    date_from: date | None = None,
    date_to: date | None = None,
    year: int | None = None,
    *,
    on: date | None = None,
) -> list[Row]:
    """The register's documents the user may see, ordered by (year, số đến), one dict per document.

    ``date_from``/``date_to`` bound the arrival date (inclusive); ``year`` is the numbering year;
    ``on`` is "today" for overdue computation (defaults to the local date).
    Runs a fixed number of queries whatever the number of documents.
    """
    qs = incoming_visible_to(user).filter(register=register)
    if date_from is not None:
        qs = qs.filter(arrival_date__gte=date_from)
    if date_to is not None:
        qs = qs.filter(arrival_date__lte=date_to)
    if year is not None:
        qs = qs.filter(year=year)
    first_assign = (
        Event.objects.filter(document=OuterRef("pk"), action="assign").order_by("at", "id").values("at")[:1]
    )
    top_level = (
        Assignment.objects.filter(parent__isnull=True)
        .exclude(status__in=_SUPERSEDED)
        .select_related("unit", "person")
        .order_by("id")
    )
    qs = (
        qs.select_related("doc_type")
        .annotate(first_assigned_at=Subquery(first_assign))
        .prefetch_related(Prefetch("assignments", queryset=top_level, to_attr="register_assignments"))
        .order_by("year", "arrival_number")
    )
    now = on or today()
    return [_row(doc, now) for doc in qs]


def _local_date(value: datetime | None) -> date | None:
    if value is None:
        return None
    if timezone.is_aware(value):
        return timezone.localtime(value).date()
    return value.date()


def recipients_text(assignments: list[Assignment]) -> str:
    """ "Phòng Tổng hợp (chủ trì); Phòng Tài chính (phối hợp); Nguyễn Văn A (để biết)"."""
    current = [a for a in assignments if a.status not in _RETURNED] or list(assignments)
    current.sort(key=lambda a: (_ROLE_ORDER.get(AssignmentRole(a.role), 9), a.pk))
    parts: list[str] = []
    for a in current:
        part = f"{a.target_name} ({AssignmentRole(a.role).label.lower()})"
        if part not in parts:
            parts.append(part)
    return "; ".join(parts)


def marks_text(doc: IncomingDocument) -> str:
    """Ghi chú: urgency and secrecy marks, then the clerk's description."""
    parts: list[str] = []
    if doc.urgency != Urgency.NORMAL:
        parts.append(Urgency(doc.urgency).label)
    if doc.secrecy != Secrecy.NONE:
        parts.append(Secrecy(doc.secrecy).label)
    if doc.description.strip():
        parts.append(doc.description.strip())
    return "; ".join(parts)


def summary_text(doc: IncomingDocument) -> str:
    """Tên loại, số, ký hiệu, ngày tháng và cơ quan ban hành (then the subject, on its own line)."""
    head = f"{doc.doc_type.name} số {doc.number_symbol} ngày {doc.issued_date:%d/%m/%Y} của {doc.issuer_name}"
    return f"{head}\n{doc.subject}" if doc.subject else head


def progress_text(doc: IncomingDocument, on: date) -> tuple[str, int]:
    """Tiến độ giải quyết and the number of days overdue (0 when not overdue)."""
    if doc.status == Status.COMPLETED:
        done = _local_date(doc.completed_at)
        if done is None:
            return Status.COMPLETED.label, 0
        text = f"Hoàn thành ngày {done:%d/%m/%Y}"
        late = (done - doc.due_date).days if doc.due_date else 0
        return (f"{text} (chậm {late} ngày)" if late > 0 else text), 0
    label = Status(doc.status).label
    if doc.due_date is not None and doc.due_date < on:
        days = (on - doc.due_date).days
        return f"{label}; Quá hạn {days} ngày", days
    return label, 0


def _row(doc: IncomingDocument, on: date) -> Row:
    assignments: list[Assignment] = getattr(doc, "register_assignments", [])
    transferred_on = _local_date(getattr(doc, "first_assigned_at", None))
    electronic = doc.channel != Channel.PAPER
    progress, overdue_days = progress_text(doc, on)
    return {
        "document_id": doc.pk,
        "year": doc.year,
        "arrival_number": doc.arrival_number,
        "arrival_date": doc.arrival_date,
        "issuer_name": doc.issuer_name,
        "number_symbol": doc.number_symbol,
        "issued_date": doc.issued_date,
        "doc_type": doc.doc_type.name,
        "subject": doc.subject,
        "type_and_subject": f"{doc.doc_type.name} {doc.subject}".strip(),
        "recipients": recipients_text(assignments),
        "transferred_on": transferred_on,
        "signature": RECEIVED_IN_SYSTEM if electronic and (assignments or transferred_on) else "",
        "note": marks_text(doc),
        "summary": summary_text(doc),
        "due_date": doc.due_date,
        "status": doc.status,
        "progress": progress,
        "overdue_days": overdue_days,
        "completed_on": _local_date(doc.completed_at),
        "reply_number_symbol": doc.reply_number_symbol,
        "urgency": doc.urgency,
        "secrecy": doc.secrecy,
        "channel": doc.channel,
    }


# ---------------------------------------------------------------- outgoing register (sổ đăng ký văn bản đi)

SENT_IN_SYSTEM = "Đã chuyển trên hệ thống"


def _local_day_start(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def outgoing_register_rows(
    user: User,
    register: Register,
    date_from: date | None = None,
    date_to: date | None = None,
    year: int | None = None,
) -> list[Row]:
    """The register's issued documents (also those later recalled, replaced or corrected) the user may
    see, in issue order, one dict per document.

    A book is one register in one calendar year (``year``), whatever the numbering profile: Party
    documents are numbered per type through the committee term, so the issue time orders the book and
    the number-symbol identifies each entry. ``date_from``/``date_to`` bound the issue date (local,
    inclusive). Runs a fixed number of queries whatever the number of documents.
    """
    if register.kind != RegisterKind.OUTGOING:
        raise InvalidInput("Sổ này không phải sổ đăng ký văn bản đi.", details={"register": register.pk})
    qs = outgoing_visible_to(user).filter(register=register, issued_at__isnull=False)
    if year is not None:
        qs = qs.filter(
            issued_at__gte=_local_day_start(date(year, 1, 1)),
            issued_at__lt=_local_day_start(date(year + 1, 1, 1)),
        )
    if date_from is not None:
        qs = qs.filter(issued_at__gte=_local_day_start(date_from))
    if date_to is not None:
        qs = qs.filter(issued_at__lt=_local_day_start(date_to) + timedelta(days=1))
    qs = (
        qs.select_related(
            "doc_type",
            "signer",
            "drafter",
            "drafting_unit",
            "organization",
            "replaces",
            "replaced_by",
            "corrects",
            "corrected_by",
        )
        .prefetch_related(Prefetch("recipients", queryset=Recipient.objects.order_by("id")))
        .order_by("issued_at", "id")
    )
    docs: list[OutgoingDocument] = list(qs)
    return [_outgoing_row(doc) for doc in docs]


def outgoing_note(doc: OutgoingDocument) -> str:
    """Ghi chú: urgency and secrecy marks, then what happened after issuance."""
    parts: list[str] = []
    if doc.urgency != Urgency.NORMAL:
        parts.append(Urgency(doc.urgency).label)
    if doc.secrecy != Secrecy.NONE:
        parts.append(Secrecy(doc.secrecy).label)
    if doc.status == "recalled":
        parts.append("Đã thu hồi")
    if doc.replaced_by is not None:
        parts.append(f"Đã bị thay thế bởi văn bản số {doc.replaced_by.number_symbol}")
    if doc.corrected_by is not None:
        parts.append(f"Đã được đính chính bởi văn bản số {doc.corrected_by.number_symbol}")
    if doc.replaces is not None:
        parts.append(f"Thay thế văn bản số {doc.replaces.number_symbol}")
    if doc.corrects is not None:
        parts.append(f"Đính chính văn bản số {doc.corrects.number_symbol}")
    return "; ".join(parts)


def _outgoing_row(doc: OutgoingDocument) -> Row:
    recipients = list(doc.recipients.all())
    issued_on = timezone.localdate(doc.issued_at)
    delivered = [r.at for r in recipients if r.at is not None]
    electronic = bool(recipients) and all(r.status in ("delivered", "queued_exchange") for r in recipients)
    holder = doc.drafting_unit.name if doc.drafting_unit else doc.drafter.display_name
    party = doc.organization.profile == Profile.PARTY
    return {
        "document_id": doc.pk,
        "year": issued_on.year,
        "number": doc.number,
        "book_number": doc.number_symbol if party else doc.number,
        "number_symbol": doc.number_symbol,
        "issued_date": issued_on,
        "doc_type": doc.doc_type.name,
        "subject": doc.subject,
        "type_and_subject": f"{doc.doc_type.name} {doc.subject}".strip(),
        "signer": doc.signer.display_name if doc.signer else "",
        "recipients": "; ".join(r.name for r in recipients),
        "file_copy_holder": holder,
        "copies": len(recipients) + 1,  # one per recipient and the file copy (bản lưu)
        "transferred_on": _local_date(min(delivered)) if delivered else issued_on,
        "signature": SENT_IN_SYSTEM if electronic else "",
        "note": outgoing_note(doc),
        "status": doc.status,
        "urgency": doc.urgency,
        "secrecy": doc.secrecy,
    }
