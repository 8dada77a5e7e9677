"""Login throttling shared by the web login and the API token endpoint."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache

from core.errors import TooManyAttempts


def _key(username: str, ip: str | None) -> str:
    return f"login-fail:{username.lower()}:{ip or '-'}"


def check(username: str, ip: str | None) -> None:
    if (cache.get(_key(username, ip)) or 0) >= settings.LOGIN_MAX_FAILURES:
        raise TooManyAttempts()


def failed(username: str, ip: str | None) -> None:
    key = _key(username, ip)
    cache.add(key, 0, settings.LOGIN_LOCKOUT_SECONDS)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, settings.LOGIN_LOCKOUT_SECONDS)


def succeeded(username: str, ip: str | None) -> None:
    cache.delete(_key(username, ip))
