"""One command for every budget: runs each bench in turn, prints its table, then a summary.

    .venv/bin/python -m bench.run            # quick sizes (about 10 minutes on 2 cores)
    .venv/bin/python -m bench.run --full     # the sizes the issues name (hours: 1 M-row exports, 3 M inspections)
    .venv/bin/python -m bench.run routes load   # only some benches
    .venv/bin/python -m bench.run --list     # each bench's command and budgets, without running anything

Every figure is a ratio against, or printed beside, a baseline measured in the same run. Each bench checks
its own budgets (its module's ``BUDGETS`` and ``check``, a pure function of the figures it measured, in the
vocabulary of ``bench/budgets.py``), prints a met/MISSED line for each with the figure and how far it is off,
and exits 1 when one is missed; so "met" in the summary means every budget of that bench held in that run.
The budgets (the README's "Budgets (bench/)" table shows the same, a test keeps the two equal):

- routes: mean gap to LKH-3 ≤ 1 % and slowest solve < 1 s at 35 stops; ≤ 3 % and < 5 s at 150 stops
- phone_weight: checklist page + app.css + phone.js ≤ 25 KB gzip; ready cold on slow 3G + 4× CPU < 2 s
- submit_throughput: PUT throughput ≥ 0.5 × a bare one-insert endpoint, on SQLite and on PostgreSQL
- import_bench: every stage (check, report, commit, re-import) ≤ 5 × openpyxl's read of the same file
- export_bench: peak RSS growth at the largest size ≤ 1.5 × at the smallest, each streamed format
- coverage_scale: coverage query < 1 s for the whole country on PostgreSQL, < 50 ms for one city (each database);
  one page of the whole-country table < 300 ms on PostgreSQL
- crash_bench: 0 acknowledged submissions lost, 0 duplicates after replay
- load: 0 failed inspector requests, one app machine and two (no latency bound: see the README); photo
  upload and download through S3 ≥ 0.5 × the local directory
- pdf_bench: record PDF (52 questions, 4 photos) < 1.5 s and < 2 MB; audit verify with checkpoints < 30 s per
  1 M events on PostgreSQL
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time

from bench.budgets import describe
from bench.common import machine, table

#: bench module -> (quick arguments, full arguments); its budgets are the module's ``BUDGETS``
BENCHES: dict[str, tuple[list[str], list[str]]] = {
    "routes": (["--instances", "10"], ["--instances", "50"]),
    "phone_weight": (["--runs", "1"], ["--runs", "3"]),
    "submit_throughput": (["--requests", "200"], ["--requests", "400"]),
    "import_bench": (["--rows", "10000"], ["--rows", "10000"]),
    "export_bench": (["--sizes", "10000", "50000"], ["--sizes", "10000", "1000000"]),
    "coverage_scale": (["--scale", "0.01"], ["--scale", "1"]),
    "crash_bench": (["--rounds", "3"], ["--rounds", "20", "--db", "postgres"]),
    "load": (["--users", "50", "--seconds", "15"], ["--users", "200", "--seconds", "60"]),
    "pdf_bench": (["--events", "100000"], ["--events", "1000000", "--runs", "5"]),
    "schedule_bench": (["--year-limit", "50", "--week-limit", "5"], ["--year-limit", "50", "--week-limit", "5"]),
}


def budget_of(name: str) -> str:
    """The budgets of bench ``name`` in one line, from its module's ``BUDGETS``."""
    return describe(importlib.import_module(f"bench.{name}").BUDGETS)


def command(name: str, full: bool) -> list[str]:
    return ["-m", f"bench.{name}", *BENCHES[name][1 if full else 0]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("only", nargs="*", metavar="BENCH", help=f"benches to run (default: all): {', '.join(BENCHES)}")
    parser.add_argument("--full", action="store_true", help="the full sizes named in the issues")
    parser.add_argument("--list", action="store_true", help="print each bench's command and budgets, run nothing")
    args = parser.parse_args()
    unknown = set(args.only) - set(BENCHES)
    if unknown:
        parser.error(f"unknown bench: {', '.join(sorted(unknown))}")
    names = args.only or list(BENCHES)
    if args.list:
        print(table([[f"`python {' '.join(command(n, args.full))}`", budget_of(n)] for n in names],
                    ["bench", "budgets"]))
        return 0
    print(f"machine: {machine()}\n")
    summary = []
    for name in names:
        argv = [sys.executable, *command(name, args.full)]
        print(f"== {name}: {' '.join(argv[1:])}", flush=True)
        started = time.perf_counter()
        code = subprocess.run(argv, check=False).returncode
        summary.append([name, budget_of(name), "met" if code == 0 else f"NOT MET (exit {code})",
                        f"{time.perf_counter() - started:.0f} s"])
        print(flush=True)
    print(table(summary, ["bench", "budget", "result", "took"]))
    return 0 if all(row[2] == "met" for row in summary) else 1


if __name__ == "__main__":
    sys.exit(main())
