"""API test helpers: a token for a demo user, clients that carry one."""

from __future__ import annotations

from typing import Any

from django.test import Client

from core import tokens


def token(client: Client, username: str, password: str = "Demo@2026") -> Any:
    return client.post(
        "/api/v1/auth/token",
        data={"username": username, "password": password},
        content_type="application/json",
    )


def authed(client: Client, username: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token(client, username).json()['token']}")


def client_for(user: Any) -> Client:
    if user is None:
        return Client()
    key, _ = tokens.issue(user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")
