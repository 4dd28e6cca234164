"""Shared bench plumbing: a seeded database (SQLite file or fresh PostgreSQL database) and a table printer."""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import uuid
from pathlib import Path

import asyncpg

from seed.loader import load
from server.db import make_engine

PG_SERVER = os.environ.get("KIEMTRA_BENCH_POSTGRES", "postgresql+asyncpg://postgres@127.0.0.1:5432")
DEMO_PASSWORD = "bench-password-0"


async def _pg(sql: str) -> None:
    conn = await asyncpg.connect(PG_SERVER.replace("postgresql+asyncpg://", "postgresql://") + "/test")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def new_database(kind: str, workdir: Path) -> str:
    """An empty database URL of ``kind`` ('sqlite' or 'postgres')."""
    name = f"kiemtra_bench_{uuid.uuid4().hex[:10]}"
    if kind == "postgres":
        asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
        return f"{PG_SERVER}/{name}"
    workdir.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{workdir / name}.db"


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))


def seeded_database(kind: str, workdir: Path) -> str:
    url = new_database(kind, workdir)

    async def go() -> None:
        engine = make_engine(url)
        try:
            await load(engine, DEMO_PASSWORD)
        finally:
            await engine.dispose()

    asyncio.run(go())
    return url


def machine() -> str:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores {cpu}, Python {platform.python_version()}"


def table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = lambda r: "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])
