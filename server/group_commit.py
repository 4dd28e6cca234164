"""Group commit: concurrent writes of one kind share one transaction.

A database commits one transaction at a time (SQLite holds its write lock from BEGIN to COMMIT; the audit
chain's lock does the same on PostgreSQL), so under load each write waits for the ones before it, and each
pays BEGIN, the chain lock and COMMIT alone. Here the writes that arrive while a transaction is running
queue up, and the next transaction writes all of them (``executemany``) and commits once. Nothing waits on
purpose: a write that finds nobody writing starts at once, alone, on its caller's own connection.

A shared transaction runs on the connection of one of its callers (they all wait for it), never on one
more from the pool: under overload every pooled connection may be held by a caller waiting here, and a
writer queued behind them for a connection would wait until the pool's timeout.

Each caller gets back what writing its item alone would give: it returns once the item is committed. When
the shared transaction fails on an integrity error, the items are written again one by one, so only the
item at fault gets the error; any other error reaches every item of the transaction.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.db import Access, access

T = TypeVar("T")

#: ``_Queue.writer`` while a caller writes its item on its own connection.
_WRITING_ALONE = object()


@dataclass(frozen=True)
class _Waiting(Generic[T]):
    item: T
    done: asyncio.Future[None]
    #: The caller's connection, lent to the transaction that writes the item (None: take one from the pool).
    conn: AsyncConnection | None


@dataclass
class _Queue(Generic[T]):
    waiting: list[_Waiting[T]] = field(default_factory=list)
    #: The task writing what waits, or ``_WRITING_ALONE``, or None when nobody writes.
    writer: asyncio.Task[None] | object | None = None


class GroupCommit(Generic[T]):
    """``await group.commit(engine, item, conn)``: ``write(connection, items)`` writes a list of items
    inside a transaction that this class begins and commits."""

    def __init__(self, write: Callable[[AsyncConnection, list[T]], Awaitable[None]]) -> None:
        self._write = write
        #: Per event loop and engine (tests run several loops; a loop's tasks stay on it).
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                dict[AsyncEngine, _Queue[T]]] = weakref.WeakKeyDictionary()

    async def commit(self, engine: AsyncEngine, item: T, conn: AsyncConnection | None = None) -> None:
        """Write ``item``; returns once it is committed. ``conn``: the caller's connection, with no
        transaction open, which the write may use until this returns."""
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(loop, {}).setdefault(engine, _Queue())
        if conn is not None and queue.writer is None:
            queue.writer = _WRITING_ALONE  # whoever comes meanwhile queues for the next transaction
            try:
                await self._transaction(conn, [item])
            finally:
                queue.writer = loop.create_task(self._drain(engine, queue)) if queue.waiting else None
            return
        done: asyncio.Future[None] = loop.create_future()
        queue.waiting.append(_Waiting(item, done, conn))
        if queue.writer is None:
            queue.writer = loop.create_task(self._drain(engine, queue))
        try:
            await asyncio.shield(done)
        except asyncio.CancelledError:
            if conn is not None and not done.done():  # the transaction may be running on our connection
                await asyncio.wait({done})
            raise

    async def _drain(self, engine: AsyncEngine, queue: _Queue[T]) -> None:
        """Write what is waiting, one transaction at a time, until nothing waits."""
        try:
            while queue.waiting:
                batch, queue.waiting = queue.waiting, []
                await self._settle(engine, batch)
        finally:
            queue.writer = None
            for waiting in queue.waiting:  # only when cancelled (shutdown): nobody is left to write them
                if not waiting.done.done():
                    waiting.done.set_exception(RuntimeError("the server stopped before the write"))

    async def _settle(self, engine: AsyncEngine, batch: list[_Waiting[T]]) -> None:
        """Write a batch on a connection one of its callers lent, and tell each caller how it went."""
        items = [w.item for w in batch]
        lent = next((w.conn for w in batch if w.conn is not None), None)
        try:
            if lent is not None:
                await self._transaction(lent, items)
            else:
                async with engine.connect() as conn:
                    await self._transaction(conn, items)
        except IntegrityError as error:
            if len(batch) == 1:
                _finish(batch, error)
            else:  # find the item at fault: the others are written on their own
                for one in batch:
                    await self._settle(engine, [one])
            return
        except Exception as error:
            _finish(batch, error)
            return
        except BaseException:  # cancelled (shutdown): whether the items were written is unknown
            for waiting in batch:
                waiting.done.cancel()
            raise
        _finish(batch, None)

    async def _transaction(self, conn: AsyncConnection, items: list[T]) -> None:
        with access(Access.WRITE):
            async with conn.begin():
                await self._write(conn, items)


def _finish(batch: list[_Waiting[T]], error: Exception | None) -> None:
    for waiting in batch:
        if waiting.done.done():
            continue
        if error is None:
            waiting.done.set_result(None)
        else:
            waiting.done.set_exception(error)
