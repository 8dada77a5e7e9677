"""The two full-text backends behind one interface, chosen by the database vendor.

Both index the same *folded* words (``search.query.words``: lower case, no diacritics, đ → d, split
on everything that is not a letter or a digit), so the database's own tokenizer sees only plain ASCII-ish
words separated by spaces and the two backends agree on what a word is.

- SQLite: an FTS5 table ``search_fts(symbol, meta, body)`` whose rowid is ``search_entry.id``.
  Large result sets stream from FTS5 in rowid order (newest indexed first) and stop at the page;
  small ones (≤ ``RANK_LIMIT`` candidates) are ordered by bm25 with the number-symbol and the
  metadata weighted above the files' text.
- PostgreSQL: a ``tsvector`` column ``search_entry.tsv`` (weights A symbol, B metadata, D text) with a
  GIN index; ``ts_rank_cd`` for small result sets, newest indexed first otherwise.

Visibility is never the backend's business: it receives the SQL of the permission-filtered entries
(``base``) and keeps only full-text rows that belong to it, inside the same statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from search.models import Entry
from search.query import Parsed

RANK_LIMIT = 2000  # relevance ranking only when the full-text match has at most this many rows
WEIGHTS = (10.0, 4.0, 1.0)  # symbol, metadata, files' text


@dataclass(frozen=True)
class Row:
    """The folded words of one entry, per column."""

    entry_id: int
    symbol: str
    meta: str
    body: str


class Backend:
    vendor = ""
    rank_limit = RANK_LIMIT

    def write(self, rows: Sequence[Row]) -> None:
        raise NotImplementedError

    def delete(self, entry_ids: Sequence[int]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def candidates(self, parsed: Parsed, limit: int) -> int:
        """How many entries match the words, whoever may see them, counted up to ``limit``."""
        raise NotImplementedError

    def page(
        self,
        base: QuerySet[Entry],
        parsed: Parsed,
        *,
        ranked: bool,
        exclude: Sequence[int],
        offset: int,
        limit: int,
    ) -> list[int]:
        raise NotImplementedError

    def count(self, base: QuerySet[Entry], parsed: Parsed, limit: int, exclude: Sequence[int] = ()) -> int:
        """How many visible entries match, counted up to ``limit``."""
        raise NotImplementedError


def _inner(base: QuerySet[Entry], outer_id: str) -> tuple[str, tuple[Any, ...]]:
    """The permission-filtered entries correlated with the outer full-text row, as SQL."""
    qs = base.filter(id=RawSQL(outer_id, [])).values("id").order_by()  # noqa: S611  (a column name of ours)
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


class SQLiteBackend(Backend):
    vendor = "sqlite"

    def write(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            self.delete([r.entry_id for r in rows])
            cursor.executemany(
                "INSERT INTO search_fts(rowid, symbol, meta, body) VALUES (%s, %s, %s, %s)",
                [(r.entry_id, r.symbol, r.meta, r.body) for r in rows],
            )

    def delete(self, entry_ids: Sequence[int]) -> None:
        if entry_ids:
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", [(i,) for i in entry_ids])

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")

    @staticmethod
    def match(parsed: Parsed) -> str:
        parts = [f'"{w}"' for w in parsed.words] + ['"' + " ".join(p) + '"' for p in parsed.phrases]
        return " ".join(parts)

    def candidates(self, parsed: Parsed, limit: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE search_fts MATCH %s LIMIT %s)",
                [self.match(parsed), limit],
            )
            return int(cursor.fetchone()[0])

    def _where(self, base: QuerySet[Entry], parsed: Parsed, exclude: Sequence[int]) -> tuple[str, list[Any]]:
        inner, params = _inner(base, "search_fts.rowid")
        where = f"search_fts MATCH %s AND EXISTS ({inner})"
        args: list[Any] = [self.match(parsed), *params]
        if exclude:
            where += " AND search_fts.rowid NOT IN (" + ", ".join(["%s"] * len(exclude)) + ")"
            args.extend(exclude)
        return where, args

    def page(
        self,
        base: QuerySet[Entry],
        parsed: Parsed,
        *,
        ranked: bool,
        exclude: Sequence[int],
        offset: int,
        limit: int,
    ) -> list[int]:
        where, args = self._where(base, parsed, exclude)
        order = "bm25(search_fts, %s, %s, %s), search_fts.rowid DESC" if ranked else "search_fts.rowid DESC"
        order_args = list(WEIGHTS) if ranked else []
        sql = f"SELECT search_fts.rowid FROM search_fts WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*args, *order_args, limit, offset])
            return [int(r[0]) for r in cursor.fetchall()]

    def count(self, base: QuerySet[Entry], parsed: Parsed, limit: int, exclude: Sequence[int] = ()) -> int:
        if limit <= 0:
            return 0
        where, args = self._where(base, parsed, exclude)
        sql = f"SELECT count(*) FROM (SELECT 1 FROM search_fts WHERE {where} LIMIT %s)"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, [*args, limit])
            return int(cursor.fetchone()[0])


class PostgresBackend(Backend):
    vendor = "postgresql"
    # ts_rank_cd reads (and decompresses) every matching tsvector: 1,000 of them took 60–110 ms in
    # bench/search.py at 20,000 documents, so relevance is kept for smaller result sets here
    rank_limit = 300
    VECTOR = (
        "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
        " || setweight(to_tsvector('simple', %s), 'D')"
    )

    def write(self, rows: Sequence[Row]) -> None:
        if rows:
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE search_entry SET tsv = {self.VECTOR} WHERE id = %s",  # noqa: S608
                    [(r.symbol, r.meta, r.body, r.entry_id) for r in rows],
                )

    def delete(self, entry_ids: Sequence[int]) -> None:
        """The vector lives in the entry row: deleting the entry deletes it."""

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE search_entry SET tsv = NULL WHERE tsv IS NOT NULL")

    @staticmethod
    def tsquery(parsed: Parsed) -> str:
        parts = [f"'{w}'" for w in parsed.words]
        parts += ["(" + " <-> ".join(f"'{w}'" for w in p) + ")" for p in parsed.phrases]
        return " & ".join(parts)

    def candidates(self, parsed: Parsed, limit: int) -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM (SELECT 1 FROM search_entry WHERE tsv @@ to_tsquery('simple', %s)"
                " LIMIT %s) AS m",
                [self.tsquery(parsed), limit],
            )
            return int(cursor.fetchone()[0])

    def _matching(self, base: QuerySet[Entry], parsed: Parsed, exclude: Sequence[int]) -> QuerySet[Entry]:
        qs = base.extra(where=["search_entry.tsv @@ to_tsquery('simple', %s)"], params=[self.tsquery(parsed)])
        if exclude:
            qs = qs.exclude(id__in=list(exclude))
        return qs

    def page(
        self,
        base: QuerySet[Entry],
        parsed: Parsed,
        *,
        ranked: bool,
        exclude: Sequence[int],
        offset: int,
        limit: int,
    ) -> list[int]:
        qs = self._matching(base, parsed, exclude)
        if ranked:
            rank = RawSQL(
                "ts_rank_cd('{0.1, 0.2, 0.4, 1.0}', search_entry.tsv, to_tsquery('simple', %s))",
                [self.tsquery(parsed)],
            )
            qs = qs.annotate(rank=rank).order_by("-rank", "-id")
        else:
            qs = qs.order_by("-id")
        return list(qs.values_list("id", flat=True)[offset : offset + limit])

    def count(self, base: QuerySet[Entry], parsed: Parsed, limit: int, exclude: Sequence[int] = ()) -> int:
        if limit <= 0:
            return 0
        return len(self._matching(base, parsed, exclude).order_by().values_list("id", flat=True)[:limit])


def get_backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()
