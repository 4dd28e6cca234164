"""POST /api/v1/routes: 0, 1, 2 and many stops, the team's base as the default start, scope, OSRM
fallback, time windows; the route page (folium, Leaflet from the app, escaped names, geo: links)."""

from __future__ import annotations

import itertools
import re

from maps.distance import distance_m
from server.settings import Settings
from tests.dbs import execute

BASE = (19.8076, 105.7766)  # the city team's base (seed)
XSS = "<img src=x onerror=alert(1)>"


def points(url: str, ward: str = "14767", n: int = 12) -> list[tuple[int, float, float]]:
    return [tuple(r) for r in execute(url, "SELECT e.id, e.lat, e.lon FROM establishments e JOIN wards w ON "
                                           "w.id = e.ward_id WHERE w.code = :c AND e.lat IS NOT NULL ORDER BY e.id "
                                           "LIMIT :n", {"c": ward, "n": n})]


def check_chain(body: dict, ids: list[int], closed: bool, start: str | None = "start") -> None:
    assert sorted(body["order"]) == sorted(ids)
    path = [leg["from"] for leg in body["legs"]] + ([body["legs"][-1]["to"]] if body["legs"] else [])
    expected = ([start] if start else []) + body["order"] + ([start or body["order"][0]] if closed else [])
    if len(ids) <= 1 and start is None:
        expected = []
    assert path == expected
    assert body["total_distance_m"] == sum(leg["distance_m"] for leg in body["legs"])


def test_zero_stops(as_user) -> None:  # type: ignore[no-untyped-def]
    body = as_user("teamlead").post("/api/v1/routes", json={"establishment_ids": []}).json()
    assert body["order"] == [] and body["legs"] == [] and body["total_distance_m"] == 0


def test_one_stop_from_the_team_base_and_back(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    (eid, lat, lon), = points(database_url, n=1)
    body = as_user("teamlead").post("/api/v1/routes", json={"establishment_ids": [eid]}).json()
    assert body["start"] == {"lat": BASE[0], "lon": BASE[1]}
    check_chain(body, [eid], closed=True)
    one_way = round(distance_m(BASE, (lat, lon)))
    assert abs(body["total_distance_m"] - 2 * one_way) <= 2


def test_two_stops_open_path_from_a_given_start(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    (a, alat, alon), (b, blat, blon) = points(database_url, n=2)
    start = {"lat": alat + 0.01, "lon": alon}
    body = as_user("teamlead").post("/api/v1/routes", json={"establishment_ids": [b, a], "start": start,
                                                            "return_to_start": False}).json()
    check_chain(body, [a, b], closed=False)
    first = body["order"][0]
    near = min((a, (alat, alon)), (b, (blat, blon)), key=lambda p: distance_m((start["lat"], start["lon"]), p[1]))
    assert first == near[0]


def test_many_stops_are_no_longer_than_the_given_order(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    pts = points(database_url, n=12)
    ids = [p[0] for p in pts]
    body = as_user("teamlead").post("/api/v1/routes", json={"establishment_ids": ids}).json()
    check_chain(body, ids, closed=True)
    where = {p[0]: (p[1], p[2]) for p in pts} | {"start": BASE}
    naive = sum(round(distance_m(where[x], where[y])) for x, y in itertools.pairwise(["start", *ids, "start"]))
    assert body["total_distance_m"] <= naive
    capped = as_user("teamlead").post("/api/v1/routes", json={"establishment_ids": ids, "max_stops": 5}).json()
    assert len(capped["order"]) == 5 and sorted(capped["order"] + capped["dropped"]) == sorted(ids)


def test_without_a_team_base_the_route_starts_at_the_first_stop(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    ids = [p[0] for p in points(database_url, n=4)]
    body = as_user("cityoffice").post("/api/v1/routes", json={"establishment_ids": ids}).json()
    assert body["start"] is None
    check_chain(body, ids, closed=True, start=None)


def test_time_windows_give_arrival_times(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    a, b = (p[0] for p in points(database_url, n=2))
    windows = {str(a): [20 * 60, 21 * 60], str(b): [22 * 60, 23 * 60]}
    body = as_user("teamlead").post("/api/v1/routes", json={"establishment_ids": [b, a], "time_windows": windows,
                                                            "depart_min": 19 * 60}).json()
    assert body["order"] == [a, b]
    assert 20 * 60 <= body["arrival_min"][0] <= 21 * 60 and 22 * 60 <= body["arrival_min"][1] <= 23 * 60
    impossible = {str(a): [20 * 60, 20 * 60], str(b): [20 * 60, 20 * 60]}
    bad = as_user("teamlead").post("/api/v1/routes", json={"establishment_ids": [a, b], "time_windows": impossible,
                                                           "depart_min": 20 * 60})
    assert bad.status_code == 422 and bad.json()["code"] == "infeasible"


def test_only_visible_establishments_can_be_routed(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    own = points(database_url, ward="14755", n=1)[0][0]
    other = points(database_url, ward="14758", n=1)[0][0]
    ward_team = as_user("to.14755")
    response = ward_team.post("/api/v1/routes", json={"establishment_ids": [own, other]})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"path": "establishment_ids[1]", "code": "unknown_establishment",
                                          "message": f"Không có cơ sở số {other}."}]
    assert as_user("police.hamrong").post("/api/v1/routes", json={"establishment_ids": [own]}).status_code == 403
    assert ward_team.post("/api/v1/routes", json={"establishment_ids": [own, own]}).status_code == 422


def test_an_unreachable_osrm_server_falls_back_to_geodesic(settings: Settings, database_url) -> None:  # type: ignore[no-untyped-def]
    from litestar.testing import TestClient

    from server.app import create_app
    from tests.conftest import login

    ids = [p[0] for p in points(database_url, n=3)]
    with TestClient(create_app(msgspec_replace(settings, osrm_url="http://127.0.0.1:9"))) as client:
        body = login(client, "teamlead").post("/api/v1/routes", json={"establishment_ids": ids}).json()
    assert body["distances"] == "geodesic_fallback" and sorted(body["order"]) == sorted(ids)


def msgspec_replace(settings: Settings, **changes: object) -> Settings:
    import msgspec

    return msgspec.structs.replace(settings, **changes)


def test_the_route_page_draws_the_map_from_the_app_and_escapes_names(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    pts = points(database_url, n=3)
    execute(database_url, "UPDATE establishments SET name = :n WHERE id = :i", {"n": XSS, "i": pts[0][0]})
    page = as_user("teamlead").get("/routes", params={"id": [p[0] for p in pts]})
    assert page.status_code == 200
    html = page.text
    assert XSS not in html
    assert "/vendor/leaflet/leaflet.js" in html and "cdn" not in html.lower()
    assert not re.search(r'<script[^>]+src="https?://', html)
    assert html.count('class="geo" href="geo:') == 3
    assert "q=" in html and "%3Cimg%20src%3Dx" in html  # the name in the geo: link is URL-encoded
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", page.headers["content-security-policy"]).group(1)
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline if "application/json" not in attrs)
