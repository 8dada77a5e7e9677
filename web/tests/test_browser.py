"""The clerk → leader → unit head → specialist journey in Debian's Chromium, as people would click it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from conftest import World, make_pdf
from web.tests.helpers import browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def test_clerk_leader_head_specialist_journey(
    browser: Any, live_server: Any, world: World, tmp_path: Any
) -> None:
    base = live_server.url
    pdf = tmp_path / "cong-van-12.pdf"
    pdf.write_bytes(make_pdf("Cong van 12"))

    # the clerk registers a document with the keyboard-friendly form and presents it
    clerk = browser_login(browser, base, "vanthu")
    clerk.click("text=Vào sổ văn bản đến >> nth=0")
    clerk.set_input_files("input[name=files]", str(pdf))
    clerk.fill("#id_issuer_name", "Ban Tổ chức Trung ương")
    clerk.fill("#id_number_symbol", "12-CV/BTCTW")
    clerk.fill("#id_issued_date", "05/01/2026")
    clerk.select_option("#id_doc_type", "CV")
    clerk.fill("#id_subject", "Về việc báo cáo công tác tổ chức xây dựng Đảng năm 2026")
    clerk.select_option("#id_urgency", "urgent")
    clerk.click("text=Vào sổ (Alt+S)")
    clerk.wait_for_selector("text=Đã vào sổ: số đến 1")
    clerk.wait_for_selector("iframe.pdf-frame[src]")  # desktops use the browser's own viewer
    clerk.click("#btn-submit")
    clerk.wait_for_selector("text=Đã trình văn bản cho lãnh đạo.")
    assert clerk.inner_text("#doc-status") == "Chờ phân phối"

    # the leader distributes it to Phòng Tổng hợp with a deadline, from a phone (the list is stacked there)
    leader = browser_login(browser, base, "lanhdao", viewport={"width": 390, "height": 844}, is_mobile=True)
    width = leader.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"queue wider than the phone screen: {width}"
    leader.click("#q-to_distribute .list-group >> text=12-CV/BTCTW")
    leader.wait_for_selector(".pdf-pages canvas")  # the PDF drawn by pdf.js: phones cannot frame a PDF
    leader.select_option("select[name=target_0]", label="Phòng Tổng hợp")
    deadline = timezone.localdate() + timedelta(days=30)  # ahead of today's arrival, whatever the day
    leader.fill("input[name=deadline_0]", deadline.strftime("%d/%m/%Y"))
    leader.fill("textarea[name=instruction]", "Giao Phòng Tổng hợp chủ trì tham mưu trả lời.")
    leader.click("#btn-assign")
    leader.wait_for_selector("text=Đã phân phối văn bản.")
    width = leader.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"page wider than the phone screen: {width}"

    # the unit head passes it to the specialist
    head = browser_login(browser, base, "truongphong")
    head.click("#q-to_forward table >> text=12-CV/BTCTW")
    head.select_option("#forward-lead", label="Phạm Thị Chuyên")
    head.click("#btn-forward")
    head.wait_for_selector("text=Đã chuyển văn bản cho chuyên viên.")

    # the specialist completes it with a reply
    specialist = browser_login(browser, base, "chuyenvien")
    specialist.click("#q-to_process table >> text=12-CV/BTCTW")
    specialist.fill("input[name=reply_number_symbol]", "25-CV/TU")
    specialist.fill("form[action$='/complete/'] textarea[name=note]", "Đã có Công văn 25-CV/TU trả lời.")
    specialist.click("#btn-complete")
    specialist.wait_for_selector("text=Đã hoàn thành xử lý văn bản.")
    assert specialist.inner_text("#doc-status") == "Đã hoàn thành"
    timeline = specialist.inner_text("#timeline")
    for step in ["Vào sổ", "Trình lãnh đạo", "Phân phối", "Chuyển chuyên viên", "Hoàn thành"]:
        assert step in timeline
