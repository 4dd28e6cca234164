"""Coverage at country scale: 10,000 wards, 1,000,000 businesses, 3,000,000 inspections (at --scale 1).

Loads a fresh PostgreSQL database with COPY (asyncpg) and a SQLite file with bulk inserts, then times, in
the same run, a baseline (a plain ``SELECT count(*) FROM inspections``) and the coverage figures for the whole
country and for one city of 34 wards: every ward counted (no figures kept, as after a change of plan or units),
the figures kept, and after a new visit (its ward recounted, the cost of every read while visits arrive); the
full year figures (city team, months); the dashboard page (a ward-police user scoped to the 34 wards; the city
office on every ward: its first page of 50 wards, after a new visit, a later page, 500 wards a page), its JSON
twin with every ward, and the indicators T1-T11, against ``GET /health``, with the size of each body (raw, and
as sent gzipped). Budgets, checked at any scale: the whole country after a new visit under 1 s on PostgreSQL,
and one city of 34 wards after a new visit under 50 ms on each database (issue 6); one page of the
whole-country coverage table after a new visit under 300 ms and the indicators under 1 s, server time on
PostgreSQL (issue 16: the app in-process, no network); exits 1 when one is missed.

    .venv/bin/python -m bench.coverage_scale --scale 0.01          # quick
    .venv/bin/python -m bench.coverage_scale --scale 1 --db postgres sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import statistics
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
from litestar.testing import TestClient
from sqlalchemy import func, select, text

from bench.budgets import Budget, Verdict, report
from bench.common import drop_database, machine, new_database, table
from server.app import create_app
from server.auth.models import Role
from server.auth.services import UserIn, create_user
from server.coverage.services import coverage, ward_coverage
from server.db import make_engine, make_sessionmaker
from server.inspections.models import Inspection
from server.migrate import upgrade
from server.settings import Settings

YEAR = 2023
PASSWORD = "bench-password-0"
TYPES = ["lodging"] * 40 + ["karaoke"] * 28 + ["bar"] * 12 + ["hair_salon"] * 10 + ["dance_hall"] * 5 + ["massage"] * 5
NOW = datetime(2024, 1, 15, tzinfo=UTC)


def sizes(scale: float) -> tuple[int, int, int]:
    return max(34, round(10_000 * scale)), max(100, round(1_000_000 * scale)), max(300, round(3_000_000 * scale))


def square(i: int) -> str:
    lat, lon = 8 + (i // 100) * 0.02, 102 + (i % 100) * 0.02
    ring = [[lon, lat], [lon + 0.02, lat], [lon + 0.02, lat + 0.02], [lon, lat + 0.02], [lon, lat]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def wards(n: int) -> Iterator[tuple[Any, ...]]:
    for i in range(1, n + 1):
        yield (i, f"{i:05d}", f"P{i}", f"Phường {i}", "phường", square(i), date(2020, 1, 1), None)


def establishments(n: int, n_wards: int, rng: random.Random) -> Iterator[tuple[Any, ...]]:
    for i in range(1, n + 1):
        roll = rng.random()
        status = "closed" if roll < 0.05 else "suspended" if roll < 0.08 else "active"
        closed = date(rng.randint(2021, 2023), rng.randint(1, 12), rng.randint(1, 28)) if status == "closed" else None
        opened = date(rng.randint(2005, 2023), rng.randint(1, 12), rng.randint(1, 28))
        yield (i, rng.randint(1, n_wards), rng.choice(TYPES), f"Cơ sở {i}", f"Số {i % 400}", "", "", status,
               opened, closed, NOW, NOW)


def inspections(n: int, n_est: int, est_ward: list[int], team: int, inspector: int, form: int,
                rng: random.Random) -> Iterator[tuple[Any, ...]]:
    """A third in each of 2021-2023; 3 % rejected, 0.2 % by the city team."""
    for i in range(1, n + 1):
        year = YEAR - (i % 3)
        eid = rng.randint(1, n_est)
        at = datetime(year, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(365 * 86400))
        state = "rejected" if rng.random() < 0.03 else "approved"
        yield (i, str(uuid.UUID(int=i)), eid, est_ward[eid], (at + timedelta(hours=7)).year,
               team if rng.random() < 0.002 else None, inspector, form, at, at, at, "[]", "{}", "[]", 0,
               "compliant", "", state, "0" * 64, 1)


W_COLS = ["id", "code", "name", "full_name", "kind", "geometry", "valid_from", "valid_to"]
E_COLS = ["id", "ward_id", "type", "name", "address", "legal_rep", "phone", "status", "opened_on", "closed_on",
          "created_at", "updated_at"]
I_COLS = ["id", "uuid", "establishment_id", "ward_id", "year", "team_id", "inspector_id", "form_version_id",
          "started_at", "submitted_at", "received_at", "flags", "answers", "violations", "violation_count",
          "outcome", "notes", "review_state", "body_sha256", "version"]


#: The registry's versions (a closed year is counted on them): every business as recorded since the epoch.
VERSIONS = ("INSERT INTO establishment_versions (establishment_id, recorded_from, ward_id, type, status, opened_on, "
            "closed_on) SELECT id, '2000-01-01', ward_id, type, status, opened_on, closed_on FROM establishments")


async def prepare(url: str) -> dict[str, int]:
    """Schema, the users, a city team, a form version and the plan; returns their ids."""
    engine = make_engine(url)
    await upgrade(engine)
    async with make_sessionmaker(engine)() as session:
        office = await create_user(session, None, UserIn(username="bench.office", full_name="Bench office",
                                                         password=PASSWORD, roles=[Role.CITY_OFFICE]))
        inspector = await create_user(session, None, UserIn(username="bench.inspector", full_name="Bench",
                                                            password=PASSWORD, roles=[Role.INSPECTOR]))
        await session.commit()
        ids = {"office": office.id, "inspector": inspector.id}
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO teams (name, kind) VALUES ('Đoàn thành phố', 'city')"))
        await conn.execute(text("INSERT INTO form_versions (form_id, version, definition, sha256, created_at) "
                                "VALUES ('bench', 1, '{}', :h, :t)"), {"h": "0" * 64, "t": NOW})
        await conn.execute(text("INSERT INTO plans (year, title, ward_target_ratio, city_team_target, starts_on, "
                                "ends_on) VALUES (:y, 'bench', 0.8, 35, :s, :e)"),
                           {"y": YEAR, "s": date(YEAR, 1, 1), "e": date(YEAR, 12, 31)})
        ids["team"] = (await conn.execute(text("SELECT id FROM teams"))).scalar_one()
        ids["form"] = (await conn.execute(text("SELECT id FROM form_versions"))).scalar_one()
    await engine.dispose()
    return ids


async def load_postgres(url: str, scale: float, ids: dict[str, int]) -> None:
    n_w, n_e, n_i = sizes(scale)
    rng = random.Random(2023)
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        # A bulk load into a fresh database: no figures are kept yet (the first read computes every ward), so the
        # triggers that mark them stale (migration 0007) are skipped for this connection.
        await conn.execute("SET session_replication_role = replica")
        await conn.copy_records_to_table("wards", records=wards(n_w), columns=W_COLS)
        est = list(establishments(n_e, n_w, rng))
        est_ward = [0] + [e[1] for e in est]
        await conn.copy_records_to_table("establishments", records=est, columns=E_COLS)
        del est
        await conn.copy_records_to_table(
            "inspections", records=inspections(n_i, n_e, est_ward, ids["team"], ids["inspector"], ids["form"], rng),
            columns=I_COLS)
        await conn.execute(VERSIONS)
        for t in ("wards", "establishments", "inspections"):
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT max(id) FROM {t}))")
        await conn.execute("VACUUM ANALYZE")
    finally:
        await conn.close()


def load_sqlite(url: str, scale: float, ids: dict[str, int]) -> None:
    n_w, n_e, n_i = sizes(scale)
    rng = random.Random(2023)

    def iso(v: Any) -> Any:
        if isinstance(v, datetime):
            return v.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
        return v.isoformat() if isinstance(v, date) else v

    db = sqlite3.connect(url.split(":///", 1)[1])
    db.execute("PRAGMA synchronous=OFF")
    # As on PostgreSQL, the load skips the triggers that mark kept figures stale: none are kept yet.
    triggers = db.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _ in triggers:
        db.execute(f"DROP TRIGGER {name}")
    with db:
        def put(tbl: str, cols: list[str], rows: Iterator[tuple[Any, ...]]) -> None:
            sql = f"INSERT INTO {tbl} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            db.executemany(sql, (tuple(iso(v) for v in r) for r in rows))

        put("wards", W_COLS, wards(n_w))
        est = list(establishments(n_e, n_w, rng))
        est_ward = [0] + [e[1] for e in est]
        put("establishments", E_COLS, iter(est))
        del est
        put("inspections", I_COLS, inspections(n_i, n_e, est_ward, ids["team"], ids["inspector"], ids["form"], rng))
        db.execute(VERSIONS)
        for _, sql in triggers:
            db.execute(sql)
    db.execute("ANALYZE")
    db.close()


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> float:
    await fn()  # warm-up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        await fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


async def measure_queries(url: str, runs: int) -> dict[str, float]:
    engine = make_engine(url)
    city = frozenset(range(1, 35))
    few = max(3, runs // 4)
    try:
        async with make_sessionmaker(engine)() as s:
            async def cold() -> None:
                await s.execute(text("DELETE FROM coverage_figures"))
                await s.commit()
                await ward_coverage(s, YEAR)

            async def after_visit(scope: frozenset[int] | None) -> None:
                await s.execute(text(VISIT), {"u": str(uuid.uuid4()), "w": random.choice(sorted(scope or city))})
                await s.commit()
                await ward_coverage(s, YEAR, scope)

            out = {
                "baseline: SELECT count(*) FROM inspections":
                    await timed(lambda: s.scalar(select(func.count()).select_from(Inspection)), runs),
                COUNTRY: await timed(cold, few),
                KEPT: await timed(lambda: ward_coverage(s, YEAR), runs),
                VISITED: await timed(lambda: after_visit(None), runs),
                CITY: await timed(lambda: ward_coverage(s, YEAR, city), runs),
                CITY_VISITED: await timed(lambda: after_visit(city), runs),
                "year figures, one city (+ city team, months)": await timed(lambda: coverage(s, YEAR, city), runs),
                "year figures, whole country (+ city team, months)":
                    await timed(lambda: coverage(s, YEAR), few),
            }
    finally:
        await engine.dispose()
    return out


async def add_police(url: str) -> None:
    engine = make_engine(url)
    async with make_sessionmaker(engine)() as session:
        await create_user(session, None, UserIn(username="bench.police", full_name="Bench police", password=PASSWORD,
                                                roles=[Role.WARD_POLICE], wards=[f"{i:05d}" for i in range(1, 35)]))
        await session.commit()
    await engine.dispose()


async def new_visit(url: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(VISIT), {"u": str(uuid.uuid4()), "w": random.randint(1, 34)})
    finally:
        await engine.dispose()


def measure_pages(url: str, runs: int, workdir: Path) -> tuple[dict[str, float], dict[str, str]]:
    """Medians of the pages, and the size of each body: raw bytes (gzip -6 as the app sends it)."""
    asyncio.run(add_police(url))
    settings = Settings(database_url=url, secret_key="b" * 40, tile_url="", data_dir=str(workdir / "data"))
    out: dict[str, float] = {}
    sizes: dict[str, str] = {}
    with TestClient(create_app(settings)) as client:
        def page(name: str, path: str, n: int, visit: bool = False) -> None:
            first = client.get(path)
            assert first.status_code == 200, (path, first.status_code)
            sizes[name] = f"{len(first.content):,} B ({first.num_bytes_downloaded:,} B gzip)"
            samples = []
            for _ in range(n):
                if visit:  # recorded outside the timing; the page recounts its ward
                    asyncio.run(new_visit(url))
                t = time.perf_counter()
                client.get(path)
                samples.append(time.perf_counter() - t)
            out[name] = statistics.median(samples)

        few = max(3, runs // 4)
        client.post("/api/v1/session", json={"username": "bench.police", "password": PASSWORD})
        page("page baseline: GET /health", "/health", runs)
        page("dashboard page, one city (ward police, 34 wards)", f"/coverage?year={YEAR}", runs)
        client.post("/api/v1/session", json={"username": "bench.office", "password": PASSWORD})
        page(PAGE, f"/coverage?year={YEAR}", few)
        page(PAGE_VISITED, f"/coverage?year={YEAR}", few, visit=True)
        page(INDICATORS, f"/api/v1/plans/{YEAR}/indicators?page=1", few)
        page(INDICATORS_VISITED, f"/api/v1/plans/{YEAR}/indicators?page=1", few, visit=True)
        page("indicators T1-T11, whole country, every ward (JSON)", f"/api/v1/plans/{YEAR}/indicators", few)
        page("JSON twin, whole country, page 1 of 50 wards", f"/api/v1/coverage?year={YEAR}&page=1&order=gap", few)
        page("dashboard page, whole country, page 100", f"/coverage?year={YEAR}&page=100", few)
        page("dashboard page, whole country, 500 wards a page", f"/coverage?year={YEAR}&per_page=500", few)
        page("JSON twin, whole country (every ward)", f"/api/v1/coverage?year={YEAR}", few)
    return out, sizes


COUNTRY = "coverage, whole country, every ward counted (no figures kept: a first read, a new plan or units)"
KEPT = "coverage, whole country, figures kept"
VISITED = "coverage, whole country, after a new visit (its ward recounted)"
CITY = "coverage, one city of 34 wards, figures kept"
CITY_VISITED = "coverage, one city of 34 wards, after a new visit in it"
PAGE = "dashboard page, whole country (city office, page 1 of 50 wards)"
PAGE_VISITED = "dashboard page, whole country, page 1, after a new visit"
INDICATORS = "indicators T1-T11, whole country, page 1 of 50 wards (JSON)"
INDICATORS_VISITED = "indicators T1-T11, whole country, page 1, after a new visit"
#: A new visit in a random ward of the first 34 (a copy of one of its visits, a new UUID): the trigger marks it.
VISIT = ("INSERT INTO inspections (uuid, establishment_id, ward_id, year, team_id, inspector_id, form_version_id, "
         "started_at, submitted_at, received_at, flags, answers, violations, violation_count, outcome, notes, "
         "review_state, body_sha256, version) SELECT :u, establishment_id, ward_id, year, team_id, inspector_id, "
         "form_version_id, started_at, submitted_at, received_at, flags, answers, violations, violation_count, "
         "outcome, notes, 'submitted', body_sha256, version FROM inspections "
         f"WHERE ward_id = :w AND year = {YEAR} ORDER BY id LIMIT 1")
COUNTRY_BUDGET = Budget("coverage query, whole country, after a new visit, PostgreSQL (median)", "<", 1, "s")
CITY_BUDGET = Budget("coverage query, one city of 34 wards, after a new visit (median)", "<", 50, "ms",
                     each="database")
PAGE_BUDGET = Budget("one page of the whole-country coverage table after a new visit, PostgreSQL (median server "
                     "time)", "<", 300, "ms")
INDICATORS_BUDGET = Budget("indicators for a year, whole country, after a new visit, PostgreSQL (median server time)",
                           "<", 1, "s")
BUDGETS = (COUNTRY_BUDGET, CITY_BUDGET, PAGE_BUDGET, INDICATORS_BUDGET)


def check(medians: dict[str, dict[str, float]]) -> list[Verdict]:
    """``medians``: database -> measure -> seconds (the whole country's budget is PostgreSQL's only)."""
    verdicts = []
    for kind, results in medians.items():
        if kind == "postgres":
            verdicts.append(COUNTRY_BUDGET.check(results[VISITED], kind))
        verdicts.append(CITY_BUDGET.check(results[CITY_VISITED] * 1000, kind))
        if kind == "postgres" and PAGE_VISITED in results:
            verdicts.append(PAGE_BUDGET.check(results[PAGE_VISITED] * 1000, kind))
            verdicts.append(INDICATORS_BUDGET.check(results[INDICATORS_VISITED], kind))
    return verdicts


def run(kind: str, scale: float, runs: int, workdir: Path, keep: bool) -> tuple[list[list[str]], dict[str, float]]:
    """The table rows and the medians (seconds) by measure."""
    url = new_database(kind, workdir)
    try:
        t0 = time.perf_counter()
        ids = asyncio.run(prepare(url))
        if kind == "postgres":
            asyncio.run(load_postgres(url, scale, ids))
        else:
            load_sqlite(url, scale, ids)
        load_s = time.perf_counter() - t0
        results = asyncio.run(measure_queries(url, runs))
        pages, sizes = measure_pages(url, runs, workdir)
        results |= pages
    finally:
        if not keep:
            drop_database(url)
            if kind == "sqlite":
                Path(url.split(":///", 1)[1]).unlink(missing_ok=True)
        else:
            print("kept", url)
    base_q = results["baseline: SELECT count(*) FROM inspections"]
    base_p = results["page baseline: GET /health"]
    rows = [[kind, "load (schema + bulk load + analyze)", f"{load_s:.1f} s", "", ""]]
    for name, seconds in results.items():
        base = base_p if name in pages else base_q
        rows.append([kind, name, f"{seconds * 1000:.1f} ms", f"{seconds / base:.2f}×", sizes.get(name, "")])
    return rows, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="1 = 10k wards, 1M businesses, 3M inspections")
    parser.add_argument("--db", nargs="+", choices=["postgres", "sqlite"], default=["postgres", "sqlite"])
    parser.add_argument("--runs", type=int, default=12)
    parser.add_argument("--workdir", type=Path, default=Path("var/bench"))
    parser.add_argument("--keep", action="store_true", help="keep the databases (prints their URLs)")
    args = parser.parse_args()
    n_w, n_e, n_i = sizes(args.scale)
    rows, medians = [], {}
    for kind in args.db:
        kind_rows, medians[kind] = run(kind, args.scale, args.runs, args.workdir, args.keep)
        rows += kind_rows
    print(f"\n{n_w:,} wards, {n_e:,} businesses, {n_i:,} inspections (year {YEAR}: a third); {machine()}")
    print(table(rows, ["database", "measure", "median", "× baseline", "body"]))
    return report(check(medians))


if __name__ == "__main__":
    sys.exit(main())
