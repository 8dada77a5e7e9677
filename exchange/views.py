"""The machine endpoints other installations call (outside /api/v1: no session, no CSRF; a message is
authenticated by its own signature against the directory)."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from core.errors import ApplicationError

log = logging.getLogger(__name__)


def _read(request: HttpRequest) -> bytes:
    """The body, read from the stream (Django's 5 MB ``request.body`` limit is for forms; a package with
    its attachments is bounded by EXCHANGE_MAX_MESSAGE_BYTES instead)."""
    limit = settings.EXCHANGE_MAX_MESSAGE_BYTES
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > limit:
        raise _TooLarge()
    data = request.read(limit + 1)
    if len(data) > limit:
        raise _TooLarge()
    return data


class _Busy(ApplicationError):
    status = 503
    code = "busy"
    message = "Nơi nhận đang xử lý nhiều gói tin: gửi lại sau ít phút."


RETRY_AFTER_SECONDS = 10
_verifying: threading.BoundedSemaphore | None = None
_verifying_size = 0


def _slots() -> threading.BoundedSemaphore:
    """At most EXCHANGE_MAX_CONCURRENT_VERIFICATIONS messages parsed and verified at once in this process
    (each holds its XML tree and canonical copies in memory and a core busy)."""
    global _verifying, _verifying_size
    size = max(1, settings.EXCHANGE_MAX_CONCURRENT_VERIFICATIONS)
    if _verifying is None or _verifying_size != size:
        _verifying, _verifying_size = threading.BoundedSemaphore(size), size
    return _verifying


_waiters: collections.deque[asyncio.Future[None]] = collections.deque()


async def _wait_for(slots: threading.BoundedSemaphore) -> bool:
    """A slot, waiting up to EXCHANGE_VERIFICATION_WAIT_SECONDS on the event loop (no thread held): a
    burst from one dispatcher (8 at once) queues here instead of being refused and sent again after
    Retry-After, which cost the whole body's transfer and tens of seconds of latency. A waiter is woken
    the moment a slot is released (``_release``), not at its next poll (a 10 ms poll left a freed slot
    idle for up to 10 ms at every handover)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.EXCHANGE_VERIFICATION_WAIT_SECONDS
    while not slots.acquire(blocking=False):
        remaining = deadline - loop.time()
        if remaining <= 0:
            return False
        waiter = loop.create_future()
        _waiters.append(waiter)
        try:
            # woken by a release; the timeout is a safety net only (a release in another loop)
            await asyncio.wait_for(waiter, timeout=min(remaining, 0.25))
        except TimeoutError:
            pass
        finally:
            with contextlib.suppress(ValueError):
                _waiters.remove(waiter)
    return True


def _release(slots: threading.BoundedSemaphore) -> None:
    slots.release()
    _wake_next()


def _wake_next() -> None:
    while _waiters:
        waiter = _waiters.popleft()
        if not waiter.done():
            try:
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)
            except RuntimeError:  # its event loop is closed: nobody waits there any more
                continue
            return


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)
    else:  # gave up (its wait ran out) since it was picked: the next one gets the slot
        _wake_next()


class _TooLarge(ApplicationError):
    status = 413
    code = "message_too_large"
    message = "Gói tin vượt quá dung lượng cho phép."


Answer = tuple[int, dict[str, Any], dict[str, str]]  # status, JSON payload, extra headers


def _check(data: bytes) -> Any:
    """Parse and verify (within a verification slot): the checked message, or the refusal's answer."""
    from exchange import services

    try:
        return services.verify(data)
    except ApplicationError as exc:
        return _refused(data, exc)
    finally:
        close_old_connections()


def _record(checked: Any) -> Answer:
    """Store and act on a checked message (outside the slot: its waits are fsyncs and the database's
    lock, not the CPU); the receipt is answered once it is committed, its files synced."""
    from exchange import services

    try:
        receipt = services.record(checked)
    except ApplicationError as exc:
        return _refused(checked.data, exc)
    finally:
        close_old_connections()
    from exchange import faults

    faults.after_commit()
    return 200, receipt.as_dict(), {}


def _refused(data: bytes, exc: ApplicationError) -> Answer:
    log.info("exchange message refused: %s (%s)", exc.code, exc.message)
    _audit_refusal(data, exc)
    return exc.status, exc.as_dict(), {}


def _audit_refusal(data: bytes, exc: ApplicationError) -> None:
    import hashlib

    from core import audit

    audit.record(
        actor=None,
        action="exchange.refused",
        target_type="edxml",
        target_id=hashlib.sha256(data).hexdigest(),
        data={"code": exc.code, "message": exc.message, "bytes": len(data)},
    )


async def answer_message(data: bytes) -> Answer:
    """A message received whole (``data``, within the size limit): verified within a slot, then stored
    and acted on; the answer to send back. Served by the ASGI front (``exchange.asgi``) and by the view
    below (the test client, a WSGI server)."""
    slots = _slots()
    if not await _wait_for(slots):  # saturated for a while: the sender's dispatcher retries later
        return 503, _Busy().as_dict(), {"Retry-After": str(RETRY_AFTER_SECONDS)}
    try:
        # verification off the event loop, on a thread of its own (not Django's one shared thread for
        # sync code): several packages are verified at once, up to the slots
        checked = await sync_to_async(_check, thread_sensitive=False)(data)
    finally:
        _release(slots)
    if isinstance(checked, tuple):
        return checked
    # storage after the slot is given back: the next message is verified while this one's files sync
    return await sync_to_async(_record, thread_sensitive=False)(checked)


@csrf_exempt
@require_POST
async def messages(request: HttpRequest) -> JsonResponse:
    """POST /exchange/v1/messages: a package or a status message (application/xml). Under ASGI the
    front in ``exchange.asgi`` answers it before Django; this view serves the test client and WSGI."""
    try:
        data = _read(request)
    except ApplicationError as exc:
        return JsonResponse(exc.as_dict(), status=exc.status)
    status, payload, headers = await answer_message(data)
    response = JsonResponse(payload, status=status)
    for name, value in headers.items():
        response[name] = value
    return response


@require_GET
async def directory(request: HttpRequest) -> JsonResponse:
    """GET /exchange/v1/directory: the organisations this installation reaches, with their certificates
    (public data; pulled by the installations behind a hub over HTTPS)."""
    from exchange.directory import publish

    def read() -> dict[str, object]:
        try:
            return publish()
        finally:
            close_old_connections()

    return JsonResponse(await sync_to_async(read, thread_sensitive=False)())


@require_GET
async def health(request: HttpRequest) -> JsonResponse:
    from exchange.selectors import backlog

    def read() -> dict[str, Any]:
        try:
            return backlog()
        finally:
            close_old_connections()  # as the other handlers: a broken connection is not kept on the thread

    counts = await sync_to_async(read, thread_sensitive=False)()
    return JsonResponse({"ok": True, **counts})


__all__ = ["asyncio", "health", "messages"]
