"""GET /api/v1/search and the search page: only what the caller may see; saved searches."""

from __future__ import annotations

import pytest
from django.test import Client

from api.tests.helpers import client_for
from conftest import World
from core import worker
from search.models import SavedSearch
from search.tests.helpers import register

pytestmark = pytest.mark.django_db


def _docs(world: World) -> tuple[int, int]:
    public = register(world, subject="Kế hoạch phòng chống thiên tai tỉnh Đắk Nông", number_symbol="12-KH/TU")
    secret = register(
        world, subject="Kế hoạch bí mật Đắk Nông", number_symbol="13-KH/TU", secrecy="secret", text="mật mã X"
    )
    worker.run_pending()
    return public.pk, secret.pk


def test_api_search_answers_per_the_contract_and_hides_what_the_caller_may_not_see(world: World) -> None:
    public, secret = _docs(world)
    body = client_for(world.leader).get("/api/v1/search", {"q": "dak nong"}).json()
    assert {i["id"] for i in body["items"]} == {public, secret} and body["total"] == 2
    item = next(i for i in body["items"] if i["id"] == public)
    assert set(item) >= {"id", "kind", "number_symbol", "subject", "issuer", "date", "snippet"}
    assert item["kind"] == "incoming" and item["number_symbol"] == "12-KH/TU"
    assert item["date"] and "<mark>Đắk</mark> <mark>Nông</mark>" in item["snippet"]
    assert isinstance(body["took_ms"], float | int)
    # without clearance: the secret one is absent from items and total
    body = client_for(world.lowclear).get("/api/v1/search", {"q": "dak nong"}).json()
    assert [i["id"] for i in body["items"]] == [public] and body["total"] == 1
    assert client_for(world.lowclear).get("/api/v1/search", {"q": "13-KH/TU"}).json()["total"] == 0
    # another organisation: nothing; no token: 401
    assert client_for(world.outsider).get("/api/v1/search", {"q": "dak nong"}).json()["total"] == 0
    assert Client().get("/api/v1/search", {"q": "dak nong"}).status_code == 401


def test_api_search_filters_and_bad_input(world: World) -> None:
    public, _ = _docs(world)
    api = client_for(world.leader)
    body = api.get(
        "/api/v1/search", {"q": "dak nong", "kind": "incoming", "from": "2020-01-01", "doc_type": "BC"}
    )
    assert body.status_code == 200 and body.json()["total"] == 2
    assert api.get("/api/v1/search", {"q": "dak nong", "kind": "outgoing"}).json()["total"] == 0
    assert api.get("/api/v1/search", {"q": "12-KH/TU"}).json()["items"][0]["id"] == public
    assert api.get("/api/v1/search", {"q": "x", "kind": "nope"}).json()["code"] == "invalid_input"
    assert api.get("/api/v1/search", {"q": "x", "from": "31/12/2026"}).status_code == 400
    # the date filter also as ``from_`` (how the parameter is declared, "from" being a Python keyword)
    assert api.get("/api/v1/search", {"q": "dak nong", "from_": "2999-01-01"}).json()["total"] == 0
    assert api.get("/api/v1/search", {"q": "dak nong", "from_": "2020-01-01"}).json()["total"] == 2


def test_search_page_shows_highlighted_results_and_keeps_secrets(world: World, client: Client) -> None:
    public, secret = _docs(world)
    client.force_login(world.lowclear)
    html = client.get("/tim-kiem/", {"q": "Dak Nong"}).content.decode()
    assert f'href="/van-ban-den/{public}/"' in html and f'href="/van-ban-den/{secret}/"' not in html
    assert "<mark>Đắk</mark> <mark>Nông</mark>" in html and "1 kết quả" in html
    assert "mật mã" not in html and "bí mật" not in html
    # the top navigation carries the box on every page
    assert 'action="/tim-kiem/"' in client.get("/").content.decode()
    # filters in dd/mm/yyyy; a bad date is reported and ignored
    html = client.get("/tim-kiem/", {"q": "dak nong", "from": "01/01/2020"}).content.decode()
    assert "1 kết quả" in html
    html = client.get("/tim-kiem/", {"q": "dak nong", "from": "2020-13-45x"}).content.decode()
    assert "Từ ngày không hợp lệ" in html


def test_saved_searches_belong_to_their_owner(world: World, client: Client) -> None:
    _docs(world)
    client.force_login(world.leader)
    response = client.post("/tim-kiem/luu/", {"name": "Đắk Nông", "query": "q=dak+nong&page=3&evil=1"})
    assert response.status_code == 302
    saved = SavedSearch.objects.get(owner=world.leader)
    assert saved.query == "q=dak+nong"
    assert 'href="/tim-kiem/?q=dak+nong">Đắk Nông</a>' in client.get("/tim-kiem/").content.decode()
    # another user can neither see nor delete it
    other = Client()
    other.force_login(world.clerk)
    assert "Đắk Nông</a>" not in other.get("/tim-kiem/").content.decode()
    other.post(f"/tim-kiem/da-luu/{saved.pk}/xoa/")
    assert SavedSearch.objects.filter(pk=saved.pk).exists()
    client.post(f"/tim-kiem/da-luu/{saved.pk}/xoa/")
    assert not SavedSearch.objects.exists()
