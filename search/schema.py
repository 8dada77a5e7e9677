"""The vendor's full-text structure, created by migration 0001 (no model imports: migrations use it)."""

from __future__ import annotations

from typing import Any

SQLITE_SCHEMA = [
    "CREATE VIRTUAL TABLE search_fts USING fts5"
    "(symbol, meta, body, tokenize = 'unicode61 remove_diacritics 2')",
]
SQLITE_DROP = ["DROP TABLE IF EXISTS search_fts"]
POSTGRES_SCHEMA = [
    "ALTER TABLE search_entry ADD COLUMN tsv tsvector",
    "CREATE INDEX search_entry_tsv ON search_entry USING gin (tsv)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_entry_tsv",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv",
]


def create_schema(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in POSTGRES_SCHEMA if vendor == "postgresql" else SQLITE_SCHEMA:
        schema_editor.execute(sql)


def drop_schema(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    for sql in POSTGRES_DROP if vendor == "postgresql" else SQLITE_DROP:
        schema_editor.execute(sql)
