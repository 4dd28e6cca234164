"""The SQLite driver: one trip to aiosqlite's thread per statement, DBAPI results as before, writers queued."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError

from server.db import Access, access, make_engine


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'driver.db'}"


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the functions sent to aiosqlite's thread."""
    seen: list[str] = []
    original = aiosqlite.Connection._execute

    async def counting(self, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return seen


async def _table(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE)"))
    await engine.dispose()


def test_a_statement_is_one_trip_and_results_are_as_the_dbapi_gives_them(url: str, trips: list[str]) -> None:
    async def main() -> None:
        await _table(url)
        engine = make_engine(url)
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))  # connect and begin
            trips.clear()
            inserted = await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
            assert trips == ["_statement"]
            assert inserted.lastrowid == 1 and inserted.rowcount == 1
            many = await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "b"}, {"n": "c"}])
            assert many.rowcount == 2
            updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id > 1"))
            assert updated.rowcount == 2
            rows = (await conn.execute(text("SELECT id, name FROM t ORDER BY id"))).all()
            assert [tuple(r) for r in rows] == [(1, "a"), (2, "b!"), (3, "c!")]
            assert trips == ["_statement", "_statement_many", "_statement", "_statement"]
            with pytest.raises(IntegrityError):
                await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
            await conn.commit()
        await engine.dispose()

    asyncio.run(main())


def test_latest_reads_begin_nothing_and_empty_ends_make_no_trip(url: str, trips: list[str]) -> None:
    async def main() -> None:
        await _table(url)
        engine = make_engine(url)
        with access(Access.LATEST):
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
                trips.clear()
                await conn.execute(text("SELECT count(*) FROM t"))
                raw = (await conn.get_raw_connection()).driver_connection
                assert raw is not None and not raw._conn.in_transaction
                await conn.rollback()
        assert trips == ["_statement"]
        await engine.dispose()

    asyncio.run(main())


def test_begin_goes_with_the_first_statement_and_an_unused_transaction_makes_no_trip(
    url: str, trips: list[str],
) -> None:
    async def main() -> None:
        await _table(url)
        engine = make_engine(url)
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await conn.commit()
            trips.clear()
            with access(Access.WRITE):
                await conn.begin()
                assert trips == []  # the write lock is this process's; SQLite hears of it with the insert
                await conn.execute(text("INSERT INTO t (name) VALUES ('a')"))
                raw = (await conn.get_raw_connection()).driver_connection
                assert raw is not None and raw._conn.in_transaction
                await conn.commit()
            assert trips == ["_begun", "commit"]
            trips.clear()
            await conn.begin()
            await conn.rollback()
            assert trips == []
            assert (await conn.execute(text("SELECT name FROM t"))).scalars().all() == ["a"]
            await conn.commit()
        await engine.dispose()

    asyncio.run(main())


def test_writers_of_one_process_queue_instead_of_failing(url: str) -> None:
    """Two write transactions at once: the second starts when the first ends, neither is refused."""

    async def main() -> list[str]:
        await _table(url)
        engine = make_engine(url)
        events: list[str] = []
        first_in = asyncio.Event()

        async def writer(name: str, hold_s: float) -> None:
            with access(Access.WRITE):
                async with engine.begin() as conn:
                    events.append(f"{name} begins")
                    first_in.set()
                    await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": name})
                    await asyncio.sleep(hold_s)
                    events.append(f"{name} commits")

        async def second() -> None:
            await first_in.wait()
            await writer("second", 0)

        await asyncio.gather(writer("first", 0.3), second())
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2
        await engine.dispose()
        return events

    assert asyncio.run(main()) == ["first begins", "first commits", "second begins", "second commits"]


def test_a_writer_waiting_too_long_gets_database_is_locked(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("server.db.BUSY_TIMEOUT_S", 0.2)

    async def main() -> None:
        await _table(url)
        engine = make_engine(url)
        try:
            with access(Access.WRITE):
                async with engine.begin() as held:
                    await held.execute(text("INSERT INTO t (name) VALUES ('x')"))
                    with pytest.raises(OperationalError, match="database is locked"):
                        async with engine.begin() as waiting:
                            await waiting.execute(text("SELECT 1"))
            async with engine.connect() as conn:  # the lock was released: the next writer goes on
                await conn.execute(text("INSERT INTO t (name) VALUES ('y')"))
                await conn.commit()
                assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 2
        finally:
            await engine.dispose()

    asyncio.run(main())
