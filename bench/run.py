"""Performance figures of dieuhanh with 100,000 incoming and 100,000 outgoing documents, on SQLite and on
PostgreSQL.

    make bench                       # = .venv/bin/python bench/run.py
    .venv/bin/python bench/run.py --only sqlite --reps 50 --docs 20000    # a quicker look

The parent process runs one child process per database and size (Django settings are per process):
a small database (1,000 documents) for the query counts, then the full one (100,000 documents) for
every figure. It writes bench/results.json and prints a table against the targets. It exits 0 when a
target is missed (this is a measurement, not a test) and 1 only when a child process failed.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import shutil
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
VAR = BENCH / "var"
RESULTS = BENCH / "results.json"
DEFAULT_DOCS = 100_000
DEFAULT_SMALL_DOCS = 1_000
if sys.path and Path(sys.path[0]).resolve() == BENCH:
    sys.path[0] = str(ROOT)  # import the project (and bench.*), not bench/ siblings as top-level modules
elif str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(message, flush=True)


# --- child: one database --------------------------------------------------------------------------------


def setup_django() -> None:
    import warnings

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    warnings.filterwarnings("ignore", message="No directory at: ")  # WhiteNoise: collectstatic not run

    django.setup()
    from django.conf import settings
    from django.db import reset_queries

    # DEBUG=1 is only there to get past the SECRET_KEY/HTTPS checks of config/settings.py; with DEBUG on,
    # every query would also be appended to connection.queries. Off for everything measured.
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    reset_queries()
    from core.runtime import warm_up_and_freeze

    warm_up_and_freeze()  # what config/asgi.py does when a server starts


def prepare_storage(db: str, size: int, fresh: bool) -> bool:
    """Reset the database unless it already holds this data set; True when it can be reused."""
    from bench import dbsetup

    data_dir = Path(os.environ["DATA_DIR"])
    if db == "sqlite":
        reusable = not fresh and dbsetup.sqlite_is_loaded(data_dir, size)
        if not reusable:
            dbsetup.reset_sqlite(data_dir)
        return reusable
    url = os.environ["DATABASE_URL"]
    dbsetup.ensure_postgres_database(url)
    reusable = not fresh and dbsetup.postgres_is_loaded(url, size)
    if not reusable:
        dbsetup.reset_postgres(url)
        dbsetup.reset_sqlite(data_dir)  # stored files and audit checkpoint of the previous database
    return reusable


def endpoint_requests(reps: int, warmup: int) -> dict[str, Any]:
    """The measured GETs, each as a function of the call index."""
    from bench import dataset, measure, outgoing_dataset
    from orgs.models import User

    specialist = User.objects.get(username=dataset.SPECIALIST)
    leader = User.objects.get(username=dataset.LEADER)
    clerk = User.objects.get(username=dataset.CLERK)
    as_specialist = measure.client_for(specialist)
    as_leader = measure.client_for(leader)
    as_clerk = measure.client_for(clerk)
    api = measure.api_client_for(clerk)
    calls = reps + warmup + 1
    api_symbols = measure.sample_symbols(calls, seed=11)
    page_symbols = measure.sample_symbols(calls, seed=23)

    def api_lookup(i: int) -> Any:
        return api.get("/api/v1/incoming?" + measure.query_string(number_symbol=api_symbols[i % calls]))

    def page_lookup(i: int) -> Any:
        return as_clerk.get("/van-ban-den/?" + measure.query_string(number_symbol=page_symbols[i % calls]))

    # sanity: a lookup finds its document; the approval queue holds the leader's step
    found = api_lookup(0).json()
    if not found.get("total"):
        raise RuntimeError(f"lookup of {api_symbols[0]!r} found nothing: {found}")
    api_leader = measure.api_client_for(leader)
    awaiting = api_leader.get("/api/v1/outgoing?awaiting=true").json()
    expected = outgoing_dataset.describe()["leader_awaiting"]
    if awaiting.get("total") != expected:
        raise RuntimeError(f"approval queue: {awaiting.get('total')} documents, expected {expected}")
    # the board's first page lists overdue documents (the most overdue first) under the figures
    board = as_leader.get("/qua-han/").content.decode()
    if 'id="overdue-total"' not in board or "row-overdue" not in board:
        raise RuntimeError("overdue board: no overdue row on the first page")
    return {
        "queue": lambda i: as_specialist.get("/"),
        "overdue": lambda i: as_leader.get("/qua-han/"),
        "lookup_api": api_lookup,
        "lookup_page": page_lookup,
        "awaiting_api": lambda i: api_leader.get("/api/v1/outgoing?awaiting=true"),
        "outgoing_page": lambda i: as_leader.get("/van-ban-di/"),
    }


def measure_registration(db: str, reps: int, warmup: int, processes: int) -> dict[str, Any]:
    from bench import dataset, measure
    from bench.cpu import CpuWatch
    from orgs.models import User

    clerk = User.objects.get(username=dataset.CLERK)
    client = measure.api_client_for(clerk)
    tag = "BENCH" + secrets.token_hex(3).upper()
    measure.register_many(client, measure.registration_payloads(warmup, tag + "W"))
    profile = measure.query_profile(
        lambda i: client.post("/api/v1/incoming", data=measure.registration_payloads(1, tag + "Q")[0])
    )
    payloads = measure.registration_payloads(reps, tag)
    with CpuWatch() as cpu:
        samples, wall, errors = measure.register_many(client, payloads)
    if errors:
        raise RuntimeError(f"sequential registration failed: {errors[:3]}")
    result: dict[str, Any] = {
        "sequential": {
            "count": len(samples),
            "per_second": round(len(samples) / wall, 1),
            **measure.percentiles(samples),
            "queries": profile["queries"],
            "repeated_queries": profile["repeated"],
            "other_cpus": cpu.other_cpus,
        }
    }
    if processes > 1:
        result["concurrent"] = concurrent_registration(db, reps // processes, processes, tag)
    return result


def concurrent_registration(db: str, each: int, processes: int, tag: str) -> dict[str, Any]:
    """``processes`` client processes registering at the same time against the same database."""
    from bench import measure

    work = VAR / f"concurrency-{db}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    go = work / "go"
    procs = []
    for k in range(processes):
        cmd = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "--db",
            db,
            "--count",
            str(each),
            "--tag",
            f"{tag}C{k}",
            "--work",
            str(work),
            "--index",
            str(k),
        ]
        procs.append(subprocess.Popen(cmd, env=os.environ.copy()))
    deadline = time.time() + 120
    while sum((work / f"ready-{k}").exists() for k in range(processes)) < processes:
        if time.time() > deadline or any(p.poll() not in (None, 0) for p in procs):
            for p in procs:
                p.kill()
            raise RuntimeError("concurrent registration workers did not get ready")
        time.sleep(0.02)
    started = time.time()
    go.touch()
    codes = [p.wait(timeout=600) for p in procs]
    reports = [json.loads((work / f"out-{k}.json").read_text()) for k in range(processes) if codes[k] == 0]
    samples = [s for r in reports for s in r["latencies_ms"]]
    errors = [e for r in reports for e in r["errors"]]
    if not samples:
        raise RuntimeError(
            f"concurrent registration produced nothing (exit codes {codes}, errors {errors[:3]})"
        )
    wall = max(r["end"] for r in reports) - started
    return {
        "processes": processes,
        "count": len(samples),
        "errors": len(errors) + sum(each for c in codes if c != 0),
        "error_samples": errors[:3],
        "per_second": round(len(samples) / wall, 1),
        **measure.percentiles(samples),
    }


def child(args: argparse.Namespace) -> int:
    label = f"[{args.db} {args.docs:,}]"
    reusable = prepare_storage(args.db, args.docs, args.fresh)
    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from bench import dataset, measure, outgoing_dataset
    from bench.cpu import CpuWatch

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    if reusable:
        log(f"{label} reusing the loaded database (marker found)")
        load: dict[str, Any] = {"reused": True}
    else:
        log(f"{label} migrated in {migrate_s:.1f} s; loading {args.docs:,} documents with bulk_create …")
        load = {
            "reused": False,
            "migrate_seconds": round(migrate_s, 2),
            **dataset.load(args.docs, progress=log),
        }
        log(f"{label} loaded in {load['seconds']:.1f} s ({load['docs_per_second']:,} documents/s)")
    if outgoing_dataset.is_loaded(args.docs):
        load["outgoing"] = {"reused": True}
    else:
        log(f"{label} loading {args.docs:,} outgoing documents with bulk_create …")
        load["outgoing"] = {"reused": False, **outgoing_dataset.load(args.docs, progress=log)}
        out = load["outgoing"]
        log(f"{label} outgoing loaded in {out['seconds']:.1f} s ({out['docs_per_second']:,} documents/s)")
    result: dict[str, Any] = {
        "database": args.db,
        "vendor": connection.vendor,
        "size": args.docs,
        "load": load,
        "dataset": {**dataset.describe(), "outgoing": outgoing_dataset.describe()},
    }
    requests = endpoint_requests(args.reps, args.warmup)
    result["endpoints"] = {}
    for key, request in requests.items():
        measure.timed(request, reps=0, warmup=args.warmup, what=key)  # caches, sessions, templates
        profile = measure.query_profile(request)  # the queries of one warm request
        figures: dict[str, Any] = {
            "queries": profile["queries"],
            "response_bytes": profile["response_bytes"],
            "repeated_queries": profile["repeated"],
        }
        if not args.counts_only:
            with CpuWatch() as cpu:
                samples = measure.timed(request, reps=args.reps, warmup=0, first=args.warmup, what=key)
            figures = {**measure.percentiles(samples), "n": len(samples), **figures}
            figures["other_cpus"] = cpu.other_cpus
            figures["slowest_queries"] = profile["slowest"]
            log(
                f"{label} {key:<13} p50 {figures['p50_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms  "
                f"p99 {figures['p99_ms']:7.1f} ms  {profile['queries']} queries"
            )
        result["endpoints"][key] = figures
    if not args.counts_only:
        log(f"{label} registering {args.reps} documents through the API …")
        try:
            result["registration"] = measure_registration(
                args.db, args.reps, args.warmup, 0 if args.no_concurrency else args.processes
            )
        except Exception as exc:  # keep the figures already taken; the parent reports the failure
            log(f"{label} !! registration failed: {type(exc).__name__}: {exc}")
            result["registration"] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        seq = result["registration"].get("sequential")
        if seq:
            log(f"{label} registration: {seq['per_second']:.1f}/s sequential, p95 {seq['p95_ms']:.1f} ms")
        conc = result["registration"].get("concurrent")
        if conc:
            log(
                f"{label} registration: {conc['per_second']:.1f}/s with {conc['processes']} processes, "
                f"p95 {conc['p95_ms']:.1f} ms, {conc['errors']} errors"
            )
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


def worker(args: argparse.Namespace) -> int:
    setup_django()
    from bench import measure

    work = Path(args.work)
    measure.registration_worker(
        args.count, args.tag, work / f"ready-{args.index}", work / "go", work / f"out-{args.index}.json"
    )
    return 0


# --- parent: every database ---------------------------------------------------------------------------


def machine_info(postgres: str | None) -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": postgres,
    }


def run_child(db: str, size: int, args: argparse.Namespace, pg_url: str, counts_only: bool) -> dict | None:
    from bench import dbsetup

    suffix = {DEFAULT_DOCS: "", DEFAULT_SMALL_DOCS: "_small"}.get(size, f"_{size}")  # one database per size
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DIEUHANH_TESTING"}}
    env.update(
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        PYTHONUNBUFFERED="1",
        DATA_DIR=str(VAR / f"{db}{suffix.replace('_', '-')}"),
    )
    if db == "postgres":
        env["DATABASE_URL"] = dbsetup.with_database(pg_url, dbsetup.database_name(pg_url) + suffix)
    out = VAR / f"result-{db}{suffix}.json"
    out.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--db",
        db,
        "--docs",
        str(size),
        "--reps",
        str(args.reps),
        "--warmup",
        str(args.warmup),
        "--processes",
        str(args.processes),
        "--out",
        str(out),
    ]
    cmd += ["--counts-only"] if counts_only else []
    cmd += ["--fresh"] if args.fresh else []
    cmd += ["--no-concurrency"] if args.no_concurrency else []
    started = time.perf_counter()
    code = subprocess.call(cmd, env=env, cwd=ROOT)
    if code != 0 or not out.exists():
        log(f"!! the {db} child ({size:,} documents) failed with exit code {code}")
        return None
    data: dict[str, Any] = json.loads(out.read_text())
    data["child_seconds"] = round(time.perf_counter() - started, 1)
    return data


def parent(args: argparse.Namespace) -> int:
    from bench import dbsetup, report
    from bench.cpu import CpuWatch

    began = time.perf_counter()
    VAR.mkdir(parents=True, exist_ok=True)
    pg_url = os.environ.get("BENCH_DATABASE_URL", dbsetup.DEFAULT_POSTGRES_URL)
    databases = [args.only] if args.only else ["sqlite", "postgres"]
    pg_version = dbsetup.postgres_version(pg_url) if "postgres" in databases else None
    if "postgres" in databases and pg_version is None:
        log(
            f"-- PostgreSQL does not answer at {dbsetup.with_database(pg_url, '…')}: skipped "
            "(start it, e.g. scripts/ensure-postgres.sh, or set BENCH_DATABASE_URL)"
        )
        databases.remove("postgres")
    with CpuWatch() as idle:  # what the rest of the machine is doing before we start
        time.sleep(2)
    if (idle.other_cpus or 0) >= report.BUSY_CPUS:
        log(
            f"-- note: other processes are using {idle.other_cpus:.2f} of {os.cpu_count()} CPUs right now; "
            "latency figures will be inflated (see other_cpus in results.json)"
        )
    results: dict[str, Any] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine_info(pg_version), "other_cpus_at_start": idle.other_cpus},
        "parameters": {
            "documents": args.docs,
            "small_documents": args.small_docs,
            "reps": args.reps,
            "warmup": args.warmup,
            "client": "django.test.Client (in-process, no HTTP server)",
        },
        "targets_p95_ms": report.TARGETS_MS,
        "databases": {},
    }
    failed = False
    for db in databases:
        log(f"== {db}: query counts on {args.small_docs:,} documents")
        small = run_child(db, args.small_docs, args, pg_url, counts_only=True)
        log(f"== {db}: figures on {args.docs:,} documents")
        big = run_child(db, args.docs, args, pg_url, counts_only=False)
        if big is None:
            failed = True
            continue
        for key, fig in big["endpoints"].items():
            fig["queries_small"] = small["endpoints"][key]["queries"] if small else None
            if small and small["endpoints"][key]["repeated_queries"]:
                fig["repeated_queries_small"] = small["endpoints"][key]["repeated_queries"]
        big["small_dataset"] = small["dataset"] if small else None
        failed = failed or small is None
        results["databases"][db] = big
    results["total_seconds"] = round(time.perf_counter() - began, 1)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=1) + "\n")
    (VAR / "results.md").write_text(report.markdown_table(results) + "\n")
    log("")
    log(report.text_table(results))
    log("")
    for db, data in results["databases"].items():
        load = data["load"]
        how = "reused" if load.get("reused") else f"{load['seconds']:.1f} s ({load['docs_per_second']:,}/s)"
        ds = data["dataset"]
        out = load.get("outgoing", {})
        how_out = "reused" if out.get("reused") else f"{out['seconds']:.1f} s ({out['docs_per_second']:,}/s)"
        log(
            f"{db}: load {how}; {ds['documents']:,} documents, specialist has {ds['specialist_open_items']} "
            f"open items; outgoing load {how_out}; {ds['outgoing']['documents']:,} outgoing documents, "
            f"{ds['outgoing']['leader_awaiting']} awaiting the office leader; "
            f"child ran {data['child_seconds']} s"
        )
    busy = report.busy(results)
    if busy:
        log(
            f"Note: other processes (the database server included) kept ≥ {report.BUSY_CPUS} CPU busy on "
            f"average during {', '.join(busy)}; on this {os.cpu_count()}-CPU machine that inflates them."
        )
    missed = report.misses(results)
    for db, data in results["databases"].items():
        if data.get("registration", {}).get("error"):
            failed = True
            log(f"!! {db}: the registration measurement failed: {data['registration']['error']}")
    log("")
    if missed:
        log("TARGETS MISSED:")
        for line in missed:
            log(f"  ✗ {line}")
    elif results["databases"]:
        log("All latency targets met.")
    log(f"Results written to {RESULTS.relative_to(ROOT)} in {results['total_seconds']:.0f} s.")
    return 1 if failed else 0


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=DEFAULT_DOCS, help="documents in the full database")
    p.add_argument(
        "--small-docs", type=int, default=DEFAULT_SMALL_DOCS, help="documents in the query-count database"
    )
    p.add_argument("--reps", type=int, default=200, help="timed requests per measurement")
    p.add_argument("--warmup", type=int, default=10, help="untimed requests before each measurement")
    p.add_argument("--processes", type=int, default=4, help="concurrent registering processes")
    p.add_argument("--no-concurrency", action="store_true", help="skip the concurrent registrations")
    p.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    p.add_argument("--fresh", action="store_true", help="reload the data even if a loaded database exists")
    # internal: child and worker processes
    p.add_argument("--db", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("--counts-only", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--count", type=int, default=50, help=argparse.SUPPRESS)
    p.add_argument("--tag", default="", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--index", type=int, default=0, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    if args.worker:
        return worker(args)
    if args.db:
        return child(args)
    return parent(args)


if __name__ == "__main__":
    sys.exit(main())
