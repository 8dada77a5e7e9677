"""The two full-text backends behind one interface, chosen by the database vendor.

Both index the same *folded* words (``search.query.words``: lower case, no diacritics, đ → d, split
on everything that is not a letter or a digit), so the database's own tokenizer sees only plain ASCII-ish
words separated by spaces and the two backends agree on what a word is.

- SQLite: an FTS5 table ``search_fts(symbol, meta, body, pairs)`` whose rowid is
  ``fts_key(date, entry id)`` (date ordinal × 2³² + id), so FTS5's own rowid order is the documents'
  date order: matches stream newest (or oldest) first and a large result set stops at the limit,
  whatever the number of matches.
- PostgreSQL: ``tsvector`` columns ``search_entry.tsv`` (the words, no positions) and ``tsv_pairs``
  (the word pairs, with positions), each with a GIN index, and a b-tree on (date, id). Both vectors
  also hold the entry's year, month and day as tokens: above ``WINDOW_MIN_ENTRIES`` entries a search
  asks the GIN index for the newest (or oldest) days first, window by window (``search.date_windows``),
  so the heap is read for about as many matches as the page and the count need, not for every match.

Adjacent word pairs are indexed as tokens of their own ("dak_nong": ``search.query.pair_text``); a phrase
is the phrase of its pairs (``phrase_tokens``): short lists even when every word of the phrase is common,
where a phrase of single words would read (and, on PostgreSQL, recheck) every document holding all of
them. SQLite also indexes the triples ("cong_tac_to"), so a three-word phrase is one token there; on
PostgreSQL triples are nearly all distinct keys, which made the GIN index build several times slower
(measured: 899 s per 100,000 documents for pairs and triples) for little gain at query time, so
PostgreSQL keeps pairs only (``Backend.with_triples``).

On PostgreSQL a full rebuild of a large index (``search.rebuild``) drops the two GIN indexes first and
builds them once at the end (``drop_indexes`` / ``create_indexes``, ``CONCURRENTLY`` outside a
transaction so registrations go on meanwhile), with ``SEARCH_INDEX_BUILD_MEMORY`` of
``maintenance_work_mem``: one sorted build instead of a million index insertions.
Relevance is not the backends' business either: ``search.selectors`` orders the at most
``RANK_LIMIT`` matches it found by where the words are (number-symbol, metadata, text).

Visibility is never the backend's business: it receives the SQL of the permission-filtered entries
(``base``) and keeps only full-text rows that belong to it, inside the same statement.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

from search import date_windows
from search.models import Entry
from search.query import Parsed, hashed_triples, phrase_tokens

WINDOW_MIN_ENTRIES = 50_000  # PostgreSQL scans by date windows above this many entries
FEW_MATCHES = 20_000  # … unless the planner expects at most this many matches (``PostgresBackend.find``)
RANK_LIMIT = 300  # relevance ordering only when at most this many visible documents match
ORDERS = ("newest", "oldest")  # by the document's date (then the entry id)
KEY_SHIFT = 2**32  # SQLite full-text rowid = date ordinal × 2³² + entry id (entry ids stay below 2³²)


def fts_key(day: date | None, entry_id: int) -> int:
    """The SQLite full-text rowid of an entry: its rowid order is the order of (date, id), so the
    newest (or oldest) matches stream from FTS5 first and a large result set stops at the page."""
    return (day.toordinal() if day else 0) * KEY_SHIFT + entry_id


@dataclass(frozen=True)
class Row:
    """The folded words of one entry, per column."""

    entry_id: int
    symbol: str
    meta: str
    body: str
    date: date | None = None
    pairs: str = ""  # search.query.pair_text of the three columns


def pair_vector(text: str) -> str:
    """``search.query.pair_text`` as a tsvector literal with positions (1, 2, …), so that a phrase of
    pairs (``'a_b' <-> 'b_c'``) matches only consecutive pairs."""
    return " ".join(f"{token}:{min(i, 16383)}" for i, token in enumerate(text.split(), start=1))


class Backend:
    vendor = ""
    rank_limit = RANK_LIMIT
    with_triples = True  # the pairs column also holds word triples (``search.query.pair_text``)
    hashed_triples = False  # … or their hashed keys (``search.query.hashed_triples``)

    def drop_indexes(self) -> bool:
        """Drop what a bulk rebuild is faster without; True when something was dropped."""
        return False

    def create_indexes(self, report: Callable[[str], None] | None = None) -> list[str]:
        """Create what ``drop_indexes`` dropped (and any left invalid by a crash), reporting each as it is
        built; the names created."""
        return []

    def write(self, rows: Sequence[Row]) -> None:
        """Add the full-text rows of entries (their previous rows deleted first with ``delete``)."""
        raise NotImplementedError

    def delete(self, entry_ids: Sequence[int]) -> None:
        """Drop the full-text rows of entries, before the entries change or go."""
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def scan(
        self,
        base: QuerySet[Entry],
        parsed: Parsed,
        *,
        order: str,
        exclude: Sequence[int],
        offset: int = 0,
        limit: int,
    ) -> list[int]:
        """Ids of the entries of ``base`` that match, in date order (``ORDERS``), ``limit`` of them."""
        raise NotImplementedError

    def find(
        self,
        base: QuerySet[Entry],
        parsed: Parsed,
        *,
        order: str,
        exclude: Sequence[int],
        cap: int,
        end: int,
    ) -> tuple[list[int], int]:
        """The matches for a result page and their count: ``(ids, counted)``, ``counted`` being the number
        of matches up to ``cap + 1``. When ``counted <= cap``, ``ids`` is every match in date order;
        beyond, at least the first ``end`` of them."""
        found = self.scan(base, parsed, order=order, exclude=exclude, limit=cap + 1)
        return found, len(found)


def _inner(base: QuerySet[Entry], outer_id: str) -> tuple[str, tuple[Any, ...]]:
    """The permission-filtered entries correlated with the outer full-text row, as SQL."""
    qs = base.filter(id=RawSQL(outer_id, [])).values("id").order_by()  # noqa: S611  (a column name of ours)
    sql, params = qs.query.sql_with_params()
    return sql, tuple(params)


class SQLiteBackend(Backend):
    vendor = "sqlite"
    ENTRY_ID = f"(search_fts.rowid & {KEY_SHIFT - 1})"

    def write(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        with connection.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO search_fts(rowid, symbol, meta, body, pairs) VALUES (%s, %s, %s, %s, %s)",
                [(fts_key(r.date, r.entry_id), r.symbol, r.meta, r.body, r.pairs) for r in rows],
            )

    def delete(self, entry_ids: Sequence[int]) -> None:
        if entry_ids:
            keys = [
                (fts_key(day, pk),)
                for pk, day in Entry.objects.filter(id__in=list(entry_ids)).values_list("id", "date")
            ]
            with connection.cursor() as cursor:
                cursor.executemany("DELETE FROM search_fts WHERE rowid = %s", keys)

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM search_fts")

    def match(self, parsed: Parsed) -> str:
        """Words anywhere; a phrase as the phrase of its word pairs in the ``pairs`` column."""
        parts = [f'"{w}"' for w in parsed.words]
        for phrase in parsed.phrases:
            tokens = phrase_tokens(phrase, with_triples=self.with_triples)
            parts.append('pairs : "' + " ".join(tokens) + '"' if tokens else '"' + " ".join(phrase) + '"')
        return " ".join(parts)

    def scan(
        self,
        base: QuerySet[Entry],
        parsed: Parsed,
        *,
        order: str,
        exclude: Sequence[int],
        offset: int = 0,
        limit: int,
    ) -> list[int]:
        inner, params = _inner(base, self.ENTRY_ID)
        where = f"search_fts MATCH %s AND EXISTS ({inner})"
        args: list[Any] = [self.match(parsed), *params]
        if exclude:
            where += f" AND {self.ENTRY_ID} NOT IN (" + ", ".join(["%s"] * len(exclude)) + ")"
            args.extend(exclude)
        direction = "ASC" if order == "oldest" else "DESC"
        sql = (
            f"SELECT {self.ENTRY_ID} FROM search_fts WHERE {where}"  # noqa: S608
            f" ORDER BY search_fts.rowid {direction} LIMIT %s OFFSET %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [*args, limit, offset])
            return [int(r[0]) for r in cursor.fetchall()]


class PostgresBackend(Backend):
    """Two vectors per entry, each with a GIN index: ``tsv`` the words without positions (``strip``:
    small, mostly stored inline, so testing it row by row along the date index is cheap) and
    ``tsv_pairs`` the word pairs with their positions (``'a_b' <-> 'b_c'`` needs them; the GIN index
    then leaves only the documents holding every pair to recheck)."""

    vendor = "postgresql"
    with_triples = False
    hashed_triples = True
    INDEXES = {"search_entry_tsv": "tsv", "search_entry_pairs": "tsv_pairs"}

    def write(self, rows: Sequence[Row]) -> None:
        """One statement for the whole batch (the vectors computed by the server from arrays)."""
        if rows:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE search_entry AS e"
                    " SET tsv = strip(to_tsvector('simple', v.words)) || v.marks::tsvector,"
                    # literals: the parser would split "a_b"
                    " tsv_pairs = (v.pairs || ' ' || v.marks)::tsvector"
                    " FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[])"
                    " AS v(id, words, pairs, marks) WHERE e.id = v.id",
                    [
                        [r.entry_id for r in rows],
                        [f"{r.symbol} {r.meta} {r.body}" for r in rows],
                        [pair_vector(r.pairs) for r in rows],
                        [date_windows.marks(r.date) for r in rows],
                    ],
                )

    def delete(self, entry_ids: Sequence[int]) -> None:
        """The vectors live in the entry row: writing or deleting the entry replaces them."""

    def clear(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE search_entry SET tsv = NULL, tsv_pairs = NULL WHERE tsv IS NOT NULL")

    def _present(self) -> dict[str, bool]:
        """Our GIN indexes that exist, and whether each is valid (a failed CONCURRENTLY build is not)."""
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE c.relname = ANY(%s)",
                [list(self.INDEXES)],
            )
            return {name: bool(valid) for name, valid in cursor.fetchall()}

    def _ddl(self, sql: str) -> None:
        concurrently = "" if connection.in_atomic_block else " CONCURRENTLY"
        with connection.cursor() as cursor:
            cursor.execute(sql.replace(" INDEX ", f" INDEX{concurrently} ", 1))

    def drop_indexes(self) -> bool:
        present = self._present()
        for name in present:
            self._ddl(f"DROP INDEX IF EXISTS {name}")
        return bool(present)

    def create_indexes(self, report: Callable[[str], None] | None = None) -> list[str]:
        present = self._present()
        created = []
        for name, column in self.INDEXES.items():
            if present.get(name):
                continue
            started = time.monotonic()
            if name in present:  # left invalid by an interrupted build
                self._ddl(f"DROP INDEX IF EXISTS {name}")
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('maintenance_work_mem', %s, false)", [_build_memory()])
                try:
                    self._ddl(f"CREATE INDEX {name} ON search_entry USING gin ({column})")
                finally:
                    cursor.execute("RESET maintenance_work_mem")
            created.append(name)
            if report:
                report(f"đã dựng chỉ mục {name} ({time.monotonic() - started:.0f} giây)")
        return created

    @staticmethod
    def tsqueries(parsed: Parsed) -> tuple[str, str]:
        """tsquery literals (the words are folded already) for ``tsv`` and for ``tsv_pairs``."""
        single = [f"'{w}'" for w in parsed.words]
        double = []
        for phrase in parsed.phrases:
            tokens = phrase_tokens(phrase, with_triples=False)
            if tokens:
                double.append("(" + " <-> ".join(f"'{t}'" for t in tokens) + ")")
            else:  # words too long to pair: all of them, anywhere (``tsv`` has no positions)
                single += [f"'{w}'" for w in phrase]
        return " & ".join(single), " & ".join(double)

    def scan(
        self,
        base: QuerySet[Entry],
        parsed: Parsed,
        *,
        order: str,
        exclude: Sequence[int],
        offset: int = 0,
        limit: int,
    ) -> list[int]:
        qs, single, double = self._matching(base, parsed, order=order, exclude=exclude)
        span = self._span()
        if span is None:
            return self._query(qs, single, double, None, offset, limit)
        return self._windowed(qs, single, double, span, order=order, offset=offset, limit=limit)

    def find(
        self,
        base: QuerySet[Entry],
        parsed: Parsed,
        *,
        order: str,
        exclude: Sequence[int],
        cap: int,
        end: int,
    ) -> tuple[list[int], int]:
        """Date windows pay off when the words are common; when the planner expects few matches
        (``FEW_MATCHES``), the count is taken without any order instead — one GIN bitmap of the words
        alone, the heap read in its physical order until ``cap + 1`` visible rows — and, when there are
        no more than ``cap``, ordered here by their dates; only beyond does a windowed scan fetch the
        page (``end`` rows). The union of the windows' date tokens, paid again in every window, cost
        more than that for words that match a few thousand documents of a million."""
        qs, single, double = self._matching(base, parsed, order=order, exclude=exclude)
        span = self._span()
        if span is None:
            found = self._query(qs, single, double, None, 0, cap + 1)
            return found, len(found)
        if self._estimate(qs, single, double) > self.few_matches:
            found = self._windowed(qs, single, double, span, order=order, offset=0, limit=cap + 1)
            return found, len(found)
        rows = self._unordered(qs, single, double, cap + 1)
        if len(rows) > cap:
            page = self._windowed(qs, single, double, span, order=order, offset=0, limit=end)
            return page, cap + 1
        return [pk for pk, _ in by_date(rows, order)], len(rows)

    def _matching(
        self, base: QuerySet[Entry], parsed: Parsed, *, order: str, exclude: Sequence[int]
    ) -> tuple[QuerySet[Entry], str, str]:
        """The entries of ``base`` in ``order`` with the phrases' estimate-fixing condition, and the
        words' and the phrases' tsquery literals (``tsqueries``)."""
        single, double = self.tsqueries(parsed)
        where: list[str] = []
        params: list[Any] = []
        if double:
            # The planner estimates a phrase like the AND of its pairs (the documents holding them all),
            # often five times the documents where they are consecutive, and then walks the date index
            # expecting to stop early, rechecking tens of thousands of vectors. The same pairs once more
            # (redundant, so the result is unchanged) bring its estimate near the truth; the GIN index
            # answers them in the same scan.
            # The phrase's hashed triples in that same AND leave the GIN index with the documents holding
            # every pair and every triple key — nearly only the phrase's — to check for positions.
            for phrase in parsed.phrases:
                tokens = phrase_tokens(phrase, with_triples=False)
                if len(tokens) > 1:
                    where.append("search_entry.tsv_pairs @@ %s::tsquery")
                    params.append(" & ".join(f"'{t}'" for t in [*tokens, *hashed_triples(phrase)]))
        qs = base.extra(where=where, params=params) if where else base  # noqa: S610  (SQL of ours)
        if exclude:
            qs = qs.exclude(id__in=list(exclude))
        qs = qs.order_by("date", "id") if order == "oldest" else qs.order_by("-date", "-id")
        return qs, single, double

    def _windowed(
        self,
        qs: QuerySet[Entry],
        single: str,
        double: str,
        span: tuple[date, date, float],
        *,
        order: str,
        offset: int,
        limit: int,
    ) -> list[int]:
        """Window by window in date order (``search.date_windows``), until enough are found."""
        first, last, per_day = span
        days = last.toordinal() - first.toordinal() + 1
        found: list[int] = []
        needed = offset + limit
        at, size = 0, date_windows.first_size(per_day)
        while at < days and len(found) < needed:
            size = min(size, days - at)
            if order == "oldest":
                start, end = first.toordinal() + at, first.toordinal() + at + size - 1
                with_null = at + size == days  # ascending: the entries without a date come last
            else:
                start, end = last.toordinal() - at - size + 1, last.toordinal() - at
                with_null = at == 0  # descending: first
            window = (date.fromordinal(start), date.fromordinal(end), with_null)
            found += self._query(qs, single, double, window, 0, needed - len(found))
            at += size
            size = date_windows.next_size(at, len(found), needed - len(found))
        return found[offset : offset + limit]

    @staticmethod
    def _query(
        qs: QuerySet[Entry],
        single: str,
        double: str,
        window: tuple[date, date, bool] | None,
        offset: int,
        limit: int,
    ) -> list[int]:
        """One full-text statement: the words (and phrases) of the search, within a window of days
        (and, when its flag is set, the entries without a date) when one is given."""
        where, params = PostgresBackend._conditions(single, double, window)
        qs = qs.extra(where=where, params=params)  # noqa: S610  (fixed SQL of ours, values as parameters)
        return list(qs.values_list("id", flat=True)[offset : offset + limit])

    @staticmethod
    def _conditions(
        single: str, double: str, window: tuple[date, date, bool] | None
    ) -> tuple[list[str], list[Any]]:
        """The WHERE conditions (and their parameters) of the words and phrases, within a window."""
        where: list[str] = []
        params: list[Any] = []
        if window is not None:
            first, last, with_null = window
            marks = " | ".join(f"'{t}'" for t in date_windows.tokens(first, last))
            if with_null:
                marks += f" | '{date_windows.NULL_MARK}'"
            # the tokens in the same vector as the words, so the GIN index does the intersection
            if single:
                single = f"{single} & ({marks})"
            else:
                double = f"{double} & ({marks})"
            # (no condition on the date column as well: the planner ANDs it with the b-tree's bitmap of
            # every entry in the window, ~17 ms for a year at 1,000,000 entries, for nothing)
        if single:
            where.append("search_entry.tsv @@ %s::tsquery")
            params.append(single)
        if double:
            where.append("search_entry.tsv_pairs @@ %s::tsquery")
            params.append(double)
        return where, params

    few_matches = FEW_MATCHES

    def _estimate(self, qs: QuerySet[Entry], single: str, double: str) -> float:
        """The planner's estimate of the matches of the words and phrases (visibility aside)."""
        where, params = self._conditions(single, double, None)
        probe = qs.model.objects.extra(where=where, params=params).order_by().values("id")  # noqa: S610
        sql, sql_params = probe.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", sql_params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return float(plan[0]["Plan"]["Plan Rows"])

    def _unordered(
        self, qs: QuerySet[Entry], single: str, double: str, limit: int
    ) -> list[tuple[int, date | None]]:
        """Up to ``limit`` matches (id, date) in no particular order: the heap read in its own order."""
        where, params = self._conditions(single, double, None)
        qs = qs.extra(where=where, params=params).order_by()  # noqa: S610  (SQL of ours)
        return list(qs.values_list("id", "date")[:limit])

    window_min_entries = WINDOW_MIN_ENTRIES

    def _span(self) -> tuple[date, date, float] | None:
        """The first and last date of the index and its entries per day, or None when the index is
        small enough to be read whole (``window_min_entries``, from the planner's statistics)."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'search_entry'::regclass")
            row = cursor.fetchone()
            entries = max(0.0, float(row[0])) if row else 0.0  # -1: never analysed
            if entries < self.window_min_entries:
                return None
            cursor.execute("SELECT min(date), max(date) FROM search_entry")
            first, last = cursor.fetchone()
        if first is None:
            return None
        return first, last, entries / (last.toordinal() - first.toordinal() + 1)


def _build_memory() -> str:
    """``maintenance_work_mem`` for building the GIN indexes (the server's memory, not the rebuild's)."""
    return str(getattr(settings, "SEARCH_INDEX_BUILD_MEMORY", "512MB"))


def by_date(rows: Sequence[tuple[int, date | None]], order: str) -> list[tuple[int, date | None]]:
    """(id, date) rows in the database's order by (date, id): ``oldest`` ascending with the entries
    without a date last, ``newest`` descending with them first (PostgreSQL's NULLS LAST / FIRST)."""
    return sorted(rows, key=lambda r: (r[1] is None, r[1] or date.min, r[0]), reverse=order != "oldest")


def get_backend() -> Backend:
    return PostgresBackend() if connection.vendor == "postgresql" else SQLiteBackend()
