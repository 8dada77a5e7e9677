"""Góp ý dự thảo in Debian's Chromium: ask on a phone, comment, answer in place (HTMX), compare."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from outgoing.tests.conftest import OutgoingWorld
from outgoing.tests.helpers import V2, docx_draft, make_docx
from web.tests.helpers import PHONE, browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def fits(page: Any) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"page wider than the phone screen: {width}"


def test_review_journey_on_a_phone(browser: Any, live_server: Any, world: World) -> None:
    from outgoing.services import outgoing_add_version

    ow = OutgoingWorld(world)
    doc = docx_draft(ow)
    base = live_server.url
    deadline = (timezone.localdate() + timedelta(days=5)).strftime("%d/%m/%Y")

    # the drafter asks a leader of another organization for comments, from a phone
    drafter = browser_login(browser, base, "chuyenvien", **PHONE)
    drafter.goto(f"{base}/van-ban-di/{doc.pk}/")
    drafter.click("text=Xin ý kiến góp ý")
    drafter.select_option("#id_reviewers", label="Hoàng Văn Ngoại")
    drafter.fill("#id_deadline", deadline)
    drafter.fill("#id_note", "Đề nghị góp ý.")
    drafter.click("text=Gửi xin ý kiến")
    drafter.wait_for_selector(f"text=Đã gửi xin ý kiến góp ý, hạn {deadline}.")
    assert "chưa góp ý" in drafter.inner_text("#gop-y")
    fits(drafter)

    # the reviewer finds it in the queue and comments
    reviewer = browser_login(browser, base, "ngoai", **PHONE)
    reviewer.goto(f"{base}/van-ban-di/")
    reviewer.click("#q-awaiting-review .list-group >> text=Thông báo kết luận")
    reviewer.fill("#comment-text", "Bổ sung vai trò Ủy ban Kiểm tra.")
    reviewer.click("#form-comment button[type=submit]")
    reviewer.wait_for_selector("text=Đã gửi ý kiến góp ý.")
    fits(reviewer)

    # the drafter answers in place, tying the answer to version 2
    outgoing_add_version(actor=world.specialist, document=doc, upload=("v2.docx", make_docx(V2)))
    drafter.goto(f"{base}/van-ban-di/{doc.pk}/")
    drafter.click("text=Trả lời ý kiến")
    drafter.fill("textarea[name=text]", "Đã bổ sung mục 3.")
    drafter.select_option("select[name=version_id] >> nth=0", label="Tiếp thu ở phiên bản 2")
    drafter.click("text=Lưu trả lời")
    drafter.wait_for_selector("text=tiếp thu ở phiên bản 2")
    fits(drafter)

    # and both compare the versions
    reviewer.goto(f"{base}/van-ban-di/{doc.pk}/so-sanh/")
    assert "+2 dòng thêm" in reviewer.inner_text("#diff-summary")
    assert reviewer.locator("tr.diff-insert").count() == 2 and reviewer.locator("tr.diff-delete").count() == 1
    fits(reviewer)
    if os.environ.get("SCREENSHOTS"):
        reviewer.screenshot(path=os.environ["SCREENSHOTS"] + "/compare.png", full_page=True)
        drafter.screenshot(path=os.environ["SCREENSHOTS"] + "/review.png", full_page=True)
