"""The vendor's full-text structure, created by migration 0001 (no model imports: migrations use it)."""

from __future__ import annotations

import re
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


# 0002: the SQLite full-text table gets its final shape: rowid = date ordinal × 2³² + entry id
# (``backends.fts_key``), a fourth column ``pairs`` (``search.query.pair_text``) and "_" as a token
# character; PostgreSQL gets a second vector ``tsv_pairs`` (the pairs, with positions; GIN index) and
# ``tsv`` loses its positions. Existing rows are converted in place from what the index holds (FTS5 keeps
# the folded columns; a tsvector keeps each word's positions).
# julianday(d) - 1721424.5 is the proleptic Gregorian ordinal of d (date.toordinal()).
FTS_TABLE = (
    "CREATE VIRTUAL TABLE {name} USING fts5"
    "(symbol, meta, body, pairs, tokenize = \"unicode61 remove_diacritics 2 tokenchars '_'\")"
)
_LEXEME = re.compile(r"'((?:[^']|'')*)':([0-9A-D,]+)")


def _sqlite_forward(schema_editor: Any) -> None:
    from search.query import pair_text

    schema_editor.execute(FTS_TABLE.format(name="search_fts_new"))
    with schema_editor.connection.cursor() as read, schema_editor.connection.cursor() as write:
        read.execute(
            "SELECT coalesce(CAST(julianday(e.date) - 1721424.5 AS INTEGER), 0) * 4294967296 + e.id,"
            " f.symbol, f.meta, f.body FROM search_fts f JOIN search_entry e ON e.id = f.rowid"
        )
        while rows := read.fetchmany(500):
            write.executemany(
                "INSERT INTO search_fts_new(rowid, symbol, meta, body, pairs) VALUES (%s, %s, %s, %s, %s)",
                [(key, a, b, c, pair_text(a, b, c)) for key, a, b, c in rows],
            )
    schema_editor.execute("DROP TABLE search_fts")
    schema_editor.execute("ALTER TABLE search_fts_new RENAME TO search_fts")


def _sqlite_backward(schema_editor: Any) -> None:
    schema_editor.execute(SQLITE_SCHEMA[0].replace("search_fts", "search_fts_old", 1))
    schema_editor.execute(
        "INSERT INTO search_fts_old(rowid, symbol, meta, body)"
        " SELECT rowid & 4294967295, symbol, meta, body FROM search_fts"
    )
    schema_editor.execute("DROP TABLE search_fts")
    schema_editor.execute("ALTER TABLE search_fts_old RENAME TO search_fts")


def vector_pairs(tsv: str) -> str:
    """The word pairs of a tsvector's text form: consecutive positions of the same weight (column)."""
    from search.backends import pair_vector
    from search.query import pairs, triples

    at: dict[int, tuple[str, str]] = {}
    for lexeme, positions in _LEXEME.findall(tsv):
        for position in positions.split(","):
            weight = position[-1] if position[-1] in "ABC" else "D"
            at[int(position.rstrip("ABCD"))] = (lexeme.replace("''", "'"), weight)
    runs: list[list[str]] = []
    previous = (-1, "")
    for position in sorted(at):
        lexeme, weight = at[position]
        if weight == "C":
            continue
        if position != previous[0] + 1 or weight != previous[1]:
            runs.append([])
        runs[-1].append(lexeme)
        previous = (position, weight)
    tokens = [p for run in runs for p in pairs(run)] + [t for run in runs for t in triples(run)]
    return pair_vector(" ".join(tokens))


def _postgres_forward(schema_editor: Any) -> None:
    schema_editor.execute("ALTER TABLE search_entry ADD COLUMN tsv_pairs tsvector")
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(
                "SELECT id, tsv::text FROM search_entry"
                " WHERE tsv IS NOT NULL AND id > %s ORDER BY id LIMIT 500",
                [last],
            )
            rows = cursor.fetchall()
            if not rows:
                break
            cursor.executemany(
                "UPDATE search_entry SET tsv = strip(tsv), tsv_pairs = %s::tsvector WHERE id = %s",
                [(vector_pairs(text), pk) for pk, text in rows],
            )
            last = rows[-1][0]
    schema_editor.execute("CREATE INDEX search_entry_pairs ON search_entry USING gin (tsv_pairs)")


def add_pairs(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "sqlite":
        _sqlite_forward(schema_editor)
    else:
        _postgres_forward(schema_editor)


def drop_pairs(apps: Any, schema_editor: Any) -> None:
    """Back to one vector (without positions now: phrases match as all their words until a rebuild)."""
    if schema_editor.connection.vendor == "sqlite":
        _sqlite_backward(schema_editor)
    else:
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_pairs")
        schema_editor.execute("ALTER TABLE search_entry DROP COLUMN IF EXISTS tsv_pairs")
