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


# 0002: the SQLite full-text rowid becomes date ordinal × 2³² + entry id (``backends.fts_key``); the
# rows are copied (FTS5 keeps the folded text) under the new keys. julianday(d) - 1721424.5 is the
# proleptic Gregorian ordinal of d (date.toordinal()).
REKEY = [
    "CREATE VIRTUAL TABLE search_fts_new USING fts5"
    "(symbol, meta, body, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO search_fts_new(rowid, symbol, meta, body)"
    " SELECT coalesce(CAST(julianday(e.date) - 1721424.5 AS INTEGER), 0) * 4294967296 + e.id,"
    " f.symbol, f.meta, f.body FROM search_fts f JOIN search_entry e ON e.id = f.rowid",
    "DROP TABLE search_fts",
    "ALTER TABLE search_fts_new RENAME TO search_fts",
]
UNKEY = [
    "CREATE VIRTUAL TABLE search_fts_new USING fts5"
    "(symbol, meta, body, tokenize = 'unicode61 remove_diacritics 2')",
    "INSERT INTO search_fts_new(rowid, symbol, meta, body)"
    " SELECT rowid % 4294967296, symbol, meta, body FROM search_fts",
    "DROP TABLE search_fts",
    "ALTER TABLE search_fts_new RENAME TO search_fts",
]


def rekey(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for sql in REKEY:
            schema_editor.execute(sql)


def unkey(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        for sql in UNKEY:
            schema_editor.execute(sql)
