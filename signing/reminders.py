"""Certificate expiry reminders: once per certificate and threshold (30 days, 7 days, expired), in the app
and by e-mail, to the person or, for an organisation's certificate, to its clerks. Run by
``notifications.reminders.send_reminders`` (the hourly scheduler and the command)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from notifications.services import notify_users
from orgs.models import Role
from orgs.selectors import people_with_roles, today
from signing.models import Certificate, CertificateReminder

THRESHOLDS = (("expired", -1), ("7d", 7), ("30d", 30))  # days left at most (expired: below zero)


def threshold_for(days_left: int) -> str | None:
    for name, limit in THRESHOLDS:
        if days_left <= limit:
            return name
    return None


def _text(cert: Certificate, threshold: str) -> str:
    owner = "Chứng thư số" if cert.person_id else f"Chứng thư số của {cert.organization.name}"  # type: ignore[union-attr]
    end = f"{timezone.localtime(cert.not_after):%d/%m/%Y}"
    if threshold == "expired":
        return f"{owner} “{cert.subject_cn}” đã hết hạn ngày {end}: không ký số được, cần gia hạn"
    days = 7 if threshold == "7d" else 30
    return f"{owner} “{cert.subject_cn}” sắp hết hạn (ngày {end}, còn dưới {days} ngày): cần gia hạn"


def send_certificate_reminders(on: date | None = None) -> int:
    """Remind the owners of the active certificates that reached a threshold on ``on``; idempotent."""
    on = on or today()
    horizon = timezone.make_aware(datetime.combine(on + timedelta(days=32), time.min))
    due = Certificate.objects.filter(is_active=True, not_after__lt=horizon).select_related(
        "person", "organization"
    )
    url = reverse("web:certificates")
    sent = 0
    for cert in due.iterator():
        threshold = threshold_for((timezone.localtime(cert.not_after).date() - on).days)
        if threshold is None:
            continue
        try:
            with transaction.atomic():
                CertificateReminder.objects.create(certificate=cert, threshold=threshold)
                if cert.person_id:
                    people = [cert.person]
                else:
                    people = list(people_with_roles({Role.CLERK}, {cert.organization_id}))  # type: ignore[arg-type]
                notify_users(people, _text(cert, threshold), url, kind="certificate_expiry")
        except IntegrityError:  # already sent for this threshold
            continue
        sent += 1
    return sent
