"""Reads of the exchange: backlog counts, a recipient's current status, the clerk's arrivals (list, detail,
audited file reads), the sender's status block and the administrators' dashboard."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import close_old_connections
from django.db.models import QuerySet
from django.utils import timezone

from exchange.edxml.codes import STATUS_LABELS, StatusCode
from exchange.models import ExchangeStatus, InboxMessage, OutboxMessage
from exchange.states import InState, Kind, OutState

# later codes win over earlier ones at the same Timestamp; 02/15/16 end the story
RANK = {"01": 1, "03": 2, "04": 3, "05": 4, "06": 5, "02": 6, "15": 6, "16": 6, "13": 0}


def backlog() -> dict[str, Any]:
    try:
        return {
            "outbox_pending": OutboxMessage.objects.filter(
                state__in=(OutState.PENDING, OutState.SENDING, OutState.AWAITING_FILE)
            ).count(),
            "outbox_failed": OutboxMessage.objects.filter(state=OutState.FAILED).count(),
            "inbox_packages": InboxMessage.objects.filter(kind=Kind.PACKAGE).count(),
            "inbox_arrived": InboxMessage.objects.filter(kind=Kind.PACKAGE, state=InState.ARRIVED).count(),
        }
    finally:
        close_old_connections()


def current_status(recipient_id: int) -> dict[str, Any] | None:
    """The recipient's latest status (by its Timestamp, ties by rank) and the history."""
    rows = list(ExchangeStatus.objects.filter(recipient_id=recipient_id).order_by("at", "id"))
    if not rows:
        return None
    latest = max(rows, key=lambda r: (r.at, RANK.get(r.code, 0)))
    return {
        "code": latest.code,
        "label": _label(latest.code),
        "description": latest.description,
        "at": latest.at,
        "history": [
            {"code": r.code, "label": _label(r.code), "description": r.description, "at": r.at} for r in rows
        ],
    }


def _label(code: str) -> str:
    try:
        return STATUS_LABELS[StatusCode(code)]
    except ValueError:
        return code


def delivery_of(recipient_id: int) -> dict[str, Any] | None:
    """How a package to an external recipient stands: the outbox state and the recipient's status."""
    message = (
        OutboxMessage.objects.filter(recipient_id=recipient_id, kind=Kind.PACKAGE).order_by("-id").first()
    )
    if message is None:
        return None
    return {
        "state": message.state,
        "state_label": OutState(message.state).label,
        "attempts": message.attempts,
        "last_error": message.last_error,
        "sent_at": message.sent_at,
        "status": current_status(recipient_id),
    }


def arrivals_for(organization_id: int) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(organization_id=organization_id, kind=Kind.PACKAGE)


def arrivals_for_orgs(organization_ids: set[int]) -> QuerySet[InboxMessage]:
    return InboxMessage.objects.filter(organization_id__in=organization_ids, kind=Kind.PACKAGE).order_by(
        "-received_at", "-id"
    )


def delivery_json(recipient_id: int) -> dict[str, Any] | None:
    """``delivery_of`` with its times as ISO strings (the API and the page's HTMX block)."""
    found = delivery_of(recipient_id)
    if found is None:
        return None

    def iso(value: Any) -> Any:
        return value.isoformat() if value is not None else None

    found["sent_at"] = iso(found["sent_at"])
    status = found["status"]
    if status is not None:
        status["at"] = iso(status["at"])
        for item in status["history"]:
            item["at"] = iso(item["at"])
    return found


# --- the people's screens: the clerk's arrivals, the sender's status block, the administrators' dashboard


ARRIVAL_STATE_LABELS: dict[str, str] = {
    InState.ARRIVED: "Chờ vào sổ",
    InState.REGISTERED: "Đã vào sổ",
    InState.REJECTED: "Đã trả lại",
    InState.WITHDRAWN: "Đã bị thu hồi",
}
# what a clerk handles: documents (new, replacing); recall and correction notices act on those by themselves
DOCUMENT_BUSINESSES = (0, 3)


def arrivals_visible_to(user: Any) -> QuerySet[InboxMessage]:
    """The arrived documents a user may see, newest first: those of the organisations where the user is a
    clerk (văn thư); every organisation of the installation for its administrators."""
    from incoming.permissions import orgs_with_roles
    from orgs.models import Role
    from orgs.selectors import is_admin

    qs = InboxMessage.objects.filter(
        kind=Kind.PACKAGE, business__in=DOCUMENT_BUSINESSES, organization__isnull=False
    )
    if not is_admin(user):
        qs = qs.filter(organization_id__in=orgs_with_roles(user, {Role.CLERK}))
    return qs.select_related("organization").order_by("-received_at", "-id")


def may_see_arrivals(user: Any) -> bool:
    from incoming.permissions import orgs_with_roles
    from orgs.models import Role
    from orgs.selectors import is_admin

    return bool(user.is_authenticated and (is_admin(user) or orgs_with_roles(user, {Role.CLERK})))


def arrival_get_for_user(user: Any, pk: int) -> InboxMessage:
    """One arrival through the same filter as the list: NotFound alike for missing and not visible."""
    from core.errors import NotFound

    found = arrivals_visible_to(user).select_related("handled_by", "incoming").filter(pk=pk).first()
    if found is None:
        raise NotFound("Không tìm thấy văn bản liên thông.")
    return found


def may_handle_arrival(user: Any, inbox: InboxMessage) -> bool:
    """ "Vào sổ" and "Trả lại" are offered to the receiving organisation's clerks while it waits."""
    from incoming.permissions import is_clerk_of

    return (
        inbox.state == InState.ARRIVED
        and inbox.organization_id is not None
        and is_clerk_of(user, inbox.organization_id)
    )


@dataclass(frozen=True)
class ArrivalFile:
    name: str
    content_type: str
    data: bytes


SAFE_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def arrival_file_for_user(user: Any, pk: int, content_id: str) -> ArrivalFile:
    """An attachment of an arrival, read from the package as it was received; the read is audited
    (``exchange.read.file``). NotFound alike for a missing file and an arrival the user may not see."""
    from core import audit, files
    from core.errors import NotFound
    from exchange.edxml import parse

    inbox = arrival_get_for_user(user, pk)
    package = parse.parse_package(parse.read(files.open_blob(inbox.package)))
    found = next((a for a in package.attachments if a.content_id == content_id), None)
    if found is None:
        raise NotFound("Không tìm thấy tệp đính kèm.")
    sniffed = files.sniff(found.data)
    if sniffed == "zip":  # an Office file: the declared type only if it is one
        content_type = found.content_type if found.content_type in SAFE_TYPES else "application/octet-stream"
    else:
        content_type = sniffed or "application/octet-stream"  # never a type the sender chose (text/html)
    audit.record(
        actor=user,
        action="exchange.read.file",
        target=inbox,
        organization_id=inbox.organization_id,
        data={"content_id": content_id, "name": found.name, "sha256": hashlib.sha256(found.data).hexdigest()},
    )
    return ArrivalFile(files.clean_name(found.name), content_type, found.data)


def suggested_doc_type(inbox: InboxMessage) -> str:
    """The receiving organisation's document type matching the package (code, then name), else Công văn."""
    from documents.models import DocType

    profile = inbox.organization.profile if inbox.organization is not None else ""
    types = DocType.objects.filter(profile=profile, is_active=True)
    h = inbox.header
    found = (
        types.filter(code=h.get("type_code", "")).first()
        or types.filter(name__iexact=h.get("type_name", "")).first()
        or types.filter(name__iexact="Công văn").first()
    )
    return found.code if found is not None else ""


# the sender's view: what each external recipient made of a document
PROCESSING_LABELS = {
    "01": "Đã đến",
    "02": "Bị trả lại",
    "03": "Đã vào sổ",
    "04": "Đã phân công",
    "05": "Đang xử lý",
    "06": "Hoàn thành",
}
PROCESSING_CODES = tuple(PROCESSING_LABELS)


@dataclass
class RecipientDelivery:
    recipient_id: int
    name: str
    label: str
    tone: str  # a Bootstrap colour: success, danger, warning, secondary, info
    code: str = ""
    at: Any = None
    reason: str = ""
    note: str = ""
    final: bool = False
    failed_message_id: int | None = None
    history: list[dict[str, Any]] | None = None


def deliveries_for(outgoing_id: int) -> list[RecipientDelivery]:
    """One row per recipient the document was sent to by exchange, in two queries whatever their number:
    the outbox state of its package (and of a recall), and the latest processing status (01–06) it
    reported, the recall or correction answer (15/16) beside it."""
    messages = list(
        OutboxMessage.objects.filter(outgoing_id=outgoing_id, kind=Kind.PACKAGE, recipient__isnull=False)
        .select_related("recipient")
        .order_by("id")
    )
    if not messages:
        return []
    by_recipient: dict[int, list[OutboxMessage]] = {}
    for m in messages:
        assert m.recipient_id is not None
        by_recipient.setdefault(m.recipient_id, []).append(m)
    statuses: dict[int, list[ExchangeStatus]] = {}
    for s in ExchangeStatus.objects.filter(recipient_id__in=by_recipient).order_by("at", "id"):
        statuses.setdefault(s.recipient_id, []).append(s)
    return [_delivery(rows, statuses.get(rid, [])) for rid, rows in by_recipient.items()]


def _latest(rows: list[ExchangeStatus]) -> ExchangeStatus | None:
    return max(rows, key=lambda r: (r.at, RANK.get(r.code, 0))) if rows else None


def _delivery(messages: list[OutboxMessage], statuses: list[ExchangeStatus]) -> RecipientDelivery:
    recipient = messages[0].recipient
    assert recipient is not None
    documents = [m for m in messages if m.business in DOCUMENT_BUSINESSES]
    package = documents[-1] if documents else messages[-1]
    recalls = [m for m in messages if m.business == 1]
    processing = _latest([s for s in statuses if s.code in PROCESSING_CODES])
    answer = _latest([s for s in statuses if s.code in ("15", "16")])
    failed = next((m for m in reversed(messages) if m.state == OutState.FAILED), None)
    row = RecipientDelivery(
        recipient_id=recipient.pk,
        name=recipient.name,
        label="",
        tone="secondary",
        failed_message_id=failed.pk if failed is not None else None,
        history=[
            {"code": s.code, "label": PROCESSING_LABELS.get(s.code) or _label(s.code), "at": s.at}
            for s in statuses
        ],
    )
    if processing is not None:
        row.code, row.at = processing.code, processing.at
    if recalls:
        recall = recalls[-1]
        if package.state == OutState.CANCELLED:
            row.label, row.final = "Đã thu hồi (trước khi gửi)", True
        elif answer is not None and answer.code == "15":
            row.label, row.tone, row.final, row.at = "Đã thu hồi", "secondary", True, answer.at
        elif answer is not None:
            row.label, row.tone, row.at = "Nơi nhận không thu hồi", "warning", answer.at
            row.reason, row.final = answer.description, True
        elif recall.state == OutState.FAILED:
            row.label, row.tone, row.reason = "Gửi yêu cầu thu hồi lỗi", "danger", recall.last_error
        else:
            row.label, row.tone = "Đã gửi yêu cầu thu hồi", "warning"
        return row
    if package.state == OutState.CANCELLED:
        row.label, row.final = "Đã thu hồi (trước khi gửi)", True
    elif processing is not None:
        row.label = f"{PROCESSING_LABELS[processing.code]} ({processing.code})"
        row.tone = {"02": "danger", "06": "success"}.get(processing.code, "info")
        row.final = processing.code in ("02", "06")
        if processing.code == "02":
            row.reason = processing.description
    elif package.state == OutState.SENT:
        row.label, row.tone, row.at = "Đã gửi", "info", package.sent_at
    elif package.state == OutState.FAILED:
        row.label, row.tone, row.reason = "Gửi lỗi", "danger", package.last_error
    elif package.state == OutState.AWAITING_FILE:
        row.label = "Chờ tệp phát hành"
    elif package.attempts:
        row.label, row.tone = f"Đang gửi lại (đã thử {package.attempts} lần)", "warning"
        row.reason = package.last_error
    else:
        row.label = "Đang gửi"
    if answer is not None and any(m.business == 2 for m in messages):
        row.note = "Đính chính: " + ("nơi nhận đã ghi nhận" if answer.code == "15" else answer.description)
    return row


# the administrators' dashboard


def exchange_stats() -> dict[str, Any]:
    """Traffic today and over 7 days (today and the six days before, Vietnam time), failures with their
    last error, the backlog per destination, the arrivals waiting for clerks and the next hops — in a fixed
    number of queries."""
    from datetime import timedelta

    from django.db.models import Count, Min, Q

    from exchange.models import Node
    from orgs.models import Organization

    now = timezone.localtime()
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    week = today - timedelta(days=6)
    package, status = Q(kind=Kind.PACKAGE), Q(kind=Kind.STATUS)
    out = OutboxMessage.objects.aggregate(
        sent_packages_today=Count("id", filter=package & Q(sent_at__gte=today)),
        sent_packages_week=Count("id", filter=package & Q(sent_at__gte=week)),
        sent_statuses_today=Count("id", filter=status & Q(sent_at__gte=today)),
        sent_statuses_week=Count("id", filter=status & Q(sent_at__gte=week)),
        failed=Count("id", filter=Q(state=OutState.FAILED)),
        waiting=Count("id", filter=Q(state__in=(OutState.PENDING, OutState.SENDING))),
        awaiting_file=Count("id", filter=Q(state=OutState.AWAITING_FILE)),
    )
    here = ~Q(state=InState.RELAYED)
    received = InboxMessage.objects.aggregate(
        received_packages_today=Count("id", filter=package & here & Q(received_at__gte=today)),
        received_packages_week=Count("id", filter=package & here & Q(received_at__gte=week)),
        received_statuses_today=Count("id", filter=status & here & Q(received_at__gte=today)),
        received_statuses_week=Count("id", filter=status & here & Q(received_at__gte=week)),
        relayed_today=Count("id", filter=Q(state=InState.RELAYED, received_at__gte=today)),
        relayed_week=Count("id", filter=Q(state=InState.RELAYED, received_at__gte=week)),
        arrived_waiting=Count(
            "id", filter=package & Q(state=InState.ARRIVED, business__in=DOCUMENT_BUSINESSES)
        ),
    )
    failures = list(
        OutboxMessage.objects.filter(state=OutState.FAILED)
        .order_by("-id")
        .values(
            "id",
            "kind",
            "business",
            "status_code",
            "to_identifier",
            "document_id",
            "attempts",
            "last_error",
            "last_http_status",
            "created_at",
            "outgoing_id",
        )[:50]
    )
    backlog_rows = list(
        OutboxMessage.objects.filter(state__in=(OutState.PENDING, OutState.SENDING))
        .values("to_identifier")
        .annotate(
            pending=Count("id", filter=Q(state=OutState.PENDING)),
            sending=Count("id", filter=Q(state=OutState.SENDING)),
            oldest=Min("created_at"),
        )
        .order_by("oldest")[:100]
    )
    waiting = list(
        InboxMessage.objects.filter(
            kind=Kind.PACKAGE, state=InState.ARRIVED, business__in=DOCUMENT_BUSINESSES
        )
        .values("organization_id", "organization__name")
        .annotate(count=Count("id"), oldest=Min("received_at"))
        .order_by("oldest")
    )
    identifiers = {r["to_identifier"] for r in failures} | {r["to_identifier"] for r in backlog_rows}
    names = dict(
        Organization.objects.filter(identifier__in=identifiers).values_list("identifier", "name")
        if identifiers
        else []
    )
    named: dict[str, list[dict[str, Any]]] = {
        key: [{**r, "to_name": names.get(r["to_identifier"], "")} for r in rows]
        for key, rows in (("failures", failures), ("backlog", backlog_rows))
    }
    nodes = list(
        Node.objects.order_by("name").values(
            "id", "name", "endpoint", "is_hub", "last_ok_at", "consecutive_failures"
        )
    )
    return {
        "at": now,
        "traffic": {**out, **received},
        "failures": named["failures"],
        "backlog": named["backlog"],
        "waiting": [
            {
                "organization_id": r["organization_id"],
                "organization": r["organization__name"],
                "count": r["count"],
                "oldest": r["oldest"],
            }
            for r in waiting
        ],
        "nodes": nodes,
    }


def replies_to(inbox: InboxMessage) -> list[dict[str, Any]]:
    """The documents an arrival answers (its ResponseFor), each with our outgoing document's id when it
    is one the receiving organisation issued — the exact DocumentId (the page links it; the outgoing
    page's own door decides who may open it)."""
    from exchange.packaging import outgoing_document_id
    from outgoing.models import OutgoingDocument

    out = []
    for r in inbox.header.get("response_for", []):
        match = None
        if inbox.organization_id is not None and r.get("organ_id") == inbox.to_identifier:
            candidates = OutgoingDocument.objects.filter(
                organization_id=inbox.organization_id, number_symbol=r.get("code") or "-"
            ).exclude(issued_at=None)
            match = next(
                (d.pk for d in candidates.select_related("organization")
                 if outgoing_document_id(d) == r.get("document_id")),
                None,
            )  # fmt: skip
        out.append({**r, "date": header_date(r.get("promulgation_date")), "outgoing_id": match})
    return out


def header_date(value: Any) -> date | None:
    """A date the inbox keeps of a header (ISO text), as a date; None when absent or not one."""
    try:
        return date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
