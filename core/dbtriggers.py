"""Database triggers that make the audit table append-only (used by a migration and by test flushes)."""

from __future__ import annotations

from typing import Any

SQLITE_CREATE = [
    """CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
    """CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON core_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_no_update;", "DROP TRIGGER IF EXISTS audit_no_delete;"]
POSTGRES_CREATE = [
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """DROP TRIGGER IF EXISTS audit_no_update ON core_auditevent;""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON core_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_append_only();""",
    """DROP TRIGGER IF EXISTS audit_no_truncate ON core_auditevent;""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON core_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS audit_no_update ON core_auditevent;",
    "DROP TRIGGER IF EXISTS audit_no_truncate ON core_auditevent;",
]


def _run(cursor: Any, statements: list[str]) -> None:
    for sql in statements:
        cursor.execute(sql)


def create(connection: Any) -> None:
    with connection.cursor() as cursor:
        _run(cursor, POSTGRES_CREATE if connection.vendor == "postgresql" else SQLITE_CREATE)


def drop(connection: Any) -> None:
    with connection.cursor() as cursor:
        _run(cursor, POSTGRES_DROP if connection.vendor == "postgresql" else SQLITE_DROP)
