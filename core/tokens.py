"""API bearer tokens: random, stored hashed, with an expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from core.models import ApiToken


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue(user: Any) -> tuple[str, datetime]:
    key = secrets.token_urlsafe(32)
    expires = timezone.now() + timedelta(hours=settings.API_TOKEN_HOURS)
    ApiToken.objects.create(user=user, key_hash=_hash(key), expires_at=expires)
    return key, expires


def user_for(key: str) -> Any | None:
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    return token.user
