"""Reads: the certificates a person may sign with, and expiry warnings."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from orgs.models import Role, User
from orgs.selectors import effective_roles
from signing.models import Certificate

EXPIRY_WARNING_DAYS = 30


def certificates_for_user(user: User) -> QuerySet[Certificate]:
    """The person's own certificates and those of the organisations where they are a clerk."""
    clerk_orgs = [o for r, o in effective_roles(user) if r == Role.CLERK]
    return (
        Certificate.objects.filter(Q(person=user) | Q(organization_id__in=clerk_orgs))
        .select_related("person", "organization")
        .order_by("-is_active", "-not_after")
    )


def expiry_state(certificate: Certificate) -> str:
    """``expired``, ``expiring`` (within EXPIRY_WARNING_DAYS), ``not_yet_valid`` or ``ok``."""
    now = timezone.now()
    if certificate.not_after < now:
        return "expired"
    if certificate.not_before > now:
        return "not_yet_valid"
    if certificate.not_after < now + timedelta(days=EXPIRY_WARNING_DAYS):
        return "expiring"
    return "ok"


EXPIRY_LABELS = {
    "expired": "Đã hết hạn",
    "expiring": f"Sắp hết hạn (dưới {EXPIRY_WARNING_DAYS} ngày)",
    "not_yet_valid": "Chưa có hiệu lực",
    "ok": "Còn hiệu lực",
}
