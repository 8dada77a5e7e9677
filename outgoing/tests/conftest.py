"""An organization set up for outgoing work: an approval route, a committee term and registers."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from conftest import World, make_pdf


class OutgoingWorld:
    def __init__(self, world: World) -> None:
        from documents.models import Register, RegisterKind
        from orgs.models import Role, RoleAssignment, User
        from outgoing.models import ApprovalRoute, ApprovalRouteStep, CommitteeTerm

        self.w = world
        self.secretary = User.objects.create_user(
            "bithu",
            password="Demo@2026",
            full_name="Lê Văn Bí",
            organization=world.org,
            clearance="top_secret",
        )
        RoleAssignment.objects.create(user=self.secretary, role=Role.COMMITTEE_LEADER, organization=world.org)
        world.org.uses_system = True
        world.org.save()
        for org in (world.org, world.other_org):
            Register.objects.create(
                organization=org, kind=RegisterKind.OUTGOING, name="Sổ đăng ký văn bản đi"
            )
        CommitteeTerm.objects.create(
            organization=world.org, name="2025–2030", start_date=date(2025, 10, 1), end_date=date(2030, 9, 30)
        )
        route = ApprovalRoute.objects.create(organization=world.org)
        ApprovalRouteStep.objects.create(route=route, position=1, role=Role.UNIT_HEAD)
        ApprovalRouteStep.objects.create(route=route, position=2, role=Role.OFFICE_LEADER)
        ApprovalRouteStep.objects.create(route=route, position=3, role=Role.COMMITTEE_LEADER, is_signer=True)

    def draft(
        self,
        doc_type: str = "TB",
        *,
        secrecy: str = "none",
        text: str = "du thao",
        recipients: list[dict[str, Any]] | None = None,
    ) -> Any:
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
