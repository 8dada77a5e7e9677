"""Writers take turns at SQLite's write lock (``core/sqlite``): an atomic block holds the turn from its
BEGIN to its commit or rollback, an autocommitted write for its statement, reads take none; a loop of
transactions cannot keep a waiter out; processes exclude each other and a dead one's turn comes back."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError, connection, connections, transaction

from core.sqlite.writers import WriterLock, WriterTimeout
from orgs.models import Organization


def test_a_second_writer_waits_for_the_first(tmp_path: Path) -> None:
    first, second = WriterLock(str(tmp_path / "db"), 5), WriterLock(str(tmp_path / "db"), 0.05)
    first.acquire()
    with pytest.raises(WriterTimeout):
        second.acquire()
    assert not second.held
    first.release()
    second.acquire()
    assert second.held
    first.timeout = 0.05
    with pytest.raises(WriterTimeout):
        first.acquire()
    second.close()  # closing gives the turn back too
    first.acquire()
    assert first.held
    first.close()


def test_holding_the_turn_again_passes(tmp_path: Path) -> None:
    lock = WriterLock(str(tmp_path / "db"), 0.05)
    lock.acquire()
    assert lock.acquire() == 0.0  # the same connection: no wait on itself
    lock.release()
    lock.release()  # given back once: a second release does nothing
    other = WriterLock(str(tmp_path / "db"), 0.05)
    other.acquire()
    other.close()
    lock.close()


def test_a_loop_of_transactions_lets_a_waiter_in(tmp_path: Path) -> None:
    """The writer that just finished queues behind the one waiting (the turnstile): a thread running
    transaction after transaction (each holding the turn ~2 ms, as a document's issue does) with almost
    no gap between them does not keep another writer out until its loop ends."""
    path = str(tmp_path / "db")
    looping, waiting = WriterLock(path, 30), WriterLock(path, 30)
    cap = 300
    done = threading.Event()
    rounds = 0
    looping.acquire()

    def wait() -> None:
        waiting.acquire()
        done.set()
        waiting.release()

    waiter = threading.Thread(target=wait)
    waiter.start()
    while rounds < cap and not done.is_set():
        rounds += 1
        time.sleep(0.002)  # the transaction's work, holding the turn
        looping.release()
        looping.acquire()
    looping.release()
    waiter.join(30)
    assert done.is_set()
    assert rounds < cap  # without the turnstile the waiter gets in only once the loop has ended
    looping.close()
    waiting.close()


def test_a_forked_child_neither_shares_nor_gives_back_the_parents_turn(tmp_path: Path) -> None:
    """A child forked while the parent holds its turn has the parent's open files: the lock on them is
    the parent's — the child's copy must neither count as holding it nor unlock it."""
    path = str(tmp_path / "db")
    lock = WriterLock(path, 0.05)
    lock.acquire()
    context = multiprocessing.get_context("fork")
    answers = context.Queue()

    def child() -> None:
        lock.release()  # the parent's turn, as this copy sees it
        try:
            lock.acquire()
            answers.put("took it")
        except WriterTimeout:
            answers.put("waited")

    process = context.Process(target=child)
    process.start()
    answer = answers.get(timeout=30)
    process.join(30)
    assert answer == "waited"
    other = WriterLock(path, 0.05)
    with pytest.raises(WriterTimeout):  # the parent still holds it
        other.acquire()
    lock.release()
    other.acquire()
    other.close()
    lock.close()


_HOLDER = """
import sys
from core.sqlite.writers import WriterLock
lock = WriterLock(sys.argv[1], 5)
lock.acquire()
print("held", flush=True)
sys.stdin.read()
"""


def test_processes_take_turns_and_a_dead_ones_turn_comes_back(tmp_path: Path) -> None:
    path = str(tmp_path / "db")
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        ours = WriterLock(path, 0.05)
        with pytest.raises(WriterTimeout):
            ours.acquire()
        holder.kill()  # dies holding it
        holder.wait(10)
        ours.timeout = 10
        ours.acquire()
        assert ours.held
        ours.close()
    finally:
        holder.kill()
        holder.wait(10)


def _writer() -> WriterLock:
    """This thread's connection's turn (``core.sqlite.base.DatabaseWrapper.writer``)."""
    writer = connection.writer()  # type: ignore[attr-defined]
    assert isinstance(writer, WriterLock)
    return writer


sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write lock")


def _in_thread(work: Any) -> Any:
    """``work()`` on another thread (its own database connection); its result or its exception."""
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["result"] = work()
        except Exception as exc:  # handed back to the test
            out["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(30)
    assert not thread.is_alive(), "the other connection's work did not finish"
    if "error" in out:
        raise out["error"]
    return out.get("result")


def _rename_quickly(pk: int, name: str) -> int:
    """An autocommitted UPDATE from a connection that waits 0.2 s at most for its turn."""
    writer = _writer()
    writer.timeout = 0.2
    return Organization.objects.filter(pk=pk).update(name=name)


@sqlite
@pytest.mark.django_db(transaction=True)
def test_a_transaction_holds_the_turn_from_begin_to_commit() -> None:
    org = Organization.objects.create(identifier="000.00.00.T01", name="Huyện ủy Thử")
    assert not _writer().held
    with transaction.atomic():
        assert _writer().held
        Organization.objects.filter(pk=org.pk).update(name="Huyện ủy Một")
        # another connection's write waits for the turn (and here gives up after its 0.2 s)
        with pytest.raises(OperationalError, match="database is locked"):
            _in_thread(lambda: _rename_quickly(org.pk, "Huyện ủy Hai"))
    assert not _writer().held
    assert _in_thread(lambda: _rename_quickly(org.pk, "Huyện ủy Hai")) == 1
    org.refresh_from_db()
    assert org.name == "Huyện ủy Hai"


@sqlite
@pytest.mark.django_db(transaction=True)
def test_a_rollback_gives_the_turn_back() -> None:
    org = Organization.objects.create(identifier="000.00.00.T02", name="Huyện ủy Thử")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        Organization.objects.filter(pk=org.pk).update(name="Bỏ")
        1 / 0  # noqa: B018
    assert not _writer().held
    assert _in_thread(lambda: _rename_quickly(org.pk, "Huyện ủy Ba")) == 1
    org.refresh_from_db()
    assert org.name == "Huyện ủy Ba"


@sqlite
@pytest.mark.django_db(transaction=True)
def test_an_autocommitted_write_takes_the_turn_and_a_read_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    org = Organization.objects.create(identifier="000.00.00.T03", name="Huyện ủy Thử")
    writer = _writer()
    taken: list[bool] = []
    acquire = writer.acquire

    def counted() -> float:
        taken.append(True)
        return acquire()

    monkeypatch.setattr(writer, "acquire", counted)
    assert Organization.objects.filter(pk=org.pk).count() == 1
    assert taken == []  # a read outside a transaction: no turn
    Organization.objects.filter(pk=org.pk).update(name="Huyện ủy Bốn")
    assert taken == [True] and not writer.held  # taken for the statement, given back after it
    # a read while another connection holds the turn is not held up (WAL readers never wait)
    other = WriterLock(writer.path, 5)
    other.acquire()
    try:
        assert _in_thread(lambda: Organization.objects.get(pk=org.pk).name) == "Huyện ủy Bốn"
    finally:
        other.close()


@sqlite
@pytest.mark.django_db(transaction=True)
def test_a_savepoint_rolled_back_keeps_the_turn_and_a_connection_closed_in_a_transaction_gives_it() -> None:
    org = Organization.objects.create(identifier="000.00.00.T04", name="Huyện ủy Thử")
    with transaction.atomic():
        with pytest.raises(ZeroDivisionError), transaction.atomic():  # a savepoint, rolled back
            Organization.objects.filter(pk=org.pk).update(name="Bỏ")
            1 / 0  # noqa: B018
        assert _writer().held  # the outer transaction goes on: still ours
        with pytest.raises(OperationalError, match="database is locked"):
            _in_thread(lambda: _rename_quickly(org.pk, "Huyện ủy Năm"))
        connection.close()  # e.g. a broken connection dropped: SQLite rolls the transaction back
        assert _in_thread(lambda: _rename_quickly(org.pk, "Huyện ủy Năm")) == 1
    org.refresh_from_db()
    assert org.name == "Huyện ủy Năm"
