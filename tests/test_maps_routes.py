"""Route planning: shapes of the answer, optimality on small instances, caps, opening hours."""

from __future__ import annotations

import itertools
import json
import math
import random
import threading
from collections.abc import Iterator, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from geopy.point import Point as GeoPoint

from maps.distance import OSRM_MAX_TABLE_SIZE, OsrmError, OsrmTable, distance_m, distance_matrix, nearest
from maps.routes import InfeasibleRouteError, Route, Stop, plan_route

OFFICE = (19.8075, 105.7764)  # near the city centre
FAST = 0.3  # time limit for the heuristic in tests; quality at full budget is checked by bench/routes.py


def city_stops(count: int, seed: int = 1) -> list[Stop]:
    rng = random.Random(seed)
    return [Stop(f"e{i}", rng.uniform(19.75, 19.85), rng.uniform(105.72, 105.84)) for i in range(count)]


def matrix_of(start: tuple[float, float] | None, stops: Sequence[Stop]) -> list[list[int]]:
    return distance_matrix(([start] if start else []) + [(s.lat, s.lon) for s in stops])


def brute_force(start: tuple[float, float] | None, stops: Sequence[Stop], closed: bool) -> int:
    """Shortest route over all orders (the first stop fixed when there is no start)."""
    m = matrix_of(start, stops)
    nodes = list(range(1, len(m)))
    best = math.inf
    for perm in itertools.permutations(nodes):
        path = [0, *perm]
        length = sum(m[a][b] for a, b in itertools.pairwise(path)) + (m[path[-1]][0] if closed else 0)
        best = min(best, length)
    return int(best)


def held_karp(m: list[list[int]]) -> int:
    """Exact shortest closed tour from node 0 by dynamic programming."""
    n = len(m)
    cost = {(1 << j, j): m[0][j] for j in range(1, n)}
    for size in range(2, n):
        for subset in itertools.combinations(range(1, n), size):
            bits = sum(1 << j for j in subset)
            for j in subset:
                prev = bits & ~(1 << j)
                cost[(bits, j)] = min(cost[(prev, k)] + m[k][j] for k in subset if k != j)
    full = sum(1 << j for j in range(1, n))
    return min(cost[(full, j)] + m[j][0] for j in range(1, n))


def assert_consistent(route: Route, start: bool, closed: bool, stops: Sequence[Stop]) -> None:
    """Legs chain through the order, start and end where they should, and add up to the total."""
    ids = [s.id for s in stops]
    assert len(set(route.order)) == len(route.order)
    assert sorted(map(str, route.order + route.dropped)) == sorted(map(str, ids))
    path = (["start"] if start else []) + route.order
    if closed and len(path) > 1:
        path.append(path[0])
    assert [(leg.from_id, leg.to_id) for leg in route.legs] == list(itertools.pairwise(path))
    assert route.total_distance_m == sum(leg.distance_m for leg in route.legs)
    where = {s.id: (s.lat, s.lon) for s in stops} | {"start": OFFICE}
    for leg in route.legs:
        assert leg.distance_m == round(distance_m(where[leg.from_id], where[leg.to_id]))


def test_no_stops_gives_an_empty_route() -> None:
    for start in (OFFICE, None):
        route = plan_route(start, [])
        assert (route.order, route.legs, route.total_distance_m) == ([], [], 0)


def test_one_stop_with_a_start_goes_there_and_back() -> None:
    stop = city_stops(1)
    closed = plan_route(OFFICE, stop)
    assert closed.order == ["e0"]
    assert [(leg.from_id, leg.to_id) for leg in closed.legs] == [("start", "e0"), ("e0", "start")]
    d = round(distance_m(OFFICE, (stop[0].lat, stop[0].lon)))
    assert closed.total_distance_m == 2 * d
    one_way = plan_route(OFFICE, stop, return_to_start=False)
    assert [(leg.from_id, leg.to_id) for leg in one_way.legs] == [("start", "e0")]
    assert one_way.total_distance_m == d


def test_one_stop_without_a_start_has_no_legs() -> None:
    route = plan_route(None, city_stops(1))
    assert route.order == ["e0"]
    assert route.legs == []
    assert route.total_distance_m == 0


@pytest.mark.parametrize("closed", [True, False])
def test_two_stops(closed: bool) -> None:
    stops = city_stops(2)
    route = plan_route(OFFICE, stops, return_to_start=closed)
    assert_consistent(route, True, closed, stops)
    assert len(route.legs) == (3 if closed else 2)
    assert route.total_distance_m == brute_force(OFFICE, stops, closed)
    no_start = plan_route(None, stops, return_to_start=closed)
    assert no_start.order == ["e0", "e1"]
    assert [(leg.from_id, leg.to_id) for leg in no_start.legs] == [("e0", "e1"), ("e1", "e0")][: 2 if closed else 1]


@pytest.mark.parametrize("start", [OFFICE, None])
@pytest.mark.parametrize("closed", [True, False])
def test_small_instances_are_optimal(start: tuple[float, float] | None, closed: bool) -> None:
    for seed in range(3):
        stops = city_stops(7, seed)
        route = plan_route(start, stops, return_to_start=closed)
        assert_consistent(route, start is not None, closed, stops)
        assert route.total_distance_m == brute_force(start, stops, closed)
        if start is None:
            assert route.order[0] == "e0"


@pytest.mark.parametrize("start", [OFFICE, None])
@pytest.mark.parametrize("closed", [True, False])
def test_many_stops(start: tuple[float, float] | None, closed: bool) -> None:
    stops = city_stops(25, seed=5)
    route = plan_route(start, stops, return_to_start=closed, time_limit_s=FAST)
    assert_consistent(route, start is not None, closed, stops)
    assert sorted(route.order) == sorted(s.id for s in stops)
    assert route.dropped == []
    assert route.legs[0].from_id == ("start" if start else "e0")
    if closed:
        assert route.legs[-1].to_id == ("start" if start else "e0")
    else:
        assert route.legs[-1].to_id not in ("start", "e0")
    assert route.arrival_min is None


def test_heuristic_finds_the_optimum_of_a_ten_stop_tour() -> None:
    for seed in range(2):
        stops = city_stops(10, seed)
        route = plan_route(OFFICE, stops, time_limit_s=FAST)
        assert route.total_distance_m == held_karp(matrix_of(OFFICE, stops))


def test_an_open_path_is_never_longer_than_the_tour() -> None:
    stops = city_stops(12, seed=3)
    closed = plan_route(OFFICE, stops, time_limit_s=FAST)
    open_ = plan_route(OFFICE, stops, return_to_start=False, time_limit_s=FAST)
    assert open_.total_distance_m < closed.total_distance_m


@pytest.mark.parametrize("count", [6, 14])
def test_max_stops_keeps_that_many(count: int) -> None:
    stops = city_stops(count, seed=2)
    route = plan_route(OFFICE, stops, max_stops=3, time_limit_s=FAST)
    assert len(route.order) == 3
    assert len(route.dropped) == count - 3
    assert_consistent(route, True, True, stops)


def test_max_stops_picks_the_shortest_subset_on_small_instances() -> None:
    stops = city_stops(6, seed=4)
    route = plan_route(OFFICE, stops, max_stops=3)
    best = min(brute_force(OFFICE, subset, True) for subset in itertools.combinations(stops, 3))
    assert route.total_distance_m == best


def test_max_stops_without_a_start_keeps_the_first_stop() -> None:
    stops = city_stops(10, seed=6)
    route = plan_route(None, stops, max_stops=4, time_limit_s=FAST)
    assert route.order[0] == "e0"
    assert len(route.order) == 4


def test_max_stops_zero_or_above_the_count() -> None:
    stops = city_stops(4)
    assert plan_route(OFFICE, stops, max_stops=0).order == []
    assert plan_route(OFFICE, stops, max_stops=0).dropped == [s.id for s in stops]
    assert len(plan_route(OFFICE, stops, max_stops=10).order) == 4


def check_windows(route: Route, stops: Sequence[Stop], depart_min: int, speed_kmh: float, service_min: int) -> None:
    """Recompute arrivals from the legs and check each is inside its stop's window."""
    assert route.arrival_min is not None
    by_id = {s.id: s for s in stops}
    t = depart_min * 60.0
    arrivals = []
    for leg in route.legs[: len(route.order)]:
        t += leg.distance_m / (speed_kmh / 3.6)
        window = by_id[leg.to_id].window
        if window is not None:
            t = max(t, window[0] * 60)
        arrivals.append(t / 60)
        t += service_min * 60
    for stop_id, minute, expected in zip(route.order, route.arrival_min, arrivals, strict=True):
        window = by_id[stop_id].window
        assert minute == pytest.approx(expected, abs=2)  # the planner rounds each leg up to a whole second
        if window is not None:
            assert window[0] <= minute <= window[1]


def test_time_windows_change_the_order() -> None:
    near, far = Stop("near", 19.809, 105.778), Stop("far", 19.84, 105.80)
    free = plan_route(OFFICE, [far, near], return_to_start=False)
    assert free.order == ["near", "far"]
    early_far = [Stop("far", far.lat, far.lon, (480, 490)), Stop("near", near.lat, near.lon, (600, 720))]
    route = plan_route(OFFICE, early_far, return_to_start=False, depart_min=470)
    assert route.order == ["far", "near"]
    check_windows(route, early_far, 470, 20.0, 15)
    assert route.arrival_min[1] == 600  # waits for the opening


@pytest.mark.parametrize("count", [6, 14])
def test_time_windows_are_respected(count: int) -> None:
    rng = random.Random(count)
    stops = [
        Stop(s.id, s.lat, s.lon, rng.choice([(480, 720), (780, 1020), None])) for s in city_stops(count, seed=count)
    ]
    route = plan_route(OFFICE, stops, depart_min=450, time_limit_s=1.0)
    assert sorted(route.order) == sorted(s.id for s in stops)
    check_windows(route, stops, 450, 20.0, 15)
    assert_consistent(route, True, True, stops)


def test_speed_and_service_time_are_used() -> None:
    stops = [Stop(s.id, s.lat, s.lon, (0, 1440)) for s in city_stops(3)]
    route = plan_route(OFFICE, stops, depart_min=600, speed_kmh=30, service_min=20, return_to_start=False)
    check_windows(route, stops, 600, 30.0, 20)


def test_a_stop_closed_before_it_can_be_reached_raises() -> None:
    stops = [*city_stops(3), Stop("late", 19.83, 105.80, (480, 485))]
    with pytest.raises(InfeasibleRouteError, match="late") as info:
        plan_route(OFFICE, stops, depart_min=480)
    assert info.value.stop_ids == ["late"]


@pytest.mark.parametrize("count", [5, 12])
def test_windows_that_cannot_all_be_met_raise(count: int) -> None:
    stops = [Stop(s.id, s.lat, s.lon, (480, 500)) for s in city_stops(count, seed=8)]
    with pytest.raises(InfeasibleRouteError) as info:
        plan_route(OFFICE, stops, depart_min=460, time_limit_s=FAST)
    assert info.value.stop_ids
    assert set(info.value.stop_ids) <= {s.id for s in stops}


def test_with_a_cap_unmeetable_windows_drop_stops_instead() -> None:
    stops = [Stop(s.id, s.lat, s.lon, (480, 500)) for s in city_stops(5, seed=8)]
    route = plan_route(OFFICE, stops, depart_min=460, max_stops=5)
    assert 1 <= len(route.order) < 5
    check_windows(route, stops, 460, 20.0, 15)


def test_bad_input_is_refused() -> None:
    stop = city_stops(1)[0]
    with pytest.raises(ValueError, match="unique"):
        plan_route(OFFICE, [stop, stop])
    with pytest.raises(ValueError, match="start"):
        plan_route(OFFICE, [Stop("start", 19.8, 105.8)])
    with pytest.raises(ValueError, match="max_stops"):
        plan_route(OFFICE, [stop], max_stops=-1)
    with pytest.raises(ValueError, match="window"):
        plan_route(OFFICE, [Stop("x", 19.8, 105.8, (600, 500))])
    with pytest.raises(ValueError, match="square"):
        plan_route(OFFICE, [stop], matrix_fn=lambda points: [[0]])


def test_a_custom_matrix_is_used() -> None:
    stops = [Stop(i, 0.0, 0.0) for i in range(4)]
    # on a line 0 - 1 - 2 - 3 - 4 (node 0 the start), whatever the coordinates say
    line = [[abs(i - j) * 100 for j in range(5)] for i in range(5)]
    route = plan_route((0.0, 0.0), stops, return_to_start=False, matrix_fn=lambda points: line)
    assert route.order == [0, 1, 2, 3]
    assert route.total_distance_m == 400


def test_distance_m_is_geodesic() -> None:
    assert distance_m((0.0, 0.0), (0.0, 1.0)) == pytest.approx(111_319.49, abs=0.01)
    assert distance_m(GeoPoint(19.8, 105.77), (19.8, 105.77)) == 0.0


def test_distance_matrix_is_symmetric_whole_metres() -> None:
    points = [(19.80, 105.77), (19.81, 105.78), (19.79, 105.76)]
    m = distance_matrix(points)
    assert all(m[i][i] == 0 for i in range(3))
    assert all(m[i][j] == m[j][i] and isinstance(m[i][j], int) for i in range(3) for j in range(3))
    assert m[0][1] == round(distance_m(points[0], points[1]))


def test_nearest_sorts_by_distance() -> None:
    points = [(19.90, 105.77), (19.81, 105.77), (19.85, 105.77)]
    order = nearest(points, (19.80, 105.77))
    assert [i for i, _ in order] == [1, 2, 0]
    assert order[0][1] == pytest.approx(distance_m(points[1], (19.80, 105.77)))


def test_osrm_table_asks_for_distances_and_reads_them() -> None:
    calls: list[str] = []

    def fetch(url: str, timeout_s: float) -> bytes:
        calls.append(url)
        return json.dumps({"code": "Ok", "distances": [[0, None], [1620.6, 0]]}).encode()

    table = OsrmTable("http://osrm.local:5000/", fetch=fetch)
    m = table([(19.8, 105.77), (19.81, 105.78)])
    assert calls == [
        "http://osrm.local:5000/table/v1/driving/105.770000,19.800000;105.780000,19.810000?annotations=distance"
    ]
    geodesic = round(distance_m((19.8, 105.77), (19.81, 105.78)))
    assert m == [[0, geodesic], [1621, 0]]  # an unroutable pair falls back to the geodesic distance
    route = plan_route((19.8, 105.77), [Stop("a", 19.81, 105.78)], matrix_fn=table)
    assert route.total_distance_m == geodesic + 1621


def test_osrm_table_errors_are_clear() -> None:
    def answer(payload: object):
        return lambda url, timeout_s: json.dumps(payload).encode()

    points = [(19.8, 105.77), (19.81, 105.78)]
    with pytest.raises(OsrmError, match="NoRoute"):
        OsrmTable("http://osrm.local", fetch=answer({"code": "NoRoute"}))(points)
    with pytest.raises(OsrmError, match="n x n"):
        OsrmTable("http://osrm.local", fetch=answer({"code": "Ok", "distances": [[0]]}))(points)

    def down(url: str, timeout_s: float) -> bytes:
        raise OSError("connection refused")

    with pytest.raises(OsrmError, match="refused"):
        OsrmTable("http://osrm.local", fetch=down)(points)
    with pytest.raises(ValueError, match="http"):
        OsrmTable("file:///etc/passwd")


def fake_road_m(a: tuple[float, float], b: tuple[float, float]) -> float | None:
    """Deterministic, asymmetric 'road' metres between (lat, lon) points; None (no route) into UNROUTABLE."""
    if a == b:
        return 0.0
    if b == UNROUTABLE:
        return None
    return abs(a[0] - b[0]) * 111_000 + abs(a[1] - b[1]) * 105_000 + (37.4 if a < b else 0.0)


UNROUTABLE = (19.8, 105.8)


class FakeOsrm(ThreadingHTTPServer):
    """/table/v1/<profile>/<lon,lat;...>: distances from fake_road_m; like osrm-routed, a 400 TooBig above
    `limit` x `limit` cells. Records the number of coordinates of every request."""

    def __init__(self, limit: int = OSRM_MAX_TABLE_SIZE) -> None:
        self.limit = limit
        self.sizes: list[int] = []
        super().__init__(("127.0.0.1", 0), _FakeOsrmHandler)
        self.url = f"http://127.0.0.1:{self.server_address[1]}"


class _FakeOsrmHandler(BaseHTTPRequestHandler):
    server: FakeOsrm

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        coords = [tuple(map(float, c.split(","))) for c in path.split("/")[4].split(";")]
        points = [(lat, lon) for lon, lat in coords]
        self.server.sizes.append(len(points))
        if len(points) * len(points) > self.server.limit * self.server.limit:  # sources x destinations
            status, body = 400, {"code": "TooBig", "message": "Too many table coordinates"}
        else:
            status, body = 200, {"code": "Ok", "distances": [[fake_road_m(a, b) for b in points] for a in points]}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    server = FakeOsrm()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def grid_points(n: int) -> list[tuple[float, float]]:
    """n distinct points with at most 6 decimals (what the request URL carries), UNROUTABLE among them."""
    points = [(round(19.75 + (i % 20) * 0.004, 6), round(105.72 + (i // 20) * 0.006, 6)) for i in range(n)]
    points[n // 2] = UNROUTABLE
    return points


def expected_matrix(points: Sequence[tuple[float, float]]) -> list[list[int]]:
    return [
        [round(d) if (d := fake_road_m(a, b)) is not None else round(distance_m(a, b)) for b in points] for a in points
    ]


@pytest.mark.parametrize(("n", "requests"), [(1, 1), (100, 1), (101, 3), (150, 3), (151, 6), (250, 10)])
def test_osrm_tables_above_the_limit_are_assembled_from_blocks(osrm: FakeOsrm, n: int, requests: int) -> None:
    points = grid_points(n)
    matrix = OsrmTable(osrm.url)(points)
    assert matrix == expected_matrix(points)
    assert len(osrm.sizes) == requests
    assert max(osrm.sizes) <= OSRM_MAX_TABLE_SIZE
    if n > 1:  # the unroutable point's column is geodesic, its row is the server's
        u = points.index(UNROUTABLE)
        assert matrix[0][u] == round(distance_m(points[0], UNROUTABLE)) != round(fake_road_m(UNROUTABLE, points[0]))
        assert matrix[u][0] == round(fake_road_m(UNROUTABLE, points[0]))


def test_the_fake_osrm_refuses_what_a_real_one_refuses(osrm: FakeOsrm) -> None:
    # without splitting (a table allowed 150 coordinates a request) the server's limit is hit
    with pytest.raises(OsrmError, match="HTTP Error 400"):
        OsrmTable(osrm.url, max_coordinates=150)(grid_points(120))
    assert osrm.sizes == [120]


def test_osrm_blocks_cover_every_pair_within_the_limit() -> None:
    for limit in (2, 3, 10, 100):
        table = OsrmTable("http://osrm.local", max_coordinates=limit)
        for n in (0, 1, limit, limit + 1, 3 * limit + 1):
            blocks = table.blocks(n)
            assert [i for b in blocks for i in b] == list(range(n))
            if n > limit:
                assert max(map(len, blocks)) <= limit // 2
                assert max(map(len, blocks)) - min(map(len, blocks)) <= 1
            else:
                assert len(blocks) == (1 if n else 0)


def test_osrm_blocks_with_a_recording_transport() -> None:
    """A small limit, so every shape of block pair is exercised; cells are read by coordinates."""
    sizes: list[int] = []

    def fetch(url: str, timeout_s: float) -> bytes:
        coords = urlsplit(url).path.split("/")[4].split(";")
        points = [(float(c.split(",")[1]), float(c.split(",")[0])) for c in coords]
        sizes.append(len(points))
        return json.dumps({"code": "Ok", "distances": [[fake_road_m(a, b) for b in points] for a in points]}).encode()

    points = grid_points(23)
    assert OsrmTable("http://osrm.local", fetch=fetch, max_coordinates=6)(points) == expected_matrix(points)
    assert len(sizes) == math.comb(8, 2) and max(sizes) <= 6  # 8 blocks of 2-3 points


def test_a_bad_block_answer_is_an_osrm_error() -> None:
    answers = iter([{"code": "Ok", "distances": [[0, 1], [1, 0]]}, {"code": "Ok", "distances": [["x", 1], [1, 0]]}])

    def fetch(url: str, timeout_s: float) -> bytes:
        return json.dumps(next(answers)).encode()

    with pytest.raises(OsrmError, match="not a number"):
        OsrmTable("http://osrm.local", fetch=fetch, max_coordinates=2)(grid_points(3))
    with pytest.raises(ValueError, match="max_coordinates"):
        OsrmTable("http://osrm.local", max_coordinates=1)
