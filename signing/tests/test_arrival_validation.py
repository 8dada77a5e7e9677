"""A document that arrives by exchange has its PDFs' signatures checked while it waits for the clerk: the
arrival's page shows each file's verdict and signers before "Vào sổ" or "Trả lại", and the registered
incoming document carries the same verdict without checking again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from api.tests.helpers import client_for
from conftest import World, make_pdf
from core import worker
from documents.models import Attachment
from exchange import arrival_files, services
from exchange.edxml import model
from exchange.models import InboxMessage
from exchange.tests.conftest import ExchangeWorld, NextHop, signed_from_commune
from signing.models import FileValidation
from signing.tests.conftest import Certs
from signing.tests.helpers import signed_and_sealed
from web.tests.exchange_helpers import exchange_world

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + bytes(32)  # an image: nothing to validate


@pytest.fixture
def xw(world: World) -> Iterator[ExchangeWorld]:
    hop = NextHop().start()
    yield exchange_world(world, hop)
    hop.stop()


def _arrival(xw: ExchangeWorld, signed: bytes) -> InboxMessage:
    today = timezone.localdate()
    data = signed_from_commune(
        xw,
        number="52-BC/ĐU",
        subject="Báo cáo kết quả Đại hội chi bộ",
        issued_on=today - timedelta(days=1),
        due_date=today + timedelta(days=14),
        sent_at=timezone.localtime(),
        attachments=(
            model.Attachment("a1", "52-BC-DU.pdf", "application/pdf", signed, "Văn bản chính"),
            model.Attachment("a2", "phu-luc", "application/octet-stream", make_pdf("Phụ lục"), "Phụ lục"),
            model.Attachment("a3", "bieu-do.png", "image/png", PNG, "Biểu đồ"),
        ),
    )
    receipt = services.receive(data)
    return InboxMessage.objects.get(message_id=receipt.message_id)


def _page(user: Any, inbox: InboxMessage) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("web:exchange_arrival", args=[inbox.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _validations() -> int:
    return DBTaskResult.objects.filter(task_path="signing.tasks.validate_file").count()


def test_the_clerk_sees_the_signatures_of_an_arrival_before_registering_it(
    xw: ExchangeWorld, world: World, certs: Certs, ten_pages: bytes
) -> None:
    inbox = _arrival(xw, signed_and_sealed(world, certs, ten_pages))
    # received: the files are being checked (the block polls), nothing stored for them yet
    html = _page(world.clerk, inbox)
    assert "Kiểm tra chữ ký số trên tệp" in html and "Đang kiểm tra…" in html
    poll = reverse("web:exchange_signatures", args=[inbox.pk])
    assert f'hx-get="{poll}" hx-trigger="every 3s"' in html
    assert inbox.files == {} and _validations() == 0
    # the worker stores the two PDFs (one sent as "phu-luc", not named .pdf) and checks them
    worker.run_pending()
    inbox.refresh_from_db()
    assert set(inbox.files) == {"a1", "a2", "a3"} and inbox.files["a3"] is None
    assert _validations() == 2
    html = _page(world.clerk, inbox)
    assert 'hx-trigger="every 3s"' not in html
    assert 'data-verdict="valid">Hợp lệ' in html and "Trần Văn Lãnh" in html and "Tỉnh ủy Sông Lam" in html
    assert 'data-verdict="unsigned">Không có chữ ký số' in html and "bieu-do.png</span>" not in html
    # the API says the same
    unsigned_reason = FileValidation.objects.get(stored_id=inbox.files["a2"]).reason
    answer = client_for(world.clerk).get(f"/api/v1/exchange/arrivals/{inbox.pk}").json()
    assert answer["signatures"] == [
        {
            "name": "52-BC-DU.pdf",
            "verdict": "valid",
            "reason": "Tất cả chữ ký hợp lệ.",
            "signers": ["Trần Văn Lãnh", "Tỉnh ủy Sông Lam"],
        },
        {"name": "phu-luc", "verdict": "unsigned", "reason": unsigned_reason, "signers": []},
    ]
    # the poll answers the block alone; someone who may not see the arrival gets nothing
    client = Client()
    client.force_login(world.clerk)
    block = client.get(poll).content.decode()
    assert 'id="arrival-signatures"' in block and "<html" not in block
    client.force_login(world.specialist)
    assert client.get(poll).status_code == 404
    # preparing again stores and queues nothing new
    assert arrival_files.prepare(inbox.pk) == 2 and _validations() == 2
    # registered: the incoming document's file is the same file, its verdict already there
    result = services.inbox_register(actor=world.clerk, inbox=inbox)
    main = Attachment.objects.get(owner_kind="incoming", owner_id=result.document.pk, position=0)
    assert main.stored_id == inbox.files["a1"]
    assert FileValidation.objects.get(stored=main.stored).verdict == "valid"
    annex = Attachment.objects.get(owner_kind="incoming", owner_id=result.document.pk, position=1)
    assert annex.name == "phu-luc.pdf" and annex.stored_id == inbox.files["a2"]  # named from its content
    assert _validations() == 2


def test_an_arrival_without_pdf_files_shows_no_signature_block(xw: ExchangeWorld, world: World) -> None:
    today = timezone.localdate()
    data = signed_from_commune(
        xw,
        number="53-BC/ĐU",
        subject="Báo cáo nhanh",
        issued_on=today,
        due_date=today + timedelta(days=7),
        sent_at=timezone.localtime(),
        attachments=(model.Attachment("a1", "so-lieu.txt", "text/plain", b"1,2,3", "Số liệu"),),
    )
    inbox = InboxMessage.objects.get(message_id=services.receive(data).message_id)
    worker.run_pending()
    inbox.refresh_from_db()
    assert inbox.files == {"a1": None}
    assert "Kiểm tra chữ ký số trên tệp" not in _page(world.clerk, inbox)


def test_an_arrival_the_worker_has_not_reached_stops_polling_after_a_while(
    xw: ExchangeWorld, world: World
) -> None:
    inbox = _arrival(xw, make_pdf("Chưa ký"))
    assert inbox.files == {}
    assert 'hx-trigger="every 3s"' in _page(world.clerk, inbox)
    # no worker for a quarter of an hour (stopped): the page says the files are not checked, no poll
    InboxMessage.objects.filter(pk=inbox.pk).update(received_at=timezone.now() - arrival_files.STALE)
    inbox.refresh_from_db()
    html = _page(world.clerk, inbox)
    assert "Chưa kiểm tra" in html and 'hx-trigger="every 3s"' not in html
    # the worker comes: checked as usual
    worker.run_pending()
    inbox.refresh_from_db()
    assert 'data-verdict="unsigned"' in _page(world.clerk, inbox)


def test_notices_and_arrivals_from_before_have_no_files_to_check(xw: ExchangeWorld, world: World) -> None:
    from exchange.edxml.codes import Business
    from exchange.tests.test_receiving import from_commune

    document = InboxMessage.objects.get(message_id=services.receive(from_commune(xw)).message_id)
    recall = services.receive(from_commune(xw, business=Business.RECALL, target=document.document_id))
    notice = InboxMessage.objects.get(message_id=recall.message_id)
    assert notice.files is None
    assert DBTaskResult.objects.filter(task_path="exchange.tasks.prepare_arrival_files").count() == 1
    # an arrival received before this installation checked files (files unset): no block, no poll
    InboxMessage.objects.filter(pk=document.pk).update(files=None, state="arrived")
    document.refresh_from_db()
    html = _page(world.clerk, document)
    assert "Kiểm tra chữ ký số trên tệp" not in html and 'hx-trigger="every 3s"' not in html
