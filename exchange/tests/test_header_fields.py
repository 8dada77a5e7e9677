"""What a document's header says beyond its number and subject: the date by which the recipients are
asked to handle it (DueDate), whether it directs their work (SteeringType), the document it answers
(ResponseFor) — chosen in the draft, sent in the package, read and shown at the receiving end."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_pdf
from core.errors import InvalidInput
from exchange import dispatch, services
from exchange.edxml import model, parse
from exchange.edxml.codes import SteeringType
from exchange.models import InboxMessage
from exchange.packaging import outgoing_document_id
from exchange.tests.conftest import COMMUNE_ID, ExchangeWorld, signed_from_commune
from exchange.tests.test_receiving import from_commune
from outgoing.services import Draft, outgoing_create, outgoing_issue
from outgoing.states import Steering
from web.tests.helpers import login

pytestmark = pytest.mark.django_db


def _issued(xw: ExchangeWorld, **draft: Any) -> Any:
    doc = xw.ow.approved("CV", recipients=[{"organization_id": xw.commune.pk}], **draft)
    return outgoing_issue(actor=xw.w.clerk, document=doc)


def _sent_header(xw: ExchangeWorld) -> model.MessageHeader:
    assert dispatch.run_pending() == 1
    return parse.parse_package(parse.read(xw.hop.received[-1])).header


def test_the_deadline_and_steering_chosen_in_the_draft_travel_in_the_package(xw: ExchangeWorld) -> None:
    due = timezone.localdate() + timedelta(days=10)
    doc = _issued(xw, response_due=due, steering=Steering.DIRECTIVE)
    assert (doc.response_due, doc.steering) == (due, Steering.DIRECTIVE)
    header = _sent_header(xw)
    assert header.due_date == due and header.steering_type == SteeringType.STEERING


def test_a_document_without_them_sends_neither(xw: ExchangeWorld) -> None:
    _issued(xw)
    header = _sent_header(xw)
    assert header.due_date is None and header.steering_type == SteeringType.NONE


def test_a_deadline_in_the_past_or_an_unknown_steering_is_refused_with_the_field(xw: ExchangeWorld) -> None:
    base: dict[str, Any] = {"doc_type": "CV", "subject": "Đề nghị", "recipients": []}
    with pytest.raises(InvalidInput) as refused:
        outgoing_create(
            actor=xw.w.specialist,
            data=Draft(**base, response_due=timezone.localdate() - timedelta(days=1), steering=7),
            upload=("du-thao.pdf", make_pdf("x")),
        )
    assert refused.value.details == {
        "steering": "Tính chất chỉ đạo không hợp lệ.",
        "response_due": "Hạn xử lý đề nghị không được trước ngày hôm nay.",
    }


def test_a_reply_to_a_document_that_came_by_exchange_names_it(xw: ExchangeWorld) -> None:
    inbox = InboxMessage.objects.get(message_id=services.receive(from_commune(xw)).message_id)
    incoming = services.inbox_register(actor=xw.w.clerk, inbox=inbox).document
    dispatch.run_pending()  # the 03
    _issued(xw, reply_to_id=incoming.pk)
    (answered,) = _sent_header(xw).response_for
    assert answered == model.ResponseFor(
        organ_id=COMMUNE_ID, code="45-BC/ĐU", promulgation_date=incoming.issued_date,
        document_id=inbox.document_id,
    )  # fmt: skip


def test_the_arrival_page_shows_steering_and_links_the_document_it_answers(xw: ExchangeWorld) -> None:
    ours = _issued(xw)
    today = timezone.localdate()
    answer = signed_from_commune(
        xw,
        number="46-BC/ĐU",
        subject="Báo cáo kết quả Đại hội chi bộ",
        issued_on=today,
        due_date=today + timedelta(days=5),
        sent_at=timezone.localtime(),
        attachments=(),
        header_fields={
            "steering_type": SteeringType.STEERING_REPORT,
            "response_for": (
                model.ResponseFor(
                    xw.w.org.identifier or "",
                    ours.number_symbol,
                    timezone.localdate(ours.issued_at),
                    outgoing_document_id(ours),
                ),
            ),
        },
    )
    inbox = InboxMessage.objects.get(message_id=services.receive(answer).message_id)
    assert inbox.header["steering_type"] == 2
    assert inbox.header["response_for"][0]["document_id"] == outgoing_document_id(ours)
    html = login(xw.w.clerk).get(reverse("web:exchange_arrival", args=[inbox.pk])).content.decode()
    assert "Báo cáo kết quả thực hiện chỉ đạo" in html
    link = reverse("web:outgoing_detail", args=[ours.pk])
    assert f'<a href="{link}">{ours.number_symbol}</a>' in html
    assert timezone.localdate(ours.issued_at).strftime("ngày %d/%m/%Y") in html


def test_a_replacement_asks_what_it_replaces_asked_and_a_correction_nothing(xw: ExchangeWorld) -> None:
    from outgoing import after_issue

    due = timezone.localdate() + timedelta(days=9)
    old = _issued(xw, response_due=due, steering=Steering.DIRECTIVE)
    new = after_issue.outgoing_start_replacement(actor=xw.w.specialist, document=old, reason="Sai số liệu")
    assert (new.response_due, new.steering) == (due, Steering.DIRECTIVE)
    fix = after_issue.outgoing_start_correction(actor=xw.w.specialist, document=old, reason="Sai ngày họp")
    assert (fix.response_due, fix.steering) == (None, Steering.NONE)


def test_a_deadline_already_passed_is_shown_but_not_prefilled_and_registration_goes_through(
    xw: ExchangeWorld,
) -> None:
    today = timezone.localdate()
    late = signed_from_commune(
        xw,
        number="47-BC/ĐU",
        subject="Báo cáo gửi muộn",
        issued_on=today - timedelta(days=20),
        due_date=today - timedelta(days=3),
        sent_at=timezone.localtime(),
        attachments=(model.Attachment("a1", "47-BC-DU.pdf", "application/pdf", make_pdf("bc"), "Văn bản"),),
    )
    inbox = InboxMessage.objects.get(message_id=services.receive(late).message_id)
    page = login(xw.w.clerk).get(reverse("web:exchange_arrival", args=[inbox.pk]))
    assert (today - timedelta(days=3)).strftime("%d/%m/%Y") in page.content.decode()  # what was asked
    assert page.context["register_form"].initial["due_date"] is None  # not offered as the deadline
    incoming = services.inbox_register(actor=xw.w.clerk, inbox=inbox).document
    assert incoming.due_date is None
