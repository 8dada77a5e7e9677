"""Web test helpers: a logged-in test client; in Chromium, a page logged in through the login form."""

from __future__ import annotations

from typing import Any

from django.test import Client

# a phone in the browser tests (leaders approve and sign from their phones)
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def browser_login(browser: Any, base: str, username: str, **context: Any) -> Any:
    page = browser.new_context(locale="vi-VN", **context).new_page()
    page.goto(f"{base}/dang-nhap/")
    page.fill("#id_username", username)
    page.fill("#id_password", "Demo@2026")
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page
