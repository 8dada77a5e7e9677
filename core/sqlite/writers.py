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

import fcntl
import os
import time

# looking again: every STEP seconds, every SLOW_STEP once the wait is longer than SLOW_AFTER
STEP = 0.001
SLOW_STEP = 0.005
SLOW_AFTER = 1.0


class WriterTimeout(Exception):
    """The turn did not come within the timeout."""


class WriterLock:
    """One connection's turn at writing: ``acquire`` blocks until it is this connection's, up to
    ``timeout`` seconds; a connection holding it passes; ``release`` gives it back."""

    def __init__(self, path: str, timeout: float) -> None:
        self.path = path
        self.timeout = timeout
        self._lock: int | None = None
        self._queue: int | None = None
        self._pid = os.getpid()
        self.held = False

    def _forked(self) -> None:
        """In a child forked from the process that opened the files: the parent's open files are the
        parent's (a lock on them is the parent's too, and unlocking them would unlock it): dropped."""
        if self._pid != os.getpid():
            for fd in (self._lock, self._queue):
                if fd is not None:
                    os.close(fd)  # the parent keeps its lock: it still has the file open
            self._lock = self._queue = None
            self._pid = os.getpid()
            self.held = False

    def acquire(self) -> float:
        """Take the turn; the seconds waited for it (0.0 when it was free or held already)."""
        self._forked()
        if self.held:
            return 0.0
        if self._lock is None or self._queue is None:
            self._queue = _open(f"{self.path}-writer.queue")
            self._lock = _open(f"{self.path}-writer.lock")
        started = time.monotonic()
        _take(self._queue, started, self.timeout, self.path)
        try:
            _take(self._lock, started, self.timeout, self.path)
        finally:
            fcntl.flock(self._queue, fcntl.LOCK_UN)  # the next waiter queues behind us
        self.held = True
        return time.monotonic() - started

    def release(self) -> None:
        self._forked()
        if self.held and self._lock is not None:
            self.held = False
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    def close(self) -> None:
        self._forked()
        self.release()
        for fd in (self._lock, self._queue):
            if fd is not None:
                os.close(fd)
        self._lock = self._queue = None


def _open(path: str) -> int:
    return os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)


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
