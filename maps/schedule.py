"""Multi-day schedules: which businesses each team visits on which day, in which order, at what time.

A prize-collecting vehicle-routing problem with time windows, solved by PyVRP: every team-day is a vehicle
(its own depot, the team's base, and its shift as the time window); every business is an optional client
whose prize says how much its visit is worth (risk, and a bonus while its ward is short of target).
The horizon is solved week by week (a rolling horizon), one team at a time: a ward team plans its own
ward; the city team (``ward=None``) then takes its own quota and helps the wards that will fall short.
Pure: no server, no database.
"""

from __future__ import annotations

import bisect
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from pyvrp import (
    Client,
    Depot,
    GeneticAlgorithm,
    PenaltyManager,
    Population,
    ProblemData,
    RandomNumberGenerator,
    Route,
    Solution,
    SolveParams,
    VehicleType,
)
from pyvrp.crossover import ordered_crossover, selective_route_exchange
from pyvrp.diversity import broken_pairs_distance
from pyvrp.search import LocalSearch, compute_neighbours
from pyvrp.stop import MaxRuntime

from maps.distance import LatLon, MatrixFn, haversine_matrix

DAY_S = 24 * 3600
SHORT_BONUS = 100_000   # prize (in metres of travel) of a visit that brings a short ward closer to target
CITY_BONUS = 50_000     # prize of a visit that counts toward the city team's own quota (T2)
RISK_UNIT = 1_000       # prize per point of risk score
MAX_POOL = 150          # candidates offered to one team for one week (the highest prizes)


@dataclass(frozen=True)
class Site:
    """A business that may be visited: ``window`` is (open, close) in seconds from local midnight;
    ``counts`` says whether a visit raises its ward's coverage (a re-inspection does not);
    ``earliest`` is the first day it may be visited (a re-inspection after a remediation deadline)."""

    id: int
    lat: float
    lon: float
    ward: str
    type: str
    risk: float
    window: tuple[int, int] = (0, DAY_S)
    counts: bool = True
    earliest: date | None = None


@dataclass(frozen=True)
class Team:
    """A team: its base, its ward (None: the city team), its field days as (day, start_s, end_s), and the
    time a visit takes by business type (seconds)."""

    id: int
    base: LatLon
    ward: str | None
    shifts: Sequence[tuple[date, int, int]]
    visit_s: dict[str, int]


@dataclass(frozen=True)
class Stop:
    site_id: int
    arrive_s: int


@dataclass(frozen=True)
class Day:
    day: date
    team_id: int
    stops: list[Stop]
    distance_m: int


@dataclass
class Schedule:
    days: list[Day] = field(default_factory=list)
    #: the sites nobody could be given
    unplanned: list[int] = field(default_factory=list)


@dataclass
class _Instance:
    """One team's days in the solver's terms: location 0 is the base, location i the site i - 1."""

    dist: np.ndarray
    dur: np.ndarray
    service: list[int]
    windows: list[tuple[int, int]]
    prizes: list[int]
    shifts: Sequence[tuple[date, int, int]]


def _instance(base: LatLon, shifts: Sequence[tuple[date, int, int]], sites: Sequence[Site], prizes: Sequence[int],
              visit_s: dict[str, int], speed_mps: float, matrix: MatrixFn) -> _Instance:
    dist = np.asarray(matrix([base, *((s.lat, s.lon) for s in sites)]), dtype=np.int64)
    return _Instance(dist, np.ceil(dist / speed_mps).astype(np.int64), [visit_s.get(s.type, 1800) for s in sites],
                     [s.window for s in sites], [int(p) for p in prizes], shifts)


def _greedy(inst: _Instance) -> list[list[tuple[int, int]]]:
    """Day by day, the next stop is the open one that pays most (its prize less the metres to it) and still fits
    before the shift ends with the way back: (location, arrival) per shift."""
    left = set(range(1, len(inst.service) + 1))
    days = []
    for _day, begin, end in inst.shifts:
        here, now, route = 0, begin, []
        while left:
            best, pick = None, None
            for loc in left:
                arrive = max(now + int(inst.dur[here, loc]), inst.windows[loc - 1][0])
                done = arrive + inst.service[loc - 1]
                if arrive > inst.windows[loc - 1][1] or done + int(inst.dur[loc, 0]) > end:
                    continue
                gain = inst.prizes[loc - 1] - int(inst.dist[here, loc])
                if gain > 0 and (best is None or gain > best):
                    best, pick = gain, (loc, arrive, done)
            if pick is None:
                break
            route.append(pick[:2])
            left.discard(pick[0])
            here, now = pick[0], pick[2]
        days.append(route)
    return days


def _days(inst: _Instance, sites: Sequence[Site], routes: Sequence[tuple[int, list[tuple[int, int]], int]]
          ) -> list[tuple[date, list[Stop], int]]:
    """(shift index, [(location, arrival)], metres) as (day, stops, metres), empty days left out."""
    out = [(inst.shifts[k][0], [Stop(sites[loc - 1].id, at) for loc, at in visits], meters)
           for k, visits, meters in routes if visits]
    return sorted(out, key=lambda d: d[0])


def _metres(inst: _Instance, locations: Sequence[int]) -> int:
    path = [0, *locations, 0]
    return int(sum(inst.dist[a, b] for a, b in itertools.pairwise(path)))


def greedy_days(base: LatLon, shifts: Sequence[tuple[date, int, int]], sites: Sequence[Site], prizes: Sequence[int],
                visit_s: dict[str, int], speed_mps: float, matrix: MatrixFn = haversine_matrix
                ) -> list[tuple[date, list[Stop], int]]:
    """The greedy baseline (each day the nearest paying stops that fit), in ``route_days``'s terms."""
    inst = _instance(base, shifts, sites, prizes, visit_s, speed_mps, matrix)
    return _days(inst, sites, [(k, r, _metres(inst, [loc for loc, _ in r])) for k, r in enumerate(_greedy(inst))])


def route_days(base: LatLon, shifts: Sequence[tuple[date, int, int]], sites: Sequence[Site],
               prizes: Sequence[int], visit_s: dict[str, int], time_limit_s: float, speed_mps: float,
               matrix: MatrixFn = haversine_matrix, seed: int = 1) -> list[tuple[date, list[Stop], int]]:
    """One team's days over ``sites`` (each optional, worth its prize): (day, stops, distance) per shift,
    shifts with no stop left out. Travel time is distance over ``speed_mps``. PyVRP's genetic search starts
    from the greedy days (a feasible start: from random ones it spends its time repairing)."""
    if not shifts or not sites:
        return []
    inst = _instance(base, shifts, sites, prizes, visit_s, speed_mps, matrix)
    clients = [Client(x=0, y=0, service_duration=inst.service[i], tw_early=s.window[0], tw_late=s.window[1],
                      prize=inst.prizes[i], required=False) for i, s in enumerate(sites)]
    vehicles = [VehicleType(num_available=1, start_depot=0, end_depot=0, tw_early=start, tw_late=end,
                            shift_duration=end - start) for _day, start, end in shifts]
    data = ProblemData(clients=clients, depots=[Depot(x=0, y=0, tw_early=min(s[1] for s in shifts),
                                                      tw_late=max(s[2] for s in shifts))],
                       vehicle_types=vehicles, distance_matrices=[inst.dist], duration_matrices=[inst.dur])
    start = Solution(data, [Route(data, [loc for loc, _ in r], k) for k, r in enumerate(_greedy(inst)) if r])
    best = _search(data, start, time_limit_s, seed)
    routes = [(r.vehicle_type(), [(v.location, int(v.start_service)) for v in r.schedule() if v.location >= 1],
               int(r.distance())) for r in best.routes() if r.is_feasible()]
    return _days(inst, sites, routes)


def _search(data: ProblemData, start: Solution, time_limit_s: float, seed: int) -> Solution:
    """``pyvrp.solve`` with our starting solution (and an empty one) instead of random ones."""
    params = SolveParams()
    rng = RandomNumberGenerator(seed=seed)
    search = LocalSearch(data, rng, compute_neighbours(data, params.neighbourhood))
    for node_op in params.node_ops:
        if node_op.supports(data):
            search.add_node_operator(node_op(data))
    for route_op in params.route_ops:
        if route_op.supports(data):
            search.add_route_operator(route_op(data))
    # A second of lateness must cost more than any visit earns, or the search crams in every client, late.
    late = max((c.prize for c in data.clients()), default=1) / 60
    penalties = PenaltyManager(([], late, late), params.penalty)
    algo = GeneticAlgorithm(data, penalties, rng,
                            Population(broken_pairs_distance, params.population), search,
                            selective_route_exchange if data.num_vehicles > 1 else ordered_crossover,
                            [start, Solution(data, [])], params.genetic)
    best = algo.run(MaxRuntime(time_limit_s), collect_stats=False, display=False).best
    better = best.is_feasible() and best.prizes() - best.distance() >= start.prizes() - start.distance()
    return best if better else start


def _week(day: date) -> tuple[int, int]:
    iso = day.isocalendar()
    return iso[0], iso[1]


def _prize(site: Site, short: bool, city_quota: bool) -> int:
    bonus = (SHORT_BONUS if short and site.counts else 0) + (CITY_BONUS if city_quota else 0)
    return int(RISK_UNIT * max(site.risk, 1.0) + bonus)


def build(teams: Sequence[Team], sites: Sequence[Site], need: dict[str, int], city_quota: int = 0,
          time_limit_s: float = 30.0, speed_mps: float = 5.5, matrix: MatrixFn = haversine_matrix,
          per_solve_s: float = 2.0) -> Schedule:
    """The schedule over every team's shifts. ``need`` is how many more businesses each ward must inspect
    to reach its target; ``city_quota`` how many the city team still has to inspect itself. The budget
    ``time_limit_s`` is shared between the week-and-team subproblems as they come."""
    deadline = time.monotonic() + time_limit_s
    left = {s.id: s for s in sites}
    need_left = dict(need)
    quota_left = city_quota
    by_week: dict[tuple[int, int], list[tuple[Team, list[tuple[date, int, int]]]]] = defaultdict(list)
    ward_days: dict[str, list[date]] = defaultdict(list)  # every field day of the ward's teams, in order
    for team in teams:  # ward teams first each week, then the city team
        weeks: dict[tuple[int, int], list[tuple[date, int, int]]] = defaultdict(list)
        for shift in sorted(team.shifts):
            weeks[_week(shift[0])].append(shift)
            if team.ward is not None:
                ward_days[team.ward].append(shift[0])
        for week, shifts in weeks.items():
            by_week[week].append((team, shifts))
    for days in ward_days.values():
        days.sort()
    schedule = Schedule()
    pace = _pace(teams, sites, speed_mps)
    fruitless: dict[int, set[frozenset[int]]] = defaultdict(set)
    for n, week in enumerate(sorted(by_week)):
        for team, shifts in sorted(by_week[week], key=lambda job: (job[0].ward is None, job[0].id)):
            if not left:
                break
            first = shifts[0][0]
            short = _short_wards(need_left, ward_days, first, pace)
            pool = [s for s in left.values() if (s.earliest is None or s.earliest <= first)
                    and (s.ward == team.ward if team.ward is not None else
                         (s.ward in short or quota_left > 0 or s.ward not in ward_days))]
            if not pool or frozenset(s.id for s in pool) in fruitless[team.id]:
                continue  # the same businesses did not fit this team's (identical) days before: they will not now
            prizes = [_prize(s, need_left.get(s.ward, 0) > 0 if team.ward else s.ward in short,
                             team.ward is None and quota_left > 0) for s in pool]
            ranked = sorted(range(len(pool)), key=lambda i: -prizes[i])[:MAX_POOL]
            pool, prizes = [pool[i] for i in ranked], [prizes[i] for i in ranked]
            # each business left is offered about three times before it is placed: its share of the time left
            share = (deadline - time.monotonic()) * len(pool) / (3 * len(left))
            budget = max(0.05, min(per_solve_s, share))
            routed = route_days(team.base, shifts, pool, prizes, team.visit_s, budget, speed_mps, matrix, seed=n + 1)
            if not routed:
                fruitless[team.id].add(frozenset(s.id for s in pool))
            for day, stops, meters in routed:
                schedule.days.append(Day(day, team.id, stops, meters))
                for stop in stops:
                    site = left.pop(stop.site_id)
                    if site.counts:
                        need_left[site.ward] = need_left.get(site.ward, 0) - 1
                    if team.ward is None:
                        quota_left -= 1
    schedule.days.sort(key=lambda d: (d.day, d.team_id))
    schedule.unplanned = sorted(left)
    return schedule


def _pace(teams: Sequence[Team], sites: Sequence[Site], speed_mps: float) -> float:
    """A rough number of visits a team makes in a day: the mean shift over the mean visit plus a 1 km hop."""
    shifts = [end - start for t in teams for _d, start, end in t.shifts]
    visits = [t.visit_s.get(s.type, 1800) for t in teams for s in sites[:50]]
    if not shifts or not visits:
        return 1.0
    return max(1.0, (sum(shifts) / len(shifts)) / (sum(visits) / len(visits) + 1000 / speed_mps))


def _short_wards(need: dict[str, int], ward_days: dict[str, list[date]], first: date, pace: float) -> set[str]:
    """Wards whose own teams cannot make up what they still need in their field days from ``first`` on."""
    return {ward for ward, n in need.items()
            if n > (len(ward_days.get(ward, [])) - bisect.bisect_left(ward_days.get(ward, []), first)) * pace}


@dataclass(frozen=True)
class WardForecast:
    ward: str
    active: int
    projected: int
    projected_ratio: float
    short_by: int
    short_by_team_days: int


def forecast(schedule: Schedule | Iterable[Day], sites: Sequence[Site], inspected: dict[str, int],
             active: dict[str, int], target: dict[str, float]) -> list[WardForecast]:
    """Per ward: coverage on the last day if every planned visit is made, and for a ward that still falls
    short, how many more team-days it needs at the pace its planned days show (or the city's mean pace)."""
    days = schedule.days if isinstance(schedule, Schedule) else list(schedule)
    by_id = {s.id: s for s in sites}
    added: dict[str, int] = defaultdict(int)
    visits: dict[str, int] = defaultdict(int)
    team_days: dict[str, set[tuple[date, int]]] = defaultdict(set)
    for day in days:
        for stop in day.stops:
            site = by_id.get(stop.site_id)
            if site is None:
                continue
            visits[site.ward] += 1
            team_days[site.ward].add((day.day, day.team_id))
            if site.counts:
                added[site.ward] += 1
    all_days = sum(len(v) for v in team_days.values())
    city_pace = sum(visits.values()) / all_days if all_days else 1.0
    out = []
    for ward in sorted(active):
        total = active[ward]
        projected = min(total, inspected.get(ward, 0) + added[ward])
        short = max(0, math.ceil(round(target.get(ward, 0.8) * total, 9)) - projected)
        pace = visits[ward] / len(team_days[ward]) if team_days[ward] else city_pace
        out.append(WardForecast(ward, total, projected, round(projected / total, 4) if total else 0.0, short,
                                math.ceil(short / max(pace, 1e-9)) if short else 0))
    return out
