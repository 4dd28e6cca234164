"""Group commit: writes that arrive while a transaction runs share the next one; an item at fault fails
alone; concurrent submissions through the real server are all stored once, with an unbroken audit chain."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import make_engine
from server.group_commit import GroupCommit
from tests.conftest import DEMO_PASSWORD
from tests.crash import login, submissions
from tests.dbs import execute
from tests.live import LiveServer

NAMES = MetaData()
ROWS = Table("group_commit_rows", NAMES, Column("name", String(20), primary_key=True))


class Gated:
    """A write function that records its batches and holds the first transaction open until released."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.connections: list[AsyncConnection] = []
        self.inside = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, conn: AsyncConnection, items: list[str]) -> None:
        self.batches.append(list(items))
        self.connections.append(conn)
        if len(self.batches) == 1:
            self.inside.set()
            await self.release.wait()
        await conn.execute(ROWS.insert(), [{"name": name} for name in items])


async def _run(database_url: str, first: str, later: list[str], present: list[str],
               own: bool = False, lend: bool = False) -> tuple[Gated, list, list]:
    """Commit ``first`` (``own``: with a connection of its own); while its transaction is open, commit
    ``later`` concurrently (``lend``: each with a connection of its own); return the batches, each item's
    outcome (None or the exception) and the names stored."""
    engine = make_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(NAMES.create_all)
            if present:
                await conn.execute(ROWS.insert(), [{"name": n} for n in present])
        write = Gated()
        group = GroupCommit(write)
        mine = await engine.connect() if own else None
        head = asyncio.create_task(group.commit(engine, first, mine))
        await write.inside.wait()
        lent = [await engine.connect() for _ in later] if lend else [None] * len(later)
        tail = [asyncio.create_task(group.commit(engine, name, conn)) for name, conn in zip(later, lent, strict=True)]
        await asyncio.sleep(0)  # every later write is queued
        write.release.set()
        outcomes = await asyncio.gather(head, *tail, return_exceptions=True)
        if mine is not None:
            assert write.connections[0] is mine and all(c is not mine for c in write.connections[1:])
            await mine.close()
        if lend:  # the shared transaction ran on a connection its callers lent, not on one more
            assert write.connections[1] is lent[0]
        for conn in lent:
            if conn is not None:
                await conn.close()
        async with engine.connect() as conn:
            stored = sorted((await conn.execute(select(ROWS.c.name))).scalars())
        return write, outcomes, stored
    finally:
        await engine.dispose()


def test_writes_arriving_during_a_transaction_share_the_next_one(database_url: str) -> None:
    write, outcomes, stored = asyncio.run(_run(database_url, "a", ["b", "c", "d"], []))
    assert write.batches == [["a"], ["b", "c", "d"]]
    assert outcomes == [None, None, None, None]
    assert stored == ["a", "b", "c", "d"]


def test_a_write_that_finds_nobody_writing_goes_alone_on_its_own_connection(database_url: str) -> None:
    write, outcomes, stored = asyncio.run(_run(database_url, "a", ["b", "c"], [], own=True))
    assert write.batches == [["a"], ["b", "c"]]
    assert outcomes == [None, None, None] and stored == ["a", "b", "c"]


def test_a_shared_transaction_runs_on_a_connection_one_of_its_callers_lent(database_url: str) -> None:
    write, outcomes, stored = asyncio.run(_run(database_url, "a", ["b", "c", "d"], [], own=True, lend=True))
    assert write.batches == [["a"], ["b", "c", "d"]]
    assert outcomes == [None] * 4 and stored == ["a", "b", "c", "d"]


def test_an_item_at_fault_fails_alone_and_the_others_are_stored(database_url: str) -> None:
    write, outcomes, stored = asyncio.run(_run(database_url, "a", ["b", "dup", "c"], ["dup"]))
    assert write.batches == [["a"], ["b", "dup", "c"], ["b"], ["dup"], ["c"]]
    assert [type(o).__name__ for o in outcomes] == ["NoneType", "NoneType", "IntegrityError", "NoneType"]
    assert isinstance(outcomes[2], IntegrityError)
    assert stored == ["a", "b", "c", "dup"]


def test_any_other_error_reaches_every_item_of_the_transaction_and_the_next_ones_go_on(database_url: str) -> None:
    async def main() -> tuple[list, list[str]]:
        engine = make_engine(database_url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(NAMES.create_all)
            write = Gated()

            async def failing_second(conn: AsyncConnection, items: list[str]) -> None:
                await write(conn, items)
                if len(write.batches) == 2:
                    raise RuntimeError("disk full")

            group = GroupCommit(failing_second)
            head = asyncio.create_task(group.commit(engine, "a"))
            await write.inside.wait()
            tail = [asyncio.create_task(group.commit(engine, name)) for name in ("b", "c")]
            await asyncio.sleep(0)
            write.release.set()
            outcomes = await asyncio.gather(head, *tail, return_exceptions=True)
            outcomes.append(await group.commit(engine, "d"))
            async with engine.connect() as conn:
                return outcomes, sorted((await conn.execute(select(ROWS.c.name))).scalars())
        finally:
            await engine.dispose()

    outcomes, stored = asyncio.run(main())
    assert outcomes[0] is None and outcomes[3] is None
    assert [str(o) for o in outcomes[1:3]] == ["disk full", "disk full"]
    assert stored == ["a", "d"]  # b and c rolled back together, d written after


def test_concurrent_submissions_are_stored_once_with_an_unbroken_chain(database_url: str, tmp_path: Path) -> None:
    clients = 6
    batch = submissions(database_url, 36, seed=5)
    answers: list[int] = []
    lock = threading.Lock()
    before = execute(database_url, "SELECT count(*) FROM inspections")[0][0]
    with LiveServer(database_url, tmp_path / "data") as server:
        phones = [login(server.url) for _ in range(clients)]

        def send(phone: httpx.Client, mine: list) -> None:
            for key, body in mine:
                status = phone.put(f"/api/v1/inspections/{key}", json=body).status_code
                with lock:
                    answers.append(status)

        threads = [threading.Thread(target=send, args=(p, batch[i::clients])) for i, p in enumerate(phones)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        replay = phones[0].put(f"/api/v1/inspections/{batch[0][0]}", json=batch[0][1])
        with httpx.Client(base_url=server.url) as city:
            city.post("/api/v1/session", json={"username": "cityoffice", "password": DEMO_PASSWORD})
            verdict = city.get("/api/v1/audit/verify").json()
        for phone in phones:
            phone.close()
    assert answers == [201] * len(batch) and replay.status_code == 200
    assert execute(database_url, "SELECT count(*) FROM inspections")[0][0] == before + len(batch)
    created = [row[0] for row in execute(
        database_url, "SELECT target_id FROM audit_events WHERE action = 'inspection.create'")]
    assert all(created.count(key) == 1 for key, _ in batch)
    assert verdict["ok"] is True


def test_one_uuid_sent_by_several_clients_at_once_is_stored_once(database_url: str, tmp_path: Path) -> None:
    """A phone retrying while its first request is still in flight: one 201, the others replays (200) or,
    with another body, conflicts (409); never a 500, never two rows."""
    batch = submissions(database_url, 8, seed=9)
    other = submissions(database_url, 8, seed=10)
    answers: dict[str, list[int]] = {key: [] for key, _ in batch}
    lock = threading.Lock()
    with LiveServer(database_url, tmp_path / "data") as server:
        phones = [login(server.url) for _ in range(4)]

        def send(phone: httpx.Client, changed: bool) -> None:
            for (key, body), (_, another) in zip(batch, other, strict=True):
                status = phone.put(f"/api/v1/inspections/{key}", json=another if changed else body).status_code
                with lock:
                    answers[key].append(status)

        threads = [threading.Thread(target=send, args=(p, i == 3)) for i, p in enumerate(phones)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for phone in phones:
            phone.close()
    for key, statuses in answers.items():
        assert sorted(statuses).count(201) == 1 and set(statuses) <= {200, 201, 409}, (key, statuses)
        assert execute(database_url, "SELECT count(*) FROM inspections WHERE uuid = :u", {"u": key})[0][0] == 1
