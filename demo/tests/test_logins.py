"""``demo_logins`` works on a database without demo data."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from demo.orgdata import DEMO_LOGINS, DEMO_PASSWORD


@pytest.mark.django_db
def test_demo_logins_prints_the_accounts_without_data() -> None:
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert "http://127.0.0.1:" in text and DEMO_PASSWORD in text
    for username in (u for u, _, _ in DEMO_LOGINS):
        assert username in text
    assert "seed_demo" in text  # tells how to create them
