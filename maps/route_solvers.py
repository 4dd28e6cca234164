"""The routing problem in node numbers and its two solvers: exhaustive search and OR-Tools."""

from __future__ import annotations

import heapq
import itertools
import time
from dataclasses import dataclass

from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from maps.tour_search import improve_tour

ORTOOLS_SHARE = 0.25  # of the budget, without time windows; the tour polish gets the rest
MIN_ORTOOLS_S = 0.05  # enough for a first solution at a few hundred stops
MARGIN_S = 0.02  # kept back for building the answer
_FAIL_TIMEOUT = routing_enums_pb2.RoutingSearchStatus.ROUTING_FAIL_TIMEOUT


@dataclass(frozen=True)
class Problem:
    """Node 0 is where the route begins: the start point, or the first stop when there is none.

    Solvers return the visiting sequence beginning with node 0, without the closing return.
    """

    cost: list[list[int]]
    closed: bool
    first_stop_node: int  # 0 when node 0 is itself a stop, else 1
    max_visits: int | None  # cap on visited stop nodes (node 0 counts when it is a stop)
    travel_s: list[list[int]] | None
    service_s: list[int]
    windows: list[tuple[int, int] | None] | None  # seconds from midnight, per node
    depart_s: int

    @property
    def n(self) -> int:
        return len(self.cost)

    def stop_of(self, node: int) -> int:
        return node - self.first_stop_node

    def transit_s(self, a: int, b: int) -> int:
        assert self.travel_s is not None
        return self.service_s[a] + self.travel_s[a][b]

    def schedule(self, seq: list[int]) -> list[int] | None:
        """Service start (s) at each node of `seq`, waiting for opening; None if a window is missed."""
        times: list[int] = []
        t = self.depart_s
        for i, node in enumerate(seq):
            if i:
                t += self.transit_s(seq[i - 1], node)
            window = self.windows[node] if self.windows else None
            if window is not None:
                if t > window[1]:
                    return None
                t = max(t, window[0])
            times.append(t)
        return times

    def unreachable_nodes(self) -> list[int]:
        """Nodes whose window closes before the earliest possible arrival (a lower bound, so never wrong)."""
        if self.windows is None:
            return []
        earliest = self.schedule([0])
        if earliest is None:
            return [0]
        best = [earliest[0]] + [2**62] * (self.n - 1)
        heap = [(best[0], 0)]
        while heap:  # Dijkstra on travel + service times, ignoring waits
            t, a = heapq.heappop(heap)
            if t > best[a]:
                continue
            for b in range(1, self.n):
                tb = t + self.transit_s(a, b)
                if tb < best[b]:
                    best[b] = tb
                    heapq.heappush(heap, (tb, b))
        return [node for node in range(1, self.n) if (w := self.windows[node]) is not None and best[node] > w[1]]

    def symmetric(self) -> bool:
        c = self.cost
        return all(c[i][j] == c[j][i] for i in range(self.n) for j in range(i))

    def length(self, seq: list[int]) -> int:
        total = sum(self.cost[a][b] for a, b in itertools.pairwise(seq))
        return total + (self.cost[seq[-1]][seq[0]] if self.closed and len(seq) > 1 else 0)


def solve_exact(p: Problem) -> list[int] | None:
    """Branch and bound over all orders: the most stops (up to the cap), then the shortest."""
    others = list(range(1, p.n))
    depot_counts = 1 if p.first_stop_node == 0 else 0
    target = len(others) if p.max_visits is None else min(len(others), p.max_visits - depot_counts)
    optional = p.max_visits is not None or p.windows is not None  # so that the caller learns who did not fit
    best: list[tuple[int, int, list[int]] | None] = [None]  # (-visited, length, seq)

    def consider(seq: list[int]) -> None:
        key = (-(len(seq) - 1), p.length(seq), list(seq))
        if best[0] is None or key[:2] < best[0][:2]:
            best[0] = key

    def extend(seq: list[int], length: int, t: int, left: set[int]) -> None:
        if optional or len(seq) - 1 == target:
            consider(seq)
        if len(seq) - 1 == target:
            return
        if best[0] is not None and -best[0][0] == target and length >= best[0][1]:
            return
        last = seq[-1]
        for node in sorted(left):
            arrival = t
            if p.windows is not None:
                arrival = t + p.transit_s(last, node)
                window = p.windows[node]
                if window is not None:
                    if arrival > window[1]:
                        continue
                    arrival = max(arrival, window[0])
            seq.append(node)
            left.discard(node)
            extend(seq, length + p.cost[last][node], arrival, left)
            left.add(node)
            seq.pop()

    start = p.schedule([0])
    if start is None:
        return None
    extend([0], 0, start[0], set(others))
    return None if best[0] is None else best[0][2]


def solve_heuristic(p: Problem, time_limit_s: float) -> list[int] | None:
    """OR-Tools, then (without time windows, on a symmetric matrix) the iterated 2-opt/Or-opt polish."""
    deadline = time.perf_counter() + time_limit_s - MARGIN_S

    def remaining() -> float:
        return max(0.0, deadline - time.perf_counter())

    if p.windows is not None:
        return solve_ortools(p, max(MIN_ORTOOLS_S, remaining()))
    seq = solve_ortools(p, max(MIN_ORTOOLS_S, ORTOOLS_SHARE * remaining()))
    if seq is None and p.max_visits is None:
        seq = nearest_neighbour(p)
    if seq is not None and p.symmetric():
        seq = polish(p, seq, remaining())
    return seq


def nearest_neighbour(p: Problem) -> list[int]:
    seq, left = [0], set(range(1, p.n))
    while left:
        last = p.cost[seq[-1]]
        nxt = min(left, key=lambda j: (last[j], j))
        seq.append(nxt)
        left.remove(nxt)
    return seq


def polish(p: Problem, seq: list[int], time_limit_s: float) -> list[int]:
    """Reorder the visited nodes by iterated local search, node 0 staying first.

    Even with no time left the first descent runs: it takes milliseconds and removes the crossings
    a rushed first solution may have.

    An open path becomes a tour through a dummy node tied to node 0 at no cost and to every other node
    at a cost larger than any path, so the best tour runs node 0 ... last stop, dummy, back to node 0.
    """
    m = len(seq)
    if m < 4:
        return seq
    sub = [[p.cost[a][b] for b in seq] for a in seq]
    if p.closed:
        return [seq[i] for i in improve_tour(sub, list(range(m)), time_limit_s)]
    big = m * max(1, max(max(row) for row in sub)) + 1
    ext = [[*row, big] for row in sub] + [[big] * m + [0]]
    ext[0][m] = ext[m][0] = 0
    order = improve_tour(ext, list(range(m + 1)), time_limit_s)
    if order[1] == m:
        order = [0, *order[:0:-1]]
    if order[-1] != m:  # pragma: no cover - the search never accepts a longer tour
        return seq
    return [seq[i] for i in order[:-1]]


def solve_ortools(p: Problem, time_limit_s: float) -> list[int] | None:
    """OR-Tools routing: cheapest-arc construction, then guided local search until the time limit.

    An open path gets a dummy end node that every node reaches for free. Stops become optional
    (a disjunction with a penalty larger than any detour) when there is a cap or time windows, so that a
    first solution always exists and the caller can tell which stops did not fit.
    """
    n = p.n
    size = n if p.closed else n + 1
    end = 0 if p.closed else n
    cost = p.cost if p.closed else [[*row, 0] for row in p.cost] + [[0] * size]
    manager = pywrapcp.RoutingIndexManager(size, 1, [0], [end])
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost))
    optional = p.max_visits is not None or p.windows is not None
    if optional:
        penalty = 2 * n * max(1, max(max(row) for row in p.cost)) + 1
        for node in range(1, n):
            routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    if p.max_visits is not None:
        counts = [1 if p.first_stop_node <= node < n else 0 for node in range(size)]
        routing.AddDimension(routing.RegisterUnaryTransitVector(counts), 0, p.max_visits, True, "visits")
    if p.windows is not None:
        _add_time_dimension(p, manager, routing, size)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, round(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        if optional and routing.status() == _FAIL_TIMEOUT:
            raise TimeoutError("no route found within the time limit; allow more time")
        return None
    seq: list[int] = []
    index = routing.Start(0)
    while not routing.IsEnd(index):
        seq.append(manager.IndexToNode(index))
        index = solution.Value(routing.NextVar(index))
    return seq


def _add_time_dimension(
    p: Problem, manager: pywrapcp.RoutingIndexManager, routing: pywrapcp.RoutingModel, size: int
) -> None:
    assert p.windows is not None
    n = p.n
    transit = [[p.transit_s(a, b) for b in range(n)] + ([p.service_s[a]] if size > n else []) for a in range(n)]
    if size > n:
        transit.append([0] * size)
    latest = max([p.depart_s] + [w[1] for w in p.windows if w is not None])
    horizon = latest + sum(max(row) for row in transit)
    routing.AddDimension(routing.RegisterTransitMatrix(transit), horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    start = time.CumulVar(routing.Start(0))
    start.SetMin(p.depart_s)
    for node, window in enumerate(p.windows):
        if window is None:
            continue
        if node == 0:
            start.SetRange(max(p.depart_s, window[0]), window[1])
        else:
            time.CumulVar(manager.NodeToIndex(node)).SetRange(*window)
