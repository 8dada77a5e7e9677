"""The Vietnamese screens render for each role, with query counts that do not grow with the data."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

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
    from datetime import timedelta

    from incoming.models import IncomingDocument

    def add(n: int, start: int) -> None:
        for i in range(start, start + n):
            doc = world.distributed(number_symbol=f"{i}-BC/BTCTW", pdf=make_pdf(f"q{i}"))
            IncomingDocument.objects.filter(pk=doc.pk).update(
                due_date=timezone.localdate() - timedelta(days=1)
            )

    add(2, 0)
    client = login(getattr(world, who))
    client.get(url)  # warm the short-lived caches (near-due limit)
    small = _queries(client, url)
    add(8, 10)
    assert _queries(client, url) == small


def _late(world: World, n: int, start: int, **kwargs: Any) -> list[Any]:
    """``n`` distributed documents, overdue by ``1..n`` days (the first one the least)."""
    from datetime import timedelta

    from incoming.models import IncomingDocument

    docs = []
    for i in range(start, start + n):
        doc = world.distributed(number_symbol=f"{i}-BC/BTCTW", pdf=make_pdf(f"late{i}"), **kwargs)
        IncomingDocument.objects.filter(pk=doc.pk).update(
            due_date=timezone.localdate() - timedelta(days=i - start + 1)
        )
        docs.append(doc)
    return docs


@pytest.mark.parametrize(
    "url",
    [
        "/qua-han/?page=2",
        "/qua-han/?state=overdue&page=3",
        "/qua-han/?state=near_due",
        "/qua-han/?unit={unit}&page=2",
        "/qua-han/?state=overdue&person={specialist}&page=2",
    ],
)
def test_overdue_board_query_count_is_constant_with_filters_and_pages(
    world: World, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Paging and filtering the board cost the same number of queries with 3 or 9 documents on it."""
    from incoming import selectors

    monkeypatch.setattr(selectors, "BOARD_PAGE_SIZE", 2)
    url = url.format(unit=world.unit.pk, specialist=world.specialist.pk)
    _late(world, 3, 0)
    client = login(world.leader)
    client.get(url)  # warm the short-lived caches (near-due limit)
    small = _queries(client, url)
    _late(world, 6, 10)
    assert _queries(client, url) == small


def test_overdue_board_ignores_bad_filters(world: World) -> None:
    """Unknown filter values are no filter; a page past the end shows the last one."""
    late = _late(world, 1, 0)[0]
    client = login(world.leader)
    for url in (
        "/qua-han/?unit=abc&person=%C2%B2&state=bogus&page=999",
        "/qua-han/?unit=99999999999999999999999",
    ):
        response = client.get(url)
        assert response.status_code == 200 and _row_ids(response.content.decode()) == [late.pk], url
    html = client.get("/qua-han/?unit=424242").content.decode()
    assert _row_ids(html) == [] and "Đơn vị đã chọn (không có văn bản)" in html


def _pages(client: Client, url: str) -> list[str]:
    """The HTML of every page of the board at ``url`` (which has a query string)."""
    import re

    first = client.get(url).content.decode()
    count = int(m.group(1)) if (m := re.search(r"Trang 1/(\d+)", first)) else 1
    return [first] + [client.get(f"{url}&page={n}").content.decode() for n in range(2, count + 1)]


def _row_ids(html: str) -> list[int]:
    """The documents of the page's table, in order (the phone list repeats them)."""
    import re

    table = html.split('<ul class="list-group d-md-none', 1)[0]
    return [int(pk) for pk in re.findall(r'<td><a href="/van-ban-den/(\d+)/">', table)]


def _figure(html: str, element_id: str) -> int:
    import re

    match = re.search(rf'id="{element_id}">(\d+)<', html)
    assert match, element_id
    return int(match.group(1))


def test_overdue_board_pages_and_figures_keep_the_visibility_rule(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows on every page and every figure count only what the user may see."""
    from datetime import date, timedelta

    from incoming import selectors
    from incoming.models import IncomingDocument
    from incoming.services import Registration, incoming_register, incoming_submit

    monkeypatch.setattr(selectors, "BOARD_PAGE_SIZE", 2)
    plain = _late(world, 3, 0)
    confidential = _late(world, 2, 10)
    # above lowclear's clearance (the support unit's head may not read it, so not through the services)
    IncomingDocument.objects.filter(pk__in=[d.pk for d in confidential]).update(secrecy="confidential")
    commune = incoming_register(
        actor=world.outsider,
        organization=world.other_org,
        data=Registration(
            issuer_name=world.issuer.name,
            number_symbol="30-BC/BTCTW",
            issued_date=date(2026, 1, 5),
            doc_type="BC",
            subject="Báo cáo của xã",
        ),
        uploads=[("xa.pdf", make_pdf("xa"))],
    ).document
    incoming_submit(actor=world.outsider, document=commune)
    IncomingDocument.objects.filter(pk=commune.pk).update(due_date=timezone.localdate() - timedelta(days=3))

    # most overdue first (plain ones 1-3 days late, confidential ones 1-2), the newest first on a tie
    leader_order = [plain[2].pk, confidential[1].pk, plain[1].pk, confidential[0].pk, plain[0].pk]
    cases = [
        (world.leader, leader_order, True),
        (world.lowclear, [d.pk for d in reversed(plain)], True),
        (world.outsider, [commune.pk], False),  # waiting for distribution: no unit, no person yet
    ]
    for user, expected, routed in cases:
        client = login(user)
        pages = _pages(client, "/qua-han/?")
        assert [pk for html in pages for pk in _row_ids(html)] == expected, user
        assert len(pages) == (len(expected) + 1) // 2
        assert (
            _figure(pages[0], "overdue-total") == len(expected) and _figure(pages[0], "near-due-total") == 0
        )
        for url in ("/qua-han/?state=overdue", f"/qua-han/?person={world.specialist.pk}"):
            listed = [pk for html in _pages(client, url) for pk in _row_ids(html)]
            assert listed == (expected if routed or "state" in url else []), (user, url)
        assert [pk for html in _pages(client, "/qua-han/?state=near_due") for pk in _row_ids(html)] == []

        board = selectors.overdue_board(user, person_id=world.specialist.pk)
        assert (board.overdue_total, board.near_due_total) == (len(expected), 0)
        if routed:
            assert board.by_unit == [selectors.BoardCount(world.unit.pk, "Phòng Tổng hợp", len(expected), 0)]
            assert board.by_person == [
                selectors.BoardCount(world.specialist.pk, "Phạm Thị Chuyên", len(expected), 0)
            ]
            assert board.counts.overdue == board.rows_total == len(expected) and board.unassigned is None
        else:
            assert board.by_unit == [] and board.by_person == [] and board.rows_total == 0
            assert board.unassigned == selectors.BoardCount(0, "Chờ phân phối", 1, 0)


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
