"""Issue 3's journey in Debian's Chromium, as new users would click it, for three documents: a Party
notice (thông báo) and official letter (công văn) of the Tỉnh ủy and a State-profile decision (quyết
định) of the provincial People's Committee — drafted from templates, reviewed by two people, edited
into version 2, approved through three steps, numbered and issued, and received by an internal
recipient. The worker's queue is run by the test between steps, as the in-process worker would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World
from core import worker
from core.files import open_blob
from outgoing.tests.conftest import OutgoingWorld, StateWorld
from outgoing.tests.pdftext import page_text
from web.tests.helpers import PHONE, browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def _journey(
    browser: Any,
    base: str,
    *,
    drafter: str,
    type_name: str,
    subject: str,
    signer: str,
    capacity: str,
    recipient: str,
    approvers: list[str],
    clerk: str,
    recipient_clerk: str,
    addressees: str = "",
) -> Any:
    from outgoing.models import OutgoingDocument

    deadline = (timezone.localdate() + timedelta(days=3)).strftime("%d/%m/%Y")
    # the drafter picks the type and fills the form of the template
    page = browser_login(browser, base, drafter)
    page.goto(f"{base}/van-ban-di/du-thao-moi/")
    page.click(f"#main-types >> text={type_name}")
    page.fill("#id_subject", subject)
    if addressees:
        page.fill("#id_addressees", addressees)
    page.fill("#id_content", "Nội dung dự thảo lần 1.\nĐoạn thứ hai của văn bản.")
    page.select_option("#id_signer", label=signer)
    page.select_option("#id_signer_capacity", capacity)
    page.select_option("#id_internal", label=recipient)
    page.click("text=Tạo dự thảo")
    page.wait_for_selector("text=Đã tạo dự thảo.")
    doc = OutgoingDocument.objects.get(subject=subject)
    url = f"{base}/van-ban-di/{doc.pk}/"
    worker.run_pending()  # LibreOffice makes the draft's PDF
    page.wait_for_selector("iframe.pdf-frame[src]", timeout=15000)  # the page's poll shows it

    # two people are asked for comments and give them
    page.click("text=Xin ý kiến góp ý")
    page.select_option("#id_reviewers", label=["Đỗ Văn Hai — Phòng Tổng hợp", "Hoàng Văn Ngoại"])
    page.fill("#id_deadline", deadline)
    page.click("text=Gửi xin ý kiến")
    page.wait_for_selector(f"text=Đã gửi xin ý kiến góp ý, hạn {deadline}.")
    for username, text in (("chuyenvien2", "Làm rõ thời hạn."), ("ngoai", "Bổ sung đơn vị phối hợp.")):
        reviewer = browser_login(browser, base, username)
        reviewer.goto(url)
        reviewer.fill("#comment-text", text)
        reviewer.click("#form-comment button[type=submit]")
        reviewer.wait_for_selector("text=Đã gửi ý kiến góp ý.")
        reviewer.context.close()

    # the drafter edits the content into version 2 and answers both comments with it
    page.goto(url)
    page.click("#btn-edit-fields")
    page.fill(
        "#id_content", "Nội dung đã tiếp thu góp ý, thời hạn đến 31/12/2026.\nĐoạn thứ hai của văn bản."
    )
    page.click("text=Tạo phiên bản 2")
    page.wait_for_selector("text=Phiên bản 2")
    from playwright.sync_api import expect

    for answered in (1, 2):
        page.click("summary:has-text('Trả lời ý kiến') >> nth=0")
        form = page.locator("details[open] form").first
        form.locator("textarea[name=text]").fill("Đã tiếp thu.")
        form.locator("select[name=version_id]").select_option(label="Tiếp thu ở phiên bản 2")
        form.locator("text=Lưu trả lời").click()
        # the answered comment is redrawn in place (HTMX): wait for it, not for a fixed time
        expect(page.locator("summary:has-text('Sửa câu trả lời')")).to_have_count(answered)
    assert doc.comments.filter(answered_in__number=2).count() == 2
    page.click("#btn-submit")
    page.wait_for_selector("text=Đã trình duyệt.")
    page.context.close()

    # three steps approve; the last one signs — from a phone, where the page must fit the screen
    for username in approvers:
        approver = browser_login(browser, base, username, **PHONE)
        approver.goto(url)
        width = approver.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, f"draft page wider than the phone screen: {width}"
        approver.click("#btn-approve")
        approver.wait_for_selector("text=Đã duyệt.")
        approver.context.close()

    # the clerk numbers and issues from the "to be issued" queue
    issuer = browser_login(browser, base, clerk)
    issuer.goto(f"{base}/van-ban-di/")
    issuer.click(f"#q-to-issue >> text={subject}")
    issuer.click("#btn-issue")
    issuer.wait_for_selector("text=Đã cấp số")
    doc.refresh_from_db()
    assert doc.status == "issued" and doc.issued_file is not None
    issuer.wait_for_selector("iframe.pdf-frame[src]")
    issuer.context.close()

    # the recipient's clerk finds it among the new incoming documents
    receiver = browser_login(browser, base, recipient_clerk)
    receiver.goto(f"{base}/van-ban-den/?q={doc.number_symbol}")
    receiver.click(f"text={doc.number_symbol} >> nth=0")
    receiver.wait_for_selector(f"text={subject}")
    receiver.context.close()
    text = page_text(open_blob(doc.issued_file.stored))
    assert doc.number_symbol in text and "tiếp thu góp ý" in text and "lần 1" not in text
    return doc


def test_three_documents_from_templates_to_recipients(
    browser: Any,
    live_server: Any,
    world: World,
) -> None:
    from orgs.models import Position

    ow = OutgoingWorld(world)
    world.org.place_name = "Sông Lam"
    world.org.save()
    ow.secretary.position = Position.objects.create(organization=world.org, name="Bí thư Tỉnh ủy", rank=1)
    ow.secretary.save()
    state = StateWorld(world)
    base = live_server.url
    party: dict[str, Any] = {
        "drafter": "chuyenvien",
        "signer": "Lê Văn Bí — Bí thư Tỉnh ủy",
        "capacity": "on_behalf",
        "recipient": "Đảng ủy xã Hưng Lộc",
        "approvers": ["truongphong", "lanhdao", "bithu"],
        "clerk": "vanthu",
        "recipient_clerk": "ngoai",
    }
    notice = _journey(browser, base, type_name="Thông báo", subject="Thông báo kết luận hội nghị", **party)
    assert notice.number_symbol == "01-TB/TU"
    letter = _journey(
        browser,
        base,
        type_name="Công văn",
        subject="Tổ chức hội nghị sơ kết chuyển đổi số",
        addressees="Các đảng ủy trực thuộc Tỉnh ủy",
        **party,
    )
    assert letter.number_symbol == "01-CV/TU"
    decision = _journey(
        browser,
        base,
        drafter="cv_ubnd",
        type_name="Quyết định",
        subject="Về việc ban hành Quy chế văn bản điện tử",
        signer="Mai Văn Phó — Phó Chủ tịch",
        capacity="deputy",
        recipient="Tỉnh ủy Sông Lam",
        approvers=["tp_ubnd", "cvp_ubnd", "pct_ubnd"],
        clerk="vt_ubnd",
        recipient_clerk="vanthu",
    )
    assert decision.number_symbol == "01/QĐ-UBND"
    assert state.org.outgoing_documents.get().pk == decision.pk
