"""PostgreSQL's scan by date windows (``search.date_windows``): the tokens naming a run of days, the
window sizes, and — on PostgreSQL — that a windowed scan returns exactly what the plain scan returns, in
the same order, for words, phrases, both orders, pages and entries without a date."""

from __future__ import annotations

import importlib
import random
from datetime import date, timedelta

import pytest
from django.db import connection

from search import date_windows
from search.backends import PostgresBackend, Row, get_backend
from search.models import Entry
from search.query import index_text, pair_text, parse


def test_a_run_of_days_is_named_by_whole_years_months_then_days() -> None:
    assert date_windows.tokens(date(2024, 12, 30), date(2026, 2, 2)) == [
        "_d20241230",
        "_d20241231",
        "_y2025",
        "_m202601",
        "_d20260201",
        "_d20260202",
    ]
    assert date_windows.tokens(date(2025, 3, 1), date(2025, 3, 31)) == ["_m202503"]
    assert date_windows.tokens(date(2025, 3, 5), date(2025, 3, 5)) == ["_d20250305"]
    # every day of a long run is covered exactly once
    first, last = date(2019, 7, 17), date(2023, 2, 11)
    covered = set()
    for token in date_windows.tokens(first, last):
        if token.startswith("_y"):
            year = int(token[2:])
            days = [date(year, 1, 1) + timedelta(n) for n in range(366)]
            covered |= {d for d in days if d.year == year}
        elif token.startswith("_m"):
            start = date(int(token[2:6]), int(token[6:8]), 1)
            days = [start + timedelta(n) for n in range(31)]
            covered |= {d for d in days if d.month == start.month}
        else:
            covered.add(date(int(token[2:6]), int(token[6:8]), int(token[8:10])))
    assert covered == {first + timedelta(n) for n in range((last - first).days + 1)}
    assert date_windows.marks(date(2025, 6, 3)) == "_y2025 _m202506 _d20250603"
    assert date_windows.marks(None) == date_windows.NULL_MARK


def test_windows_grow_with_what_they_find() -> None:
    assert date_windows.first_size(500.0) == 10  # 5,000 documents at 500 a day
    assert date_windows.first_size(0.0) > 100_000  # no statistics yet: one window
    assert date_windows.next_size(10, 0, 1001) == 40  # nothing found: four times as far
    assert date_windows.next_size(10, 45, 956) == 277  # 4.5 a day: 956 more need ~212 days, +30 %
    assert date_windows.next_size(10, 900, 101) == 10  # never shrinks


WORDS = ["dak", "nong", "tinh", "uy", "cong", "tac", "to", "chuc", "hoi", "nghi", "bao", "cao"]


@pytest.fixture
def scattered(db: None) -> list[int]:
    """300 entries with dates spread over three years (a few without a date) and text of 40 words (of 12)."""
    rng = random.Random(7)
    backend = get_backend()
    entries = Entry.objects.bulk_create(
        Entry(
            kind="incoming",
            doc_id=n,
            date=None if n % 37 == 0 else date(2023, 1, 1) + timedelta(rng.randrange(3 * 365)),
        )
        for n in range(1, 301)
    )
    rows = []
    for entry in entries:
        body = index_text(" ".join(rng.choices(WORDS, k=40)))
        rows.append(
            Row(
                entry.pk,
                "",
                "",
                body,
                entry.date,
                pair_text("", "", body, with_triples=backend.with_triples, with_hashed_triples=True),
            )
        )
    backend.write(rows)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_entry")
    return [e.pk for e in entries]


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> tuple[PostgresBackend, PostgresBackend]:
    """The plain scan and the windowed one, with first windows of ~4 days (many small windows)."""
    plain, windowed = PostgresBackend(), PostgresBackend()
    plain.window_min_entries, windowed.window_min_entries = 10**9, 0
    monkeypatch.setattr(date_windows, "FIRST_WINDOW_ENTRIES", 3)
    return plain, windowed


@pytest.mark.postgres
@pytest.mark.parametrize(
    "query", ["dak nong", "hoi", "tinh uy cong", '"cong tac"', '"to chuc hoi"', "bao zzz"]
)
@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_a_windowed_scan_returns_what_the_plain_scan_returns(
    scattered: list[int], query: str, order: str, scans: tuple[PostgresBackend, PostgresBackend]
) -> None:
    parsed = parse(query)
    plain, windowed = scans
    base = Entry.objects.all()
    for offset, limit in [(0, 1001), (0, 5), (7, 20), (40, 3)]:
        expected = plain.scan(base, parsed, order=order, exclude=[], offset=offset, limit=limit)
        got = windowed.scan(base, parsed, order=order, exclude=[], offset=offset, limit=limit)
        assert got == expected, (query, order, offset, limit)
    everything = plain.scan(base, parsed, order=order, exclude=[], limit=1001)
    if query != "bao zzz":
        assert len(everything) > 3  # the comparison saw real results
        excluded = everything[:3]
        assert windowed.scan(base, parsed, order=order, exclude=excluded, limit=1001) == everything[3:]
    else:
        assert everything == []


@pytest.mark.postgres
def test_an_entry_whose_date_changes_is_found_in_its_new_window(
    scattered: list[int], scans: tuple[PostgresBackend, PostgresBackend]
) -> None:
    plain, windowed = scans
    moved = Entry.objects.get(pk=scattered[5])
    moved.date = date(2026, 1, 1)  # newer than everything else
    moved.save()
    body = index_text("dak nong moi nhat")
    windowed.write([Row(moved.pk, "", "", body, moved.date, pair_text("", "", body, with_triples=False))])
    base = Entry.objects.all()
    assert windowed.scan(base, parse("moi nhat"), order="newest", exclude=[], limit=5) == [moved.pk]
    newest = windowed.scan(base, parse("dak nong"), order="newest", exclude=[], limit=50)
    assert newest == plain.scan(base, parse("dak nong"), order="newest", exclude=[], limit=50)
    dated = [pk for pk in newest if Entry.objects.get(pk=pk).date is not None]
    assert dated[0] == moved.pk  # (PostgreSQL puts entries without a date first when descending)


@pytest.mark.postgres
def test_the_migration_adds_the_date_marks_to_vectors_indexed_before(
    scattered: list[int], scans: tuple[PostgresBackend, PostgresBackend]
) -> None:
    plain, windowed = scans
    base, parsed = Entry.objects.all(), parse("dak nong")
    expected = plain.scan(base, parsed, order="newest", exclude=[], limit=1001)
    assert len(expected) > 5
    with connection.cursor() as cursor:  # the vectors as indexed before the marks existed
        for column in ("tsv", "tsv_pairs"):
            cursor.execute(
                f"UPDATE search_entry SET {column} = ts_delete({column},"  # noqa: S608
                f" ARRAY(SELECT t FROM unnest(tsvector_to_array({column})) AS t WHERE t ~ '^_[ymd]'))"
            )
    assert windowed.scan(base, parsed, order="newest", exclude=[], limit=1001) == []
    migration = importlib.import_module("search.migrations.0005_postgres_date_marks")
    migration.forward(None, connection.schema_editor())
    assert windowed.scan(base, parsed, order="newest", exclude=[], limit=1001) == expected


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["dak nong", "hoi", '"cong tac"', "bao zzz"])
@pytest.mark.parametrize("order", ["newest", "oldest"])
def test_few_expected_matches_are_counted_unordered_and_give_what_the_plain_scan_gives(
    scattered: list[int],
    query: str,
    order: str,
    scans: tuple[PostgresBackend, PostgresBackend],
) -> None:
    """``find`` when the planner expects few matches: every match ordered here by date (entries without
    a date where PostgreSQL puts them) or, beyond the cap, the first page from the windows."""
    plain, windowed = scans
    unordered = PostgresBackend()
    unordered.window_min_entries, unordered.few_matches = 0, 10**9
    base, parsed = Entry.objects.all(), parse(query)
    everything = plain.scan(base, parsed, order=order, exclude=[], limit=1001)
    for cap, end in [(1000, 20), (len(everything), 20), (max(0, len(everything) - 1), 10), (5, 40)]:
        ids, counted = unordered.find(base, parsed, order=order, exclude=[], cap=cap, end=end)
        assert counted == min(len(everything), cap + 1), (cap, end)
        if counted <= cap:
            assert ids == everything
        else:
            assert ids[:end] == everything[:end]
        # the windowed route (common words) answers the same
        assert windowed.find(base, parsed, order=order, exclude=[], cap=cap, end=end)[1] == counted
    if query != "bao zzz":
        assert any(Entry.objects.get(pk=pk).date is None for pk in everything)  # nulls were ordered too
        excluded = everything[:2]
        assert unordered.find(base, parsed, order=order, exclude=excluded, cap=1000, end=20) == (
            everything[2:],
            len(everything) - 2,
        )


@pytest.mark.postgres
def test_the_route_follows_the_planners_estimate(
    scattered: list[int], monkeypatch: pytest.MonkeyPatch, scans: tuple[PostgresBackend, PostgresBackend]
) -> None:
    """Common words (more expected matches than ``few_matches``) take the windows; rare ones do not."""
    backend = PostgresBackend()
    backend.window_min_entries = 0
    base = Entry.objects.all()
    common, rare = backend.tsqueries(parse("hoi")), backend.tsqueries(parse("dak nong tinh uy cong tac"))
    assert backend._estimate(base, *common) > backend._estimate(base, *rare)
    backend.few_matches = int((backend._estimate(base, *common) + backend._estimate(base, *rare)) / 2)
    windows: list[str] = []
    real = PostgresBackend._windowed

    def counting(self: PostgresBackend, *args: object, **kwargs: object) -> list[int]:
        windows.append("windowed")
        return real(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(PostgresBackend, "_windowed", counting)
    backend.find(base, parse("hoi"), order="newest", exclude=[], cap=1000, end=20)
    assert windows == ["windowed"]
    backend.find(base, parse("dak nong tinh uy cong tac"), order="newest", exclude=[], cap=1000, end=20)
    assert windows == ["windowed"]  # counted unordered, all of them: no window needed
