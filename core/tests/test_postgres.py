"""PostgreSQL-only guarantees (run in CI's PostgreSQL pass; a skip there fails the run)."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from core import audit
from core.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_truncate_of_the_audit_table_is_refused() -> None:
    audit.record(actor=None, action="test.event")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditevent")
    assert AuditEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_counter_update_holds_the_row_lock_until_commit() -> None:
    """Another transaction asking for the counter row with NOWAIT is refused while the first holds it."""
    import psycopg
    from django.conf import settings

    from core import numbering

    db = settings.DATABASES["default"]
    with transaction.atomic():
        numbering.allocate("lock-test")  # committed: the row exists for the other connection
    with transaction.atomic():
        numbering.allocate("lock-test")
        other = psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname=db["NAME"],
            autocommit=False,
        )
        try:
            with pytest.raises(psycopg.errors.LockNotAvailable), other.cursor() as cursor:
                cursor.execute(
                    "SELECT last_number FROM core_counter WHERE scope = %s FOR UPDATE NOWAIT", ["lock-test"]
                )
        finally:
            other.close()
