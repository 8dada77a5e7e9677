"""Gap-free counters, allocated inside the caller's transaction.

The UPDATE takes the row lock (PostgreSQL) and SQLite's BEGIN IMMEDIATE serialises writers, so two
registrations never get the same number; because the number is taken in the same transaction as the
record that uses it, a rollback gives it back and no gap is left. Never max()+1, never a sequence.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from core.models import Counter


def allocate(scope: str) -> int:
    if not connection.in_atomic_block:
        raise RuntimeError("numbering.allocate must run inside the registering transaction")
    updated = Counter.objects.filter(scope=scope).update(last_number=F("last_number") + 1)
    if not updated:
        try:
            with transaction.atomic():
                Counter.objects.create(scope=scope, last_number=1)
            return 1
        except IntegrityError:
            Counter.objects.filter(scope=scope).update(last_number=F("last_number") + 1)
    return Counter.objects.values_list("last_number", flat=True).get(scope=scope)


def peek(scope: str) -> int:
    return Counter.objects.filter(scope=scope).values_list("last_number", flat=True).first() or 0
