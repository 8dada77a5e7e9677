"""Register printing through the API and the web page: one book per year, audited, for keepers only."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from conftest import World, make_pdf
from core import tokens
from core.models import AuditEvent
from documents.models import Register

pytestmark = pytest.mark.django_db


def api(user: object) -> Client:
    key, _ = tokens.issue(user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def test_export_pdf_and_xlsx_of_one_year(world: World) -> None:
    world.register(number_symbol="1-BC/BTCTW", arrival=date(2025, 12, 30), pdf=make_pdf("a"))
    world.register(number_symbol="2-BC/BTCTW", arrival=date(2026, 1, 5), pdf=make_pdf("b"))
    register = Register.objects.get(organization=world.org, for_secret=False)
    client = api(world.clerk)
    pdf = client.get(f"/api/v1/registers/{register.pk}/export?format=pdf&from=2026-01-01&to=2026-12-31")
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    xlsx = client.get(f"/api/v1/registers/{register.pk}/export?format=xlsx&kind=followup&from=2025-12-01")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "1-BC/BTCTW" in " ".join(values) and "2-BC/BTCTW" not in " ".join(values)  # only 2025's book
    events = AuditEvent.objects.filter(action="register.export")
    assert [e.data["year"] for e in events] == [2026, 2025]


def test_a_book_cannot_mix_years(world: World) -> None:
    register = Register.objects.get(organization=world.org, for_secret=False)
    response = api(world.clerk).get(f"/api/v1/registers/{register.pk}/export?from=2025-12-01&to=2026-01-31")
    assert response.status_code == 400 and "cùng năm" in response.json()["message"]


def test_only_keepers_of_the_register_may_print(world: World) -> None:
    register = Register.objects.get(organization=world.org, for_secret=False)
    assert api(world.specialist).get(f"/api/v1/registers/{register.pk}/export").status_code == 404
    assert api(world.outsider).get(f"/api/v1/registers/{register.pk}/export").status_code == 404
    web = Client()
    web.force_login(world.clerk)
    response = web.get(f"/so/{register.pk}/in/?format=xlsx&from=01/01/2026&to=31/12/2026")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    bad = web.get(f"/so/{register.pk}/in/?format=pdf&from=32/13/2026", follow=True)
    assert "Từ ngày không hợp lệ" in bad.content.decode()
