"""Delegated unit heads, merged organisations, forward order, hostile form input and secret leaks."""

from __future__ import annotations

import os
import time
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import World, make_pdf
from core import tokens
from core.errors import NotAllowed
from core.models import AuditEvent
from incoming import selectors, services
from incoming.models import Assignment, IncomingDocument
from incoming.states import AssignmentRole, Status
from orgs.models import Delegation, Organization, Role, RoleAssignment, Unit, User

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)  # roles and units are cached per instance


def delegate(grantor: User, grantee: User) -> None:
    Delegation.objects.create(
        grantor=grantor,
        grantee=grantee,
        start_date=timezone.localdate() - timedelta(days=1),
        end_date=timezone.localdate() + timedelta(days=1),
    )


def test_delegated_unit_head_acts_for_the_grantors_unit_not_their_own(world: World) -> None:
    doc_th = world.register(number_symbol="1-BC/BTCTW", pdf=make_pdf("th"))
    services.incoming_submit(actor=world.clerk, document=doc_th)
    services.incoming_assign(
        actor=world.leader, document=doc_th, items=[services.AssignmentInput("lead", unit_id=world.unit.pk)]
    )
    doc_tc = world.register(number_symbol="2-BC/BTCTW", pdf=make_pdf("tc"))
    services.incoming_submit(actor=world.clerk, document=doc_tc)
    services.incoming_assign(
        actor=world.leader, document=doc_tc, items=[services.AssignmentInput("lead", unit_id=world.unit2.pk)]
    )
    # the head of Phòng Tổng hợp delegates to someone of Phòng Tài chính without a role there
    delegate(world.head, world.norole)
    grantee = fresh(world.norole)
    assert selectors.queue(grantee)["to_forward"].get().pk == doc_th.pk
    assert doc_tc.pk not in {d.pk for d in selectors.incoming_visible_to(grantee)}
    from orgs.selectors import unit_heads

    assert {u.pk for u in unit_heads(world.unit.pk)} == {world.head.pk, world.norole.pk}
    services.incoming_forward(actor=grantee, document=doc_th, person_ids=[world.specialist.pk])


def test_leaders_delegates_are_told_about_documents_to_distribute(world: World) -> None:
    delegate(world.leader, world.head2)
    doc = world.register()
    services.incoming_submit(actor=world.clerk, document=doc)
    assert world.head2.notifications.filter(text__contains="chờ phân phối").exists()


def test_documents_of_a_merged_organisation_are_distributed_by_the_successor(world: World) -> None:
    from documents.models import Register
    from incoming.services import Registration, incoming_register
    from orgs.services import organization_merge

    south = Organization.objects.create(name="Đảng ủy xã Hưng Tây", kind="commune_committee")
    Register.objects.create(organization=south, kind="incoming", name="Sổ đăng ký văn bản đến")
    south_unit = Unit.objects.create(organization=south, name="Bộ phận Tổng hợp")
    clerk = User.objects.create_user("vt_tay", password="x", organization=south, unit=south_unit)
    RoleAssignment.objects.create(user=clerk, role=Role.CLERK, organization=south)
    doc = incoming_register(
        actor=clerk,
        organization=south,
        uploads=[("a.pdf", make_pdf("tay"))],
        data=Registration(
            issuer_name="Huyện ủy",
            number_symbol="3-CV/HU",
            issued_date=date(2026, 1, 2),
            doc_type="CV",
            subject="x",
        ),
    ).document
    services.incoming_submit(actor=clerk, document=doc)
    organization_merge(actor=world.admin, source=south, target=world.other_org)
    # the successor's leader (ngoai) distributes the old document to the moved unit
    services.incoming_assign(
        actor=fresh(world.outsider),
        document=doc,
        items=[services.AssignmentInput("lead", unit_id=south_unit.pk)],
    )
    doc.refresh_from_db()
    assert doc.status == Status.IN_PROGRESS and doc.organization_id == south.pk


def test_forward_keeps_the_heads_order_and_an_info_unit_stays_info(world: World) -> None:
    doc = world.register()
    services.incoming_submit(actor=world.clerk, document=doc)
    services.incoming_assign(
        actor=world.leader,
        document=doc,
        items=[
            services.AssignmentInput("lead", unit_id=world.unit2.pk),
            services.AssignmentInput("info", unit_id=world.unit.pk),
        ],
    )
    services.incoming_forward(
        actor=world.head, document=doc, person_ids=[world.specialist2.pk, world.specialist.pk]
    )
    roles = dict(
        Assignment.objects.filter(document=doc, parent__isnull=False).values_list("person_id", "role")
    )
    assert roles == {world.specialist2.pk: AssignmentRole.INFO, world.specialist.pk: AssignmentRole.INFO}
    doc2 = world.distributed(number_symbol="9-BC/BTCTW", pdf=make_pdf("nine"))
    Assignment.objects.filter(document=doc2, parent__isnull=False).delete()
    Assignment.objects.filter(document=doc2, unit=world.unit).update(status="pending")
    services.incoming_forward(
        actor=world.head, document=doc2, person_ids=[world.specialist2.pk, world.specialist.pk]
    )
    lead = Assignment.objects.get(document=doc2, parent__isnull=False, role=AssignmentRole.LEAD)
    assert lead.person_id == world.specialist2.pk


def test_closed_participants_cannot_add_notes(world: World) -> None:
    doc = world.distributed()
    services.incoming_return(actor=world.head, document=doc, reason="Đề nghị giao đơn vị khác")
    assert world.leader.notifications.filter(text__contains="phân phối lại").exists()
    with pytest.raises(NotAllowed):
        services.incoming_add_note(actor=world.specialist, document=doc, note="muộn")


def test_hostile_form_input_never_gives_a_server_error(world: World) -> None:
    doc = world.register()
    services.incoming_submit(actor=world.clerk, document=doc)
    client = Client()
    client.force_login(world.leader)
    for data in (
        {"rows": "abc"},
        {"rows": "10000000000", "target_0": "unit:²", "role_0": "lead"},
        {"rows": "1", "target_0": "unit:99999999999999999999999", "role_0": "lead"},
    ):
        response = client.post(f"/van-ban-den/{doc.pk}/assign/", data, follow=True)
        assert response.status_code == 200
        assert "Vui lòng chọn" in response.content.decode() or "không" in response.content.decode()
    key, _ = tokens.issue(world.clerk)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert api.get("/api/v1/incoming?page=100000000000000000000").status_code == 200
    other = world.register(number_symbol="5-BC/BTCTW", pdf=make_pdf("five"))
    patched = api.patch(
        f"/api/v1/incoming/{other.pk}",
        data={"subject": None, "page_count": 3},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["page_count"] == 3


def test_editing_a_state_office_document_uses_the_state_type(world: World) -> None:
    Organization.objects.filter(pk=world.org.pk).update(profile="state")
    doc = world.register()
    services.incoming_update(
        actor=world.clerk, document=IncomingDocument.objects.get(pk=doc.pk), changes={"doc_type": "CV"}
    )
    doc.refresh_from_db()
    assert doc.doc_type.profile == "state" and doc.doc_type.abbreviation == ""


def test_secret_register_size_and_secret_duplicates_stay_hidden(world: World) -> None:
    from documents.models import Register
    from reports.exports import last_number_visible

    secret = world.register(secrecy="secret", number_symbol="77-BC/BTCTW", pdf=make_pdf("s"))
    register = Register.objects.get(organization=world.org, for_secret=True)
    assert last_number_visible(world.lowclear, register, timezone.localdate().year) is None
    assert last_number_visible(world.clerk, register, timezone.localdate().year) == 1
    # a clerk without clearance registering the same number-symbol is not told the secret document's id
    from incoming.services import Registration, incoming_register

    result = incoming_register(
        actor=world.lowclear,
        organization=world.org,
        uploads=[("d.pdf", make_pdf("d"))],
        data=Registration(
            issuer_name=world.issuer.name,
            number_symbol="77-BC/BTCTW",
            issued_date=date(2026, 1, 5),
            doc_type="BC",
            subject="x",
        ),
    )
    assert all(secret.pk not in w["document_ids"] for w in result.warnings)


def test_register_export_audit_names_the_restricted_documents_printed(world: World) -> None:
    from documents.models import Register

    secret = world.register(secrecy="confidential")
    register = Register.objects.get(organization=world.org, for_secret=True)
    key, _ = tokens.issue(world.clerk)
    response = Client(HTTP_AUTHORIZATION=f"Bearer {key}").get(f"/api/v1/registers/{register.pk}/export")
    assert response.status_code == 200
    assert AuditEvent.objects.get(action="register.export").data["restricted"] == [secret.pk]


def test_admin_bulk_delete_and_password_change_are_audited(world: World) -> None:
    from core.models import Holiday

    admin_user = fresh(world.admin)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = Client()
    client.force_login(admin_user)
    holiday = Holiday.objects.create(date=date(2026, 9, 2), name="Quốc khánh")
    client.post(
        "/admin/core/holiday/", {"action": "delete_selected", "_selected_action": [holiday.pk], "post": "yes"}
    )
    assert not Holiday.objects.exists()
    assert AuditEvent.objects.filter(action="admin.delete", target_id=str(holiday.pk)).exists()
    response = client.post(
        f"/admin/orgs/user/{world.specialist.pk}/password/",
        {"password1": "Mat-khau-moi-2026!", "password2": "Mat-khau-moi-2026!", "usable_password": "true"},
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(
        action="admin.password_change", target_id=str(world.specialist.pk)
    ).exists()


def test_reusing_a_stored_file_refreshes_it_for_the_sweep(world: World, settings: Any) -> None:
    from pathlib import Path

    from core import files

    data = make_pdf("reuse")
    checked = files.validate("a.pdf", data)
    files.write_blob(checked.sha256, data)
    path = (
        Path(settings.STORAGES["default"]["OPTIONS"]["location"])
        / "blobs"
        / checked.sha256[:2]
        / checked.sha256[2:4]
        / checked.sha256
    )
    old = time.time() - 7200
    os.utime(path, (old, old))
    assert files.write_blob(checked.sha256, data) is False
    assert path.stat().st_mtime > old + 3600
    assert files.sweep_orphans(grace_seconds=3600) == []
