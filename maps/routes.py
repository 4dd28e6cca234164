"""Visiting order for a day's stops: shortest tour or path, optional opening hours and a stop cap."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from maps.distance import LatLon, MatrixFn, distance_matrix
from maps.route_solvers import Problem, solve_exact, solve_heuristic

START_ID = "start"
EXACT_MAX_STOPS = 8  # up to this many stops (plus the start) the order is found by exhaustive search

StopId = str | int


@dataclass(frozen=True)
class Stop:
    """A place to visit; `window` is (open, close) in minutes from midnight for the arrival."""

    id: StopId
    lat: float
    lon: float
    window: tuple[int, int] | None = None


@dataclass(frozen=True)
class Leg:
    from_id: StopId
    to_id: StopId
    distance_m: int


@dataclass(frozen=True)
class Route:
    """`order` lists stop ids; `arrival_min` (only with time windows) is when service starts at each."""

    order: list[StopId]
    legs: list[Leg]
    total_distance_m: int
    dropped: list[StopId] = field(default_factory=list)
    arrival_min: list[int] | None = None


class InfeasibleRouteError(ValueError):
    """No visiting order meets the opening hours; `stop_ids` are the stops that could not be fitted."""

    def __init__(self, message: str, stop_ids: Sequence[StopId] = ()) -> None:
        super().__init__(message)
        self.stop_ids = list(stop_ids)


def plan_route(
    start: LatLon | None,
    stops: Sequence[Stop],
    return_to_start: bool = True,
    max_stops: int | None = None,
    time_limit_s: float = 1.0,
    matrix_fn: MatrixFn = distance_matrix,
    *,
    speed_kmh: float = 20.0,
    service_min: int = 15,
    depart_min: int | None = None,
) -> Route:
    """Order `stops` to minimise the distance travelled.

    With `start` None the route begins at the first stop (and, with `return_to_start`, ends there).
    With `max_stops` at most that many stops are visited (the first stop counts when `start` is None) and
    the rest are returned in `dropped`; the solver picks which to drop to keep the route short. With time
    windows, travel takes distance / `speed_kmh` and each stop `service_min`; the route leaves at
    `depart_min` (None: as early as needed, waiting at a stop that is not open yet is allowed).
    Up to EXACT_MAX_STOPS stops the order is optimal; beyond, `time_limit_s` bounds the whole call.
    """
    deadline = time.perf_counter() + time_limit_s
    _validate(start, stops, max_stops, speed_kmh, service_min)
    if not stops or max_stops == 0:
        return Route([], [], 0, dropped=[s.id for s in stops])
    points = ([start] if start is not None else []) + [(s.lat, s.lon) for s in stops]
    matrix = matrix_fn(points)
    if len(matrix) != len(points) or any(len(row) != len(points) for row in matrix):
        raise ValueError("matrix_fn must return a square matrix, one row per point")
    problem = _problem(start, stops, matrix, return_to_start, max_stops, speed_kmh, service_min, depart_min)
    unreachable = problem.unreachable_nodes()
    if unreachable and (max_stops is None or unreachable == [0]):
        ids = [stops[problem.stop_of(node)].id for node in unreachable]
        raise InfeasibleRouteError(
            f"stops cannot be reached within their opening hours: {', '.join(map(str, ids))}", ids
        )
    if len(stops) <= EXACT_MAX_STOPS:
        seq = solve_exact(problem)
    else:
        seq = solve_heuristic(problem, max(0.0, deadline - time.perf_counter()))
    if seq is None:
        raise InfeasibleRouteError("no visiting order meets the opening hours of all stops")
    visited = set(seq)
    missing = [s.id for node, s in enumerate(stops, start=problem.first_stop_node) if node not in visited]
    if missing and max_stops is None:
        raise InfeasibleRouteError(
            f"no visiting order meets the opening hours; cannot fit: {', '.join(map(str, missing))}", missing
        )
    return _route(problem, stops, seq, missing)


def _validate(
    start: LatLon | None, stops: Sequence[Stop], max_stops: int | None, speed_kmh: float, service_min: int
) -> None:
    ids = [s.id for s in stops]
    if len(set(ids)) != len(ids):
        raise ValueError("stop ids must be unique")
    if start is not None and START_ID in ids:
        raise ValueError(f"a stop id cannot be {START_ID!r} when a start point is given")
    if max_stops is not None and max_stops < 0:
        raise ValueError("max_stops must be >= 0")
    if speed_kmh <= 0 or service_min < 0:
        raise ValueError("speed_kmh must be > 0 and service_min >= 0")
    for s in stops:
        if s.window is not None and not (0 <= s.window[0] <= s.window[1]):
            raise ValueError(f"stop {s.id}: window must be (open, close) with 0 <= open <= close")


def _problem(
    start: LatLon | None,
    stops: Sequence[Stop],
    matrix: list[list[int]],
    closed: bool,
    max_stops: int | None,
    speed_kmh: float,
    service_min: int,
    depart_min: int | None,
) -> Problem:
    offset = 0 if start is None else 1
    has_windows = any(s.window is not None for s in stops)
    windows: list[tuple[int, int] | None] = [None] * offset + [
        None if s.window is None else (s.window[0] * 60, s.window[1] * 60) for s in stops
    ]
    metres_per_s = speed_kmh / 3.6
    travel_s = [[math.ceil(d / metres_per_s) for d in row] for row in matrix] if has_windows else None
    return Problem(
        cost=[[int(d) for d in row] for row in matrix],
        closed=closed,
        first_stop_node=offset,
        max_visits=None if max_stops is None else min(max_stops, len(stops)),
        travel_s=travel_s,
        service_s=[0] * offset + [service_min * 60] * len(stops),
        windows=windows if has_windows else None,
        depart_s=(depart_min or 0) * 60,
    )


def _route(problem: Problem, stops: Sequence[Stop], seq: list[int], dropped: list[StopId]) -> Route:
    ids = [START_ID] * problem.first_stop_node + [s.id for s in stops]
    path = [*seq, seq[0]] if problem.closed and len(seq) > 1 else seq
    legs = [Leg(ids[a], ids[b], problem.cost[a][b]) for a, b in itertools.pairwise(path)]
    stop_nodes = [node for node in seq if node >= problem.first_stop_node]
    arrival = None
    if problem.windows is not None:
        times = problem.schedule(seq)
        assert times is not None, "solver returned an order that breaks a time window"
        arrival = [math.ceil(t / 60) for node, t in zip(seq, times, strict=True) if node >= problem.first_stop_node]
    return Route(
        order=[ids[n] for n in stop_nodes],
        legs=legs,
        total_distance_m=sum(leg.distance_m for leg in legs),
        dropped=dropped,
        arrival_min=arrival,
    )
