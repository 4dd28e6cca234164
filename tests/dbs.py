"""Test databases: a seeded template made once per run, copied for every test (SQLite file copy or
PostgreSQL ``CREATE DATABASE … TEMPLATE``), so each test owns a real, isolated database."""

from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from server.db import make_engine

T = TypeVar("T")

#: Set to a PostgreSQL server URL (no database part) to run the suite on PostgreSQL, e.g.
#: ``postgresql+asyncpg://postgres@127.0.0.1:5432``; unset means SQLite.
PG_ENV = "KIEMTRA_TEST_POSTGRES"


def pg_server() -> str | None:
    return os.environ.get(PG_ENV) or None


def run(fn: Callable[[AsyncEngine], Awaitable[T]], url: str) -> T:
    """Run ``fn(engine)`` on a fresh engine (from the test's own thread)."""

    async def main() -> T:
        engine = make_engine(url)
        try:
            return await fn(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def _pg_admin(server: str, *statements: str) -> None:
    dsn = server.replace("postgresql+asyncpg://", "postgresql://") + "/test"
    conn = await asyncpg.connect(dsn)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


class Databases:
    """Creates and drops the databases of one test run."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.server = pg_server()
        self.created: list[str] = []

    def new(self, template: str | None = None) -> str:
        """A new empty database (or a copy of ``template``, a URL made by this object); returns its URL."""
        name = f"kiemtra_t_{uuid.uuid4().hex[:12]}"
        if self.server:
            clause = f" TEMPLATE {template.rsplit('/', 1)[1]}" if template else ""
            asyncio.run(_pg_admin(self.server, f'CREATE DATABASE "{name}"{clause}'))
            self.created.append(name)
            return f"{self.server}/{name}"
        path = self.workdir / f"{name}.db"
        if template:
            shutil.copyfile(template.split(":///", 1)[1], path)
        return f"sqlite+aiosqlite:///{path}"

    def drop_all(self) -> None:
        if self.server and self.created:
            drops = [f'DROP DATABASE IF EXISTS "{n}" WITH (FORCE)' for n in self.created]
            asyncio.run(_pg_admin(self.server, *drops))


def execute(url: str, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    """Run one SQL statement straight on the database (behind the app's back) and return its rows."""
    from sqlalchemy import text

    async def go(engine: AsyncEngine) -> list[tuple[Any, ...]]:
        async with engine.begin() as conn:
            result = await conn.execute(text(sql), params or {})
            return [tuple(r) for r in result.all()] if result.returns_rows else []

    return run(go, url)
