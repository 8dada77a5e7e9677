"""The receiving endpoint's ASGI front and limits: a body over EXCHANGE_MAX_MESSAGE_BYTES is refused
before anything spools it, a message within it is served without Django's request handling (Django's
refusals of a foreign Host or of plain HTTP where HTTPS is required still apply), and concurrent
verifications are bounded (503 + Retry-After)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from exchange import views
from exchange.asgi import ExchangeFront
from exchange.models import InboxMessage

URL = "/exchange/v1/messages"


def _scope(
    path: str = URL,
    length: int | None = None,
    host: bytes = b"127.0.0.1:8000",
    method: str = "POST",
    extra: tuple[tuple[bytes, bytes], ...] = (),
) -> dict[str, Any]:
    headers = [(b"host", host), (b"content-type", b"application/xml"), *extra]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }


def _run(app: Any, scope: dict[str, Any], chunks: list[bytes]) -> tuple[list[dict[str, Any]], int]:
    """Drive ``app`` with the body in ``chunks``; the messages it sent and how many chunks it read."""
    sent: list[dict[str, Any]] = []
    read = 0

    async def receive() -> dict[str, Any]:
        nonlocal read
        if read < len(chunks):
            read += 1
            return {"type": "http.request", "body": chunks[read - 1], "more_body": read < len(chunks)}
        await asyncio.sleep(3600)  # the client keeps the connection open
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(app(scope, receive, send), timeout=20))
    return sent, read


def _answer(sent: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body)


def test_a_declared_length_over_the_limit_is_refused_before_anything_is_read(settings: Any) -> None:
    settings.EXCHANGE_MAX_MESSAGE_BYTES = 1000
    called = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        called.append(scope["path"])

    sent, read = _run(ExchangeFront(inner), _scope(length=5000), [b"x" * 5000])
    status, payload = _answer(sent)
    assert status == 413 and payload["code"] == "message_too_large" and "dung lượng" in payload["message"]
    assert called == [] and read == 0
    # a little over (up to twice the limit): the rest is read and thrown away, so that a sender writing
    # its whole body before reading the answer gets the 413 rather than a broken pipe
    sent, read = _run(ExchangeFront(inner), _scope(length=1500), [b"x" * 500] * 3)
    assert _answer(sent)[0] == 413 and called == [] and read == 3


def test_a_streamed_body_over_the_limit_is_refused_413_as_it_passes_the_limit(settings: Any) -> None:
    settings.EXCHANGE_MAX_MESSAGE_BYTES = 1000
    chunks = [b"<" * 400] * 50  # 20 kB without a Content-Length (chunked)
    sent, read = _run(ExchangeFront(_never), _scope(), chunks)
    status, payload = _answer(sent)
    assert status == 413 and payload["code"] == "message_too_large"
    # the third chunk passed the limit: reading stopped there; two more were discarded (up to twice the
    # limit), the other 45 never read
    assert read == 5
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


async def _never(scope: Any, receive: Any, send: Any) -> None:
    raise AssertionError(f"Django was asked for {scope['method']} {scope['path']}")


def _passed(bodies: list[bytes]) -> Any:
    """An inner application that keeps each body it is given and answers 204."""

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        data = b""
        while True:
            message = await receive()
            data += message.get("body", b"")
            if not message.get("more_body"):
                break
        bodies.append(data)
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return inner


def test_other_paths_and_methods_pass_to_django_untouched(settings: Any) -> None:
    settings.EXCHANGE_MAX_MESSAGE_BYTES = 1000
    bodies: list[bytes] = []
    sent, _ = _run(ExchangeFront(_passed(bodies)), _scope("/api/v1/x", length=5000), [b"c" * 5000])
    assert sent[0]["status"] == 204 and bodies == [b"c" * 5000]
    sent, _ = _run(ExchangeFront(_passed(bodies)), _scope(method="GET", length=0), [b""])
    assert sent[0]["status"] == 204 and len(bodies) == 2


@pytest.mark.django_db(transaction=True)
def test_a_message_within_the_limit_is_answered_by_the_front_not_django(settings: Any) -> None:
    from core.models import AuditEvent

    settings.EXCHANGE_MAX_MESSAGE_BYTES = 1000
    sent, read = _run(ExchangeFront(_never), _scope(length=900), [b"<" * 500, b"x" * 400])
    status, payload = _answer(sent)
    # read whole, looked at and refused for what it is, in Vietnamese
    assert read == 2 and status == 400 and payload["code"] == "malformed_package"
    assert "XML" in payload["message"]
    headers = dict(sent[0]["headers"])
    assert headers[b"content-type"] == b"application/json"
    assert headers[b"x-content-type-options"] == b"nosniff" and headers[b"x-frame-options"] == b"DENY"
    # the refusal is audited with the sender's address, as a request through Django's middleware is
    (event,) = AuditEvent.objects.filter(action="exchange.refused")
    assert event.ip == "127.0.0.1" and event.data["bytes"] == 900


def test_a_sender_gone_before_the_end_of_its_body_gets_nothing_stored(settings: Any) -> None:
    settings.EXCHANGE_MAX_MESSAGE_BYTES = 1000
    sent: list[Any] = []
    messages: list[Any] = [
        {"type": "http.request", "body": b"<" * 300, "more_body": True},
        {"type": "http.disconnect"},
    ]

    async def receive() -> Any:
        return messages.pop(0)

    async def send(message: Any) -> None:
        sent.append(message)

    asyncio.run(ExchangeFront(_never)(_scope(), receive, send))
    assert sent == [] and messages == []  # nothing answered, nothing looked at


@pytest.mark.django_db(transaction=True)
def test_a_foreign_host_and_plain_http_where_https_is_required_get_djangos_answer(settings: Any) -> None:
    bodies: list[bytes] = []
    front = ExchangeFront(_passed(bodies))
    settings.ALLOWED_HOSTS = ["dieuhanh.tinhuy.vn"]
    sent, _ = _run(front, _scope(length=3, host=b"evil.example"), [b"abc"])
    assert sent[0]["status"] == 204 and bodies == [b"abc"]  # Django's to refuse (DisallowedHost: 400)
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    sent, _ = _run(front, _scope(length=3, host=b"dieuhanh.tinhuy.vn"), [b"def"])
    assert sent[0]["status"] == 204 and bodies[-1] == b"def"  # Django's to redirect to HTTPS
    # behind the TLS proxy: served by the front
    proxied = ((b"x-forwarded-proto", b"https"),)
    sent, _ = _run(front, _scope(length=3, host=b"dieuhanh.tinhuy.vn", extra=proxied), [b"ghi"])
    assert _answer(sent)[0] == 400 and len(bodies) == 2
    # and through Django itself, a foreign host is refused there as for any URL
    answer = Client(HTTP_HOST="evil.example").post(
        reverse("exchange:messages"), data=b"<edXML/>", content_type="application/xml"
    )
    assert answer.status_code == 400


def test_the_asgi_application_is_guarded(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib
    import sys

    monkeypatch.setattr("core.runtime.warm_up_and_freeze", lambda: None)  # no gc.freeze in the test process
    monkeypatch.delitem(sys.modules, "config.asgi", raising=False)
    module = importlib.import_module("config.asgi")
    assert isinstance(module.application, ExchangeFront)


@pytest.mark.django_db(transaction=True)
def test_verification_slots_saturated_answer_503_with_retry_after(settings: Any) -> None:
    settings.EXCHANGE_MAX_CONCURRENT_VERIFICATIONS = 1
    settings.EXCHANGE_VERIFICATION_WAIT_SECONDS = 0.2
    slots = views._slots()
    assert slots.acquire(blocking=False)  # another package being verified, longer than the wait
    try:
        answer = Client().post(reverse("exchange:messages"), data=b"<edXML/>", content_type="application/xml")
    finally:
        slots.release()
    assert answer.status_code == 503 and answer.json()["code"] == "busy"
    assert int(answer["Retry-After"]) > 0
    assert InboxMessage.objects.count() == 0
    # a slot free again: the message is looked at (and refused for what it is)
    answer = Client().post(reverse("exchange:messages"), data=b"<edXML/>", content_type="application/xml")
    assert answer.status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_message_waits_for_a_slot_freed_within_the_wait(settings: Any) -> None:
    import threading

    settings.EXCHANGE_MAX_CONCURRENT_VERIFICATIONS = 1
    settings.EXCHANGE_VERIFICATION_WAIT_SECONDS = 30
    slots = views._slots()
    assert slots.acquire(blocking=False)  # another package being verified…
    threading.Timer(0.3, slots.release).start()  # …finishes soon
    answer = Client().post(reverse("exchange:messages"), data=b"<edXML/>", content_type="application/xml")
    # the message was looked at once the slot was free (and refused for what it is), not turned away busy
    assert answer.status_code == 400 and answer.json()["code"] != "busy"


def test_a_released_slot_wakes_a_waiting_message_at_once(settings: Any) -> None:
    settings.EXCHANGE_MAX_CONCURRENT_VERIFICATIONS = 1
    settings.EXCHANGE_VERIFICATION_WAIT_SECONDS = 30

    async def scenario() -> bool:
        slots = views._slots()
        assert slots.acquire(blocking=False)  # another package being verified
        waiting = asyncio.create_task(views._wait_for(slots))
        await asyncio.sleep(0)
        assert len(views._waiters) == 1 and not waiting.done()
        views._release(slots)
        for _ in range(5):  # a few turns of the loop, far less than its safety poll
            await asyncio.sleep(0)
        done = waiting.done() and waiting.result()
        if not done:
            waiting.cancel()
        slots.release()
        return bool(done)

    assert asyncio.run(scenario())


def test_a_fault_while_handling_a_message_is_answered_in_words(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.EXCHANGE_MAX_MESSAGE_BYTES = 1000

    async def broken(data: bytes) -> Any:
        raise RuntimeError("database gone")

    monkeypatch.setattr(views, "answer_message", broken)
    sent, _ = _run(ExchangeFront(_never), _scope(length=3), [b"<a>"])
    status, payload = _answer(sent)
    # a 500 the sender's dispatcher retries, with a reason its clerks and administrators can read
    assert status == 500 and payload["code"] == "server_error" and "gửi lại" in payload["message"]
