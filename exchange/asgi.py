"""The ASGI front of ``POST /exchange/v1/messages``, in front of Django.

Size: a body larger than ``EXCHANGE_MAX_MESSAGE_BYTES`` is refused (413, a Vietnamese JSON error) before
anything spools it — at once when the declared Content-Length is over the limit, and as soon as the
streamed bytes pass it otherwise. The rest of a body up to twice the limit is read and discarded before
the answer, so that the sender sees the 413 (a refusal, final) rather than a broken connection (which it
would retry).

Served here: a message within the limit is read and answered by ``views.answer_message`` without going
through Django's request handling. That handling cost the hub more than the message's own parsing per
package: Django's ASGI handler gives every request a thread of its own for sync code (a new thread
started and joined per request, the event loop waiting on both) and runs the middleware chain (sessions,
locale, authentication, CSRF — nothing this endpoint uses: a message is authenticated by its signature).
What Django's handling does that matters here is kept: a Host outside ``ALLOWED_HOSTS`` and a plain-HTTP
request where HTTPS is required (``SECURE_SSL_REDIRECT``) are left to Django, which refuses or redirects
them as for any other URL; the client's address is set for the audit log; the answer carries the
security headers the middleware would add. Under WSGI or the test client the Django view
(``views.messages``) answers instead, with the same ``answer_message``."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.core.serializers.json import DjangoJSONEncoder

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[..., Awaitable[None]]

PATH = "/exchange/v1/messages"
TOO_LARGE = {"code": "message_too_large", "message": "Gói tin vượt quá dung lượng cho phép."}
SERVER_ERROR = {
    "code": "server_error",
    "message": "Nơi nhận gặp lỗi khi xử lý gói tin; gói tin sẽ được gửi lại sau.",
}
log = logging.getLogger(__name__)


class ExchangeFront:
    """Wraps the ASGI application; only POSTs to the exchange endpoint are looked at."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope.get("type") != "http"
            or scope.get("method") != "POST"
            or scope.get("path") != PATH
            or not _ours(scope)
        ):
            await self.app(scope, receive, send)
            return
        limit = settings.EXCHANGE_MAX_MESSAGE_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            if declared <= 2 * limit:
                await _discard(receive, 2 * limit)
            await _refuse(send)
            return
        # the chunks joined once at the end: a growing bytearray copied a 1.4 MB body ~9 times over
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the sender went away before the end: nothing was stored, nothing to answer
            chunk = message.get("body", b"")
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                await _discard(receive, 2 * limit - size)
                await _refuse(send)
                return
            if not message.get("more_body", False):
                break
        await _serve(scope, chunks[0] if len(chunks) == 1 else b"".join(chunks), send)


def _ours(scope: Scope) -> bool:
    """Served here, or left to Django: a Host it would refuse (``ALLOWED_HOSTS``: 400) and a plain-HTTP
    request it would redirect to HTTPS (``SECURE_SSL_REDIRECT``) get Django's own answer — decided by
    Django's own request (its Host and proxy-header rules), built without the body."""
    request = ASGIRequest(scope, io.BytesIO())
    try:
        request.get_host()
    except DisallowedHost:
        return False
    if not settings.SECURE_SSL_REDIRECT or request.is_secure():
        return True
    exempt = [re.compile(pattern) for pattern in settings.SECURE_REDIRECT_EXEMPT]
    return any(pattern.search(request.path.lstrip("/")) for pattern in exempt)


async def _serve(scope: Scope, data: bytes, send: Send) -> None:
    from core.middleware import current_ip
    from exchange.views import answer_message

    client = scope.get("client")
    token = current_ip.set(client[0] if client else None)  # the audit log's address, as the middleware
    try:
        status, payload, headers = await answer_message(data)
    except Exception:  # a fault of ours: the sender is told in words (and retries), not with a bare 500
        log.exception("exchange message could not be handled")
        status, payload, headers = 500, SERVER_ERROR, {}
    finally:
        current_ip.reset(token)
    body = json.dumps(payload, cls=DjangoJSONEncoder).encode()
    extra = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *_security_headers(),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _security_headers() -> list[tuple[bytes, bytes]]:
    """What the security and clickjacking middleware add to an answer (settings.py)."""
    headers = []
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        headers.append((b"x-content-type-options", b"nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        headers.append((b"referrer-policy", str(settings.SECURE_REFERRER_POLICY).encode()))
    headers.append((b"x-frame-options", str(settings.X_FRAME_OPTIONS).encode()))
    return headers


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _discard(receive: Receive, budget: int) -> None:
    """Read the rest of a refused body and throw it away (nothing kept), up to ``budget`` bytes: a sender
    writing its whole body before it reads the answer (urllib does) then gets the 413, not a broken pipe
    it would take for a network fault and retry. A body larger still is cut off (our dispatcher reads the
    413 all the same: ``dispatch._Connection``)."""
    while budget > 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _refuse(send: Send) -> None:
    body = json.dumps(TOO_LARGE, ensure_ascii=False).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
