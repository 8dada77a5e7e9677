"""In-app notifications (rows in the caller's transaction) and e-mail (sent after commit)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from functools import partial
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from notifications.models import Notification, ReminderLog

log = logging.getLogger(__name__)


def _document_url(doc: Any) -> str:
    outgoing = doc._meta.label_lower == "outgoing.outgoingdocument"
    name = "web:outgoing_detail" if outgoing else "web:incoming_detail"
    return reverse(name, args=[doc.pk])


def _send_email(address: str, subject: str, body: str) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [address], fail_silently=False)
    except Exception:  # a mail server outage must not break the user's action; it is logged
        log.exception("e-mail to %s failed", address)


def notify_many(users: Iterable[Any], doc: Any, title: str, *, kind: str = "info") -> list[Notification]:
    """Tell each user about ``doc``; secret documents are announced without their subject."""
    created = []
    seen: set[int] = set()
    url = _document_url(doc)
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        label = f"{doc.number_symbol}" if doc.secrecy == "none" else "(văn bản mật)"
        subject_line = doc.subject if doc.secrecy == "none" else ""
        text = f"{title}: {label} {subject_line}".strip()[:300]
        created.append(Notification.objects.create(user=user, text=text, url=url, kind=kind))
        if user.email:
            body = f"{text}\n\nXem văn bản: {settings.SITE_URL}{url}\n\n— dieuhanh"
            transaction.on_commit(partial(_send_email, user.email, f"[dieuhanh] {title}", body))
    return created


def notify_users(users: Iterable[Any], text: str, url: str, *, kind: str = "info") -> list[Notification]:
    """Tell each user something that is not about one document (a certificate about to expire...)."""
    created = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        created.append(Notification.objects.create(user=user, text=text[:300], url=url, kind=kind))
        if user.email:
            body = f"{text}\n\nXem: {settings.SITE_URL}{url}\n\n— dieuhanh"
            transaction.on_commit(partial(_send_email, user.email, f"[dieuhanh] {text[:150]}", body))
    return created


def unread_count(user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def claim_reminder(assignment_id: int, kind: str, day: date) -> bool:
    """True the first time a reminder is due for this assignment, kind and day."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(assignment_id=assignment_id, kind=kind, day=day)
    except IntegrityError:
        return False
    return True
