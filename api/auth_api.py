from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from ninja import Router, Schema

from core import audit, ratelimit, tokens
from core.errors import NotAuthenticated
from core.middleware import client_ip
from orgs.models import User
from orgs.selectors import effective_roles

router = Router(tags=["Xác thực"])


class TokenIn(Schema):
    username: str
    password: str
    otp: str | None = None


class TokenOut(Schema):
    token: str
    expires_at: str


@router.post("/auth/token", auth=None, response=TokenOut)
def obtain_token(request: HttpRequest, payload: TokenIn) -> dict[str, str]:
    ip = client_ip(request)
    ratelimit.check(payload.username, ip)
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        ratelimit.failed(payload.username, ip)
        audit.record(
            actor=None, action="auth.login_failed", data={"username": payload.username[:150], "via": "api"}
        )
        raise NotAuthenticated("Sai tên đăng nhập hoặc mật khẩu.", code="bad_credentials")
    ratelimit.succeeded(payload.username, ip)
    key, expires = tokens.issue(user)
    audit.record(actor=user, action="auth.login", data={"via": "api"})
    return {"token": key, "expires_at": expires.astimezone().isoformat()}


def person_ref(user: User | None) -> dict[str, object] | None:
    if user is None:
        return None
    return {"id": user.pk, "username": user.username, "full_name": user.display_name}


@router.get("/me")
def me(request: HttpRequest) -> dict[str, object]:
    user: User = request.user  # type: ignore[assignment]
    return {
        "id": user.pk,
        "username": user.username,
        "full_name": user.display_name,
        "organization": {"id": user.organization_id, "name": str(user.organization)}
        if user.organization
        else None,
        "unit": {"id": user.unit_id, "name": str(user.unit)} if user.unit else None,
        "position": str(user.position) if user.position else None,
        "clearance": user.clearance,
        "roles": sorted({role for role, _ in effective_roles(user)}),
    }
