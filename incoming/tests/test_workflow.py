"""The incoming routing from registration to completion, deadlines and duplicates."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from conftest import World, make_pdf
from core.calendar import add_working_days
from core.errors import InvalidInput, NotAllowed, WrongState
from core.models import Holiday
from incoming import selectors, services
from incoming.models import Assignment
from incoming.states import AssignmentStatus, Status

pytestmark = pytest.mark.django_db


def test_full_routing_clerk_leader_head_specialist(world: World) -> None:
    # given a registered document
    doc = world.register()
    assert doc.arrival_number == 1 and doc.status == Status.REGISTERED
    assert doc.pk in {d.pk for d in selectors.queue(world.clerk)["to_submit"]}
    # when the clerk presents it, the leader sees it to distribute
    services.incoming_submit(actor=world.clerk, document=doc)
    assert doc.pk in {d.pk for d in selectors.queue(world.leader)["to_distribute"]}
    # the leader distributes with a lead unit, a supporting unit and deadlines
    deadline = add_working_days(timezone.localdate(), 5)
    services.incoming_assign(
        actor=world.leader,
        document=doc,
        instruction="Phòng Tổng hợp chủ trì tham mưu",
        items=[
            services.AssignmentInput("lead", unit_id=world.unit.pk, deadline=deadline),
            services.AssignmentInput("support", unit_id=world.unit2.pk, deadline=deadline),
        ],
    )
    doc.refresh_from_db()
    assert doc.status == Status.IN_PROGRESS and doc.due_date == deadline
    assert doc.pk in {d.pk for d in selectors.queue(world.head)["to_forward"]}
    assert doc.pk not in {d.pk for d in selectors.queue(world.specialist)["to_process"]}
    # the unit head passes it to the specialist
    services.incoming_forward(actor=world.head, document=doc, person_ids=[world.specialist.pk])
    assert doc.pk in {d.pk for d in selectors.queue(world.specialist)["to_process"]}
    assert doc.pk not in {d.pk for d in selectors.queue(world.head)["to_forward"]}
    # the specialist writes a note and completes with a reply
    services.incoming_add_note(actor=world.specialist, document=doc, note="Đã dự thảo công văn trả lời")
    services.incoming_complete(
        actor=world.specialist, document=doc, note="Đã trả lời", reply_number_symbol="25-CV/TU"
    )
    doc.refresh_from_db()
    assert doc.status == Status.COMPLETED and doc.reply_number_symbol == "25-CV/TU"
    assert not Assignment.objects.filter(document=doc, status__in=["pending", "forwarded"]).exists()
    actions = [e.action for e in selectors.history(doc)]
    assert actions == ["register", "submit", "assign", "forward", "note", "complete"]
    # notifications reached each next person
    assert world.leader.notifications.exists() and world.head.notifications.exists()
    assert world.specialist.notifications.exists()


def test_returns_go_back_one_step(world: World) -> None:
    doc = world.register()
    services.incoming_submit(actor=world.clerk, document=doc)
    with pytest.raises(InvalidInput):
        services.incoming_return(actor=world.leader, document=doc, reason="  ")
    services.incoming_return(actor=world.leader, document=doc, reason="Không thuộc thẩm quyền")
    doc.refresh_from_db()
    assert doc.status == Status.RETURNED
    services.incoming_submit(actor=world.clerk, document=doc)
    services.incoming_assign(
        actor=world.leader, document=doc, items=[services.AssignmentInput("lead", unit_id=world.unit.pk)]
    )
    services.incoming_forward(actor=world.head, document=doc, person_ids=[world.specialist.pk])
    # the specialist returns their part to the unit head: the unit's assignment is pending again
    services.incoming_return(
        actor=world.specialist, document=doc, reason="Không thuộc lĩnh vực tôi phụ trách"
    )
    unit_assignment = Assignment.objects.get(document=doc, unit=world.unit)
    assert unit_assignment.status == AssignmentStatus.PENDING
    # the unit head returns the document to the leader for redistribution
    services.incoming_return(actor=world.head, document=doc, reason="Đề nghị giao Phòng Tài chính")
    doc.refresh_from_db()
    assert doc.status == Status.SUBMITTED
    assert [e.action for e in selectors.history(doc)][-3:] == [
        "forward",
        "return_to_unit",
        "return_to_leader",
    ]


def test_only_the_lead_completes(world: World) -> None:
    doc = world.distributed()
    with pytest.raises(NotAllowed):
        services.incoming_complete(actor=world.head2, document=doc)  # supporting unit head
    services.incoming_acknowledge(actor=world.head2, document=doc, note="Đã phối hợp")
    with pytest.raises(WrongState):
        services.incoming_submit(actor=world.clerk, document=doc)


def test_assign_requires_exactly_one_lead_and_valid_targets(world: World) -> None:
    doc = world.register()
    services.incoming_submit(actor=world.clerk, document=doc)
    for items in (
        [],
        [services.AssignmentInput("support", unit_id=world.unit.pk)],
        [
            services.AssignmentInput("lead", unit_id=world.unit.pk),
            services.AssignmentInput("lead", unit_id=world.unit2.pk),
        ],
        [services.AssignmentInput("lead", person_id=world.outsider.pk)],
        [services.AssignmentInput("lead", unit_id=world.unit.pk, deadline=date(2000, 1, 1))],
    ):
        with pytest.raises(InvalidInput):
            services.incoming_assign(actor=world.leader, document=doc, items=items)
    doc.refresh_from_db()
    assert doc.status == Status.SUBMITTED and not doc.assignments.exists()


def test_urgent_documents_are_always_on_top(world: World) -> None:
    normal = world.register(number_symbol="1-BC/BTCTW", pdf=make_pdf("a"))
    flash = world.register(
        number_symbol="2-BC/BTCTW",
        urgency="flash",
        pdf=make_pdf("b"),
        arrival=timezone.localdate() - timedelta(days=3),
    )
    urgent = world.register(number_symbol="3-BC/BTCTW", urgency="urgent", pdf=make_pdf("c"))
    order = [d.pk for d in selectors.queue(world.clerk)["to_submit"]]
    assert order == [flash.pk, urgent.pk, normal.pk]


def test_duplicates_are_warned_not_blocked(world: World) -> None:
    from incoming.services import Registration, incoming_register

    first = world.register(number_symbol="105-BC/BTCTW", pdf=make_pdf("x"))
    data = Registration(
        issuer_name="ban tổ chức trung ương",
        number_symbol="Số 105-BC/BTCTW",
        issued_date=date(2026, 1, 5),
        doc_type="BC",
        subject="Bản khác",
    )
    result = incoming_register(
        actor=world.clerk, organization=world.org, data=data, uploads=[("khac.pdf", make_pdf("other"))]
    )
    assert result.warnings[0]["code"] == "possible_duplicate"
    assert result.warnings[0]["document_ids"] == [first.pk]
    # the same file under another number-symbol is a duplicate too
    same_file = incoming_register(
        actor=world.clerk,
        organization=world.org,
        data=Registration(
            issuer_name="UBND tỉnh",
            number_symbol="9/UBND-VX",
            issued_date=date(2026, 1, 5),
            doc_type="CV",
            subject="x",
        ),
        uploads=[("lai.pdf", make_pdf("x"))],
    )
    assert first.pk in same_file.warnings[0]["document_ids"]


def test_arrival_numbers_restart_on_first_january(world: World) -> None:
    from incoming.services import Registration, incoming_register

    def reg(day: date, n: int) -> int:
        data = Registration(
            issuer_name="Ban Tổ chức Trung ương",
            number_symbol=f"{n}-BC/BTCTW",
            issued_date=day,
            doc_type="BC",
            subject="Báo cáo",
            arrival_date=day,
        )
        return incoming_register(
            actor=world.clerk, organization=world.org, data=data, uploads=[(f"{n}.pdf", make_pdf(str(n)))]
        ).document.arrival_number

    assert [reg(date(2025, 12, 30), 1), reg(date(2025, 12, 31), 2)] == [1, 2]
    assert [reg(date(2026, 1, 2), 3), reg(date(2026, 1, 2), 4)] == [1, 2]


def test_secret_documents_go_to_the_secret_register(world: World) -> None:
    doc = world.register(secrecy="secret")
    assert doc.register.for_secret and doc.arrival_number == 1
    assert world.register().register.for_secret is False


def test_deadlines_count_working_days_and_holidays(world: World) -> None:
    Holiday.objects.create(date=date(2026, 9, 2), name="Quốc khánh")
    # Friday 28/08/2026 + 3 working days: Mon 31/08, Tue 01/09, (02/09 holiday) Thu 03/09
    assert add_working_days(date(2026, 8, 28), 3) == date(2026, 9, 3)
    doc = world.distributed()
    today = timezone.localdate()
    doc.due_date = today - timedelta(days=1)
    assert selectors.deadline_state(doc, today) == "overdue"
    doc.due_date = add_working_days(today, 1)
    assert selectors.deadline_state(doc, today) == "near_due"
    doc.due_date = add_working_days(today, 10)
    assert selectors.deadline_state(doc, today) == "on_track"


def test_overdue_board_lists_overdue_and_near_due(world: World) -> None:
    late = world.distributed(number_symbol="11-BC/BTCTW", pdf=make_pdf("late"))
    soon = world.distributed(number_symbol="12-BC/BTCTW", pdf=make_pdf("soon"))
    type(late).objects.filter(pk=late.pk).update(due_date=timezone.localdate() - timedelta(days=2))
    type(soon).objects.filter(pk=soon.pk).update(due_date=add_working_days(timezone.localdate(), 1))
    board = selectors.overdue_board(world.leader)
    assert [d.pk for d in board.rows] == [late.pk, soon.pk]  # the most overdue first
    assert (board.overdue_total, board.near_due_total, board.rows_total) == (1, 1, 2)
    assert [d.pk for d in selectors.overdue_board(world.leader, state="overdue").rows] == [late.pk]
    assert [d.pk for d in selectors.overdue_board(world.leader, state="near_due").rows] == [soon.pk]
    assert board.by_unit == [selectors.BoardCount(world.unit.pk, "Phòng Tổng hợp", 1, 1)]
    # the person the unit head passed the documents to
    assert board.by_person == [selectors.BoardCount(world.specialist.pk, "Phạm Thị Chuyên", 1, 1)]
    assert board.unassigned is None
    empty = selectors.overdue_board(world.specialist)
    assert list(empty.rows) == [] and empty.overdue_total == 0 and empty.by_unit == []


def test_delegation_lets_the_grantee_distribute(world: World) -> None:
    from orgs.models import Delegation

    doc = world.register()
    services.incoming_submit(actor=world.clerk, document=doc)
    with pytest.raises(NotAllowed):
        services.incoming_assign(
            actor=world.head2, document=doc, items=[services.AssignmentInput("lead", unit_id=world.unit.pk)]
        )
    Delegation.objects.create(
        grantor=world.leader,
        grantee=world.head2,
        start_date=timezone.localdate() - timedelta(days=1),
        end_date=timezone.localdate() + timedelta(days=1),
    )
    head2 = type(world.head2).objects.get(pk=world.head2.pk)  # fresh object: roles are cached per instance
    services.incoming_assign(
        actor=head2, document=doc, items=[services.AssignmentInput("lead", unit_id=world.unit.pk)]
    )
    doc.refresh_from_db()
    assert doc.status == Status.IN_PROGRESS


def test_plvi_metadata(world: World) -> None:
    from incoming.metadata import plvi, split_number_symbol

    assert split_number_symbol("Số 105-BC/TU") == ("105", "BC/TU")
    assert split_number_symbol("Số: 12/UBND-VX") == ("12", "UBND-VX")
    doc = world.distributed(urgency="urgent")
    data = plvi(doc)
    assert data["OrganId"] == "000.00.00.H99" and data["ArrivalNumber"] == doc.arrival_number
    assert data["CodeNumber"] == "105" and data["CodeNotation"] == "BC/BTCTW"
    assert data["Priority"] == 1 and data["SignerInfo"]["FullName"] == "Nguyễn Văn A"
    assert data["ToPlaces"] == "Phòng Tổng hợp (chủ trì); Phòng Tài chính (phối hợp)"
    assert [t["action"] for t in data["TraceHeaderList"]] == ["register", "submit", "assign", "forward"]


def test_clerk_corrects_registration_with_audited_old_and_new_values(world: World) -> None:
    from core.models import AuditEvent

    doc = world.register(number_symbol="15-BC/BTCTW")
    services.incoming_update(
        actor=world.clerk,
        document=doc,
        changes={"number_symbol": "51-BC/BTCTW", "subject": "Báo cáo đã sửa"},
        uploads=[("phu-luc.pdf", make_pdf("phu luc"))],
    )
    doc.refresh_from_db()
    assert doc.number_symbol == "51-BC/BTCTW" and doc.symbol_key == "51-bc/btctw" and doc.arrival_number == 1
    assert len(selectors.files(doc)) == 2
    event = AuditEvent.objects.filter(action="incoming.update").get()
    assert event.data["changes"]["number_symbol"] == {"old": "15-BC/BTCTW", "new": "51-BC/BTCTW"}
    with pytest.raises(InvalidInput):
        services.incoming_update(actor=world.clerk, document=doc, changes={"arrival_number": 9})
    with pytest.raises(InvalidInput):
        services.incoming_update(actor=world.clerk, document=doc, changes={"issued_date": date(2099, 1, 1)})
    with pytest.raises(NotAllowed):
        services.incoming_update(actor=world.specialist, document=doc, changes={"subject": "x"})
    services.incoming_submit(actor=world.clerk, document=doc)
    services.incoming_assign(
        actor=world.leader, document=doc, items=[services.AssignmentInput("lead", unit_id=world.unit.pk)]
    )
    with pytest.raises(WrongState):
        services.incoming_update(actor=world.clerk, document=doc, changes={"subject": "muộn"})


def test_edit_page_and_api_patch(world: World) -> None:
    from django.test import Client

    from core import tokens

    doc = world.register()
    client = Client()
    client.force_login(world.clerk)
    page = client.get(f"/van-ban-den/{doc.pk}/sua/")
    assert page.status_code == 200 and "Sửa thông tin" in page.content.decode()
    response = client.post(
        f"/van-ban-den/{doc.pk}/sua/",
        {
            "issuer_name": doc.issuer_name,
            "number_symbol": doc.number_symbol,
            "issued_date": "06/01/2026",
            "doc_type": "BC",
            "subject": "Trích yếu mới",
            "urgency": "urgent",
            "channel": "paper",
        },
    )
    assert response.status_code == 302
    doc.refresh_from_db()
    assert doc.subject == "Trích yếu mới" and doc.urgency == "urgent" and doc.issued_date == date(2026, 1, 6)
    key, _ = tokens.issue(world.clerk)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert (
        api.patch(
            f"/api/v1/incoming/{doc.pk}", data={"page_count": 7}, content_type="application/json"
        ).json()["page_count"]
        == 7
    )
    specialist_key, _ = tokens.issue(world.specialist)
    denied = Client(HTTP_AUTHORIZATION=f"Bearer {specialist_key}").patch(
        f"/api/v1/incoming/{doc.pk}", data={"page_count": 9}, content_type="application/json"
    )
    assert denied.status_code == 404


def test_secret_document_cannot_go_to_a_unit_without_a_cleared_head(world: World) -> None:
    doc = world.register(secrecy="confidential")
    services.incoming_submit(actor=world.clerk, document=doc)
    with pytest.raises(InvalidInput, match="không có trưởng đơn vị"):
        services.incoming_assign(
            actor=world.leader, document=doc, items=[services.AssignmentInput("lead", unit_id=world.unit2.pk)]
        )
    services.incoming_assign(
        actor=world.leader,
        document=doc,  # Phòng Tổng hợp's head is cleared
        items=[services.AssignmentInput("lead", unit_id=world.unit.pk)],
    )


def test_same_number_symbol_in_another_year_is_not_a_duplicate(world: World) -> None:
    from incoming.services import Registration, incoming_register

    world.register(number_symbol="16/CT-UBND")  # issued 05/01/2026
    data = Registration(
        issuer_name=world.issuer.name,
        number_symbol="16/CT-UBND",
        issued_date=date(2025, 3, 1),
        doc_type="CT",
        subject="Chỉ thị năm trước",
    )
    result = incoming_register(
        actor=world.clerk, organization=world.org, data=data, uploads=[("ct.pdf", make_pdf("ct 2025"))]
    )
    assert result.warnings == []


def test_overdue_board_totals_are_true_beyond_the_shown_rows(world: World) -> None:
    from incoming.models import IncomingDocument

    for n in range(4):
        doc = world.distributed(number_symbol=f"{n + 20}-BC/BTCTW", pdf=make_pdf(f"late{n}"))
        IncomingDocument.objects.filter(pk=doc.pk).update(
            due_date=timezone.localdate() - timedelta(days=n + 1)
        )
    board = selectors.overdue_board(world.leader)
    page = list(board.rows[:2])
    assert board.overdue_total == 4 and board.rows_total == 4 and len(page) == 2
    assert board.by_unit == [selectors.BoardCount(world.unit.pk, "Phòng Tổng hợp", 4, 0)]
    # the oldest deadline first
    assert [d.due_date for d in page] == [timezone.localdate() - timedelta(days=n) for n in (4, 3)]
