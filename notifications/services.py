"""In-app notifications (rows in the caller's transaction) and e-mail (queued in the same transaction, sent
by a worker: ``notifications.mail``)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse

from notifications import mail
from notifications.models import Notification, ReminderLog

log = logging.getLogger(__name__)


def _document_url(doc: Any) -> str:
    outgoing = doc._meta.label_lower == "outgoing.outgoingdocument"
    name = "web:outgoing_detail" if outgoing else "web:incoming_detail"
    return reverse(name, args=[doc.pk])


def notify_many(users: Iterable[Any], doc: Any, title: str, *, kind: str = "info") -> list[Notification]:
    """Tell each user about ``doc``; secret documents are announced without their subject."""
    created = []
    emails = []
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
            emails.append((user.email, f"[dieuhanh] {title}", body))
    mail.queue(emails)
    return created


def notify_users(users: Iterable[Any], text: str, url: str, *, kind: str = "info") -> list[Notification]:
    """Tell each user something that is not about one document (a certificate about to expire...)."""
    created = []
    emails = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        created.append(Notification.objects.create(user=user, text=text[:300], url=url, kind=kind))
        if user.email:
            body = f"{text}\n\nXem: {settings.SITE_URL}{url}\n\n— dieuhanh"
            emails.append((user.email, f"[dieuhanh] {text[:150]}", body))
    mail.queue(emails)
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
