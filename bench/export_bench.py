"""Streamed exports of inspections: time and peak memory for 10 k and 1 M rows, against baselines run in the
same session.

    .venv/bin/python -m bench.export_bench [--sizes 10000 1000000] [--formats csv geojson xlsx]

The demo seed is loaded into a SQLite file, then its inspections are copied until the table holds N rows.
Each measurement runs in a fresh subprocess and reports its wall time and its peak RSS growth over the RSS
it had just before exporting (VmHWM - VmRSS, from /proc). Baselines: ``scan`` walks the same keyset pages
without formatting (the floor for time), ``naive-csv`` reads every row in one query and builds the CSV in
memory (what streaming avoids: its memory grows with N). Budget: constant memory; for each streamed format
the peak RSS growth at the largest size is at most 1.5 × the one at the smallest (below 1 MB counts as 1 MB);
exits 1 when a format misses it (or when fewer than two sizes were given: then nothing can be compared).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.budgets import Budget, Verdict, report  # noqa: E402
from seed.loader import load  # noqa: E402
from server.db import make_engine, make_sessionmaker  # noqa: E402
from server.identity import CurrentUser  # noqa: E402
from server.review import exports  # noqa: E402
from server.review.queue import filtered  # noqa: E402
from server.review.schemas import QueueFilter  # noqa: E402

CITY = CurrentUser(id=0, username="bench", full_name="", roles=frozenset({"city_office"}), ward_ids=None,
                   language="vi", token_hash="")
FLAT = Budget("peak RSS growth, largest / smallest size", "<=", 1.5, "×", each="streamed format")
BUDGETS = (FLAT,)
COLUMNS = ("establishment_id, ward_id, year, team_id, inspector_id, form_version_id, started_at, submitted_at, "
           "received_at, lat, lon, accuracy_m, captured_at, distance_m, flags, violations, violation_count, "
           "outcome, notes, review_state, body_sha256, version")


def check(peaks: dict[int, dict[str, float]], formats: list[str]) -> list[Verdict]:
    """``peaks``: rows -> export -> peak RSS growth in MB; one verdict per streamed format (none with one size)."""
    if len(peaks) < 2:
        return []
    small, large = peaks[min(peaks)], peaks[max(peaks)]
    return [FLAT.check(large[kind] / max(small[kind], 1.0), f"{kind}, {max(peaks):,} vs {min(peaks):,} rows")
            for kind in formats]


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _reset_peak() -> None:
    """Reset VmHWM (the peak RSS) to the current RSS, so imports and set-up do not count."""
    Path("/proc/self/clear_refs").write_text("5")


async def _grow(url: str, rows: int) -> None:
    """Copy the seeded inspections (without their answers, which no export reads) up to ``rows``."""
    engine = make_engine(url)
    async with engine.begin() as conn:
        from sqlalchemy import text

        have = (await conn.execute(text("SELECT count(*) FROM inspections"))).scalar_one()
        base = (await conn.execute(text("SELECT min(id), max(id) FROM inspections"))).one()
        await conn.execute(text(
            f"WITH RECURSIVE n(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM n WHERE k < :extra) "
            f"INSERT INTO inspections (uuid, answers, {COLUMNS}) "
            f"SELECT printf('bench-%08d-0000-4000-8000-000000000000', k), '{{}}', {COLUMNS} "
            f"FROM n JOIN inspections ON inspections.id = :lo + (k % :span)"),
            {"extra": rows - have, "lo": base[0], "span": base[1] - base[0] + 1})
    await engine.dispose()


def prepare(workdir: Path, rows: int) -> str:
    url = f"sqlite+aiosqlite:///{workdir / f'export-{rows}.db'}"
    engine = make_engine(url)
    asyncio.run(load(engine, "bench-password-0"))
    asyncio.run(engine.dispose())
    asyncio.run(_grow(url, rows))
    return url


async def _measure(kind: str, url: str) -> dict[str, float]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async for _ in exports.csv_chunks(exports.pages(sessions, CITY, QueueFilter(), batch=50)):
        break  # warm up: imports, the connection, compiled statements
    _reset_peak()
    start_rss = _status("VmRSS")
    started = time.perf_counter()
    size = count = 0
    if kind == "scan":
        async for page in exports.pages(sessions, CITY, QueueFilter()):
            count += len(page)
    elif kind == "naive-csv":
        async with sessions() as session:
            rows = (await session.execute(filtered(exports._query(), CITY, QueueFilter())
                                          .order_by(exports.Inspection.id))).all()
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(exports.HEADERS)
        writer.writerows(exports._cells(r) for r in rows)
        size, count = len(buf.getvalue().encode()), len(rows)
    else:
        chunks = exports.FORMATS[kind][0]
        async for chunk in chunks(exports.pages(sessions, CITY, QueueFilter())):
            size += len(chunk)
    seconds = time.perf_counter() - started
    await engine.dispose()
    return {"seconds": seconds, "bytes": size, "rows": count, "peak_mb": (_status("VmHWM") - start_rss) / 2**20}


def child(kind: str, url: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-m", "bench.export_bench", "--child", kind, url], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    parser.add_argument("--formats", nargs="+", default=["csv", "geojson", "xlsx"])
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_measure(*args.child))))
        return 0
    if len(set(args.sizes)) < 2:
        parser.error("give two sizes or more: the budget compares the peak memory of the largest and the smallest")
    peaks: dict[int, dict[str, float]] = {}
    print(f"{'rows':>9} {'export':<10} {'seconds':>8} {'× scan':>7} {'MB out':>8} {'peak RSS +MB':>13}")
    with tempfile.TemporaryDirectory(dir=ROOT / "var" if (ROOT / "var").exists() else None) as tmp:
        for rows in args.sizes:
            url = prepare(Path(tmp), rows)
            scan = child("scan", url)
            for kind in ["scan", "naive-csv", *args.formats]:
                r = scan if kind == "scan" else child(kind, url)
                peaks.setdefault(rows, {})[kind] = r["peak_mb"]
                print(f"{rows:>9} {kind:<10} {r['seconds']:>8.2f} {r['seconds'] / scan['seconds']:>7.1f} "
                      f"{r['bytes'] / 2**20:>8.1f} {r['peak_mb']:>13.1f}", flush=True)
            Path(url.split(":///", 1)[1]).unlink()
    return report(check(peaks, args.formats))


if __name__ == "__main__":
    sys.exit(main())
