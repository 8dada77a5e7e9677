"""A token that changes whenever the directory may have changed, kept by the database itself.

``directory.routes`` keeps what it read of organisations, their entries and next hops per process and
asks this token (one primary-key read) before each use: triggers on the tables it reads set a new random
token on every insert, delete and truncate, and on every update of a column it uses — whatever writes
them (the hub's listing, the admin site, another process, a migration). Random rather than counted: a
test's rolled-back transaction brings an older token back, and a counter would then match a cache filled
inside that transaction. The next hop's health columns (``last_ok_at``, ``consecutive_failures``) are
written at every delivery and deliberately not watched."""

# ruff: noqa: S608  (the SQL is made of this module's constants only)
from __future__ import annotations

from typing import Any

TABLE = "exchange_directory_version"
# the columns whose update changes what the directory says (organisations: only those it reads)
WATCHED = {
    "orgs_organization": ("identifier", "uses_system", "name"),
    "exchange_directoryentry": ("organization_id", "node_id", "certificates_pem", "active"),
    "exchange_node": ("name", "endpoint", "is_hub", "relay_certificates_pem"),
}


def _sqlite_create() -> list[str]:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, token bigint NOT NULL)",
        f"INSERT OR IGNORE INTO {TABLE} (id, token) VALUES (1, 0)",
    ]
    bump = f"BEGIN UPDATE {TABLE} SET token = random() WHERE id = 1; END"
    for table, columns in WATCHED.items():
        statements += [
            f"CREATE TRIGGER IF NOT EXISTS {table}_dv_insert AFTER INSERT ON {table} {bump}",
            f"CREATE TRIGGER IF NOT EXISTS {table}_dv_delete AFTER DELETE ON {table} {bump}",
            f"CREATE TRIGGER IF NOT EXISTS {table}_dv_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} {bump}",
        ]
    return statements


def _sqlite_drop() -> list[str]:
    statements = []
    for table in WATCHED:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_dv_{event}" for event in ("insert", "delete", "update")
        ]
    return [*statements, f"DROP TABLE IF EXISTS {TABLE}"]


def _postgres_create() -> list[str]:
    statements = [
        f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer PRIMARY KEY, token bigint NOT NULL)",
        f"INSERT INTO {TABLE} (id, token) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
        f"""CREATE OR REPLACE FUNCTION exchange_directory_changed() RETURNS trigger AS $$
            BEGIN
              UPDATE {TABLE} SET token = floor(random() * 9000000000000000000)::bigint WHERE id = 1;
              RETURN NULL;
            END; $$ LANGUAGE plpgsql""",
    ]
    for table, columns in WATCHED.items():
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_dv_rows ON {table}",
            f"CREATE TRIGGER {table}_dv_rows AFTER INSERT OR DELETE OR UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION exchange_directory_changed()",
            f"DROP TRIGGER IF EXISTS {table}_dv_truncate ON {table}",
            f"CREATE TRIGGER {table}_dv_truncate AFTER TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION exchange_directory_changed()",
        ]
    return statements


def _postgres_drop() -> list[str]:
    statements = []
    for table in WATCHED:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_dv_rows ON {table}",
            f"DROP TRIGGER IF EXISTS {table}_dv_truncate ON {table}",
        ]
    return [
        *statements,
        "DROP FUNCTION IF EXISTS exchange_directory_changed()",
        f"DROP TABLE IF EXISTS {TABLE}",
    ]


def create(connection: Any) -> None:
    statements = _postgres_create() if connection.vendor == "postgresql" else _sqlite_create()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def drop(connection: Any) -> None:
    statements = _postgres_drop() if connection.vendor == "postgresql" else _sqlite_drop()
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def token(connection: Any) -> int:
    """The directory's current token (as this connection sees it)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT token FROM {TABLE} WHERE id = 1")
        row = cursor.fetchone()
    return int(row[0]) if row else 0
