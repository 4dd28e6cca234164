"""SQLite under asyncio: aiosqlite with one trip to its thread per statement, and writers queued in-process.

SQLAlchemy's aiosqlite adapter makes three or four trips per statement (cursor, execute, fetchall, close),
plus one for each commit or rollback, even an empty one; every trip is a hand-over between the event loop
and aiosqlite's thread, and on a small server those hand-overs cost more than the statements themselves.
Here a statement is one trip, and an empty commit or rollback none; ``BEGIN`` travels with the
transaction's first statement instead of making a trip of its own.

SQLite has one writer at a time. A writer that finds the lock taken waits in SQLite's busy handler, which
sleeps in steps of up to 100 ms, so a queue of writers leaves the database idle between them. The writers
of one process queue on an asyncio lock instead and start the moment the previous one ends; the busy
handler still arbitrates between processes (workers, the CLI).
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)

_WRITERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _writer_lock(database: str) -> asyncio.Lock:
    """The lock the writers of ``database`` queue on in this process (one per event loop)."""
    return _WRITERS.setdefault(asyncio.get_running_loop(), {}).setdefault(database, asyncio.Lock())


def _statement(conn: sqlite3.Connection, operation: str, parameters: Any) -> tuple[Any, list[Any], int, int]:
    """Runs on aiosqlite's thread: execute, fetch every row, close."""
    cursor = conn.execute(operation, () if parameters is None else parameters)
    try:
        if cursor.description:
            return cursor.description, cursor.fetchall(), -1, -1
        return None, [], cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


def _begun(conn: sqlite3.Connection, begin: str, run: Callable[..., Any], *args: Any) -> Any:
    """Runs on aiosqlite's thread: the transaction's deferred ``BEGIN``, then its first statement."""
    conn.execute(begin)
    return run(conn, *args)


def _statement_many(conn: sqlite3.Connection, operation: str, rows: Any) -> tuple[int, int]:
    cursor = conn.executemany(operation, rows)
    try:
        return cursor.lastrowid, cursor.rowcount
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    __slots__ = ()

    _adapt_connection: OneTripConnection

    def execute(self, operation: Any, parameters: Any = None) -> None:
        try:
            self.description, rows, self.lastrowid, self.rowcount = self.await_(
                self._adapt_connection.trip(_statement, operation, parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._rows = deque(rows)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        try:
            self.lastrowid, self.rowcount = self.await_(
                self._adapt_connection.trip(_statement_many, operation, seq_of_parameters))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self.description = None


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ("_begin", "_database", "_held")

    def __init__(self, dbapi: Any, connection: Any, database: str) -> None:
        super().__init__(dbapi, connection)
        self._database = database
        self._held: asyncio.Lock | None = None
        #: The ``BEGIN`` not sent yet: it goes with the next statement.
        self._begin: str | None = None

    def trip(self, run: Callable[..., Any], *args: Any) -> Any:
        """``run(sqlite3_connection, *args)`` on aiosqlite's thread, after the pending ``BEGIN`` if any."""
        conn = self._connection._conn
        if self._begin is None:
            return self._connection._execute(run, conn, *args)
        begin, self._begin = self._begin, None
        return self._connection._execute(_begun, conn, begin, run, *args)

    def cursor(self, server_side: bool = False) -> AsyncAdapt_aiosqlite_cursor:
        if not server_side:
            return OneTripCursor(self)
        if self._begin is not None:  # aiosqlite's own cursors know nothing of a pending BEGIN
            self.await_(self.trip(lambda _conn: None))
        return super().cursor(server_side)

    def begin(self, write: bool, timeout_s: float) -> None:
        """Start a transaction; a writer first waits its turn among this process's writers. The ``BEGIN``
        itself goes with the first statement."""
        if write:
            lock = _writer_lock(self._database)
            try:
                self.await_(asyncio.wait_for(lock.acquire(), timeout_s))
            except TimeoutError:
                raise self.dbapi.OperationalError("database is locked") from None
            self._held = lock
        self._begin = "BEGIN IMMEDIATE" if write else "BEGIN"

    def _in_transaction(self) -> bool:
        try:
            return bool(self._connection._conn.in_transaction)
        except ValueError:  # closed: let the driver raise its own error
            return True

    def commit(self) -> None:
        self._end(super().commit, if_open=True)

    def rollback(self) -> None:
        self._end(super().rollback, if_open=True)

    def close(self) -> None:
        self._end(super().close)

    def terminate(self) -> None:
        self._end(super().terminate)

    def _end(self, end: Callable[[], None], if_open: bool = False) -> None:
        """End the transaction (``if_open``: no trip when none is open) or the connection, then let the next
        writer go."""
        self._begin = None
        try:
            if not if_open or self._in_transaction():
                end()
        finally:
            self._release()

    def _release(self) -> None:
        if self._held is not None:
            self._held, lock = None, self._held
            lock.release()


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """Pass as ``module=`` to ``create_async_engine`` for a ``sqlite+aiosqlite`` URL."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection, str(arg[0] if arg else kw.get("database", "")))


def dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)
