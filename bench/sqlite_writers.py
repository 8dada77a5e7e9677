"""SQLite writers: how long an occasional writer waits for the write lock while another process writes
transaction after transaction — with SQLite's busy handler alone (Django's stock backend) and with the
writers taking turns (``core/sqlite/writers.py``, our backend) — and what a turn costs.

Two processes on one WAL database, as `make run` and a command beside it, or the exchange dispatcher
and a clerk's burst of issues:
- the *loop* runs write transactions back to back for DURATION seconds, each holding the lock HOLD_MS of
  CPU work (an issue's transaction) with GAP_MS of work between them (the next request's reads);
- the *waiter* writes one small transaction every 50 ms (a dispatcher's claim) and notes how long it
  waited for the lock.
Then one process alone: the cost of an empty write transaction with and without the turn.

    .venv/bin/python bench/sqlite_writers.py [--duration 5] [--hold-ms 5] [--gap-ms 1]

Prints the figures and writes bench/results-sqlite-writers.json.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from core.sqlite.writers import WriterLock  # noqa: E402

TIMEOUT = 30.0


def _connect(path: str) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=TIMEOUT, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _work(ms: float) -> None:
    end = time.perf_counter() + ms / 1000
    while time.perf_counter() < end:
        pass


def _write(db: sqlite3.Connection, turn: WriterLock | None, sql: str, hold_ms: float = 0.0) -> float:
    """One write transaction; the seconds it waited for the lock."""
    started = time.perf_counter()
    if turn is not None:
        turn.acquire()
    try:
        db.execute("BEGIN IMMEDIATE")
        waited = time.perf_counter() - started
        db.execute(sql)
        _work(hold_ms)
        db.execute("COMMIT")
    finally:
        if turn is not None:
            turn.release()
    return waited


def _loop(path: str, turns: bool, duration: float, hold_ms: float, gap_ms: float, out: Any) -> None:
    db = _connect(path)
    turn = WriterLock(path, TIMEOUT) if turns else None
    done = 0
    end = time.perf_counter() + duration
    while time.perf_counter() < end:
        _write(db, turn, "INSERT INTO t (v) VALUES ('x')", hold_ms)
        _work(gap_ms)
        done += 1
    out.put(done)


def _waiter(path: str, turns: bool, duration: float, out: Any) -> None:
    db = _connect(path)
    turn = WriterLock(path, TIMEOUT) if turns else None
    waits = []
    time.sleep(0.2)  # the loop is running
    end = time.perf_counter() + duration - 0.4
    while time.perf_counter() < end:
        waits.append(_write(db, turn, "UPDATE c SET n = n + 1"))
        time.sleep(0.05)
    out.put(waits)


def _quantiles(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    return {
        "p50_ms": round(1000 * values[len(values) // 2], 1),
        "p95_ms": round(1000 * values[int(0.95 * (len(values) - 1))], 1),
        "max_ms": round(1000 * values[-1], 1),
    }


def _contention(folder: Path, turns: bool, args: argparse.Namespace) -> dict[str, Any]:
    path = str(folder / f"{'turns' if turns else 'busy'}.sqlite3")
    db = _connect(path)
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    db.execute("CREATE TABLE c (n INTEGER)")
    db.execute("INSERT INTO c VALUES (0)")
    db.close()
    context = multiprocessing.get_context("spawn")
    loops, waits = context.Queue(), context.Queue()
    processes = [
        context.Process(target=_loop, args=(path, turns, args.duration, args.hold_ms, args.gap_ms, loops)),
        context.Process(target=_waiter, args=(path, turns, args.duration, waits)),
    ]
    for process in processes:
        process.start()
    loop_done, waited = loops.get(timeout=600), waits.get(timeout=600)
    for process in processes:
        process.join(60)
    return {
        "waiter_writes": len(waited),
        "waiter_wait": _quantiles(waited),
        "loop_transactions_per_s": round(loop_done / args.duration, 1),
    }


def _cost(folder: Path, count: int = 3000) -> dict[str, float]:
    """µs per empty write transaction, alone, without and with the turn."""
    path = str(folder / "cost.sqlite3")
    db = _connect(path)
    db.execute("CREATE TABLE c (n INTEGER)")
    db.execute("INSERT INTO c VALUES (0)")
    turn = WriterLock(path, TIMEOUT)
    out = {}
    for name, lock in (("busy_handler_us", None), ("turns_us", turn)):
        started = time.perf_counter()
        for _ in range(count):
            _write(db, lock, "UPDATE c SET n = n + 1")
        out[name] = round(1e6 * (time.perf_counter() - started) / count, 1)
    turn.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--hold-ms", type=float, default=5.0)
    parser.add_argument("--gap-ms", type=float, default=1.0)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-sqlite-writers-"))
    results: dict[str, Any] = {"hold_ms": args.hold_ms, "gap_ms": args.gap_ms, "duration_s": args.duration}
    for turns, name in ((False, "busy_handler"), (True, "turns")):
        results[name] = figures = _contention(folder, turns, args)
        wait = figures["waiter_wait"]
        print(
            f"{'SQLite busy handler' if not turns else 'writers taking turns'}: a write every 50 ms beside a "
            f"loop of {args.hold_ms:g} ms transactions ({args.gap_ms:g} ms apart) waited p50 "
            f"{wait['p50_ms']} ms, p95 {wait['p95_ms']} ms, max {wait['max_ms']} ms "
            f"({figures['waiter_writes']} writes); the loop ran {figures['loop_transactions_per_s']}/s"
        )
    results["cost_alone"] = cost = _cost(folder)
    print(
        f"an empty write transaction alone: {cost['busy_handler_us']} µs, with the turn {cost['turns_us']} µs"
    )
    (HERE / "results-sqlite-writers.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
