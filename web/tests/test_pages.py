"""The Vietnamese screens render for each role, with query counts that do not grow with the data."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import World, make_pdf
from web.tests.helpers import login

pytestmark = pytest.mark.django_db


def test_login_page_and_wrong_password_message(world: World) -> None:
    client = Client()
    page = client.get("/dang-nhap/")
    assert page.status_code == 200 and "Đăng nhập" in page.content.decode()
    response = client.post("/dang-nhap/", {"username": "vanthu", "password": "sai"})
    assert "Sai tên đăng nhập hoặc mật khẩu." in response.content.decode()
    assert client.post("/dang-nhap/", {"username": "vanthu", "password": "Demo@2026"}).status_code == 302


def test_anonymous_is_sent_to_login(world: World) -> None:
    response = Client().get("/van-ban-den/")
    assert response.status_code == 302 and "/dang-nhap/" in response["Location"]


def test_pages_render_for_their_roles(world: World) -> None:
    doc = world.distributed()
    pages = {
        world.clerk: [
            "/",
            "/van-ban-den/",
            "/van-ban-den/vao-so/",
            f"/van-ban-den/{doc.pk}/",
            "/qua-han/",
            "/so/",
        ],
        world.specialist: ["/", f"/van-ban-den/{doc.pk}/", "/thong-bao/"],
        world.leader: ["/", "/qua-han/", f"/van-ban-den/{doc.pk}/"],
    }
    for user, urls in pages.items():
        client = login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (user, url)
            assert 'lang="vi"' in response.content.decode()


def test_hidden_document_is_404(world: World) -> None:
    doc = world.register()
    assert login(world.specialist).get(f"/van-ban-den/{doc.pk}/").status_code == 404
    assert login(world.outsider).get(f"/van-ban-den/{doc.pk}/").status_code == 404


def test_registration_form_shows_vietnamese_errors_and_stores_nothing(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from incoming.models import IncomingDocument

    client = login(world.clerk)
    response = client.post(
        "/van-ban-den/vao-so/",
        {
            "issuer_name": "Ban Tổ chức Trung ương",
            "number_symbol": "",
            "issued_date": "32/01/2026",
            "doc_type": "BC",
            "subject": "x",
            "urgency": "normal",
            "secrecy": "none",
            "channel": "paper",
            "files": SimpleUploadedFile("gia.pdf", b"MZ fake", content_type="application/pdf"),
        },
    )
    html = response.content.decode()
    assert "Vui lòng nhập số, ký hiệu." in html and "Ngày không hợp lệ" in html
    assert IncomingDocument.objects.count() == 0
    response = client.post(
        "/van-ban-den/vao-so/",
        {
            "issuer_name": "Ban Tổ chức Trung ương",
            "number_symbol": "9-BC/BTCTW",
            "issued_date": "05/01/2026",
            "doc_type": "BC",
            "subject": "x",
            "urgency": "normal",
            "secrecy": "none",
            "channel": "paper",
            "files": SimpleUploadedFile("gia.pdf", b"MZ fake", content_type="application/pdf"),
        },
    )
    assert "không thuộc loại được chấp nhận" in response.content.decode()
    assert IncomingDocument.objects.count() == 0
    response = client.post(
        "/van-ban-den/vao-so/",
        {
            "issuer_name": "Ban Tổ chức Trung ương",
            "number_symbol": "9-BC/BTCTW",
            "issued_date": "05/01/2026",
            "doc_type": "BC",
            "subject": "Báo cáo",
            "urgency": "flash",
            "secrecy": "none",
            "channel": "paper",
            "files": SimpleUploadedFile("that.pdf", make_pdf("ok"), content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    assert IncomingDocument.objects.get().urgency == "flash"


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "who,url",
    [
        ("specialist", "/"),
        ("clerk", "/van-ban-den/"),
        ("leader", "/qua-han/"),
        ("clerk", "/van-ban-den/?q=bao cao"),
        ("clerk", "/"),
    ],
)
def test_query_count_is_constant_in_the_number_of_documents(world: World, who: str, url: str) -> None:
    from datetime import date, timedelta

    from incoming.models import IncomingDocument

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            doc = world.distributed(number_symbol=f"{i}-BC/BTCTW", pdf=make_pdf(f"q{i}"))
            IncomingDocument.objects.filter(pk=doc.pk).update(due_date=date.today() - timedelta(days=1))

    add(2, 0)
    client = login(getattr(world, who))
    client.get(url)  # warm the short-lived caches (near-due limit)
    small = _queries(client, url)
    add(8, 10)
    assert _queries(client, url) == small


def test_not_found_page_is_vietnamese(world: World, settings: Any) -> None:
    settings.DEBUG = False
    response = login(world.clerk).get("/khong-co-trang-nay/")
    assert response.status_code == 404 and "Không tìm thấy trang" in response.content.decode()


def test_no_page_loads_anything_from_outside(world: World) -> None:
    """Closed networks: every script, style and image comes from this server."""
    import re

    doc = world.distributed()
    client = login(world.clerk)
    for url in [
        "/dang-nhap/",
        "/",
        "/van-ban-den/",
        "/van-ban-den/vao-so/",
        f"/van-ban-den/{doc.pk}/",
        "/api/v1/docs",
    ]:
        html = client.get(url).content.decode()
        external = re.findall(r'(?:src|href)=["\'](?:https?:)?//[^"\']+', html)
        assert not external, (url, external)
    assert "/static/ninja/swagger-ui-bundle" in client.get("/api/v1/docs").content.decode()
