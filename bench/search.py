"""Search bench: N documents (default 1,000,000) with metadata and ~300 words of Vietnamese-like text
each, on SQLite and PostgreSQL: index build time and peak memory (``search_rebuild``'s code path), then
p50/p95 of ``search.selectors.search`` — what the page and the API run: visibility, count, snippets —
for two-word queries, a phrase and a number-symbol. Target: p95 ≤ 100 ms; rebuild peak ≤ 1 GB.

    .venv/bin/python bench/search.py                 # 1,000,000 documents, both databases
    .venv/bin/python bench/search.py --docs 20000 --db sqlite

Each phase runs in its own process (``--phase generate|index|query``), so ``ru_maxrss`` of the index
phase is the rebuild's own peak. Generation writes rows straight with ``bulk_create`` (10,000 a
transaction): incoming documents, a StoredFile and an Attachment each, and the file's text in
``search.FileText`` (so the rebuild reads no PDF: its cost is folding, writing entries and the
full-text index). The databases: ``DATA_DIR=var/bench-search/<N>`` (SQLite) and
``dieuhanh_bench_search`` on ``BENCH_POSTGRES_URL`` (default postgres://postgres@127.0.0.1:5432/),
dropped and reloaded each run. Prints the figures and writes bench/results-search.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
PG_NAME = "dieuhanh_bench_search"  # + "_<N>": one database per size
DATASET_VERSION = "v2"
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
RUNS, WARMUP = 200, 10
BATCH = 10_000

ONSETS = [
    "",
    "b",
    "c",
    "ch",
    "d",
    "đ",
    "g",
    "gi",
    "h",
    "k",
    "kh",
    "l",
    "m",
    "n",
    "ng",
    "nh",
    "ph",
    "qu",
    "r",
    "s",
    "t",
    "th",
    "tr",
    "v",
    "x",
]
RHYMES = [
    "a",
    "ai",
    "am",
    "an",
    "ang",
    "anh",
    "ao",
    "ăn",
    "âm",
    "ân",
    "ất",
    "e",
    "em",
    "en",
    "ê",
    "ếch",
    "i",
    "im",
    "in",
    "inh",
    "o",
    "oa",
    "oai",
    "oan",
    "ong",
    "ô",
    "ôi",
    "ông",
    "ơ",
    "ơn",
    "u",
    "ui",
    "uy",
    "ư",
    "ưa",
    "ương",
    "ươi",
    "yên",
]
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]


def vocabulary(rng: random.Random, size: int = 4000) -> list[str]:
    import unicodedata

    words: set[str] = set()
    while len(words) < size:
        syllable = rng.choice(ONSETS) + rng.choice(RHYMES)
        tone = rng.choice(TONES)
        decomposed = unicodedata.normalize("NFD", syllable)
        at = next((i for i, ch in enumerate(decomposed) if ch in "aeiouy"), 0) + 1
        while at < len(decomposed) and unicodedata.combining(decomposed[at]):
            at += 1  # after the vowel's own marks (â, ơ…): the tone goes on top of them
        words.add(unicodedata.normalize("NFC", decomposed[:at] + tone + decomposed[at:]))
    return sorted(words)


def p(values: list[float], q: int) -> float:
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def data_dir(docs: int) -> Path:
    return ROOT / "var" / "bench-search" / str(docs)


def pg_url(docs: int) -> str:
    return f"{PG_SERVER}/{PG_NAME}_{docs}"


def setup(db: str, docs: int) -> None:
    os.environ.setdefault("DEBUG", "1")
    if db == "postgres":
        os.environ["DATABASE_URL"] = pg_url(docs)
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DATA_DIR"] = str(data_dir(docs) / db)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def marker(docs: int, seed: int) -> str:
    return f"bench:search:{DATASET_VERSION}:{docs}:{seed}"


def is_loaded(db: str, docs: int, seed: int) -> bool:
    """The data set is complete (its marker row is written after the last batch)."""
    from bench import dbsetup

    if db == "sqlite":
        path = data_dir(docs) / db / dbsetup.SQLITE_FILE
        if not path.exists():
            return False
        import sqlite3

        try:
            with sqlite3.connect(path) as con:
                sql = "SELECT 1 FROM core_counter WHERE scope = ?"
                row = con.execute(sql, (marker(docs, seed),)).fetchone()
        except sqlite3.Error:
            return False
        return row is not None
    import psycopg

    try:
        with psycopg.connect(pg_url(docs), connect_timeout=5) as con:
            row = con.execute("SELECT 1 FROM core_counter WHERE scope = %s", (marker(docs, seed),)).fetchone()
    except psycopg.Error:
        return False
    return row is not None


def reset(db: str, docs: int) -> None:
    from bench import dbsetup

    dbsetup.reset_sqlite(data_dir(docs) / db)
    if db == "postgres":
        dbsetup.ensure_postgres_database(pg_url(docs))
        dbsetup.reset_postgres(pg_url(docs))


def generate(db: str, docs: int, seed: int, fresh: bool) -> dict[str, Any]:
    """Load the data set, resuming after the last committed batch of an interrupted load (each batch
    draws from its own seeded generator, so a resumed load writes what an uninterrupted one would)."""
    if fresh:
        reset(db, docs)
    elif is_loaded(db, docs, seed):
        return {"generate_s": None, "reused": True}
    else:
        (data_dir(docs) / db).mkdir(parents=True, exist_ok=True)
        if db == "postgres":
            from bench import dbsetup

            dbsetup.ensure_postgres_database(pg_url(docs))
    setup(db, docs)
    from datetime import date, timedelta
    from itertools import accumulate

    from django.core.management import call_command
    from django.db import transaction

    from core.models import Counter, StoredFile
    from documents.models import Attachment, DocType, Register, RegisterKind
    from incoming.models import IncomingDocument
    from orgs.models import Organization, Role, RoleAssignment, User
    from search.models import FileText

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    words = vocabulary(random.Random(seed))
    cum = list(accumulate(1 / (i + 1) for i in range(len(words))))  # Zipf-like: a few very common words
    org = Organization.objects.filter(name="Tỉnh ủy Bench").first()
    if org is None:
        org = Organization.objects.create(
            name="Tỉnh ủy Bench", abbreviation="TU", kind="provincial_committee"
        )
        Register.objects.create(organization=org, kind=RegisterKind.INCOMING, name="Sổ đến")
        leader = User.objects.create(
            username="bench-leader", full_name="Lãnh đạo", organization=org, clearance="top_secret"
        )
        clerk = User.objects.create(
            username="bench-clerk", full_name="Văn thư", organization=org, clearance="none"
        )
        RoleAssignment.objects.create(user=leader, role=Role.OFFICE_LEADER, organization=org)
        RoleAssignment.objects.create(user=clerk, role=Role.CLERK, organization=org)
    register = Register.objects.get(organization=org, kind=RegisterKind.INCOMING)
    clerk = User.objects.get(username="bench-clerk")
    types = list(DocType.objects.filter(profile=org.profile)[:12]) or list(DocType.objects.all()[:12])
    issuers = [
        "Ban Tổ chức Trung ương",
        "UBND tỉnh Đắk Nông",
        "Sở Tài chính",
        "Huyện ủy Krông Nô",
        "Ban Tuyên giáo Tỉnh ủy",
    ]
    start = date(2020, 1, 1)
    made = IncomingDocument.objects.filter(organization=org).count()
    if made:
        print(f"  {db}: resuming after {made} documents", file=sys.stderr, flush=True)
    while made < docs:
        n = min(BATCH, docs - made)
        rng = random.Random(f"{seed}:{made}")
        with transaction.atomic():
            rows, texts = [], []
            for i in range(made, made + n):
                doc_type = types[i % len(types)]
                symbol = f"{i + 1}-{doc_type.abbreviation or 'CV'}/TU"
                text = " ".join(rng.choices(words, cum_weights=cum, k=300))
                texts.append(text)
                arrival = start + timedelta(days=i * 2000 // max(docs, 1))
                rows.append(
                    IncomingDocument(
                        organization=org,
                        register=register,
                        year=arrival.year,
                        arrival_number=i + 1,
                        arrival_date=arrival,
                        issuer_name=issuers[i % len(issuers)],
                        number_symbol=symbol,
                        symbol_key=symbol.lower(),
                        issued_date=arrival,
                        doc_type=doc_type,
                        subject=" ".join(rng.choices(words, cum_weights=cum, k=12)),
                        secrecy="secret" if i % 20 == 0 else "none",
                        created_by=clerk,
                        status="registered",
                    )
                )
            IncomingDocument.objects.bulk_create(rows)
            stored = StoredFile.objects.bulk_create(
                [
                    StoredFile(sha256=f"{i:064x}", size=len(t), content_type="application/pdf")
                    for i, t in zip(range(made, made + n), texts, strict=True)
                ]
            )
            Attachment.objects.bulk_create(
                [
                    Attachment(stored=s, name="van-ban.pdf", owner_kind="incoming", owner_id=d.pk)
                    for s, d in zip(stored, rows, strict=True)
                ]
            )
            FileText.objects.bulk_create(
                [FileText(stored=s, text=t, source="bench") for s, t in zip(stored, texts, strict=True)]
            )
        made += n
        print(f"  {db}: {made}/{docs} documents", file=sys.stderr, flush=True)
    Counter.objects.create(scope=marker(docs, seed), last_number=docs)
    if db == "postgres":
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    return {"generate_s": round(time.perf_counter() - started, 1), "reused": False}


def index(db: str, docs: int) -> dict[str, Any]:
    setup(db, docs)
    from django.core.management import call_command

    from search.models import RebuildCheckpoint
    from search.rebuild import rebuild

    call_command("migrate", verbosity=0)  # a reused data set gets the index's current schema
    # an interrupted rebuild resumes after its last batch (a finished one starts again from the first)
    checkpoint = RebuildCheckpoint.objects.filter(kind="incoming", done=False).first()
    before = checkpoint.last_id if checkpoint else 0
    started = time.perf_counter()
    rebuild(kinds=["incoming"], batch=2000, report=lambda line: print("  " + line, file=sys.stderr))
    took = time.perf_counter() - started
    docs -= before  # ids are 1..N in the generated data set
    if db == "postgres":  # what autovacuum does soon after a large write: the planner needs the statistics
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE search_entry")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "index_resumed_after": before,
        "index_s": round(took, 1),
        "index_docs_per_s": round(docs / took),
        "index_peak_mib": round(peak_kib / 1024),
    }


def query(db: str, docs: int, seed: int) -> dict[str, Any]:
    setup(db, docs)
    from django.db import connection

    from orgs.models import User
    from search.models import Entry
    from search.selectors import search

    rng = random.Random(seed + 1)
    words = vocabulary(random.Random(seed))
    sample = (
        list(Entry.objects.order_by("?").values_list("body", "number_symbol")[:300]) if docs <= 50_000 else []
    )
    if not sample:  # random rows without sorting a million
        top = Entry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        picks = [rng.randint(1, top) for _ in range(300)]
        sample = list(Entry.objects.filter(id__in=picks).values_list("body", "number_symbol"))
    queries = {
        "two_words_common": [" ".join(rng.sample(words[:50], 2)) for _ in range(RUNS)],
        "two_words_rare": [" ".join(rng.sample(words[1000:], 2)) for _ in range(RUNS)],
        "phrase": [],
        "number_symbol": [rng.choice(sample)[1] for _ in range(RUNS)],
    }
    for _ in range(RUNS):
        body = rng.choice(sample)[0].split()
        at = rng.randrange(0, max(1, len(body) - 3))
        queries["phrase"].append('"' + " ".join(body[at : at + 3]) + '"')
    out: dict[str, Any] = {"vendor": connection.vendor}
    for who in ("bench-leader", "bench-clerk"):
        user = User.objects.get(username=who)
        for name, qs in queries.items():
            for q in qs[:WARMUP]:
                search(user, q)
            times, totals, exact_first = [], [], 0
            for q in qs:
                t0 = time.perf_counter()
                result = search(user, q)
                times.append((time.perf_counter() - t0) * 1000)
                totals.append(result.total)
                exact_first += bool(result.items) and result.items[0].number_symbol == q
            key = f"{who.split('-')[1]}_{name}"
            out[key] = {
                "p50_ms": p(times, 50),
                "p95_ms": p(times, 95),
                "max_ms": round(max(times), 1),
                "median_total": statistics.median(totals),
            }
            if name == "number_symbol":
                out[key]["exact_first_share"] = round(exact_first / len(qs), 3)
    return out


def child(args: argparse.Namespace) -> None:
    if args.phase == "generate":
        figures = generate(args.db, args.docs, args.seed, args.fresh)
    elif args.phase == "index":
        figures = index(args.db, args.docs)
    else:
        figures = query(args.db, args.docs, args.seed)
    print(json.dumps(figures))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--phase", choices=["generate", "index", "query"])
    parser.add_argument("--fresh", action="store_true", help="drop a loaded data set and generate it again")
    parser.add_argument(
        "--skip-index",
        action="store_true",
        help="query the index as it is (after a completed run with the same code)",
    )
    args = parser.parse_args()
    if args.phase:
        child(args)
        return 0
    results: dict[str, Any] = {"docs": args.docs}
    for db in ["sqlite", "postgres"] if args.db == "both" else [args.db]:
        figures: dict[str, Any] = {}
        for phase in ("generate", "query") if args.skip_index else ("generate", "index", "query"):
            cmd = [
                sys.executable,
                __file__,
                "--phase",
                phase,
                "--db",
                db,
                "--docs",
                str(args.docs),
                "--seed",
                str(args.seed),
                *(["--fresh"] if args.fresh else []),
            ]
            done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=False, cwd=ROOT)
            if done.returncode != 0:
                return 1
            figures.update(json.loads(done.stdout.strip().splitlines()[-1]))
        results[db] = figures
        print(f"\n{db} — {args.docs:,} documents")
        loaded = "reused" if figures.get("reused") else f"generated in {figures['generate_s']} s"
        if "index_s" in figures:
            print(
                f"  data set {loaded} · index {figures['index_s']} s ({figures['index_docs_per_s']} docs/s), "
                f"peak {figures['index_peak_mib']} MiB (target ≤ 1024)"
            )
        for key, value in figures.items():
            if isinstance(value, dict):
                verdict = "PASS" if value["p95_ms"] <= 100 else "FAIL"
                print(
                    f"  {key:<28} p50 {value['p50_ms']:>7} ms  p95 {value['p95_ms']:>7} ms  "
                    f"max {value['max_ms']:>7} ms  total~{value['median_total']:<6} {verdict}"
                )
    out = HERE / "results-search.json"
    previous = json.loads(out.read_text()) if out.exists() else {}
    runs = previous if "docs" not in previous else {}  # the file keeps the latest run of each size
    # per size, per database: a run of one database keeps the other's latest figures
    runs[str(args.docs)] = {**runs.get(str(args.docs), {}), **results}
    out.write_text(json.dumps(runs, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
