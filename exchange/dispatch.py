"""The delivery loop: due outbox messages are claimed (one conditional UPDATE each, so two dispatchers
never send the same row at once), built and signed on first use (the bytes kept, so every retry sends
the same message), and POSTed to the next hop's exchange endpoint.

2xx → sent; a refusal (400, 403, 404, 409, 413, 422) → failed with the receiver's Vietnamese reason (an
administrator may send it again); anything else (no connection, timeout, 5xx, 429) → retried with
exponential backoff and jitter, never given up. A message is not sent while an earlier one for the same
recipient and document is unsent: a recall never overtakes its document.

Embedded mode runs one thread (``start``) woken at once when a transaction queues a message (``wake``);
tests and commands call ``run_pending``."""

from __future__ import annotations

import functools
import http.client
import json
import logging
import random
import ssl
import threading
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from core import files
from exchange import directory
from exchange.edxml import build, sign
from exchange.models import OutboxMessage
from exchange.states import Kind, OutState

log = logging.getLogger(__name__)

PERMANENT = {400, 403, 404, 409, 413, 415, 422}
UNSENT = (OutState.AWAITING_FILE, OutState.PENDING, OutState.SENDING)
_wake = threading.Event()
_started = threading.Event()


def wake() -> None:
    _wake.set()


def _due() -> Q:
    now = timezone.now()
    return Q(state=OutState.PENDING, next_attempt_at__lte=now) | Q(
        state=OutState.SENDING, lease_until__lt=now
    )


def _claim(pks: list[int], until: Any = None) -> int:
    """Take due rows for sending — except those behind an earlier unsent message for the same recipient
    and document (it goes first) — in one conditional update: of several dispatchers (processes,
    machines) offered the same row, one gets it, the others lose one statement. ``until``: the lease's
    end (now + EXCHANGE_LEASE_SECONDS by default). How many were taken."""
    until = until or timezone.now() + timedelta(seconds=settings.EXCHANGE_LEASE_SECONDS)
    return int(
        OutboxMessage.objects.filter(_due(), pk__in=pks)
        .exclude(Exists(_earlier_unsent()))
        .update(state=OutState.SENDING, lease_until=until, attempts=F("attempts") + 1)
    )


def _earlier_unsent() -> Any:
    """An earlier message for the same recipient and document still unsent (``OuterRef``: the row's)."""
    return OutboxMessage.objects.filter(
        kind=OuterRef("kind"),
        to_identifier=OuterRef("to_identifier"),
        document_id=OuterRef("document_id"),
        id__lt=OuterRef("id"),
        state__in=UNSENT,
    )


def _moot(message: OutboxMessage) -> bool:
    """A recall of ours whose package never reached the recipient (refused, or cancelled before it
    left): there is nothing to recall there."""
    from exchange.edxml.codes import Business
    from exchange.services import may_have_arrived

    if (
        message.kind != Kind.PACKAGE
        or message.business != Business.RECALL
        or message.outgoing_id is None
        or message.state != OutState.PENDING
        or message.attempts  # attempted once already: it may have arrived, it goes on
    ):
        return False
    packages = OutboxMessage.objects.filter(
        kind=Kind.PACKAGE,
        business__in=(Business.NEW, Business.REPLACE),
        outgoing_id=message.outgoing_id,
        to_identifier=message.to_identifier,
    )
    return not any(may_have_arrived(p) for p in packages)


def _cancel_moot(message: OutboxMessage) -> None:
    from core import audit
    from exchange.states import OUT_TRANSITIONS, check

    with transaction.atomic():
        cancelled = OutboxMessage.objects.filter(pk=message.pk, state=OutState.PENDING).update(
            state=check(OUT_TRANSITIONS, "cancel", OutState.PENDING),
            last_error="Văn bản chưa đến nơi nhận: không cần thu hồi.",
        )
        if cancelled:
            audit.record(
                actor=None,
                action="exchange.cancelled",
                target=message,
                data={"to": message.to_identifier, "document_id": message.document_id, "moot": True},
            )


def run_pending(limit: int = 200) -> int:
    """Send what is due now, ``EXCHANGE_DISPATCH_THREADS`` at a time (one in tests), pass after pass while
    something goes (a row sent frees the one waiting behind it); returns how many were sent."""
    total = 0
    while sent := _pass(limit):
        total += sent
    return total


def _pass(limit: int) -> int:
    # a row waiting behind an earlier one is left out of the query itself: rows blocked by an unreachable
    # peer never fill the batch and starve everyone else
    from exchange.edxml.codes import Business

    due = OutboxMessage.objects.filter(_due()).exclude(Exists(_earlier_unsent()))
    rows = due.order_by("id").values_list("pk", "kind", "business", "attempts")[:limit]
    # a recall not attempted yet may have nothing to recall (``_moot``): looked at before it is claimed
    ids = [
        (pk, kind == Kind.PACKAGE and business == Business.RECALL and not attempts)
        for pk, kind, business, attempts in rows
    ]
    threads = max(1, settings.EXCHANGE_DISPATCH_THREADS)
    if threads == 1 or len(ids) <= 1:
        return sum(_take(*item) for item in ids)
    sent = sum(_pool(threads).map(_take_in_thread, [item for item in ids if item[1]]))
    others = [pk for pk, recall in ids if not recall]
    for start in range(0, len(others), 2 * threads):
        sent += _send_batch(others[start : start + 2 * threads], threads)
    return sent


def _send_batch(pks: list[int], threads: int) -> int:
    """Claim ``pks`` in one statement, send what this dispatcher got on ``threads`` threads, mark what
    was acknowledged sent in one more. On SQLite every write waits for the one write lock (a busy waiter
    sleeps 1, 2, 5 … ms): a claim and a "sent" per message, beside the receipts' transactions, held the
    sending threads more than the network did. Which rows are ours: the lease's end, made unique by a
    random microsecond offset (another dispatcher claiming some of them at once sets its own). A crash
    before the rows are marked leaves them claimed until the lease ends, then sent again — a duplicate the
    receiver acknowledges as such."""
    token = timezone.now() + timedelta(
        seconds=settings.EXCHANGE_LEASE_SECONDS, microseconds=random.randrange(1_000_000)
    )
    _claim(pks, until=token)
    claimed = list(
        OutboxMessage.objects.select_related("inbox", "package").filter(
            pk__in=pks, state=OutState.SENDING, lease_until=token
        )
    )
    hops = directory.next_hops({m.to_identifier for m in claimed})  # one query for the batch
    delivered: list[tuple[int, int]] = []
    send = functools.partial(_send_in_thread, delivered=delivered, hops=hops)
    sent = sum(_pool(threads).map(send, claimed))
    _mark_sent(delivered)
    return sent


def _send_in_thread(
    message: OutboxMessage, delivered: list[tuple[int, int]], hops: dict[str, Any] | None = None
) -> bool:
    try:
        return _send(message, delivered, hops)
    finally:
        close_old_connections()


def _mark_sent(delivered: list[tuple[int, int]]) -> None:
    """Rows the receivers acknowledged, marked sent in one statement per answer status."""
    statuses: dict[int, list[int]] = {}
    for pk, status in delivered:
        statuses.setdefault(status, []).append(pk)
    now = timezone.now()
    for status, pks in statuses.items():
        OutboxMessage.objects.filter(pk__in=pks, state=OutState.SENDING).update(
            state=OutState.SENT, sent_at=now, last_http_status=status, last_error=""
        )


_pools: dict[int, Any] = {}
_pools_lock = threading.Lock()


def _pool(threads: int) -> Any:
    """The sending threads, made once per process (and size): a pool per pass started new threads,
    each opening its own database connection, for every batch."""
    from concurrent.futures import ThreadPoolExecutor

    with _pools_lock:
        pool = _pools.get(threads)
        if pool is None:
            pool = _pools[threads] = ThreadPoolExecutor(
                max_workers=threads, thread_name_prefix="exchange-send"
            )
        return pool


def close_connections() -> None:
    """Close the sending threads' database connections (each keeps its own, as a request thread does):
    for a clean stop, and for tests, whose database cannot be dropped while they are open. One task per
    thread, each held at a barrier until all have closed theirs, so that every thread gets one."""
    from django.db import connections

    with _pools_lock:
        pools = list(_pools.items())
    for threads, pool in pools:
        barrier = threading.Barrier(threads)

        def close(_: int, barrier: threading.Barrier = barrier) -> None:
            connections.close_all()
            barrier.wait(timeout=30)

        list(pool.map(close, range(threads)))


def _take(pk: int, recall: bool = False) -> bool:
    if recall and _moot_recall(pk):
        return False
    if not _claim([pk]):  # sent meanwhile, taken by another dispatcher, or behind an earlier one
        return False
    # as claimed, with the relayed inbox row it forwards
    message = OutboxMessage.objects.select_related("inbox", "package").get(pk=pk)
    return _send(message)


def _moot_recall(pk: int) -> bool:
    """A recall of ours that need not leave (``_moot``) is cancelled instead of sent."""
    message = OutboxMessage.objects.filter(pk=pk).first()
    if message is None or not _moot(message):
        return False
    _cancel_moot(message)
    return True


def _take_in_thread(item: tuple[int, bool]) -> bool:
    try:
        return _take(*item)
    finally:
        # this pool thread's connection is kept for its next message, as a request's is (CONN_MAX_AGE),
        # and closed when it is too old or broken
        close_old_connections()


def package_bytes(message: OutboxMessage) -> bytes:
    """The signed message, built once and kept (a retry sends the very same bytes)."""
    if message.package is not None:
        return files.open_blob(message.package)
    from exchange.identity import signer_of

    if _relay_report(message):
        from exchange.identity import relay_signer

        signer = relay_signer()  # a hub's own key: it reports for an organisation it does not serve
    else:
        signer = signer_of(message.from_identifier)
    root = _tree(message)
    data = sign.sign(root, signer.key, signer.chain)
    import hashlib

    checked = files.CheckedFile(
        f"edxml-{message.message_id}.xml", data, "application/xml", hashlib.sha256(data).hexdigest(), None
    )
    with files.atomic_with_files(checked):  # written and synced before the transaction takes the lock
        stored = files.store(checked)
        OutboxMessage.objects.filter(pk=message.pk).update(package=stored)
    message.package = stored
    return data


def _tree(message: OutboxMessage) -> Any:
    from exchange.edxml import model
    from exchange.edxml.codes import Business, StatusCode
    from exchange.packaging import organ, package_for

    if _relay_report(message):
        return build.status(_relay_report_status(message))
    if message.kind == Kind.STATUS:
        inbox = message.inbox
        assert inbox is not None and inbox.organization is not None
        header = inbox.header
        status = model.StatusMessage(
            message_id=str(message.message_id),
            response_for=model.ResponseFor(
                organ_id=inbox.from_identifier,
                code=header.get("number_symbol", ""),
                promulgation_date=_date(header.get("issued_date")),
                document_id=inbox.document_id,
            ),
            sender=organ(inbox.organization),
            code=StatusCode(message.status_code),
            timestamp=message.created_at,
            description=message.description,
            staff=model.Staff(staff=inbox.handled_by.full_name if inbox.handled_by else ""),
        )
        return build.status(status)
    doc, recipient = message.outgoing, message.recipient
    assert doc is not None and recipient is not None
    from dataclasses import replace

    business = message.business or 0
    package = package_for(doc, recipient, message_id=message.message_id, business=business)
    if business in (Business.RECALL, Business.UPDATE):  # a notice about a document sent before
        package = replace(
            package,
            attachments=(),
            business=model.BusinessInfo(
                kind=Business(business), reason=message.description, document_id=message.document_id
            ),
        )
    elif business == Business.REPLACE and doc.replaces_id is not None:
        from exchange.packaging import outgoing_document_id

        old = doc.replaces
        package = replace(
            package,
            business=model.BusinessInfo(
                kind=Business.REPLACE,
                reason=doc.after_issue_reason,
                document_id=outgoing_document_id(old),
                replacements=(model.Replacement(outgoing_document_id(old), (message.to_identifier,)),),
            ),
        )
    return build.package(package)


def _relay_report(message: OutboxMessage) -> bool:
    """A status of ours about a message we relayed: "could not deliver onward" (``report_relay_failure``)."""
    from exchange.states import InState

    return (
        message.kind == Kind.STATUS and message.inbox is not None and message.inbox.state == InState.RELAYED
    )


def _relay_report_status(message: OutboxMessage) -> Any:
    from exchange.edxml import model, parse
    from exchange.edxml.codes import StatusCode
    from orgs.models import Organization

    inbox = message.inbox
    assert inbox is not None
    header = parse.parse_package(parse.read(files.open_blob(inbox.package)), attachments=False).header
    name = Organization.objects.filter(identifier=inbox.to_identifier).values_list("name", flat=True).first()
    return model.StatusMessage(
        message_id=str(message.message_id),
        response_for=model.ResponseFor(
            organ_id=inbox.from_identifier,
            code=header.code.number_symbol,
            promulgation_date=header.promulgation_date,
            document_id=inbox.document_id,
        ),
        sender=model.Organ(organ_id=inbox.to_identifier, organ_name=name or inbox.to_identifier),
        code=StatusCode(message.status_code),
        timestamp=message.created_at,
        description=message.description,
        staff=model.Staff(staff="Trục liên thông"),
    )


def _date(text: str | None) -> Any:
    from datetime import date

    return date.fromisoformat(text) if text else None


def _send(
    message: OutboxMessage,
    delivered: list[tuple[int, int]] | None = None,
    hops: dict[str, Any] | None = None,
) -> bool:
    """Send one claimed message. ``delivered``: where an acknowledged one is noted, to be marked sent with
    its batch (else it is marked at once); ``hops``: the batch's next hops (``directory.next_hops``)."""
    try:
        data = package_bytes(message)
    except Exception as exc:  # cannot be built or signed (no identity, a file gone): an operator's matter
        log.exception("exchange message %s could not be built", message.message_id)
        _failed(message, None, f"Không tạo được gói tin: {getattr(exc, 'message', exc)}")
        return False
    if len(data) > settings.EXCHANGE_MAX_MESSAGE_BYTES:
        # over the limit installations accept (the same setting everywhere by default): refused for sure
        _failed(
            message,
            None,
            f"Gói tin {len(data) / 1048576:.1f} MB vượt quá dung lượng liên thông cho phép "
            f"({settings.EXCHANGE_MAX_MESSAGE_BYTES / 1048576:.0f} MB): giảm dung lượng tệp đính kèm.",
        )
        return False
    node = hops.get(message.to_identifier) if hops is not None else directory.next_hop(message.to_identifier)
    if node is None:
        _failed(message, None, f"{message.to_identifier} không có trong danh bạ liên thông.")
        return False
    if directory.plain_http_refused(node.endpoint):  # an administrator's setting to mend: it waits
        _retry(message, None, directory.insecure_endpoint_message(node))
        return False
    url = node.endpoint.rstrip("/") + "/exchange/v1/messages"
    from exchange.tls import TLSConfigError

    try:
        status, headers, body = _post(
            url,
            data,
            {"Content-Type": "application/xml; charset=utf-8", "X-Edxml-Message-Id": str(message.message_id)},
        )
    except TLSConfigError as exc:  # our client certificate cannot be used: retried once it is mended
        log.error("exchange: %s", exc.message)
        _retry(message, None, exc.message)
        return False
    except (OSError, ValueError) as exc:  # refused, reset, timeout, DNS; no answer to read
        _node_answered(node, ok=False)
        _retry(message, None, f"Không kết nối được {node.name}: {exc}")
        return False
    if 200 <= status < 300 and not _receipt_for(body, message):
        # a 2xx that is not the receiver's receipt (a portal page, a proxy): not delivered
        _node_answered(node, ok=False)
        _retry(message, status, "Nơi nhận không trả biên nhận của gói tin (HTTP 2xx khác).")
        return False
    if 200 <= status < 300:
        _node_answered(node, ok=True)
        if delivered is not None:  # marked sent with the rest of its batch (``_mark_sent``)
            delivered.append((message.pk, status))
        else:
            _mark_sent([(message.pk, status)])
        return True
    reason = _reason(body) or _redirect(status, headers) or f"HTTP {status}"
    # a refusal in the receiver's words is an answer from a working installation; anything else is not
    _node_answered(node, ok=status in PERMANENT and bool(_reason(body)))
    if (
        status == 403
        and _code(body) == "unknown_certificate"
        and (message.attempts < settings.EXCHANGE_UNKNOWN_CERTIFICATE_ATTEMPTS)
    ):
        # the receiver does not know our certificate yet: the directories converge through the hub
        # (ours pulled now; the receiver pulls on its own), so this is retried before it is given up
        directory.refresh()
        _retry(message, status, reason)
    elif status in PERMANENT:
        _failed(message, status, reason)
    else:
        _retry(message, status, reason, at_least=_retry_after(headers.get("Retry-After")))
    return False


def _post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, Any, bytes]:
    """POST ``data``: the answer's status, headers and (the start of its) body, whatever the status. An
    error (no connection, timeout, an answer that cannot be read) raises ``OSError``."""
    request = urllib.request.Request(  # noqa: S310 (the endpoint comes from the directory, http/https)
        url, data=data, method="POST", headers=headers
    )
    try:
        with _opener().open(request, timeout=settings.EXCHANGE_TIMEOUT) as response:
            return response.status, response.headers, response.read(65536)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers or {}, exc.read(65536)


NODE_OK_EVERY = timedelta(seconds=5)


def _node_answered(node: Any, *, ok: bool) -> None:
    """The next hop's health for the administrators: when it last answered properly (to within
    ``NODE_OK_EVERY``: a busy hub does not write the same row for every message), failures since."""
    if ok:
        if (
            node.consecutive_failures == 0
            and node.last_ok_at is not None
            and timezone.now() - node.last_ok_at < NODE_OK_EVERY
        ):
            return
        node.last_ok_at, node.consecutive_failures = timezone.now(), 0  # as the batch's others see it
        type(node).objects.filter(pk=node.pk).update(last_ok_at=node.last_ok_at, consecutive_failures=0)
    else:
        node.consecutive_failures += 1
        type(node).objects.filter(pk=node.pk).update(consecutive_failures=F("consecutive_failures") + 1)


def _redirect(status: int, headers: Any) -> str:
    """A redirect is not followed (``_NoRedirect``): the administrator is told where it points."""
    if not 300 <= status < 400:
        return ""
    location = (headers.get("Location") if headers else None) or "?"
    return (
        f"Nơi nhận chuyển hướng sang “{location}” (HTTP {status}): sửa địa chỉ liên thông trong trang quản "
        "trị (Hệ thống liên thông)."
    )


def _code(body: bytes) -> str:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ""
    return str(payload.get("code") or "") if isinstance(payload, dict) else ""


def _retry_after(value: str | None) -> float:
    """A Retry-After in seconds (a receiver busy verifying answers 503 with one), capped by the backoff."""
    try:
        return min(max(float(value or 0), 0.0), settings.EXCHANGE_BACKOFF_MAX)
    except ValueError:
        return 0.0


def _reason(body: bytes) -> str:
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(payload, dict):
        return str(payload.get("message") or payload.get("detail") or "")[:480]
    return ""


def _retry(message: OutboxMessage, status: int | None, error: str, *, at_least: float = 0.0) -> None:
    delay = min(
        settings.EXCHANGE_BACKOFF_BASE * 2 ** max(message.attempts - 1, 0), settings.EXCHANGE_BACKOFF_MAX
    )
    delay = max(delay * random.uniform(0.8, 1.2), at_least)
    OutboxMessage.objects.filter(pk=message.pk, state=OutState.SENDING).update(
        state=OutState.PENDING,
        next_attempt_at=timezone.now() + timedelta(seconds=delay),
        last_error=error[:500],
        last_http_status=status,
        lease_until=None,
    )
    log.info("exchange message %s: retry in %.1f s (%s)", message.message_id, delay, error)


def _failed(message: OutboxMessage, status: int | None, error: str) -> None:
    from core import audit

    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk, state=OutState.SENDING).update(
            state=OutState.FAILED, last_error=error[:500], last_http_status=status, lease_until=None
        )
        audit.record(
            actor=None,
            action="exchange.send_failed",
            target=message,
            data={"to": message.to_identifier, "status": status, "error": error[:300]},
        )
    log.warning("exchange message %s to %s failed: %s", message.message_id, message.to_identifier, error)
    if message.kind == Kind.PACKAGE and message.inbox_id is not None:
        from exchange.services import report_relay_failure

        with transaction.atomic():
            report_relay_failure(message, error)  # a package we relayed: its sender is told
    if message.kind == Kind.PACKAGE and message.outgoing_id is not None:
        # a recall queued behind this package while it was in flight: nothing to recall now
        for notice in OutboxMessage.objects.filter(
            kind=Kind.PACKAGE,
            outgoing_id=message.outgoing_id,
            to_identifier=message.to_identifier,
            state=OutState.PENDING,
        ).exclude(pk=message.pk):
            if _moot(notice):
                _cancel_moot(notice)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is not followed: urllib would send it again as a GET without the message."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class _Connection(http.client.HTTPConnection):
    """A receiver may answer before it has read the whole body and close the connection: the ASGI guard
    refuses a body over twice its limit at once (413), and a receiver's limit may be lower than ours.
    Writing the rest then fails (broken pipe, reset); the answer already sent is still read, as curl
    does, so that the refusal is final rather than a network fault retried for ever. With no answer to
    read, reading it fails and the attempt is a network fault as before."""

    _cut = False

    def send(self, data: Any) -> None:
        if self._cut:
            return  # the rest of the body: the receiver no longer reads it
        if self.sock is None:
            self.connect()  # not connected at all (refused, timeout, TLS): an error as before
        try:
            super().send(data)
        except (ConnectionError, ssl.SSLEOFError, ssl.SSLZeroReturnError):
            self._cut = True


class _TLSConnection(_Connection, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_Connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, context: ssl.SSLContext) -> None:
        super().__init__(context=context)
        self.tls = context

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_TLSConnection, req, context=self.tls)


def _opener() -> urllib.request.OpenerDirector:
    from exchange import tls

    return _opener_for(tls.client_context())


@functools.lru_cache(maxsize=4)
def _opener_for(context: ssl.SSLContext) -> urllib.request.OpenerDirector:
    """One opener per TLS context (``exchange/tls.py``: the peers' CA, our client certificate), made once,
    not per message (contexts and openers hold no per-request state; connections are per request)."""
    return urllib.request.build_opener(_NoRedirect(), _HTTPHandler(), _HTTPSHandler(context=context))


def _receipt_for(body: bytes, message: OutboxMessage) -> bool:
    """The receiver's answer is a receipt of this very message (stored, or a duplicate of it)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return (
        isinstance(payload, dict)
        and payload.get("receipt") in ("stored", "duplicate")
        and str(payload.get("message_id", "")) in (str(message.message_id), _inner_id(message))
    )


def _inner_id(message: OutboxMessage) -> str:
    """A relayed message keeps the id its sender gave it (the inbox row's), not our outbox row's."""
    return (
        message.inbox.message_id if message.inbox is not None and message.kind == message.inbox.kind else ""
    )


def start() -> None:
    """The embedded dispatcher thread (once per process)."""
    if _started.is_set():
        return
    _started.set()
    threading.Thread(target=_loop, name="dieuhanh-exchange", daemon=True).start()


def _loop() -> None:
    import time

    synced = -float("inf")
    while True:
        _wake.wait(settings.EXCHANGE_POLL_SECONDS)
        _wake.clear()
        try:
            while run_pending():
                pass
            if time.monotonic() - synced >= settings.EXCHANGE_DIRECTORY_SYNC_SECONDS:
                synced = time.monotonic()
                result = directory.sync()
                if result.added or result.updated:
                    log.info("directory from the hub: %s", result)
        except Exception:
            log.exception("exchange dispatcher pass failed")
        finally:
            close_old_connections()


__all__ = ["close_connections", "package_bytes", "run_pending", "start", "uuid", "wake"]
