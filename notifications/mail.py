"""Notification e-mail, sent by a worker (``tasks.send_emails``) — never in the request that notifies.

The task is queued in the notifying transaction (a row of the task queue): e-mail goes only for a change
that committed, and the change never waits for the mail server — an arrival by exchange answers its
sender at once, whatever the server's speed (a connection may wait ``EMAIL_TIMEOUT`` seconds) or the number
of clerks told. One connection for a notification's recipients; an address refused is logged and the rest
still go; a server that cannot be reached fails the task (kept with its error in the task results)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

log = logging.getLogger(__name__)


def queue(messages: Sequence[tuple[str, str, str]]) -> None:
    """``(address, subject, body)`` to be e-mailed once the current transaction commits."""
    if not messages:
        return
    from notifications.tasks import send_emails

    send_emails.enqueue([list(m) for m in messages])  # a row written in the caller's transaction


def send(messages: Sequence[tuple[str, str, str]]) -> int:
    """Send them over one connection; how many went. Raises when the server cannot be reached at all."""
    sent = 0
    failed: Exception | None = None
    with get_connection(fail_silently=False) as connection:
        for address, subject, body in messages:
            try:
                sent += connection.send_messages(
                    [EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [address])]
                )
            except Exception as exc:  # one address refused: logged, the others still go
                log.exception("e-mail to %s failed", address)
                failed = exc
    if failed is not None and not sent:
        raise failed
    return sent
