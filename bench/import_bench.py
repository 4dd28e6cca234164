"""Registry import of a 10,000-row spreadsheet: time and peak Python memory, against openpyxl just reading
the same file in the same run.

    .venv/bin/python -m bench.import_bench [--rows 10000] [--db sqlite|postgres]

Stages, each timed on its own; then the whole sequence runs again on a fresh copy of the database under
tracemalloc for the peak of Python allocations of each stage (tracing slows Python down, so the times come
from the untraced pass):
  baseline   openpyxl opens the .xlsx read-only and iterates every row (no checks)
  check      ``tables.scan``: read + every row checked (type, coordinates, ward lookup, duplicates in file)
  report     check + the database part of the report (licences already registered), nothing written
  commit     report + writing all rows in one transaction with its audit event (into the seeded demo database)
  reimport   the same file again: every row updates by licence number (no change to write)
The CSV of the same rows is checked too. Peak memory is Python allocations (tracemalloc), not RSS.
Budget (no issue names one; this bounds it against the baseline of the same run): every stage takes at most
5 × the time openpyxl alone needs to read the file; exits 1 when a stage misses it.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import random
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

from bench.budgets import Budget, Verdict, report
from bench.common import drop_database, machine, seeded_database, table
from maps.wards import WardIndex
from server.db import make_engine, make_sessionmaker
from server.registry import imports, tables
from server.registry.locating import build_locator

WARDS = Path(__file__).resolve().parents[1] / "seed" / "data" / "thanh-hoa-city-wards-2023.geojson"
BASELINE = "baseline: openpyxl read"
STAGE = Budget("time / openpyxl's read of the same file", "<=", 5, "×", each="stage")
BUDGETS = (STAGE,)
TYPES = ["Karaoke", "Cơ sở lưu trú", "Quán bar", "Vũ trường", "Xoa bóp (massage)", "Cắt tóc gội đầu thư giãn"]


def check(seconds: dict[str, float]) -> list[Verdict]:
    """``seconds``: stage -> seconds, with the baseline under ``BASELINE``; one verdict per other stage."""
    return [STAGE.check(s / seconds[BASELINE], stage) for stage, s in seconds.items() if stage != BASELINE]


def make_rows(n: int, seed: int = 2023) -> list[list[Any]]:
    rng = random.Random(seed)
    index = WardIndex.from_geojson(json.loads(WARDS.read_text()))
    rows = []
    for i in range(n):
        lat, lon = index.random_point_in(rng.choice(index.codes), rng)
        rows.append([f"Cơ sở nhập thử số {i}", rng.choice(TYPES), f"{i} đường Lê Lợi", round(lat, 6), round(lon, 6),
                     f"BENCH-{i:06d}", "", "", "Nguyễn Văn An", "0912345678", rng.randint(0, 40), "Đang hoạt động"])
    return rows


def xlsx(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append([h for _, h, _ in tables.COLUMNS])
    for r in rows:
        sheet.append(r)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[list[Any]]) -> bytes:
    import csv

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([h for _, h, _ in tables.COLUMNS])
    writer.writerows(rows)
    return buf.getvalue().encode()


def measure(fn: Callable[[], Any], traced: bool) -> tuple[float, Any]:
    """(seconds, result), or with ``traced`` (peak MiB of Python allocations, result)."""
    if not traced:
        t0 = time.perf_counter()
        result = fn()
        return time.perf_counter() - t0, result
    tracemalloc.start()
    result = fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return peak, result


def baseline(data: bytes) -> int:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    return sum(1 for _ in book.worksheets[0].iter_rows(values_only=True))


def run_stages(args: argparse.Namespace, data: bytes, text: bytes, traced: bool) -> list[tuple[str, float, str]]:
    """Every stage on a fresh seeded database: (label, seconds or peak MiB, result)."""
    workdir = Path(tempfile.mkdtemp(prefix="kiemtra-import-bench-"))
    url = seeded_database(args.db, workdir)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    loop = asyncio.new_event_loop()

    async def locator_of() -> Any:
        async with sessions() as session:
            return await build_locator(session)

    locator = loop.run_until_complete(locator_of())

    def check(content: bytes, name: str) -> tables.Scan:
        return tables.run_scan(tables.scan(content, name, locator))

    def report() -> imports.ImportReport:
        async def go() -> imports.ImportReport:
            async with sessions() as session:
                scanned = check(data, "bench.xlsx")
                return (await imports.finish(session, None, "0" * 64, "bench.xlsx", scanned))[0]
        return loop.run_until_complete(go())

    def commit() -> imports.ImportResult:
        async def go() -> imports.ImportResult:
            async with sessions() as session, session.begin():
                scanned = check(data, "bench.xlsx")
                return await imports.commit_import(session, None, None, "0" * 64, "bench.xlsx", scanned)
        return loop.run_until_complete(go())

    out = []
    for label, fn in ((BASELINE, lambda: baseline(data)),
                      ("check .xlsx", lambda: check(data, "bench.xlsx")),
                      ("check .csv", lambda: check(text, "bench.csv")),
                      ("report (+ database)", report), ("commit", commit), ("re-import (no changes)", commit)):
        value, result = measure(fn, traced)
        if isinstance(result, int):
            assert result == args.rows + 1
            detail = f"{result - 1} rows read"
        elif isinstance(result, tables.Scan):
            assert not result.problems, result.problems[:3]
            detail = f"{len(result.rows)} rows ok"
        elif isinstance(result, imports.ImportReport):
            assert result.ok
            detail = f"{result.create} new, {result.update} updates"
        else:
            detail = f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged"
        out.append((label, value, detail))
    loop.run_until_complete(engine.dispose())
    loop.close()
    drop_database(url)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    args = parser.parse_args()
    rows = make_rows(args.rows)
    data, text = xlsx(rows), csv_bytes(rows)
    times = run_stages(args, data, text, traced=False)
    peaks = run_stages(args, data, text, traced=True)
    base_s, base_mb = times[0][1], peaks[0][1]
    print(f"Registry import, {args.rows} rows, {args.db}; {machine()}")
    print(f"file sizes: .xlsx {len(data) / 2**20:.2f} MiB, .csv {len(text) / 2**20:.2f} MiB")
    print(table([[label, f"{s:.2f}", f"{s / base_s:.1f}×", f"{mb:.1f}", f"{mb / base_mb:.1f}×", detail]
                 for (label, s, detail), (_, mb, _) in zip(times, peaks, strict=True)],
                ["stage", "seconds", "vs baseline", "peak MiB", "vs baseline", "result"]))
    return report(check({label: s for label, s, _ in times}))


if __name__ == "__main__":
    sys.exit(main())
