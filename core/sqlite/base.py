"""Django's SQLite backend with writers taking turns (``core.sqlite.writers``): an atomic block takes the
installation's writer lock before ``BEGIN IMMEDIATE`` and gives it back at commit or rollback; a write
outside any transaction (an autocommitted UPDATE) holds it for that statement. In-memory databases (no
other connection can see them) take no lock. Selected in settings for ``DATABASE_URL=sqlite:…``."""

from __future__ import annotations

from typing import Any

from django.db.backends.sqlite3 import base
from django.db.utils import OperationalError

from core.sqlite.writers import WriterLock, WriterTimeout

# statements that never write: run outside a transaction without the lock
READS = ("SELECT", "PRAGMA", "EXPLAIN")


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._writer: WriterLock | None = None
        self.execute_wrappers.append(_autocommitted_write)

    def writer(self) -> WriterLock | None:
        """This connection's turn at writing (None for an in-memory database)."""
        if self._writer is None and not self.is_in_memory_db():
            timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
            self._writer = WriterLock(str(self.settings_dict["NAME"]), timeout)
        return self._writer

    def take_turn(self) -> None:
        writer = self.writer()
        if writer is None:
            return
        try:
            writer.acquire()
        except WriterTimeout:
            raise OperationalError("database is locked") from None

    def give_turn(self) -> None:
        if self._writer is not None:
            self._writer.release()

    def _start_transaction_under_autocommit(self) -> None:
        self.take_turn()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self.give_turn()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            if self.connection is None or not self.connection.in_transaction:
                self.give_turn()  # (a COMMIT that failed leaves the transaction open: its rollback gives it)

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self.give_turn()

    def _close(self) -> Any:
        try:
            return super()._close()  # type: ignore[misc]
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None  # made again for the database named then (tests switch names)


def _autocommitted_write(execute: Any, sql: str, params: Any, many: bool, context: dict[str, Any]) -> Any:
    connection: DatabaseWrapper = context["connection"]
    writer = connection.writer()
    if (
        writer is None
        or writer.held
        or not connection.get_autocommit()
        or sql.lstrip()[:7].upper().startswith(READS)
    ):
        return execute(sql, params, many, context)
    connection.take_turn()
    try:
        return execute(sql, params, many, context)
    finally:
        connection.give_turn()
