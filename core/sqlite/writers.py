"""Turns at SQLite's write lock, shared by the threads and processes of one installation.

SQLite lets one connection write at a time. A writer that finds the lock taken is put to sleep by
SQLite's busy handler in growing steps (1, 2, 5 … 100 ms) and looks again only when it wakes: a process
writing transaction after transaction (a clerk's burst of issues, an import) takes the lock again in the
gaps while the others sleep, and a waiter may wait seconds for a lock that was free most of the time.

Here a writer takes its turn before it begins (``BEGIN IMMEDIATE``) and gives it back at commit or
rollback. A turn is an exclusive ``flock`` on ``<database>-writer.lock``, taken through a turnstile
(``<database>-writer.queue``): the next writer holds the turnstile while it waits for the lock, so the
writer that just finished cannot take the lock again before it — a loop of transactions lets every
waiter in, one transaction at a time. Waiters look again every millisecond (every 5 ms after a second).

Locks of the operating system, held per open file: threads of one process wait for each other as
processes do, and the kernel gives back a dead process's locks. Waiting is bounded by the database's
``timeout`` as SQLite's own wait is: a thread holding its turn while it waits for another thread's
write fails after it instead of hanging."""

from __future__ import annotations

import contextlib
import fcntl
import os
import stat
import time
import weakref

# looking again: every STEP seconds, every SLOW_STEP once the wait is longer than SLOW_AFTER
STEP = 0.001
SLOW_STEP = 0.005
SLOW_AFTER = 1.0


class WriterTimeout(Exception):
    """The turn did not come within the timeout."""


class WriterLock:
    """One connection's turn at writing: ``acquire`` blocks until it is this connection's, up to
    ``timeout`` seconds; a connection holding it passes; ``release`` gives it back. Its two files are
    opened at the first turn and closed by ``close`` (or when the object is collected)."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._fds: list[int] = []  # [queue, lock] once opened
        self._closer: weakref.finalize | None = None
        self._pid = os.getpid()
        self.held = False

    def _forked(self) -> None:
        """In a child forked from the process that opened the files: the parent's open files are the
        parent's (a lock on them is the parent's too, and unlocking them would unlock it): dropped."""
        if self._pid != os.getpid():
            self._close_files()  # the parent keeps its lock: it still has the files open
            self._pid = os.getpid()
            self.held = False

    def _files(self) -> tuple[int, int]:
        if not self._fds:
            self._fds = [
                _open(f"{self.path}-writer.queue", self.path),
                _open(f"{self.path}-writer.lock", self.path),
            ]
            self._closer = weakref.finalize(self, _close_all, list(self._fds))
        return self._fds[0], self._fds[1]

    def acquire(self) -> float:
        """Take the turn; the seconds waited for it (0.0 when it was free or held already)."""
        self._forked()
        if self.held:
            return 0.0
        queue, lock = self._files()
        started = time.monotonic()
        _take(queue, started, self.timeout, self.path)
        try:
            _take(lock, started, self.timeout, self.path)
        finally:
            fcntl.flock(queue, fcntl.LOCK_UN)  # the next waiter queues behind us
        self.held = True
        return time.monotonic() - started

    def release(self) -> None:
        self._forked()
        if self.held and self._fds:
            self.held = False
            fcntl.flock(self._fds[1], fcntl.LOCK_UN)

    def close(self) -> None:
        self._forked()
        self.release()
        self._close_files()

    def _close_files(self) -> None:
        if self._closer is not None:
            self._closer()  # closes them once (closing a file gives back its lock)
            self._closer = None
        self._fds = []


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        with contextlib.suppress(OSError):
            os.close(fd)


def _open(path: str, database: str) -> int:
    """A lock file, owned and readable like the database (a first ``manage.py`` run as root must not
    leave files the service's user cannot open)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        db = os.stat(database)
    except OSError:
        return fd  # not created yet: our own user's files, as SQLite makes the database
    with contextlib.suppress(OSError):
        if os.geteuid() == 0 and os.fstat(fd).st_uid != db.st_uid:
            os.fchown(fd, db.st_uid, db.st_gid)
        if os.fstat(fd).st_uid == os.geteuid() or os.geteuid() == 0:
            os.fchmod(fd, stat.S_IMODE(db.st_mode) & 0o666)
    return fd


def _take(fd: int, started: float, timeout: float, path: str) -> None:
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            waited = time.monotonic() - started
            if waited >= timeout:
                raise WriterTimeout(path) from None
            time.sleep(STEP if waited < SLOW_AFTER else SLOW_STEP)
