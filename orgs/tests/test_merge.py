"""Merging two organizations keeps every document, register and history reachable and attributed."""

from __future__ import annotations

import pytest

from conftest import World
from core.errors import InvalidInput, WrongState
from documents.models import Register
from incoming import selectors
from incoming.models import IncomingDocument
from incoming.services import Registration, incoming_register
from orgs.models import Organization, Role, RoleAssignment, Unit, User
from orgs.services import organization_merge

pytestmark = pytest.mark.django_db


def test_merge_keeps_history_reachable_and_attributed(world: World) -> None:
    from conftest import make_pdf

    # given two communes, each with its clerk, a unit and a registered document
    north = world.other_org
    south = Organization.objects.create(
        name="Đảng ủy xã Hưng Tây", kind="commune_committee", parent=world.org
    )
    Register.objects.create(organization=south, kind="incoming", name="Sổ đăng ký văn bản đến")
    south_unit = Unit.objects.create(organization=south, name="Bộ phận Văn phòng")
    south_clerk = User.objects.create_user("vanthu_tay", password="x", organization=south, unit=south_unit)
    RoleAssignment.objects.create(user=south_clerk, role=Role.CLERK, organization=south)
    data = Registration(
        issuer_name="Huyện ủy", number_symbol="5-CV/HU", issued_date=None, doc_type="CV", subject="x"
    )
    from datetime import date

    data.issued_date = date(2026, 1, 2)
    south_doc = incoming_register(
        actor=south_clerk, organization=south, data=data, uploads=[("a.pdf", make_pdf("south"))]
    ).document
    # when the south commune is merged into the north one
    organization_merge(actor=world.admin, source=south, target=north)
    south.refresh_from_db()
    south_doc.refresh_from_db()
    # then the document keeps its original receiver, register and number
    assert south_doc.organization_id == south.pk and south_doc.arrival_number == 1
    assert south.merged_into_id == north.pk and not south.is_active
    # people and units moved; the north clerk now sees the south document and its history
    assert Unit.objects.get(pk=south_unit.pk).organization_id == north.pk
    assert User.objects.get(pk=south_clerk.pk).organization_id == north.pk
    visible = {d.pk for d in selectors.incoming_visible_to(User.objects.get(pk=world.outsider.pk))}
    assert south_doc.pk in visible
    assert [e.action for e in selectors.history(south_doc)] == ["register"]
    # the merge is in the audit log, and merging twice is refused
    from core.models import AuditEvent

    assert AuditEvent.objects.filter(action="organization.merge", target_id=str(south.pk)).exists()
    with pytest.raises(WrongState):
        organization_merge(actor=world.admin, source=south, target=north)
    with pytest.raises(InvalidInput):
        organization_merge(actor=world.admin, source=north, target=north)
    assert IncomingDocument.objects.filter(organization=south).count() == 1
