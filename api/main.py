"""The versioned REST API (/api/v1): auth, errors and the assembly of each domain's routers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from core import tokens
from core.errors import ApplicationError


class BearerAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = tokens.user_for(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="dieuhanh API",
    version="1",
    description=(
        "API của hệ thông tin điều hành tác nghiệp dieuhanh. Thông báo lỗi bằng tiếng Việt, mã lỗi ổn định."
    ),
    auth=BearerAuth(),
    urls_namespace="api",
)


def error(request: HttpRequest, status: int, code: str, message: str, details: Any = None) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(ApplicationError)
def on_application_error(request: HttpRequest, exc: ApplicationError) -> HttpResponse:
    return error(request, exc.status, exc.code, exc.message, exc.details)


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error(request, 401, "not_authenticated", "Bạn cần đăng nhập (thiếu hoặc sai mã truy cập).")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields = {
        ".".join(str(p) for p in e.get("loc", [])[1:]) or "body": "Giá trị không hợp lệ." for e in exc.errors
    }
    return error(request, 400, "invalid_input", "Dữ liệu gửi lên không hợp lệ.", fields)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error(request, exc.status_code, "http_error", str(exc))


from api import (  # noqa: E402  (routers register themselves on ``api``)
    archive_api,
    auth_api,
    copies_api,
    exchange_api,
    incoming_api,
    intake_api,
    orgs_api,
    outgoing_api,
    remote_signing_api,
    search_api,
    signing_api,
    system_api,
    token_signing_api,
)

api.add_router("", auth_api.router)
api.add_router("", orgs_api.router)
api.add_router("", incoming_api.router)
api.add_router("", outgoing_api.router)
api.add_router("", signing_api.router)
api.add_router("", remote_signing_api.router)
api.add_router("", token_signing_api.router)
api.add_router("", copies_api.router)
api.add_router("", archive_api.router)
api.add_router("", search_api.router)
api.add_router("", intake_api.router)
api.add_router("", exchange_api.router)
api.add_router("", system_api.router)
