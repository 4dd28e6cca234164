"""Route quality and speed against LKH-3 (elkai) on random stops inside the wards of Thanh Hóa city.

    .venv/bin/python bench/routes.py [--instances 50] [--seed 2023] [--time-limit 1.0]
    (or: .venv/bin/python -m bench.routes ...)

Each instance is a start point plus 35 or 150 stops drawn uniformly (by area) inside the city's wards.
The geodesic matrix is computed once (its time is shown apart); plan_route (default settings) and elkai
solve that same integer matrix, and the route's length is checked against it. Exits 1 when a budget is
missed: mean gap <= 1 % at 35 stops with every solve under 1 s, mean gap <= 3 % at 150 stops with every
solve under 5 s.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.budgets import Budget, Verdict, report  # noqa: E402
from maps.distance import distance_matrix  # noqa: E402
from maps.routes import Stop, plan_route  # noqa: E402
from maps.wards import WardIndex  # noqa: E402

WARDS_FILES = (
    ROOT / "seed" / "data" / "thanh-hoa-city-wards-2023.geojson",
    ROOT.parent / "shared" / "data" / "thanh-hoa-city-wards-2023.geojson",
)
LIMITS = {35: (1, 1), 150: (3, 5)}  # stops: (mean gap %, seconds for the slowest call)
GAP = {n: Budget(f"mean gap to LKH-3, {n} stops", "<=", gap, "%") for n, (gap, _) in LIMITS.items()}
SLOWEST = {n: Budget(f"slowest solve, {n} stops", "<", seconds, "s") for n, (_, seconds) in LIMITS.items()}
BUDGETS = (GAP[35], SLOWEST[35], GAP[150], SLOWEST[150])


def check(figures: dict[int, tuple[float, float]]) -> list[Verdict]:
    """``figures``: stops -> (mean gap %, slowest plan_route call in seconds)."""
    return [v for size, (gap, slowest) in figures.items() for v in (GAP[size].check(gap), SLOWEST[size].check(slowest))]


@dataclass
class Result:
    gap_pct: float
    seconds: float
    lkh_seconds: float
    matrix_seconds: float


def load_wards() -> WardIndex:
    path = next(p for p in WARDS_FILES if p.exists())
    return WardIndex.from_geojson(json.loads(path.read_text(encoding="utf-8")))


def draw_points(wards: WardIndex, rng: random.Random, count: int) -> list[tuple[float, float]]:
    codes = list(wards.codes)
    weights = [wards.geometry(c).area for c in codes]
    return [wards.random_point_in(rng.choices(codes, weights)[0], rng) for _ in range(count)]


def tour_length(matrix: list[list[int]], tour: list[int]) -> int:
    return sum(matrix[a][b] for a, b in itertools.pairwise(tour))


def run_instance(points: list[tuple[float, float]], time_limit_s: float) -> Result:
    import elkai

    start, stops = points[0], [Stop(i, lat, lon) for i, (lat, lon) in enumerate(points[1:])]
    began = time.perf_counter()
    matrix = distance_matrix(points)
    matrix_seconds = time.perf_counter() - began
    began = time.perf_counter()
    route = plan_route(start, stops, time_limit_s=time_limit_s, matrix_fn=lambda _: matrix)
    seconds = time.perf_counter() - began
    if sorted(route.order) != list(range(len(stops))):
        raise AssertionError("plan_route did not visit every stop exactly once")
    if route.total_distance_m != tour_length(matrix, [0, *(i + 1 for i in route.order), 0]):
        raise AssertionError("route total does not match the matrix")
    began = time.perf_counter()
    best = tour_length(matrix, elkai.DistanceMatrix(matrix).solve_tsp())
    lkh_seconds = time.perf_counter() - began
    return Result(100.0 * (route.total_distance_m - best) / best, seconds, lkh_seconds, matrix_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2023)
    parser.add_argument("--time-limit", type=float, default=1.0, help="plan_route time_limit_s")
    args = parser.parse_args(argv)
    try:
        import elkai  # noqa: F401
    except ImportError:
        print("elkai is missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    wards = load_wards()
    rng = random.Random(args.seed)
    header = (
        f"{'stops':>5} {'n':>4} {'gap mean':>9} {'gap max':>8} {'s mean':>7} {'s max':>6} {'LKH s':>6}"
        f" {'matrix s':>8}"
    )
    print(header)
    print("-" * len(header))
    figures = {}
    for size in GAP:
        results = [run_instance(draw_points(wards, rng, size + 1), args.time_limit) for _ in range(args.instances)]
        gap_mean = statistics.fmean(r.gap_pct for r in results)
        gap_max = max(r.gap_pct for r in results)
        s_mean = statistics.fmean(r.seconds for r in results)
        s_max = max(r.seconds for r in results)
        lkh = statistics.fmean(r.lkh_seconds for r in results)
        matrix_s = statistics.fmean(r.matrix_seconds for r in results)
        figures[size] = (gap_mean, s_max)
        print(
            f"{size:>5} {len(results):>4} {gap_mean:>8.3f}% {gap_max:>7.3f}% {s_mean:>7.3f} {s_max:>6.3f} {lkh:>6.3f}"
            f" {matrix_s:>8.3f}"
        )
    return report(check(figures))


if __name__ == "__main__":
    sys.exit(main())
