"""Database files and servers for the benchmark, handled before Django is set up (no Django imports).

A loaded database carries a marker row (``core_counter.scope == marker_scope(size)``), written after the
last batch; a database without it (never loaded, or a load that was interrupted) is reset and reloaded.
Only databases whose name contains "bench" are ever dropped.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DATASET_VERSION = "v1"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/dieuhanh_bench"
SQLITE_FILE = "dieuhanh.sqlite3"  # the name config/settings.py gives the SQLite file inside DATA_DIR


def marker_scope(size: int) -> str:
    return f"bench:dataset:{DATASET_VERSION}:{size}"


def outgoing_marker_scope(size: int) -> str:
    """The marker of the outgoing half, loaded on its own into a database that lacks it."""
    return f"bench:outgoing:{DATASET_VERSION}:{size}"


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


# --- SQLite -----------------------------------------------------------------------------------------


def sqlite_is_loaded(data_dir: Path, size: int) -> bool:
    path = data_dir / SQLITE_FILE
    if not path.exists():
        return False
    try:
        with sqlite3.connect(path) as con:
            row = con.execute("SELECT 1 FROM core_counter WHERE scope = ?", (marker_scope(size),)).fetchone()
    except sqlite3.Error:
        return False
    return row is not None


def reset_sqlite(data_dir: Path) -> None:
    """A fresh, empty data directory (database file, WAL, stored files and audit checkpoint)."""
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True, exist_ok=True)


# --- PostgreSQL -------------------------------------------------------------------------------------


def postgres_version(url: str) -> str | None:
    """The server version, or None when the server does not answer."""
    import psycopg

    try:
        with psycopg.connect(with_database(url, "postgres"), connect_timeout=3) as con:
            row = con.execute("SHOW server_version").fetchone()
    except psycopg.Error:
        return None
    return str(row[0]) if row else None


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` when it does not exist."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    with psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=5) as con:
        exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def postgres_is_loaded(url: str, size: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as con:
            row = con.execute("SELECT 1 FROM core_counter WHERE scope = %s", (marker_scope(size),)).fetchone()
    except psycopg.Error:
        return False
    return row is not None


def reset_postgres(url: str) -> None:
    """Drop and recreate the benchmark database (refuses any database not named like a benchmark one)."""
    import psycopg
    from psycopg import sql

    name = database_name(url)
    if "bench" not in name:
        raise SystemExit(f"Refusing to drop database {name!r}: only databases named *bench* are reset.")
    with psycopg.connect(with_database(url, "postgres"), autocommit=True, connect_timeout=5) as con:
        con.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
