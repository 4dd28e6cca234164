"""Group commit: concurrent writes of one kind share one transaction.

A database commits one transaction at a time (SQLite holds its write lock from BEGIN to COMMIT; the audit
chain's lock does the same on PostgreSQL), so under load each write waits for the ones before it, and each
pays BEGIN, the chain lock and COMMIT alone. Here the writes that arrive while a transaction is running
queue up, and the next transaction writes all of them (``executemany``) and commits once. Nothing waits on
purpose: a write that finds nobody writing starts at once, alone, on its caller's own connection.

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


@dataclass
class _Queue(Generic[T]):
    waiting: list[tuple[T, asyncio.Future[None]]] = field(default_factory=list)
    #: The task writing what waits, or ``_WRITING_ALONE``, or None when nobody writes.
    writer: asyncio.Task[None] | object | None = None


class GroupCommit(Generic[T]):
    """``await group.commit(engine, item)``: ``write(connection, items)`` writes a list of items inside
    a transaction that this class begins and commits."""

    def __init__(self, write: Callable[[AsyncConnection, list[T]], Awaitable[None]]) -> None:
        self._write = write
        #: Per event loop and engine (tests run several loops; a loop's tasks stay on it).
        self._queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop,
                                                dict[AsyncEngine, _Queue[T]]] = weakref.WeakKeyDictionary()

    async def commit(self, engine: AsyncEngine, item: T, conn: AsyncConnection | None = None) -> None:
        """Write ``item``; returns once it is committed. ``conn``: the caller's connection, with no
        transaction open; when nobody is writing, the item is written on it straight away."""
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(loop, {}).setdefault(engine, _Queue())
        if conn is not None and queue.writer is None:
            queue.writer = _WRITING_ALONE  # whoever comes meanwhile queues for the next transaction
            try:
                with access(Access.WRITE):
                    async with conn.begin():
                        await self._write(conn, [item])
            finally:
                queue.writer = loop.create_task(self._drain(engine, queue)) if queue.waiting else None
            return
        done: asyncio.Future[None] = loop.create_future()
        queue.waiting.append((item, done))
        if queue.writer is None:
            queue.writer = loop.create_task(self._drain(engine, queue))
        await done

    async def _drain(self, engine: AsyncEngine, queue: _Queue[T]) -> None:
        """Write what is waiting, one transaction at a time, until nothing waits; one connection for as
        long as its transactions succeed."""
        try:
            while queue.waiting:
                try:
                    async with engine.connect() as conn:
                        while queue.waiting:
                            batch, queue.waiting = queue.waiting, []
                            if not await self._settle(conn, batch):
                                break  # a failed connection is not used again
                except Exception as error:  # no connection: what waits cannot be written now
                    waiting, queue.waiting = queue.waiting, []
                    _finish(waiting, error)
        finally:
            queue.writer = None
            for _, done in queue.waiting:  # only when cancelled (shutdown): nobody is left to write them
                if not done.done():
                    done.set_exception(RuntimeError("the server stopped before the write"))

    async def _settle(self, conn: AsyncConnection, batch: list[tuple[T, asyncio.Future[None]]]) -> bool:
        """Write a batch and tell its callers; False when it failed for another reason than its data."""
        try:
            with access(Access.WRITE):
                async with conn.begin():
                    await self._write(conn, [item for item, _ in batch])
        except IntegrityError as error:
            if len(batch) == 1:
                _finish(batch, error)
                return True
            # find the item at fault: the others are written on their own
            return all([await self._settle(conn, [one]) for one in batch])
        except Exception as error:
            _finish(batch, error)
            return False
        except BaseException:  # cancelled (shutdown): whether the items were written is unknown
            for _, done in batch:
                done.cancel()
            raise
        _finish(batch, None)
        return True


def _finish(batch: list[tuple[object, asyncio.Future[None]]], error: Exception | None) -> None:
    for _, done in batch:
        if done.done():  # its request was cancelled: the item is written all the same
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
