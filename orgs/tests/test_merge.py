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


def test_administration_changes_are_in_the_audit_chain(world: World) -> None:
    from django.test import Client

    from core.audit import verify_chain
    from core.models import AuditEvent

    world.admin.is_staff = True
    world.admin.is_superuser = True
    world.admin.save()
    client = Client()
    client.force_login(world.admin)
    response = client.post(
        f"/admin/orgs/organization/{world.issuer.pk}/change/",
        {
            "name": "Ban Tổ chức Trung ương (đổi tên)",
            "abbreviation": "BTCTW",
            "identifier": "000.00.00.G01",
            "kind": "central",
            "profile": "party",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(action="admin.change", target_id=str(world.issuer.pk)).get()
    assert event.actor_id == world.admin.pk and "name" in event.data["fields"]
    assert event.data["values"]["identifier"] == "000.00.00.G01"
    assert verify_chain().ok


def test_logins_are_audited(world: World) -> None:
    from django.test import Client

    from core.models import AuditEvent

    client = Client()
    client.post("/dang-nhap/", {"username": "vanthu", "password": "sai"})
    client.post("/dang-nhap/", {"username": "vanthu", "password": "Demo@2026"})
    actions = list(AuditEvent.objects.filter(action__startswith="auth.").values_list("action", "actor_id"))
    assert actions == [("auth.login_failed", None), ("auth.login", world.clerk.pk)]
