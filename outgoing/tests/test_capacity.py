"""Signer capacity (thẩm quyền ký, NĐ 30 §13 / HD 36 §1.7): who may sign in which capacity, on which day.

Every capacity is tried with one person it allows and one it refuses, on a Party committee (HD 36) and
on a State body (NĐ 30); delegation dates are inclusive; the issuance re-checks on the issue day.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World
from core import tokens
from core.errors import InvalidInput
from core.models import AuditEvent, Counter
from orgs.models import Delegation, DelegationKind, Organization, Position, Role, RoleAssignment, User
from outgoing.capacity import check_capacity, refusal
from outgoing.models import OutgoingDocument
from outgoing.states import SignerCapacity
from outgoing.tests.conftest import OutgoingWorld, StateWorld

pytestmark = pytest.mark.django_db

ON = date(2026, 3, 16)


def _person(org: Organization, username: str, roles: list[str], position: str = "", rank: int = 50) -> User:
    user = User.objects.create_user(
        username=username, password="Demo@2026", full_name=username, organization=org
    )
    if position:
        user.position = Position.objects.create(organization=org, name=position, rank=rank)
        user.save()
    for role in roles:
        RoleAssignment.objects.create(user=user, role=role, organization=org)
    return user


def _delegate(
    grantor: User, grantee: User, kind: str, start: date = ON, end: date = ON, **extra: Any
) -> Delegation:
    return Delegation.objects.create(
        grantor=grantor, grantee=grantee, kind=kind, start_date=start, end_date=end, **extra
    )


class Cast:
    """The people of one Party committee and one State body, by name."""

    def __init__(self, ow: OutgoingWorld, sw: StateWorld) -> None:
        w = ow.w
        party = w.org
        w.leader.position = Position.objects.create(organization=party, name="Chánh Văn phòng", rank=10)
        w.leader.save()
        vice = _person(party, "phobithu", [Role.COMMITTEE_LEADER], "Phó Bí thư", 2)
        acting = _person(party, "quyen", [Role.SPECIALIST])
        _delegate(ow.secretary, acting, DelegationKind.ACTING)
        delegate_of_head = _person(party, "uyquyen", [Role.SPECIALIST])
        _delegate(ow.secretary, delegate_of_head, DelegationKind.DELEGATION)
        delegate_of_vice = _person(party, "uyquyen_pho", [Role.SPECIALIST])
        _delegate(vice, delegate_of_vice, DelegationKind.DELEGATION)
        state_acting = _person(sw.org, "quyen_ubnd", [Role.SPECIALIST])
        _delegate(sw.chair, state_acting, DelegationKind.ACTING)
        state_delegate = _person(sw.org, "uyquyen_ubnd", [Role.SPECIALIST])
        _delegate(sw.chair, state_delegate, DelegationKind.DELEGATION)
        # a sub-delegation: the chair delegated to the deputy, who delegates further
        _delegate(sw.chair, sw.deputy, DelegationKind.DELEGATION)
        sub_delegate = _person(sw.org, "uyquyen_lai", [Role.SPECIALIST])
        _delegate(sw.deputy, sub_delegate, DelegationKind.DELEGATION)
        self.orgs = {"party": party, "state": sw.org}
        self.people = {
            "party": {
                "secretary": ow.secretary,
                "vice": vice,
                "office_leader": w.leader,
                "unit_head": w.head,
                "specialist": w.specialist,
                "acting": acting,
                "delegate_of_head": delegate_of_head,
                "delegate_of_vice": delegate_of_vice,
            },
            "state": {
                "chair": sw.chair,
                "deputy": sw.deputy,
                "office_leader": sw.office,
                "unit_head": sw.head,
                "specialist": sw.drafter,
                "acting": state_acting,
                "delegate_of_head": state_delegate,
                "sub_delegate": sub_delegate,
            },
        }


@pytest.fixture
def cast(ow: OutgoingWorld) -> Cast:
    return Cast(ow, StateWorld(ow.w))


def _doc(org: Organization, capacity: str) -> OutgoingDocument:
    return OutgoingDocument(organization=org, signer_capacity=capacity)


# (organisation, capacity, person, allowed, what the refusal says)
TABLE = [
    ("party", SignerCapacity.OWN, "secretary", True, ""),
    ("party", SignerCapacity.OWN, "vice", False, "không phải người đứng đầu"),
    ("party", SignerCapacity.ON_BEHALF, "vice", True, ""),
    ("party", SignerCapacity.ON_BEHALF, "secretary", True, ""),
    ("party", SignerCapacity.ON_BEHALF, "office_leader", False, "không thuộc tập thể lãnh đạo"),
    ("party", SignerCapacity.ON_BEHALF, "delegate_of_vice", True, ""),  # the vice's role, delegated
    ("party", SignerCapacity.DEPUTY, "vice", True, ""),
    ("party", SignerCapacity.DEPUTY, "secretary", False, "là người đứng đầu"),
    ("party", SignerCapacity.DEPUTY, "specialist", False, "không phải cấp phó"),
    ("party", SignerCapacity.DEPUTY, "delegate_of_head", False, "không phải cấp phó"),  # signs T/UQ
    ("party", SignerCapacity.BY_ORDER, "office_leader", True, ""),
    ("party", SignerCapacity.BY_ORDER, "unit_head", True, ""),
    ("party", SignerCapacity.BY_ORDER, "vice", False, "không phải lãnh đạo Văn phòng"),
    ("party", SignerCapacity.ACTING, "acting", True, ""),
    ("party", SignerCapacity.ACTING, "vice", False, "không có quyết định giao quyền"),
    ("party", SignerCapacity.DELEGATED, "delegate_of_head", True, ""),
    ("party", SignerCapacity.DELEGATED, "delegate_of_vice", False, "không phải người đứng đầu"),
    ("party", SignerCapacity.DELEGATED, "acting", False, "không có quyết định ủy quyền"),
    ("state", SignerCapacity.OWN, "chair", True, ""),
    ("state", SignerCapacity.OWN, "deputy", False, "không phải người đứng đầu"),
    ("state", SignerCapacity.OWN, "office_leader", False, "không phải người đứng đầu"),
    ("state", SignerCapacity.ON_BEHALF, "deputy", True, ""),
    ("state", SignerCapacity.ON_BEHALF, "office_leader", False, "không thuộc tập thể lãnh đạo"),
    ("state", SignerCapacity.DEPUTY, "deputy", True, ""),
    ("state", SignerCapacity.DEPUTY, "office_leader", True, ""),
    ("state", SignerCapacity.DEPUTY, "chair", False, "là người đứng đầu"),
    ("state", SignerCapacity.BY_ORDER, "office_leader", True, ""),
    ("state", SignerCapacity.BY_ORDER, "specialist", False, "không phải lãnh đạo Văn phòng"),
    ("state", SignerCapacity.ACTING, "acting", True, ""),
    ("state", SignerCapacity.ACTING, "delegate_of_head", False, "không có quyết định giao quyền"),
    ("state", SignerCapacity.DELEGATED, "delegate_of_head", True, ""),
    ("state", SignerCapacity.DELEGATED, "sub_delegate", False, "không phải người đứng đầu"),
]


@pytest.mark.parametrize(
    ("org", "capacity", "person", "allowed", "reason"),
    TABLE,
    ids=[f"{o}-{c.value}-{p}-{'allowed' if a else 'refused'}" for o, c, p, a, _ in TABLE],
)
def test_capacity_table(cast: Cast, org: str, capacity: str, person: str, allowed: bool, reason: str) -> None:
    # given a document of the organisation in that capacity, and the person on the day
    doc = _doc(cast.orgs[org], capacity)
    signer = cast.people[org][person]
    # when the capacity is checked, then it is allowed or refused with a Vietnamese reason
    if allowed:
        assert refusal(doc, signer, ON) is None
        check_capacity(doc, signer, ON)
        return
    with pytest.raises(InvalidInput) as error:
        check_capacity(doc, signer, ON)
    assert error.value.code == "signer_capacity" and reason in error.value.message
    assert error.value.details["date"] == ON.isoformat()


def test_every_capacity_has_both_an_allowed_and_a_refused_row_in_both_profiles() -> None:
    for org in ("party", "state"):
        for capacity in SignerCapacity:
            outcomes = {allowed for o, c, _p, allowed, _r in TABLE if o == org and c == capacity}
            assert outcomes == {True, False}, (org, capacity)


def test_on_behalf_needs_a_collective_body(world: World) -> None:
    # a Sở (State body, not declared collective) has no "TM." signature, even for its director
    department = Organization.objects.create(name="Sở Nội vụ", kind="state_agency", profile="state")
    director = _person(department, "giamdoc", [Role.COMMITTEE_LEADER], "Giám đốc", 1)
    with pytest.raises(InvalidInput, match="chế độ tập thể"):
        check_capacity(_doc(department, SignerCapacity.ON_BEHALF), director, ON)
    check_capacity(_doc(department, SignerCapacity.OWN), director, ON)


def test_head_needs_a_position_and_advisory_boards_count_office_leaders(world: World) -> None:
    board = Organization.objects.create(name="Ban Tổ chức Tỉnh ủy", kind="advisory_board", profile="party")
    head = _person(board, "truongban", [Role.OFFICE_LEADER], "Trưởng ban", 1)
    deputy = _person(board, "photruongban", [Role.OFFICE_LEADER], "Phó Trưởng ban", 2)
    unranked = _person(board, "chuacochucvu", [Role.OFFICE_LEADER])
    check_capacity(_doc(board, SignerCapacity.OWN), head, ON)
    check_capacity(_doc(board, SignerCapacity.DEPUTY), deputy, ON)
    with pytest.raises(InvalidInput, match="chưa được gán chức vụ"):
        check_capacity(_doc(board, SignerCapacity.OWN), unranked, ON)
    with pytest.raises(InvalidInput, match="chế độ tập thể"):
        check_capacity(_doc(board, SignerCapacity.ON_BEHALF), head, ON)


def test_a_head_exercising_a_delegation_may_not_delegate_further(cast: Cast, ow: OutgoingWorld) -> None:
    # the Bí thư himself signs under someone's delegation that day: what he delegates is refused
    _delegate(ow.w.leader, ow.secretary, DelegationKind.DELEGATION)
    delegate = cast.people["party"]["delegate_of_head"]
    with pytest.raises(InvalidInput, match="không được ủy quyền lại"):
        check_capacity(_doc(ow.w.org, SignerCapacity.DELEGATED), delegate, ON)


START, END = date(2026, 4, 1), date(2026, 4, 10)
BOUNDARIES = [
    (START - timedelta(days=1), False),
    (START, True),
    (END, True),  # the end date is inclusive
    (END + timedelta(days=1), False),
]


@pytest.mark.parametrize(("on", "allowed"), BOUNDARIES, ids=["day-before", "start", "end", "day-after"])
@pytest.mark.parametrize(
    ("capacity", "kind"),
    [
        (SignerCapacity.ACTING, DelegationKind.ACTING),
        (SignerCapacity.DELEGATED, DelegationKind.DELEGATION),
        (SignerCapacity.ON_BEHALF, DelegationKind.DELEGATION),  # the Bí thư's role, delegated
    ],
)
def test_delegation_dates(ow: OutgoingWorld, capacity: str, kind: str, on: date, allowed: bool) -> None:
    grantee = _person(ow.w.org, "duocuyquyen", [Role.SPECIALIST])
    _delegate(ow.secretary, grantee, kind, START, END)
    doc = _doc(ow.w.org, capacity)
    assert (refusal(doc, grantee, on) is None) == allowed


@pytest.mark.parametrize("capacity", [SignerCapacity.ACTING, SignerCapacity.DELEGATED])
def test_revoked_delegation_never_counts(ow: OutgoingWorld, capacity: str) -> None:
    grantee = _person(ow.w.org, "bithuhoi", [Role.SPECIALIST])
    kind = DelegationKind.ACTING if capacity == SignerCapacity.ACTING else DelegationKind.DELEGATION
    _delegate(ow.secretary, grantee, kind, START, END, revoked=True)
    with pytest.raises(InvalidInput, match="còn hiệu lực"):
        check_capacity(_doc(ow.w.org, capacity), grantee, START)


# --- through the services: at the signing step and again at issuance --------------------------------


def _pending_signature(ow: OutgoingWorld, signer: User, capacity: str) -> OutgoingDocument:
    from outgoing.services import outgoing_approve, outgoing_submit

    doc = ow.draft(recipients=[])
    OutgoingDocument.objects.filter(pk=doc.pk).update(signer=signer, signer_capacity=capacity)
    doc.refresh_from_db()
    outgoing_submit(actor=ow.w.specialist, document=doc)
    outgoing_approve(actor=ow.w.head, document=doc)
    outgoing_approve(actor=ow.w.leader, document=doc)
    doc.refresh_from_db()
    return doc


def _state(doc: OutgoingDocument) -> tuple[Any, ...]:
    doc.refresh_from_db()
    return (
        doc.status,
        doc.current_step,
        doc.number,
        doc.number_symbol,
        doc.approvals.count(),
        AuditEvent.objects.count(),
        list(Counter.objects.values_list("scope", "last_number")),
    )


def test_signing_step_refuses_a_vice_secretary_signing_as_the_head(ow: OutgoingWorld) -> None:
    from outgoing.services import outgoing_approve

    vice = _person(ow.w.org, "phobithu", [Role.COMMITTEE_LEADER], "Phó Bí thư", 2)
    doc = _pending_signature(ow, vice, SignerCapacity.OWN)
    before = _state(doc)
    key, _ = tokens.issue(vice)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(f"/api/v1/outgoing/{doc.pk}/approve")
    assert response.status_code == 400 and response.json()["code"] == "signer_capacity"
    assert "không phải người đứng đầu Tỉnh ủy Sông Lam" in response.json()["message"]
    assert _state(doc) == before
    # signing "T/M" instead is his capacity
    OutgoingDocument.objects.filter(pk=doc.pk).update(signer_capacity=SignerCapacity.ON_BEHALF)
    outgoing_approve(actor=vice, document=doc)
    doc.refresh_from_db()
    assert doc.status == "approved"


def test_issuance_rechecks_the_delegation_on_the_issue_day(
    ow: OutgoingWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from outgoing import services

    # given a delegate of the Bí thư who signs T/UQ on the last day of the delegation
    today = timezone.localdate()
    delegate = _person(ow.w.org, "uyquyen", [Role.COMMITTEE_LEADER])
    delegation = _delegate(
        ow.secretary, delegate, DelegationKind.DELEGATION, today - timedelta(days=3), today
    )
    doc = _pending_signature(ow, delegate, SignerCapacity.DELEGATED)
    services.outgoing_approve(actor=delegate, document=doc)
    doc.refresh_from_db()
    assert doc.status == "approved"
    before = _state(doc)
    # when the clerk issues it the next day, after the delegation ended
    monkeypatch.setattr(services, "today", lambda: today + timedelta(days=1))
    key, _ = tokens.issue(ow.w.clerk)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").post(f"/api/v1/outgoing/{doc.pk}/issue")
    # then the issuance is refused with the reason, nothing numbered, the status unchanged
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "signer_capacity"
    assert (
        f"không có quyết định ủy quyền còn hiệu lực ngày {today + timedelta(days=1):%d/%m/%Y}"
        in body["message"]
    )
    assert _state(doc) == before
    # and once the delegation is extended, the issuance takes number 1: no number was lost
    delegation.end_date = today + timedelta(days=5)
    delegation.save()
    issued = services.outgoing_issue(actor=ow.w.clerk, document=doc)
    assert issued.status == "issued" and issued.number == 1


def test_issuance_refused_when_the_signer_is_no_longer_the_head(ow: OutgoingWorld) -> None:
    from outgoing import services

    doc = ow.approved()
    # a new Bí thư is appointed between the signature and the issuance; the old one is now Phó Bí thư
    ow.secretary.position = Position.objects.create(organization=ow.w.org, name="Phó Bí thư", rank=2)
    ow.secretary.save()
    _person(ow.w.org, "bithumoi", [Role.COMMITTEE_LEADER], "Bí thư", 1)
    before = _state(doc)
    with pytest.raises(InvalidInput, match="không phải người đứng đầu"):
        services.outgoing_issue(actor=ow.w.clerk, document=doc)
    assert _state(doc) == before
