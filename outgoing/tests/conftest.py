"""An organization set up for outgoing work: an approval route, a committee term and registers."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from conftest import World, make_pdf


class OutgoingWorld:
    def __init__(self, world: World) -> None:
        from documents.models import Register, RegisterKind
        from orgs.models import Position, Role, RoleAssignment, User
        from outgoing.models import ApprovalRoute, ApprovalRouteStep, CommitteeTerm
        from outgoing.terms import term_holding

        self.w = world
        self.secretary = User.objects.create_user(
            "bithu",
            password="Demo@2026",
            full_name="Lê Văn Bí",
            organization=world.org,
            clearance="top_secret",
            # the head signs directly (capacity "own"): the top-ranked committee leader
            position=Position.objects.create(organization=world.org, name="Bí thư Tỉnh ủy", rank=1),
        )
        RoleAssignment.objects.create(user=self.secretary, role=Role.COMMITTEE_LEADER, organization=world.org)
        world.org.uses_system = True
        world.org.save()
        for org in (world.org, world.other_org):
            Register.objects.create(
                organization=org, kind=RegisterKind.OUTGOING, name="Sổ đăng ký văn bản đi"
            )
        # the committee term holding today (2025–2030 in 2026), whatever the year the tests run in
        name, start, end = term_holding(timezone.localdate())
        CommitteeTerm.objects.create(organization=world.org, name=name, start_date=start, end_date=end)
        route = ApprovalRoute.objects.create(organization=world.org)
        ApprovalRouteStep.objects.create(route=route, position=1, role=Role.UNIT_HEAD)
        ApprovalRouteStep.objects.create(route=route, position=2, role=Role.OFFICE_LEADER)
        ApprovalRouteStep.objects.create(route=route, position=3, role=Role.COMMITTEE_LEADER, is_signer=True)

    def by_order_route(self, doc_type: str = "CV") -> Any:
        """A route for one type signed T/L by the office leader after a committee leader agreed; the office
        leader (Chánh Văn phòng) gets their position."""
        from documents.models import DocType
        from orgs.models import Position, Role
        from outgoing.models import ApprovalRoute, ApprovalRouteStep

        org = self.w.org
        self.w.leader.position = Position.objects.create(organization=org, name="Chánh Văn phòng", rank=10)
        self.w.leader.save()
        route = ApprovalRoute.objects.create(
            organization=org, doc_type=DocType.objects.get(profile=org.profile, code=doc_type)
        )
        ApprovalRouteStep.objects.create(route=route, position=1, role=Role.UNIT_HEAD)
        ApprovalRouteStep.objects.create(route=route, position=2, role=Role.COMMITTEE_LEADER)
        ApprovalRouteStep.objects.create(route=route, position=3, role=Role.OFFICE_LEADER, is_signer=True)
        return route

    def draft(
        self,
        doc_type: str = "TB",
        *,
        secrecy: str = "none",
        text: str = "du thao",
        recipients: list[dict[str, Any]] | None = None,
        **fields: Any,
    ) -> Any:
        """A draft by the specialist; ``fields``: other values of ``Draft`` (response_due, reply_to_id…)."""
        from outgoing.services import Draft, outgoing_create

        return outgoing_create(
            actor=self.w.specialist,
            data=Draft(
                doc_type=doc_type,
                subject="Thông báo kết luận của Ban Thường vụ",
                secrecy=secrecy,
                recipients=recipients
                if recipients is not None
                else [{"organization_id": self.w.other_org.pk}, {"name": "Báo Sông Lam"}],
                **fields,
            ),
            upload=("du-thao.pdf", make_pdf(text)),
        )

    def approved(self, doc_type: str = "TB", **kwargs: Any) -> Any:
        from outgoing.services import outgoing_approve, outgoing_submit

        doc = self.draft(doc_type, **kwargs)
        outgoing_submit(actor=self.w.specialist, document=doc)
        outgoing_approve(actor=self.w.head, document=doc)
        outgoing_approve(actor=self.w.leader, document=doc)
        outgoing_approve(actor=self.secretary, document=doc)
        doc.refresh_from_db()
        return doc


@pytest.fixture
def ow(world: World) -> OutgoingWorld:
    return OutgoingWorld(world)


@pytest.fixture
def signed(ow: OutgoingWorld, pki: Any, trusted: Any) -> Any:
    """The outgoing world with the signer's certificate (``signing_world.Signed``); the module using it
    also takes the signing fixtures (``pki``, ``trusted``, ``_signing_settings``) from signing's conftest."""
    from outgoing.tests.signing_world import Signed

    return Signed(ow, pki)


class StateWorld:
    """A provincial People's Committee (State profile, NĐ 30) using the same installation: a chair
    (Chủ tịch, the head), a deputy chair who signs KT., an office leader, a unit head, a drafter, a clerk."""

    def __init__(self, w: World) -> None:
        from documents.models import Register, RegisterKind
        from orgs.models import Organization, Position, Role, RoleAssignment, Unit, User
        from outgoing.models import ApprovalRoute, ApprovalRouteStep

        self.w = w
        self.org = Organization.objects.create(
            name="Ủy ban nhân dân tỉnh Sông Lam",
            abbreviation="UBND",
            kind="state_agency",
            profile="state",
            place_name="Sông Lam",
            collective_name="Ủy ban nhân dân",  # works under the collective regime: signs "TM."
            uses_system=True,
        )
        self.unit = unit = Unit.objects.create(organization=self.org, name="Phòng Văn xã", abbreviation="VX")
        Register.objects.create(organization=self.org, kind=RegisterKind.OUTGOING, name="Sổ văn bản đi")
        Register.objects.create(
            organization=self.org, kind=RegisterKind.OUTGOING, name="Sổ văn bản đi mật", for_secret=True
        )
        Register.objects.create(organization=self.org, kind=RegisterKind.INCOMING, name="Sổ văn bản đến")

        def person(username: str, name: str, roles: list[str], position: str = "", rank: int = 50) -> Any:
            user = User.objects.create_user(
                username=username, password="Demo@2026", full_name=name, organization=self.org, unit=unit
            )
            if position:
                user.position = Position.objects.create(organization=self.org, name=position, rank=rank)
                user.save()
            for role in roles:
                RoleAssignment.objects.create(user=user, role=role, organization=self.org)
            return user

        self.drafter = person("cv_ubnd", "Trịnh Văn Soạn", [Role.SPECIALIST], "Chuyên viên", 40)
        self.head = person("tp_ubnd", "Đặng Thị Phòng", [Role.UNIT_HEAD], "Trưởng phòng", 20)
        self.office = person("cvp_ubnd", "Lý Văn Phòng", [Role.OFFICE_LEADER], "Chánh Văn phòng", 10)
        self.chair = person("ct_ubnd", "Tạ Văn Chủ", [Role.COMMITTEE_LEADER], "Chủ tịch", 1)
        self.deputy = person("pct_ubnd", "Mai Văn Phó", [Role.COMMITTEE_LEADER], "Phó Chủ tịch", 2)
        self.clerk = person("vt_ubnd", "Hồ Thị Thư", [Role.CLERK], "Văn thư", 45)
        route = ApprovalRoute.objects.create(organization=self.org)
        ApprovalRouteStep.objects.create(route=route, position=1, role=Role.UNIT_HEAD)
        ApprovalRouteStep.objects.create(route=route, position=2, role=Role.OFFICE_LEADER)
        ApprovalRouteStep.objects.create(route=route, position=3, role=Role.COMMITTEE_LEADER, is_signer=True)


@pytest.fixture
def sw(world: World) -> StateWorld:
    return StateWorld(world)
