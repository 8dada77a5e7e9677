"""An ASGI guard in front of Django for ``POST /exchange/v1/messages``: a body larger than
``EXCHANGE_MAX_MESSAGE_BYTES`` is refused (413, a Vietnamese JSON error) before Django reads or spools
it — at once when the declared Content-Length is over the limit, and as soon as the streamed bytes pass
it otherwise (Django is then told the client went away, so it stops reading and answers nothing). The
rest of a body up to twice the limit is read and discarded before the answer, so that the sender sees the
413 (a refusal, final) rather than a broken connection (which it would retry)."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from django.conf import settings

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[..., Awaitable[None]]

PATH = "/exchange/v1/messages"
TOO_LARGE = {"code": "message_too_large", "message": "Gói tin vượt quá dung lượng cho phép."}


class MessageSizeLimit:
    """Wraps the ASGI application; only POSTs to the exchange endpoint are looked at."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST" or scope.get("path") != PATH:
            await self.app(scope, receive, send)
            return
        limit = settings.EXCHANGE_MAX_MESSAGE_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            if declared <= 2 * limit:
                await _discard(receive, 2 * limit)
            await _refuse(send)
            return
        seen = 0
        over = False

        async def bounded() -> Message:
            nonlocal seen, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True  # Django sees the client gone: it drops what it read and answers nothing
                    return {"type": "http.disconnect"}
            return message

        await self.app(scope, bounded, send)
        if over:
            await _discard(receive, 2 * limit - seen)
            await _refuse(send)


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
