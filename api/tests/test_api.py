"""Auth, who-am-I, directories, lists, health and the OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from api.tests.helpers import authed, token
from conftest import World

pytestmark = pytest.mark.django_db


def test_token_then_me(world: World) -> None:
    client = Client()
    response = token(client, "vanthu")
    assert response.status_code == 200
    body = response.json()
    assert body["token"] and "+07:00" in body["expires_at"]
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}").json()
    assert me["username"] == "vanthu" and me["roles"] == ["clerk"]
    assert me["organization"]["name"] == "Tỉnh ủy Sông Lam"


def test_bad_credentials_401_then_429(world: World, settings: Any) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        response = token(client, "vanthu", "sai")
        assert response.status_code == 401
        assert response.json()["message"] == "Sai tên đăng nhập hoặc mật khẩu."
    assert token(client, "vanthu", "sai").status_code == 429
    assert token(client, "vanthu").status_code == 429  # locked even with the right password
    assert token(client, "lanhdao").status_code == 200  # others are not locked out


def test_every_endpoint_needs_a_token(world: World) -> None:
    client = Client()
    for url in [
        "/api/v1/me",
        "/api/v1/organizations",
        "/api/v1/incoming",
        "/api/v1/registers",
        "/api/v1/people",
    ]:
        assert client.get(url).status_code == 401
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401


def test_directories_and_search_without_diacritics(world: World) -> None:
    client = Client()
    client = authed(client, "vanthu")
    orgs = client.get("/api/v1/organizations?q=to chuc trung uong").json()
    assert [o["name"] for o in orgs] == ["Ban Tổ chức Trung ương"]
    units = client.get(f"/api/v1/units?organization_id={world.org.pk}").json()
    assert [u["name"] for u in units] == ["Phòng Tài chính", "Phòng Tổng hợp", "Văn phòng Tỉnh ủy"]
    people = client.get("/api/v1/people?q=chuyen").json()
    assert sorted(p["username"] for p in people) == ["chuyenvien", "chuyenvien2"]


def test_list_pagination_and_filters(world: World) -> None:
    from conftest import make_pdf

    for n in range(5):
        world.register(
            number_symbol=f"{n + 1}-TB/BTCTW", pdf=make_pdf(str(n)), urgency="urgent" if n == 3 else "normal"
        )
    client = Client()
    client = authed(client, "vanthu")
    page = client.get("/api/v1/incoming?page=2&page_size=2").json()
    assert page["total"] == 5 and page["page"] == 2 and len(page["items"]) == 2
    first = client.get("/api/v1/incoming?page_size=1").json()["items"][0]
    assert first["number_symbol"] == "4-TB/BTCTW"  # urgent on top
    found = client.get("/api/v1/incoming?number_symbol=so 2-tb").json()
    assert [i["number_symbol"] for i in found["items"]] == ["2-TB/BTCTW"]
    assert client.get("/api/v1/incoming?from=2026-13-01").status_code == 400


def test_health_and_openapi() -> None:
    client = Client()
    health = client.get("/api/v1/health").json()
    assert health["status"] == "ok" and health["database"] == "ok" and health["version"]
    schema = client.get("/api/v1/openapi.json").json()
    for path in [
        "/api/v1/incoming",
        "/api/v1/incoming/{pk}/assign",
        "/api/v1/files/{pk}/content",
        "/api/v1/registers",
        "/api/v1/audit/verify",
        "/api/v1/auth/token",
    ]:
        assert path in schema["paths"], path


def test_registers_list(world: World) -> None:
    world.register()
    client = Client()
    client = authed(client, "vanthu")
    registers = client.get("/api/v1/registers").json()
    normal = next(r for r in registers if not r["for_secret"] and r["organization_id"] == world.org.pk)
    assert normal["kind"] == "incoming" and normal["last_number"] == 1 and normal["period"] == "year"
    assert authed(Client(), "chuyenvien").get("/api/v1/registers").json() == []
