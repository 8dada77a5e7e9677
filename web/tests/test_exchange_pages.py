"""The people's screens of liên thông: the clerk's arrivals (list, detail, "Vào sổ", "Trả lại", audited
downloads) with every other person denied, the sender's status block and its polled fragment, the
administrators' dashboard and its API twin with query counts that do not grow."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from api.tests.helpers import client_for
from conftest import World
from core.models import AuditEvent
from exchange import dispatch, services
from exchange.edxml.codes import StatusCode
from exchange.models import InboxMessage, OutboxMessage
from exchange.states import InState, OutState
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld, NextHop
from incoming.models import IncomingDocument
from orgs.models import Role, RoleAssignment
from outgoing.services import outgoing_issue, outgoing_recall
from web.tests.exchange_helpers import ANNEX, PDF, arrived, exchange_world, status_from_commune
from web.tests.helpers import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def hop() -> Iterator[NextHop]:
    server = NextHop().start()
    yield server
    server.stop()


@pytest.fixture
def xw(world: World, hop: NextHop, settings: Any) -> ExchangeWorld:
    settings.EXCHANGE_BACKOFF_BASE = 0.05
    return exchange_world(world, hop)


def _inbox_url(pk: int | None = None) -> str:
    return reverse("web:exchange_arrival", args=[pk]) if pk else reverse("web:exchange_inbox")


# --- the clerk's arrivals ------------------------------------------------------------------------------


def test_the_clerk_lists_arrivals_newest_first_with_their_vietnamese_state(xw: ExchangeWorld) -> None:
    first = arrived(xw, number="45-BC/ĐU")
    second = arrived(xw, number="46-BC/ĐU", subject="Báo cáo tình hình an ninh nông thôn")
    services.inbox_reject(actor=xw.w.clerk, inbox=first, reason="Gửi nhầm nơi nhận")
    page = login(xw.w.clerk).get(_inbox_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("46-BC/ĐU") < html.index("45-BC/ĐU")  # newest first
    assert "Đảng ủy xã Hòa Bình" in html and "Báo cáo tình hình an ninh nông thôn" in html
    assert "Chờ vào sổ" in html and "Đã trả lại" in html
    issued = timezone.localdate() - timedelta(days=2)
    assert issued.strftime("%d/%m/%Y") in html  # the document's date, Vietnam time
    assert timezone.localtime(second.received_at).strftime("%H:%M %d/%m/%Y") in html
    # the state filter
    waiting = login(xw.w.clerk).get(_inbox_url(), {"state": "arrived"}).content.decode()
    assert "46-BC/ĐU" in waiting and "45-BC/ĐU" not in waiting
    returned = login(xw.w.clerk).get(_inbox_url(), {"state": "rejected"}).content.decode()
    assert "45-BC/ĐU" in returned and "46-BC/ĐU" not in returned
    # the menu shows the link to clerks
    assert 'id="nav-exchange-inbox"' in html and 'id="nav-exchange-dashboard"' not in html


@pytest.mark.parametrize("persona", ["specialist", "leader", "norole", "outsider"])
def test_everyone_but_the_clerk_and_administrators_is_denied(xw: ExchangeWorld, persona: str) -> None:
    inbox = arrived(xw)
    client = login(getattr(xw.w, persona))
    listing = client.get(_inbox_url())
    if persona == "outsider":  # a clerk of another organisation: an empty list, nothing of ours
        assert listing.status_code == 200 and "45-BC/ĐU" not in listing.content.decode()
    else:
        assert listing.status_code == 403
        assert 'id="nav-exchange-inbox"' not in client.get(reverse("web:home")).content.decode()
    assert client.get(_inbox_url(inbox.pk)).status_code == 404
    assert client.get(reverse("web:exchange_file", args=[inbox.pk, "a1"])).status_code == 404
    assert client.post(reverse("web:exchange_register", args=[inbox.pk]), {}).status_code == 404
    reject = client.post(reverse("web:exchange_reject", args=[inbox.pk]), {"reason": "Không nhận"})
    assert reject.status_code == 404
    inbox.refresh_from_db()
    assert inbox.state == InState.ARRIVED and not IncomingDocument.objects.exists()
    assert not OutboxMessage.objects.filter(kind="status").exclude(status_code="01").exists()
    assert not AuditEvent.objects.filter(action="exchange.read.file").exists()


def test_anonymous_is_sent_to_the_login_page(xw: ExchangeWorld) -> None:
    from django.test import Client

    inbox = arrived(xw)
    for url in (_inbox_url(), _inbox_url(inbox.pk), reverse("web:exchange_dashboard")):
        response = Client().get(url)
        assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_the_administrator_sees_arrivals_but_cannot_register_them(xw: ExchangeWorld) -> None:
    inbox = arrived(xw)
    client = login(xw.w.admin)
    assert "45-BC/ĐU" in client.get(_inbox_url()).content.decode()
    page = client.get(_inbox_url(inbox.pk)).content.decode()
    assert "Hà Văn Nam" in page and 'id="register-form"' not in page
    response = client.post(
        reverse("web:exchange_register", args=[inbox.pk]),
        {"doc_type": "BC", "subject": "x", "urgency": "normal"},
    )
    assert response.status_code == 302
    inbox.refresh_from_db()
    assert inbox.state == InState.ARRIVED and not IncomingDocument.objects.exists()
    assert "Chỉ văn thư" in client.get(response["Location"]).content.decode()


def test_the_detail_shows_the_header_and_a_form_prefilled_from_it(xw: ExchangeWorld) -> None:
    inbox = arrived(xw)
    page = login(xw.w.clerk).get(_inbox_url(inbox.pk))
    html = page.content.decode()
    assert page.status_code == 200
    for text in ("45-BC/ĐU", "Đảng ủy xã Hòa Bình", COMMUNE_ID, "T/M ĐẢNG ỦY BÍ THƯ Hà Văn Nam", "Khẩn"):
        assert text in html
    due = timezone.localdate() + timedelta(days=21)
    assert f'value="{due:%d/%m/%Y}"' in html  # the due date, pre-filled dd/mm/yyyy
    assert '<option value="BC" selected>' in html
    assert "Báo cáo sơ kết công tác dân vận quý IV</textarea>" in html
    assert '<option value="urgent" selected>' in html
    assert "45-BC-DU.pdf" in html and "phu-luc.pdf" in html


def test_downloads_come_from_the_stored_package_and_are_audited(xw: ExchangeWorld) -> None:
    inbox = arrived(xw)
    client = login(xw.w.clerk)
    main = client.get(reverse("web:exchange_file", args=[inbox.pk, "a1"]))
    assert main.status_code == 200 and main.content == PDF and main["Content-Type"] == "application/pdf"
    # the sender declared text/html: the type is read from the bytes, never the sender's word
    annex = client.get(reverse("web:exchange_file", args=[inbox.pk, "a2"]) + "?download=1")
    assert annex.content == ANNEX and annex["Content-Type"] == "application/pdf"
    assert annex["Content-Disposition"].startswith("attachment;")
    assert client.get(reverse("web:exchange_file", args=[inbox.pk, "a9"])).status_code == 404
    events = list(AuditEvent.objects.filter(action="exchange.read.file").order_by("seq"))
    assert [(e.actor_id, e.target_id, e.data["content_id"]) for e in events] == [
        (xw.w.clerk.pk, str(inbox.pk), "a1"),
        (xw.w.clerk.pk, str(inbox.pk), "a2"),
    ]


def test_the_clerk_registers_from_the_page_and_03_goes_back(xw: ExchangeWorld) -> None:
    inbox = arrived(xw)
    response = login(xw.w.clerk).post(
        reverse("web:exchange_register", args=[inbox.pk]),
        {"doc_type": "BC", "subject": "Báo cáo dân vận quý IV", "urgency": "urgent", "due_date": ""},
    )
    doc = IncomingDocument.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "web:incoming_detail", args=[doc.pk]
    )
    assert (doc.subject, doc.channel, doc.number_symbol, doc.due_date) == (
        "Báo cáo dân vận quý IV",
        "exchange",
        "45-BC/ĐU",
        None,
    )
    inbox.refresh_from_db()
    assert inbox.state == InState.REGISTERED and inbox.incoming == doc and inbox.handled_by == xw.w.clerk
    assert OutboxMessage.objects.filter(inbox=inbox, kind="status", status_code="03").count() == 1
    page = login(xw.w.clerk).get(_inbox_url(inbox.pk)).content.decode()
    assert "Đã vào sổ" in page and 'id="register-form"' not in page
    assert reverse("web:incoming_detail", args=[doc.pk]) in page


def test_a_refused_registration_shows_why_and_changes_nothing(xw: ExchangeWorld) -> None:
    inbox = arrived(xw)
    yesterday = timezone.localdate() - timedelta(days=1)
    client = login(xw.w.clerk)
    response = client.post(
        reverse("web:exchange_register", args=[inbox.pk]),
        {"doc_type": "BC", "subject": "Báo cáo", "urgency": "normal", "due_date": f"{yesterday:%d/%m/%Y}"},
    )
    assert response.status_code == 400
    assert "Hạn giải quyết không thể trước ngày đến." in response.content.decode()
    bad = client.post(
        reverse("web:exchange_register", args=[inbox.pk]),
        {"doc_type": "BC", "subject": "", "urgency": "normal", "due_date": "31/02/2026"},
    )
    html = bad.content.decode()
    assert bad.status_code == 400 and "Vui lòng nhập trích yếu." in html and "Ngày không hợp lệ" in html
    inbox.refresh_from_db()
    assert inbox.state == InState.ARRIVED and inbox.incoming is None
    assert not IncomingDocument.objects.exists()
    assert not OutboxMessage.objects.filter(kind="status", status_code="03").exists()


def test_the_clerk_returns_it_with_a_reason_and_02_goes_back(xw: ExchangeWorld) -> None:
    inbox = arrived(xw)
    client = login(xw.w.clerk)
    url = reverse("web:exchange_reject", args=[inbox.pk])
    empty = client.post(url, {"reason": "   "})
    assert empty.status_code == 400 and "Vui lòng nhập lý do trả lại." in empty.content.decode()
    long = client.post(url, {"reason": "x" * 1001})
    assert long.status_code == 400 and "tối đa 1.000 ký tự" in long.content.decode()
    inbox.refresh_from_db()
    assert inbox.state == InState.ARRIVED and not OutboxMessage.objects.filter(status_code="02").exists()
    done = client.post(url, {"reason": "Văn bản gửi nhầm nơi nhận"})
    assert done.status_code == 302
    inbox.refresh_from_db()
    assert (inbox.state, inbox.reason) == (InState.REJECTED, "Văn bản gửi nhầm nơi nhận")
    status = OutboxMessage.objects.get(inbox=inbox, status_code="02")
    assert status.description == "Văn bản gửi nhầm nơi nhận"
    page = client.get(done["Location"]).content.decode()
    assert "Đã trả lại văn bản cho nơi gửi" in page and "Lý do: Văn bản gửi nhầm nơi nhận" in page
    # a second return (another tab) says why and sends nothing more
    again = client.post(url, {"reason": "Lần nữa"})
    assert again.status_code == 302
    assert "trạng thái hiện tại" in client.get(again["Location"]).content.decode()
    assert OutboxMessage.objects.filter(inbox=inbox, status_code="02").count() == 1


def test_the_list_queries_do_not_grow_with_the_arrivals(xw: ExchangeWorld) -> None:
    arrived(xw, number="45-BC/ĐU")
    client = login(xw.w.clerk)
    client.get(_inbox_url())
    with CaptureQueriesContext(connection) as one:
        client.get(_inbox_url())
    for n in range(4):
        arrived(xw, number=f"{60 + n}-BC/ĐU")
    with CaptureQueriesContext(connection) as five:
        html = client.get(_inbox_url()).content.decode()
    assert html.count('data-state="arrived"') == 5
    assert len(five) == len(one)


# --- the sender's status block --------------------------------------------------------------------------


def _issued(xw: ExchangeWorld) -> Any:
    doc = xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}])
    return outgoing_issue(actor=xw.w.clerk, document=doc)


def _block(client: Any, doc: Any) -> str:
    response = client.get(reverse("web:outgoing_deliveries", args=[doc.pk]))
    assert response.status_code == 200
    return str(response.content.decode())


def test_the_status_block_follows_each_status_and_polls_until_the_end(xw: ExchangeWorld) -> None:
    doc = _issued(xw)
    client = login(xw.w.clerk)
    page = client.get(reverse("web:outgoing_detail", args=[doc.pk])).content.decode()
    assert 'id="exchange-deliveries"' in page and "Gửi liên thông" in page and "Đang gửi" in page
    assert 'hx-trigger="every 3s"' in page
    # the recipients list points to the block instead of the queued state it was given at issue
    assert "gửi liên thông (xem trạng thái ở trên)" in page and "Chờ gửi qua trục liên thông" not in page
    assert reverse("web:outgoing_deliveries", args=[doc.pk]) in page
    dispatch.run_pending()
    assert "Đã gửi" in _block(client, doc)
    message = OutboxMessage.objects.get(kind="package")
    t0 = timezone.localtime() - timedelta(hours=1)
    steps = [
        (StatusCode.ARRIVED, "Đã đến (01)"),
        (StatusCode.ACCEPTED, "Đã vào sổ (03)"),
        (StatusCode.ASSIGNED, "Đã phân công (04)"),
        (StatusCode.IN_PROGRESS, "Đang xử lý (05)"),
    ]
    for minutes, (code, label) in enumerate(steps):
        services.receive(status_from_commune(xw, message.document_id, code, t0 + timedelta(minutes=minutes)))
        block = _block(client, doc)
        assert label in block and 'hx-trigger="every 3s"' in block
    services.receive(status_from_commune(xw, message.document_id, StatusCode.DONE, t0 + timedelta(minutes=9)))
    block = _block(client, doc)
    assert "Hoàn thành (06)" in block and "hx-trigger" not in block  # the story is over: no more polling
    assert "Lịch sử trạng thái" in block and block.count("<li>") == 5
    assert f"{timezone.localtime(t0 + timedelta(minutes=9)):%H:%M %d/%m/%Y}" in block


def test_a_return_shows_its_reason_and_a_recall_its_answer(xw: ExchangeWorld) -> None:
    doc = _issued(xw)
    dispatch.run_pending()
    message = OutboxMessage.objects.get(kind="package")
    at = timezone.localtime()
    services.receive(status_from_commune(xw, message.document_id, StatusCode.REJECTED, at, "Sai nơi nhận"))
    block = _block(login(xw.w.clerk), doc)
    assert "Bị trả lại (02)" in block and "Lý do trả lại: Sai nơi nhận" in block
    outgoing_recall(actor=xw.w.clerk, document=doc, reason="Ban hành nhầm")
    assert "Đã gửi yêu cầu thu hồi" in _block(login(xw.w.clerk), doc)
    services.receive(
        status_from_commune(xw, message.document_id, StatusCode.RECALL_DONE, at + timedelta(minutes=1))
    )
    assert "Đã thu hồi" in _block(login(xw.w.clerk), doc)


def test_a_failed_package_offers_gui_lai_to_administrators_only(xw: ExchangeWorld) -> None:
    doc = _issued(xw)
    xw.hop.script.append((404, {"code": "unknown_recipient", "message": "Nơi nhận không có trong danh bạ."}))
    dispatch.run_pending()
    message = OutboxMessage.objects.get(kind="package")
    assert message.state == OutState.FAILED
    clerk_block = _block(login(xw.w.clerk), doc)
    assert "Gửi lỗi" in clerk_block and "Nơi nhận không có trong danh bạ." in clerk_block
    assert "Gửi lại" not in clerk_block
    resend = reverse("web:exchange_resend", args=[message.pk])
    assert login(xw.w.clerk).post(resend).status_code == 404
    message.refresh_from_db()
    assert message.state == OutState.FAILED
    # an administrator who may see the document (here also the office's clerk) gets the button; a pure
    # administrator, who may not open the document, sends it again from the dashboard
    assert login(xw.w.admin).get(reverse("web:outgoing_deliveries", args=[doc.pk])).status_code == 404
    RoleAssignment.objects.create(user=xw.w.clerk, role=Role.ADMIN, organization=xw.w.org)
    admin = login(xw.w.clerk)
    assert "Gửi lại" in _block(admin, doc)
    response = admin.post(resend)
    assert response["Location"] == reverse("web:outgoing_detail", args=[doc.pk])
    message.refresh_from_db()
    assert message.state == OutState.PENDING
    assert AuditEvent.objects.filter(action="exchange.resend", actor_id=xw.w.clerk.pk).count() == 1


def test_the_block_is_behind_the_documents_door_and_its_queries_do_not_grow(xw: ExchangeWorld) -> None:
    from exchange.models import DirectoryEntry
    from orgs.models import Organization

    doc = _issued(xw)
    assert login(xw.w.outsider).get(reverse("web:outgoing_deliveries", args=[doc.pk])).status_code == 404
    client = login(xw.w.clerk)
    _block(client, doc)
    with CaptureQueriesContext(connection) as one:
        _block(client, doc)
    # four more recipients by exchange, with statuses
    others = []
    for n in range(4):
        org = Organization.objects.create(
            name=f"Đảng ủy xã {n}", kind="commune_committee", identifier=f"000.12.4{n}.H99"
        )
        DirectoryEntry.objects.create(organization=org, node=xw.hub)
        others.append({"organization_id": org.pk})
    many = outgoing_issue(
        actor=xw.w.clerk,
        document=xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}, *others]),
    )
    dispatch.run_pending()
    sent = OutboxMessage.objects.get(outgoing=many, to_identifier=COMMUNE_ID)
    services.receive(status_from_commune(xw, sent.document_id, StatusCode.ACCEPTED, timezone.localtime()))
    _block(client, many)
    with CaptureQueriesContext(connection) as five:
        block = _block(client, many)
    assert block.count("data-recipient=") == 5 and "Đã vào sổ (03)" in block
    assert len(five) == len(one)


# --- the administrators' dashboard and its API ------------------------------------------------------


def _traffic(xw: ExchangeWorld) -> None:
    """Two arrivals (one waiting), one document sent and answered, one refused by the next hop."""
    first = arrived(xw, number="45-BC/ĐU")
    arrived(xw, number="46-BC/ĐU")
    services.inbox_register(actor=xw.w.clerk, inbox=first)
    doc = _issued(xw)
    dispatch.run_pending()  # the package and the statuses 01, 01, 03
    message = OutboxMessage.objects.get(kind="package", outgoing=doc)
    services.receive(status_from_commune(xw, message.document_id, StatusCode.ARRIVED, timezone.localtime()))
    xw.hop.script.append((403, {"message": "Chưa đăng ký nơi nhận."}))
    _issued(xw)
    dispatch.run_pending()


def test_the_dashboard_shows_traffic_failures_backlog_and_waiting(xw: ExchangeWorld) -> None:
    _traffic(xw)
    # one old sent package that counts in neither window
    old = OutboxMessage.objects.get(kind="package", state=OutState.SENT)
    OutboxMessage.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(days=8))
    # a backlog towards the commune (the hub is down)
    waiting = OutboxMessage.objects.create(
        kind="status",
        status_code="05",
        from_identifier=xw.w.org.identifier or "",
        to_identifier=COMMUNE_ID,
        document_id="x",
        state=OutState.PENDING,
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    # packages relayed for others (a hub's traffic): now, three days ago, ten days ago
    stored = InboxMessage.objects.filter(kind="package").first()
    assert stored is not None
    for days, mid in ((0, "r1"), (3, "r2"), (10, "r3")):
        relayed = InboxMessage.objects.create(
            message_id=mid, kind="package", business=0, from_identifier=COMMUNE_ID,
            to_identifier="000.12.32.H99", document_id=f"d-{mid}", package=stored.package,
            signer_sha256="x", state=InState.RELAYED,
        )  # fmt: skip
        if days:
            at = timezone.now() - timedelta(days=days)
            InboxMessage.objects.filter(pk=relayed.pk).update(received_at=at)
    client = login(xw.w.admin)
    response = client.get(reverse("web:exchange_dashboard"))
    assert response.status_code == 200
    stats = response.context["stats"]
    t = stats["traffic"]
    assert (t["relayed_today"], t["relayed_week"]) == (1, 2)
    assert (t["sent_packages_today"], t["sent_packages_week"]) == (0, 0)
    assert (t["sent_statuses_today"], t["received_packages_today"], t["received_statuses_today"]) == (3, 2, 1)
    assert (t["failed"], t["waiting"], t["arrived_waiting"]) == (1, 1, 1)
    html = response.content.decode()
    assert "Chưa đăng ký nơi nhận." in html and "Đảng ủy xã Hòa Bình" in html
    (row,) = stats["backlog"]
    assert (row["to_identifier"], row["pending"], row["sending"]) == (COMMUNE_ID, 1, 0)
    assert row["oldest"] == OutboxMessage.objects.get(pk=waiting.pk).created_at
    (org,) = stats["waiting"]
    assert (org["organization"], org["count"]) == (xw.w.org.name, 1)
    assert 'id="nav-exchange-dashboard"' in html
    # from the dashboard, "Gửi lại" puts the failed package back in the queue
    failed = OutboxMessage.objects.get(state=OutState.FAILED)
    back = client.post(reverse("web:exchange_resend", args=[failed.pk]), {"next": "dashboard"})
    assert back["Location"] == reverse("web:exchange_dashboard")
    failed.refresh_from_db()
    assert failed.state == OutState.PENDING


@pytest.mark.parametrize("persona", ["clerk", "leader", "specialist", "outsider"])
def test_the_dashboard_and_the_stats_api_are_for_administrators(xw: ExchangeWorld, persona: str) -> None:
    client = login(getattr(xw.w, persona))
    assert client.get(reverse("web:exchange_dashboard")).status_code == 403
    api = client_for(getattr(xw.w, persona)).get("/api/v1/exchange/stats")
    assert api.status_code == 403 and api.json()["message"].startswith("Chỉ quản trị")


def test_the_stats_api_answers_the_same_figures_as_json(xw: ExchangeWorld) -> None:
    _traffic(xw)
    response = client_for(xw.w.admin).get("/api/v1/exchange/stats")
    assert response.status_code == 200
    data = response.json()
    assert data["traffic"]["sent_packages_today"] == 1 and data["traffic"]["failed"] == 1
    assert data["traffic"]["received_packages_week"] == 2 and data["traffic"]["arrived_waiting"] == 1
    (failure,) = data["failures"]
    assert failure["to_identifier"] == COMMUNE_ID and failure["last_error"] == "Chưa đăng ký nơi nhận."
    assert failure["to_name"] == "Đảng ủy xã Hòa Bình" and failure["created_at"].endswith("+07:00")
    assert data["waiting"][0]["count"] == 1 and data["nodes"][0]["name"] == "Trục liên thông tỉnh"


def test_the_dashboard_queries_do_not_grow_with_the_traffic(xw: ExchangeWorld) -> None:
    client = login(xw.w.admin)
    _traffic(xw)
    client.get(reverse("web:exchange_dashboard"))
    with CaptureQueriesContext(connection) as some:
        client.get(reverse("web:exchange_dashboard"))
    # more of everything: arrivals waiting, failures, a backlog towards two destinations
    for n in range(3):
        arrived(xw, number=f"{50 + n}-BC/ĐU")
    for _ in range(2):
        xw.hop.script.append((403, {"message": "Chưa đăng ký nơi nhận."}))
        _issued(xw)
    dispatch.run_pending()
    for identifier in (COMMUNE_ID, "000.99.01.H99"):
        OutboxMessage.objects.create(
            kind="status",
            status_code="05",
            from_identifier=xw.w.org.identifier or "",
            to_identifier=identifier,
            document_id="x",
            state=OutState.PENDING,
            next_attempt_at=timezone.now() + timedelta(hours=1),
        )
    with CaptureQueriesContext(connection) as more:
        response = client.get(reverse("web:exchange_dashboard"))
    stats = response.context["stats"]
    assert len(stats["failures"]) == 3 and len(stats["backlog"]) == 2
    assert stats["traffic"]["arrived_waiting"] == 4
    assert len(more) == len(some)
