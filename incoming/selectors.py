"""Every read of incoming documents for a user goes through here.

``incoming_visible_to`` is the one visibility filter shared by lists, search, exports and the API;
``incoming_get_for_user`` is the door for a single document (registered in documents.selectors).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)

from core.calendar import add_working_days
from core.errors import NotFound
from core.vn import fold, normalize_symbol, sort_key
from documents.models import Urgency
from documents.selectors import record_read
from incoming.models import Assignment, IncomingDocument
from incoming.permissions import OVERSEER_ROLES, allowed_secrecy, heads_units, orgs_with_roles
from incoming.states import OPEN_ASSIGNMENT, AssignmentRole, AssignmentStatus, Status
from orgs.models import User
from orgs.selectors import today

URGENCY_ORDER = Case(
    When(urgency=Urgency.FLASH, then=Value(3)),
    When(urgency=Urgency.VERY_URGENT, then=Value(2)),
    When(urgency=Urgency.URGENT, then=Value(1)),
    default=Value(0),
    output_field=IntegerField(),
)


def incoming_visible_to(user: User) -> QuerySet[IncomingDocument]:
    """Documents the user may see: overseers of the organization, routing participants; clearance on top."""
    if not user.is_authenticated or not user.is_active:
        return IncomingDocument.objects.none()
    overseen = orgs_with_roles(user, OVERSEER_ROLES)
    units = heads_units(user)
    participates = Assignment.objects.filter(document=OuterRef("pk")).filter(
        Q(person_id=user.pk) | Q(unit_id__in=units) if units else Q(person_id=user.pk)
    )
    rule = Q(organization_id__in=overseen) | Q(Exists(participates)) if overseen else Q(Exists(participates))
    return IncomingDocument.objects.filter(rule, secrecy__in=allowed_secrecy(user))


def with_list_data(qs: QuerySet[IncomingDocument]) -> QuerySet[IncomingDocument]:
    lead = (
        Assignment.objects.filter(role=AssignmentRole.LEAD, parent__isnull=True)
        .exclude(status__in=[AssignmentStatus.CLOSED, AssignmentStatus.RETURNED])
        .select_related("unit", "person")
        .order_by()  # no ORDER BY id: lets SQLite use the (document, parent) index
    )
    return qs.select_related("doc_type", "register").prefetch_related(
        Prefetch("assignments", queryset=lead, to_attr="lead_assignments")
    )


def ordered(qs: QuerySet[IncomingDocument]) -> QuerySet[IncomingDocument]:
    """Urgent documents first, then newest."""
    return qs.annotate(urgency_order=URGENCY_ORDER).order_by(
        "-urgency_order", "-arrival_date", "-arrival_number"
    )


def incoming_get_for_user(user: User, pk: int, *, need: str = "view") -> IncomingDocument:
    doc = (
        incoming_visible_to(user)
        .select_related("doc_type", "register", "organization", "issuer", "created_by")
        .filter(pk=pk)
        .first()
    )
    if doc is None:
        raise NotFound("Không tìm thấy văn bản đến hoặc bạn không có quyền xem.")
    record_read(user, "incoming", doc, need)
    return doc


def incoming_list(
    user: User,
    *,
    status: str | None = None,
    q: str | None = None,
    mine: bool = False,
    overdue: bool = False,
    date_from: date | None = None,
    date_to: date | None = None,
    doc_type: str | None = None,
    urgency: str | None = None,
    issuer: str | None = None,
    number_symbol: str | None = None,
) -> QuerySet[IncomingDocument]:
    qs = incoming_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if mine:
        qs = qs.filter(pk__in=my_open_document_ids(user))
    if overdue:
        qs = qs.filter(status__in=[Status.SUBMITTED, Status.IN_PROGRESS], due_date__lt=today())
    if date_from:
        qs = qs.filter(arrival_date__gte=date_from)
    if date_to:
        qs = qs.filter(arrival_date__lte=date_to)
    if doc_type:
        qs = qs.filter(doc_type__code=doc_type)
    if urgency:
        qs = qs.filter(urgency=urgency)
    if issuer:
        qs = qs.filter(search_text__contains=fold(issuer))
    if number_symbol:
        key = normalize_symbol(number_symbol)
        # a range on the lower-case key uses the index on SQLite too (startswith becomes LIKE there)
        qs = qs.filter(symbol_key__gte=key, symbol_key__lt=key + "\U0010ffff")
    if q:
        for word in fold(q).split():
            qs = qs.filter(search_text__contains=word)
    return with_list_data(ordered(qs))


def my_open_document_ids(user: User) -> QuerySet[Any]:
    units = heads_units(user)
    rule = Q(person_id=user.pk)
    if units:
        rule |= Q(unit_id__in=units, person__isnull=True)
    return Assignment.objects.filter(rule, status__in=OPEN_ASSIGNMENT).values("document_id")


def queue(user: User) -> dict[str, QuerySet[IncomingDocument]]:
    """The user's work, per section, whatever their roles (a person may be clerk and specialist)."""
    visible = incoming_visible_to(user)
    sections: dict[str, QuerySet[IncomingDocument]] = {}
    from orgs.models import Role

    clerk_orgs = orgs_with_roles(user, {Role.CLERK})
    if clerk_orgs:
        sections["to_submit"] = visible.filter(
            organization_id__in=clerk_orgs, status__in=[Status.REGISTERED, Status.RETURNED]
        )
    leader_orgs = orgs_with_roles(user, {Role.OFFICE_LEADER, Role.COMMITTEE_LEADER})
    if leader_orgs:
        sections["to_distribute"] = visible.filter(organization_id__in=leader_orgs, status=Status.SUBMITTED)
    units = heads_units(user)
    if units:
        unit_ids = Assignment.objects.filter(unit_id__in=units, person__isnull=True, status="pending").values(
            "document_id"
        )
        sections["to_forward"] = visible.filter(pk__in=unit_ids, status=Status.IN_PROGRESS)
    personal = Assignment.objects.filter(person_id=user.pk, status__in=OPEN_ASSIGNMENT).values("document_id")
    sections["to_process"] = visible.filter(pk__in=personal, status=Status.IN_PROGRESS)
    return {key: with_list_data(ordered(qs)) for key, qs in sections.items()}


_NEAR_DUE_CACHE: dict[tuple[date, int], tuple[float, date]] = {}
_NEAR_DUE_TTL = 60.0  # seconds: a holiday added by the administrator counts within a minute


def near_due_limit(on: date | None = None) -> date:
    """The last day that is "near due": ``NEAR_DUE_WORKING_DAYS`` working days ahead (memoised briefly)."""
    on = on or today()
    key = (on, settings.NEAR_DUE_WORKING_DAYS)
    cached = _NEAR_DUE_CACHE.get(key)
    now = time.monotonic()
    if cached is not None and now - cached[0] < _NEAR_DUE_TTL:
        return cached[1]
    limit = add_working_days(on, settings.NEAR_DUE_WORKING_DAYS)
    _NEAR_DUE_CACHE.clear()
    _NEAR_DUE_CACHE[key] = (now, limit)
    return limit


BOARD_PAGE_SIZE = 30
BOARD_STATES = ("overdue", "near_due")


@dataclass(frozen=True)
class BoardCount:
    """One line of the board's summary: a unit or a person and how many of its documents are late/near."""

    pk: int
    name: str
    overdue: int
    near_due: int

    @property
    def total(self) -> int:
        return self.overdue + self.near_due


@dataclass(frozen=True)
class OverdueBoard:
    """The overdue board: figures over every document on it, and the rows the filters select (unpaged).

    ``overdue_total``/``near_due_total``/``unassigned``/``by_unit``/``by_person`` cover the whole board
    (whatever the filters); ``counts`` are the overdue/near-due figures of the unit/person filters and
    ``rows_total`` the number of ``rows``, so the page needs no COUNT of its own.
    """

    today: date
    near_limit: date | None
    overdue_total: int
    near_due_total: int
    unassigned: BoardCount | None
    by_unit: list[BoardCount]
    by_person: list[BoardCount]
    counts: BoardCount
    rows: QuerySet[IncomingDocument]
    rows_total: int


def _open_leads() -> QuerySet[Assignment]:
    return Assignment.objects.filter(role=AssignmentRole.LEAD).exclude(
        status__in=[AssignmentStatus.CLOSED, AssignmentStatus.RETURNED]
    )


def _late_and_near(now: date) -> dict[str, Count]:
    return {
        "overdue": Count("pk", filter=Q(due_date__lt=now)),
        "near_due": Count("pk", filter=Q(due_date__gte=now)),
    }


def _summary_order(line: BoardCount) -> tuple[int, int, Any]:
    return (-line.overdue, -line.near_due, sort_key(line.name))


def overdue_board(
    user: User, *, state: str = "", unit_id: int | None = None, person_id: int | None = None
) -> OverdueBoard:
    """Open documents of the organizations the user oversees that are overdue or near their deadline.

    Everything is counted in the database (two to three aggregate queries, whatever the number of
    documents); the rows come as a query set, most overdue first, for the caller to page. ``state``
    ("overdue" or "near_due") narrows the rows; ``unit_id`` keeps the documents a unit leads (an open lead
    assignment to the unit), ``person_id`` those a person leads (directly or passed on by the unit
    head). Every figure and row goes through ``incoming_visible_to``.
    """
    from orgs.models import Role

    now = today()
    orgs = orgs_with_roles(user, {Role.OFFICE_LEADER, Role.COMMITTEE_LEADER, Role.CLERK})
    if not orgs:
        nothing = BoardCount(0, "", 0, 0)
        return OverdueBoard(now, None, 0, 0, None, [], [], nothing, IncomingDocument.objects.none(), 0)
    limit = near_due_limit(now)
    board_docs = incoming_visible_to(user).filter(
        organization_id__in=orgs,
        status__in=[Status.SUBMITTED, Status.IN_PROGRESS],
        due_date__isnull=False,
        due_date__lte=limit,
    )
    totals = board_docs.aggregate(
        **_late_and_near(now),
        unassigned_overdue=Count("pk", filter=Q(status=Status.SUBMITTED, due_date__lt=now)),
        unassigned_near=Count("pk", filter=Q(status=Status.SUBMITTED, due_date__gte=now)),
    )
    per_target = (
        _open_leads()
        .filter(document__in=board_docs.values("pk"))
        .values("unit_id", "unit__name", "person_id", "person__full_name", "person__username")
        .annotate(
            overdue=Count("document", filter=Q(document__due_date__lt=now), distinct=True),
            near_due=Count("document", filter=Q(document__due_date__gte=now), distinct=True),
        )
        .order_by()
    )
    by_unit: list[BoardCount] = []
    by_person: list[BoardCount] = []
    for r in per_target:
        if r["person_id"] is not None:
            name = r["person__full_name"] or r["person__username"]
            by_person.append(BoardCount(r["person_id"], name, r["overdue"], r["near_due"]))
        else:
            by_unit.append(BoardCount(r["unit_id"], r["unit__name"], r["overdue"], r["near_due"]))
    by_unit.sort(key=_summary_order)
    by_person.sort(key=_summary_order)
    unassigned = BoardCount(0, "Chờ phân phối", totals["unassigned_overdue"], totals["unassigned_near"])

    selected = board_docs
    if unit_id is not None:
        leads = _open_leads().filter(document=OuterRef("pk"), unit_id=unit_id, person__isnull=True)
        selected = selected.filter(Exists(leads))
    if person_id is not None:
        selected = selected.filter(Exists(_open_leads().filter(document=OuterRef("pk"), person_id=person_id)))
    if unit_id is None and person_id is None:
        counts = BoardCount(0, "", totals["overdue"], totals["near_due"])
    else:
        figures = selected.aggregate(**_late_and_near(now))
        counts = BoardCount(0, "", figures["overdue"], figures["near_due"])
    rows = selected
    rows_total = counts.total
    if state == "overdue":
        rows, rows_total = rows.filter(due_date__lt=now), counts.overdue
    elif state == "near_due":
        rows, rows_total = rows.filter(due_date__gte=now), counts.near_due
    return OverdueBoard(
        today=now,
        near_limit=limit,
        overdue_total=totals["overdue"],
        near_due_total=totals["near_due"],
        unassigned=unassigned if unassigned.total else None,
        by_unit=by_unit,
        by_person=by_person,
        counts=counts,
        rows=_board_rows(rows),
        rows_total=rows_total,
    )


def _board_rows(qs: QuerySet[IncomingDocument]) -> QuerySet[IncomingDocument]:
    """Most overdue first (earliest deadline), the more urgent first on the same day; with the unit
    and the person leading each document (the person the unit head passed it to, after the unit)."""
    leads = (
        _open_leads().select_related("unit", "person").order_by(F("parent_id").asc(nulls_first=True), "id")
    )
    return (
        qs.annotate(urgency_order=URGENCY_ORDER)
        .select_related("doc_type", "register")
        .prefetch_related(Prefetch("assignments", queryset=leads, to_attr="lead_assignments"))
        .order_by("due_date", "-urgency_order", "-arrival_date", "-arrival_number", "pk")
    )


def deadline_state(doc: IncomingDocument, on: date | None = None) -> str:
    """ "overdue", "near_due", "on_track" or "" (no deadline / closed)."""
    if doc.status not in (Status.SUBMITTED, Status.IN_PROGRESS) or doc.due_date is None:
        return ""
    on = on or today()
    if doc.due_date < on:
        return "overdue"
    if doc.due_date <= near_due_limit(on):
        return "near_due"
    return "on_track"


def possible_duplicates(
    organization_ids: set[int],
    *,
    issuer_name: str,
    number_symbol: str,
    sha256s: list[str],
    issued_year: int | None = None,
    exclude_id: int | None = None,
) -> list[int]:
    """Documents that may be the same: same issuer and number-symbol (in the same year of issue, since
    numbers restart every year), or the same file."""
    from documents.models import Attachment

    ids: set[int] = set()
    key = normalize_symbol(number_symbol) if number_symbol else ""
    if key:
        issuer_key = fold(issuer_name)
        same_symbol = IncomingDocument.objects.filter(organization_id__in=organization_ids, symbol_key=key)
        if issued_year:
            same_symbol = same_symbol.filter(issued_date__year=issued_year)
        for pk, text in same_symbol.values_list("pk", "issuer_name"):
            if fold(text) == issuer_key:
                ids.add(pk)
    if sha256s:
        owners = Attachment.objects.filter(owner_kind="incoming", stored__sha256__in=sha256s).values_list(
            "owner_id", flat=True
        )
        ids |= set(
            IncomingDocument.objects.filter(
                organization_id__in=organization_ids, pk__in=list(owners)
            ).values_list("pk", flat=True)
        )
    ids.discard(exclude_id or 0)
    return sorted(ids)


def history(doc: IncomingDocument) -> QuerySet[Any]:
    return doc.events.select_related("actor").order_by("at", "id")


def files(doc: IncomingDocument) -> QuerySet[Any]:
    from documents.models import Attachment

    return Attachment.objects.filter(owner_kind="incoming", owner_id=doc.pk).select_related("stored")


def assignments(doc: IncomingDocument) -> QuerySet[Assignment]:
    return doc.assignments.select_related("unit", "person", "assigned_by", "parent").order_by("id")


def default_from_date(days: int = 365) -> date:
    return today() - timedelta(days=days)


def available_actions(user: User, doc: IncomingDocument) -> set[str]:
    """Actions the user may take now (drives which buttons a page shows; services check again)."""
    from django.db.models import Q as _Q

    from incoming.permissions import is_clerk_of, is_leader_of
    from incoming.states import TRANSITIONS

    def state_ok(action: str) -> bool:
        return doc.status in TRANSITIONS[action][0]

    actions: set[str] = set()
    units = heads_units(user)
    mine = doc.assignments.filter(
        _Q(person_id=user.pk) | _Q(unit_id__in=units, person__isnull=True), status__in=OPEN_ASSIGNMENT
    )
    leader = is_leader_of(user, doc.organization_id)
    if is_clerk_of(user, doc.organization_id) and state_ok("submit"):
        actions.add("submit")
        actions.add("update")
    if leader and state_ok("assign"):
        actions.add("assign")
    if leader and state_ok("return_to_clerk") and doc.status == Status.SUBMITTED:
        actions.add("return")
    if doc.status == Status.IN_PROGRESS:
        if mine.filter(unit_id__in=units, person__isnull=True, status="pending").exists():
            actions.add("forward")
        if mine.exists() or leader:
            actions.add("note")
        if mine.filter(role=AssignmentRole.LEAD).exists() or leader:
            actions.add("complete")
        if mine.exclude(role=AssignmentRole.LEAD).exists():
            actions.add("acknowledge")
        if mine.filter(role=AssignmentRole.LEAD).exists() or mine.filter(parent__isnull=False).exists():
            actions.add("return")
    return actions
