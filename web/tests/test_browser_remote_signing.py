"""Remote signing in Debian's Chromium: the drafter at a desk sends the request, the signer, away from the
office, confirms it on a phone with the code of the authenticator app; the drafter's page updates."""

from __future__ import annotations

from typing import Any

import pytest

from outgoing.tests.conftest import ow, signed  # noqa: F401 - fixtures
from outgoing.tests.signing_world import Signed
from signing import remote
from signing.tests.conftest import (  # noqa: F401 - fixtures shared with the signing tests
    P12_PASSWORD,
    _signing_settings,
    font_dir,
    pki,
    trusted,
)
from signing.tests.helpers import app_code, artifact_dir
from web.tests.helpers import PHONE, browser_login

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.xdist_group("browser"),
]


def test_sign_from_a_phone_with_the_authenticator_code(
    browser: Any,
    live_server: Any,
    signed: Signed,  # noqa: F811
) -> None:
    base = live_server.url
    world = signed.ow
    doc = signed.at_signer_step()
    # the signer has enrolled the phone's app and entrusted the certificate (page tested elsewhere)
    device = remote.start_enrolment(world.secretary)
    remote.confirm_enrolment(world.secretary, app_code(device))
    remote.enable(actor=world.secretary, certificate=signed.person, secret=P12_PASSWORD)

    # the drafter, at a desk, sends the request from the document page
    desk = browser_login(browser, base, "chuyenvien")
    desk.goto(f"{base}/van-ban-di/{doc.pk}/")
    desk.click("#btn-remote-send")
    desk.wait_for_selector("#remote-waiting")

    # the signer, on the phone, finds it on "Việc của tôi" and opens it
    phone = browser_login(browser, base, "bithu", **PHONE)
    phone.click("#q-remote-sign a")
    phone.wait_for_selector("#remote-code")
    assert "Kết luận của Ban Thường vụ Tỉnh ủy" in phone.inner_text("#remote-title")
    phone.screenshot(path=str(artifact_dir("remote-signing") / "phone-confirm.png"), full_page=True)
    phone.fill("#remote-code", app_code(device, offset=1))
    phone.click("#btn-remote-confirm")
    phone.wait_for_selector("text=Đã ký số văn bản")
    assert phone.url == f"{base}/van-ban-di/{doc.pk}/"
    phone.screenshot(path=str(artifact_dir("remote-signing") / "phone-after-signing.png"), full_page=True)

    # the drafter's page, polling, reloads and shows the signature
    desk.wait_for_selector("#signatures >> text=Đã ký số bởi Lê Văn Bí", timeout=15000)
    assert desk.inner_text("#doc-status") == "Đã duyệt, chờ phát hành"
    doc.refresh_from_db()
    assert doc.status == "approved" and doc.signed_file_id is not None
    desk.context.close()
    phone.context.close()
