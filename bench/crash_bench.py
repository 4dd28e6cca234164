"""Crash durability under many kills: rounds of concurrent submissions, each ended by a SIGKILL at a random
point, a restart and a full replay. Reports acknowledged-but-lost and duplicates; exits 1 unless both are 0.

    .venv/bin/python -m bench.crash_bench --rounds 10 --db sqlite
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

from bench.budgets import Budget, Verdict, report
from bench.common import DEMO_PASSWORD, drop_database, machine, seeded_database, table
from tests import crash

LOST = Budget("acknowledged submissions lost", "==", 0)
DUPLICATES = Budget("duplicates after replay", "==", 0)
BUDGETS = (LOST, DUPLICATES)


def check(lost: int, duplicates: int) -> list[Verdict]:
    return [LOST.check(lost), DUPLICATES.check(duplicates)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--per-round", type=int, default=40)
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="sqlite")
    args = parser.parse_args()
    rng = random.Random(1)
    rows, lost_total, dup_total = [], 0, 0
    workdir = Path("var/bench")
    for n in range(1, args.rounds + 1):
        url = seeded_database(args.db, workdir)
        try:
            kill_after = rng.randint(1, args.per_round - 1)
            first, stored, _codes = crash.run_crash(url, workdir / f"data{n}", args.per_round, kill_after,
                                                    password=DEMO_PASSWORD)
            lost = sum(1 for u in first.acknowledged if stored.get(u) != 1)
            dups = sum(1 for c in stored.values() if c > 1)
            lost_total, dup_total = lost_total + lost, dup_total + dups
            rows.append([str(n), str(kill_after), str(len(first.acknowledged)), str(first.failed), str(lost),
                         str(dups), str(len(stored))])
        finally:
            drop_database(url)
    print(f"machine: {machine()}; {args.db}")
    print(table(rows, ["round", "kill after", "acknowledged", "cut off", "lost", "duplicates", "stored"]))
    return report(check(lost_total, dup_total))


if __name__ == "__main__":
    sys.exit(main())
