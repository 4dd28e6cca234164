"""Load test: simulated inspectors against several uvicorn workers on PostgreSQL.

Each inspector logs in, then loops: list nearby businesses, read a form, submit an inspection (new UUID),
with a short think time. Reports requests/s, p50/p95/p99 latency and errors, next to a baseline of
GET /health under the same concurrency in the same run.

    .venv/bin/python -m bench.load --users 200 --seconds 60 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import DEMO_PASSWORD, drop_database, machine, seeded_database, table
from forms import registry
from seed.history import answers_for
from tests.dbs import execute
from tests.live import LiveServer


class Stats:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors = 0

    def row(self, name: str, seconds: float) -> list[str]:
        lat = sorted(self.latencies)
        q = statistics.quantiles(lat, n=100) if len(lat) > 1 else [0.0] * 99
        return [name, str(len(lat)), f"{len(lat) / seconds:.0f}", f"{q[49] * 1000:.1f}", f"{q[94] * 1000:.1f}",
                f"{q[98] * 1000:.1f}", str(self.errors)]


async def timed(stats: Stats, call) -> httpx.Response | None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    try:
        response = await call
    except httpx.HTTPError:
        stats.errors += 1
        return None
    stats.latencies.append(time.perf_counter() - start)
    if response.status_code >= 400:
        stats.errors += 1
    return response


async def inspector(url: str, places: list[tuple[int, str]], until: float, stats: Stats, seed: int) -> None:
    rng = random.Random(seed)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD})
        while time.monotonic() < until:
            establishment_id, kind = rng.choice(places)
            await timed(stats, client.get("/api/v1/establishments", params={"limit": 20, "type": kind}))
            form = registry.for_type(kind)[-1]
            await timed(stats, client.get(f"/api/v1/forms/{form.id}"))
            started = datetime.now(UTC) - timedelta(minutes=30)
            body = {"establishment_id": establishment_id, "form_id": form.id, "form_version": form.version,
                    "started_at": started.isoformat(), "submitted_at": datetime.now(UTC).isoformat(),
                    "location": None, "answers": answers_for(form, rng, started, "Đoàn kiểm tra thành phố"),
                    "outcome": "compliant", "notes": ""}
            await timed(stats, client.put(f"/api/v1/inspections/{uuid.uuid4()}", json=body))
            await asyncio.sleep(rng.uniform(0.05, 0.2))


async def health(url: str, until: float, stats: Stats) -> None:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.monotonic() < until:
            await timed(stats, client.get("/health"))


async def drive(url: str, users: int, seconds: float, places: list[tuple[int, str]]) -> tuple[Stats, Stats]:
    base = Stats()
    await asyncio.gather(*(health(url, time.monotonic() + min(10.0, seconds), base) for _ in range(users)))
    load = Stats()
    until = time.monotonic() + seconds
    await asyncio.gather(*(inspector(url, places, until, load, i) for i in range(users)))
    return base, load


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    workdir = Path("var/bench")
    url = seeded_database(args.db, workdir)
    try:
        places = [(i, t) for i, t in execute(url, "SELECT id, type FROM establishments")]
        with LiveServer(url, workdir / "data", workers=args.workers) as server:
            base, load = asyncio.run(drive(server.url, args.users, args.seconds, places))
        print(f"machine: {machine()}; {args.db}, {args.workers} workers, {args.users} users")
        print(table([base.row("baseline GET /health", min(10.0, args.seconds)),
                     load.row("inspectors (list, form, submit)", args.seconds)],
                    ["scenario", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"]))
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
