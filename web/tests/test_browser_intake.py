"""Issue 5's must-show journey in Debian's Chromium: the clerk uploads a three-page scanned letter on the
intake page, watches the recognition finish, finds the registration form pre-filled from the scan,
registers it, and finds the document at /tim-kiem/ by a phrase printed on page 3 only.

The OCR runs for real (one three-page scan); the worker works the queue in a thread of the test, as the
in-process worker of ``make run`` would, while the page polls the progress."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.urls import reverse

from conftest import World
from core import worker
from incoming.models import IncomingDocument
from intake.tests.helpers import JOURNEY_PHRASE, journey_doc, journey_scan
from web.tests.helpers import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def _work_the_queue() -> threading.Thread:
    def run() -> None:
        from django.db import connection

        try:
            worker.run_pending()
        finally:
            connection.close()

    thread = threading.Thread(target=run, name="test-worker")
    thread.start()
    return thread


def test_scanned_letter_registered_prefilled_and_found_by_page_3_phrase(
    browser: Any, live_server: Any, world: World, tmp_path: Any
) -> None:
    base = live_server.url
    truth = journey_doc()
    scan = tmp_path / "thong-bao-127.pdf"
    scan.write_bytes(journey_scan())

    # the clerk uploads the scan on the intake page
    clerk = browser_login(browser, base, "vanthu")
    clerk.goto(f"{base}/tiep-nhan-ban-quet/")
    clerk.set_input_files("input[name=files]", str(scan))
    clerk.click("text=Tải lên và nhận dạng")
    clerk.wait_for_selector("#intake-progress [role=progressbar]")
    assert "Bản quét: thong-bao-127.pdf" in clerk.inner_text("h1")

    # the worker recognises it while the page polls; the page shows the finished job's buttons
    thread = _work_the_queue()
    clerk.wait_for_selector("text=Vào sổ với thông tin đã đọc", timeout=120_000)
    thread.join(timeout=120)
    assert clerk.get_attribute("#intake-progress [role=progressbar]", "aria-valuenow") == "100"

    # the registration form is pre-filled with what the letter says
    clerk.click("text=Vào sổ với thông tin đã đọc")
    clerk.wait_for_selector("#register-form")
    assert clerk.input_value("#id_issuer_name") == truth.issuer
    assert clerk.input_value("#id_number_symbol") == truth.number_symbol
    assert clerk.input_value("#id_issued_date") == truth.issued.strftime("%d/%m/%Y")
    assert clerk.input_value("#id_doc_type") == truth.doc_type_code
    assert clerk.input_value("#id_subject") == truth.subject
    assert clerk.input_value("#id_urgency") == "urgent"
    assert clerk.input_value("#id_page_count") == "3"

    # the clerk accepts it
    clerk.click("text=Vào sổ (Alt+S)")
    clerk.wait_for_selector(f"text=Đã vào sổ: số đến 1 — {truth.number_symbol}")

    # and finds it by a phrase that only page 3 carries
    clerk.goto(f"{base}/tim-kiem/")
    clerk.fill("input[name=q]", f'"{JOURNEY_PHRASE}"')
    clerk.press("input[name=q]", "Enter")
    document = IncomingDocument.objects.get()
    link = reverse("web:incoming_detail", args=[document.pk])
    clerk.wait_for_selector(f'main a[href="{link}"]')
    assert document.number_symbol == truth.number_symbol
    assert truth.subject in clerk.inner_text("main")
