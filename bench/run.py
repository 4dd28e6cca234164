"""One command for every budget: runs each bench in turn, prints its table, then a summary.

    .venv/bin/python -m bench.run            # quick sizes (about 10 minutes on 2 cores)
    .venv/bin/python -m bench.run --full     # the sizes the issues name (hours: 1 M-row exports, 3 M inspections)
    .venv/bin/python -m bench.run routes load   # only some benches

Every figure is a ratio against, or printed beside, a baseline measured in the same run; each bench exits
non-zero when its budget is missed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench.common import machine, table

#: bench module -> (quick arguments, full arguments, budget in one line)
BENCHES: dict[str, tuple[list[str], list[str], str]] = {
    "routes": (["--instances", "10"], ["--instances", "50"],
               "gap to LKH-3 ≤ 1 % at 35 stops (< 1 s), ≤ 3 % at 150 (< 5 s)"),
    "phone_weight": (["--runs", "1"], ["--runs", "3"], "checklist ≤ 50 KB gzip; ready < 3 s on slow 3G, 4× CPU"),
    "submit_throughput": (["--requests", "200"], ["--requests", "400"],
                          "PUT throughput ≥ 0.5 × a bare one-insert endpoint (SQLite, PostgreSQL)"),
    "import_bench": (["--rows", "10000"], ["--rows", "10000"], "10,000-row import: time and peak memory"),
    "export_bench": (["--sizes", "10000"], ["--sizes", "10000", "1000000"],
                     "exports stream in constant memory (10 k vs 1 M rows)"),
    "coverage_scale": (["--scale", "0.01"], ["--scale", "1"],
                       "coverage: < 1 s country on PostgreSQL, < 50 ms one city"),
    "crash_bench": (["--rounds", "3"], ["--rounds", "20", "--db", "postgres"],
                    "0 acknowledged submissions lost, 0 duplicates after SIGKILLs"),
    "load": (["--users", "50", "--seconds", "15"], ["--users", "200", "--seconds", "60"],
             "200 inspectors for 60 s on PostgreSQL: req/s, p50/p95/p99, errors"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", metavar="BENCH", help=f"benches to run (default: all): {', '.join(BENCHES)}")
    parser.add_argument("--full", action="store_true", help="the full sizes named in the issues")
    args = parser.parse_args()
    unknown = set(args.only) - set(BENCHES)
    if unknown:
        parser.error(f"unknown bench: {', '.join(sorted(unknown))}")
    print(f"machine: {machine()}\n")
    summary = []
    for name in args.only or list(BENCHES):
        quick, full, budget = BENCHES[name]
        command = [sys.executable, "-m", f"bench.{name}", *(full if args.full else quick)]
        print(f"== {name}: {' '.join(command[1:])}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(command, check=False).returncode
        summary.append([name, budget, "met" if code == 0 else f"NOT MET (exit {code})",
                        f"{time.perf_counter() - started:.0f} s"])
        print(flush=True)
    print(table(summary, ["bench", "budget", "result", "took"]))
    return 0 if all(row[2] == "met" for row in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
