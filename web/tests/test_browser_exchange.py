"""Liên thông đến in Debian's Chromium: a package from a commune of another installation arrives; the
province's clerk follows the menu to "Liên thông đến", opens it, finds the registration form pre-filled
from the package, corrects the subject and registers it — the incoming document exists with its file and
status 03 is queued back to the sender."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from exchange.models import InboxMessage, OutboxMessage
from exchange.states import InState
from exchange.tests.conftest import NextHop
from incoming.models import IncomingDocument
from web.tests.exchange_helpers import arrived, exchange_world
from web.tests.helpers import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


@pytest.fixture
def hop() -> Iterator[NextHop]:
    server = NextHop().start()
    yield server
    server.stop()


def test_the_clerk_registers_an_arrival_from_the_exchange_inbox(
    browser: Any, live_server: Any, world: World, hop: NextHop
) -> None:
    base = live_server.url
    xw = exchange_world(world, hop)
    inbox = arrived(xw)

    clerk = browser_login(browser, base, "vanthu")
    clerk.click("#nav-exchange-inbox")
    clerk.wait_for_selector("#arrivals")
    assert "Chờ vào sổ" in clerk.inner_text("#arrivals")
    clerk.click("#arrivals >> text=45-BC/ĐU")
    clerk.wait_for_selector("#register-form")
    assert "Hà Văn Nam" in clerk.inner_text("#arrival-header")
    due = timezone.localdate() + timedelta(days=21)
    assert clerk.input_value("#id_due_date") == due.strftime("%d/%m/%Y")
    assert clerk.input_value("#id_doc_type") == "BC"
    assert clerk.input_value("#id_urgency") == "urgent"
    assert clerk.input_value("#id_subject") == "Báo cáo sơ kết công tác dân vận quý IV"

    clerk.fill("#id_subject", "Báo cáo sơ kết công tác dân vận quý IV năm 2026")
    clerk.click("#btn-register")
    clerk.wait_for_selector("text=Đã vào sổ: số đến 1 — 45-BC/ĐU")
    assert "Báo cáo sơ kết công tác dân vận quý IV năm 2026" in clerk.inner_text("h1 + p")

    doc = IncomingDocument.objects.get()
    assert (doc.channel, doc.urgency, doc.due_date) == ("exchange", "urgent", due)
    inbox = InboxMessage.objects.get(pk=inbox.pk)
    assert inbox.state == InState.REGISTERED and inbox.incoming_id == doc.pk
    assert OutboxMessage.objects.filter(inbox=inbox, kind="status", status_code="03").count() == 1

    # the inbox now says so
    clerk.goto(f"{base}/lien-thong/den/")
    assert "Đã vào sổ" in clerk.inner_text("#arrivals")
    clerk.context.close()


def test_the_sender_sees_the_recipients_status_change_without_reloading(
    browser: Any, live_server: Any, world: World, hop: NextHop
) -> None:
    from exchange import dispatch, services
    from exchange.edxml.codes import StatusCode
    from outgoing.services import outgoing_issue
    from web.tests.exchange_helpers import status_from_commune

    base = live_server.url
    xw = exchange_world(world, hop)
    doc = outgoing_issue(
        actor=world.clerk, document=xw.ow.approved("TB", recipients=[{"organization_id": xw.commune.pk}])
    )
    dispatch.run_pending()
    message = OutboxMessage.objects.get(kind="package")

    clerk = browser_login(browser, base, "vanthu")
    clerk.goto(f"{base}/van-ban-di/{doc.pk}/")
    clerk.wait_for_selector("#exchange-deliveries >> text=Đã gửi")
    # the commune registers it: its 03 arrives while the page is open
    services.receive(status_from_commune(xw, message.document_id, StatusCode.ACCEPTED, timezone.localtime()))
    clerk.wait_for_selector("#exchange-deliveries >> text=Đã vào sổ (03)", timeout=10_000)
    services.receive(
        status_from_commune(
            xw, message.document_id, StatusCode.DONE, timezone.localtime() + timedelta(seconds=1)
        )
    )
    clerk.wait_for_selector("#exchange-deliveries >> text=Hoàn thành (06)", timeout=10_000)
    # the story is over: the block stops polling
    assert clerk.get_attribute("#exchange-deliveries", "hx-trigger") is None
    clerk.context.close()
