"""Ward lookups on the real 34 wards of Thanh Hóa city (2023)."""

from __future__ import annotations

import itertools
import json
import random
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from shapely.geometry import Point

from maps.wards import WardIndex

ROOT = Path(__file__).resolve().parent.parent
WARDS_FILE = "thanh-hoa-city-wards-2023.geojson"


@cache
def wards_geojson() -> dict[str, Any]:
    """The ward file from seed/data once it is there, else from the shared data folder."""
    for folder in (ROOT / "seed" / "data", ROOT.parent / "shared" / "data"):
        if (folder / WARDS_FILE).exists():
            return json.loads((folder / WARDS_FILE).read_text(encoding="utf-8"))
    raise FileNotFoundError(WARDS_FILE)


@pytest.fixture(scope="module")
def index() -> WardIndex:
    return WardIndex.from_geojson(wards_geojson())


def _rings() -> list[tuple[str, list[tuple[float, float]]]]:
    return [
        (f["properties"]["code"], [tuple(xy) for xy in ring])
        for f in wards_geojson()["features"]
        for ring in f["geometry"]["coordinates"]
    ]


def test_all_34_wards_are_loaded(index: WardIndex) -> None:
    assert len(index) == 34
    assert len(set(index.codes)) == 34
    kinds = [index.properties[c]["kind"] for c in index.codes]
    assert kinds.count("phường") == 30
    assert kinds.count("xã") == 4


def test_a_point_inside_each_ward_locates_to_it(index: WardIndex) -> None:
    for code in index.codes:
        p = index.geometry(code).representative_point()
        assert index.locate(p.y, p.x) == code


def test_a_known_place_is_in_its_ward(index: WardIndex) -> None:
    by_name = {index.properties[c]["name"]: c for c in index.codes}
    p = index.geometry(by_name["Hàm Rồng"]).centroid
    assert index.properties[index.locate(p.y, p.x)]["name"] == "Hàm Rồng"


def test_points_outside_the_city_are_none(index: WardIndex) -> None:
    b = index.bounds
    assert index.locate(21.0285, 105.8542) is None  # Hà Nội
    assert index.locate(b.north + 0.01, (b.west + b.east) / 2) is None
    assert index.locate(b.south - 0.001, b.west - 0.001) is None


def test_a_vertex_shared_by_wards_resolves_to_the_smallest_code(index: WardIndex) -> None:
    owners: dict[tuple[float, float], set[str]] = defaultdict(set)
    for code, ring in _rings():
        for xy in ring:
            owners[xy].add(code)
    shared = {xy: codes for xy, codes in owners.items() if len(codes) >= 2}
    assert any(len(codes) >= 3 for codes in shared.values())
    for (lon, lat), codes in shared.items():
        assert index.locate(lat, lon) == min(codes)


def test_a_point_on_a_shared_edge_resolves_to_the_smaller_code(index: WardIndex) -> None:
    owners: dict[frozenset[tuple[float, float]], set[str]] = defaultdict(set)
    for code, ring in _rings():
        for a, b in itertools.pairwise(ring):
            if a != b:
                owners[frozenset((a, b))].add(code)
    shared = [(tuple(edge), codes) for edge, codes in owners.items() if len(codes) == 2]
    assert len(shared) > 100
    for (a, b), codes in shared:
        lon, lat = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
        assert index.locate(lat, lon) == min(codes)
        assert index.locate(lat, lon) == index.locate(lat, lon)


def test_vertices_on_the_city_edge_belong_to_their_wards(index: WardIndex) -> None:
    owners: dict[tuple[float, float], set[str]] = defaultdict(set)
    for code, ring in _rings():
        for xy in ring:
            owners[xy].add(code)
    edge = list(index.city_outline().exterior.coords)
    assert sum(1 for xy in edge if len(owners[xy]) == 1) > 50
    for lon, lat in edge:
        assert index.locate(lat, lon) == min(owners[(lon, lat)])


def test_random_points_fall_inside_the_ward(index: WardIndex) -> None:
    rng = random.Random(42)
    for code in index.codes[:10]:
        polygon = index.geometry(code)
        points = [index.random_point_in(code, rng) for _ in range(20)]
        assert all(polygon.covers(Point(lon, lat)) for lat, lon in points)
        assert all(index.locate(lat, lon) == code for lat, lon in points)
        assert len(set(points)) == 20


def test_random_points_are_reproducible_with_a_seed(index: WardIndex) -> None:
    code = index.codes[0]
    first = [index.random_point_in(code, random.Random(7)) for _ in range(3)]
    again = [index.random_point_in(code, random.Random(7)) for _ in range(3)]
    assert first == again


def test_city_outline_is_one_polygon_covering_every_ward(index: WardIndex) -> None:
    outline = index.city_outline()
    assert outline.geom_type == "Polygon"
    assert len(outline.interiors) == 0
    total = sum(index.geometry(c).area for c in index.codes)
    assert outline.area == pytest.approx(total, rel=1e-9)
    assert outline is index.city_outline()


def test_bounds_contain_every_ward(index: WardIndex) -> None:
    b = index.bounds
    assert 19.6 < b.south < b.north < 20.0
    assert 105.6 < b.west < b.east < 106.0
    for code in index.codes:
        west, south, east, north = index.geometry(code).bounds
        assert b.south <= south and north <= b.north and b.west <= west and east <= b.east


def _square(code: str, x: float, y: float, size: float = 1.0) -> dict[str, Any]:
    ring = [[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]
    return {"properties": {"code": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def test_multipolygon_wards_are_located_in_each_part() -> None:
    islands = {
        "properties": {"code": "00002"},
        "geometry": {
            "type": "MultiPolygon",
            "coordinates": [
                [[[10, 0], [11, 0], [11, 1], [10, 1], [10, 0]]],
                [[[20, 0], [21, 0], [21, 1], [20, 1], [20, 0]]],
            ],
        },
    }
    index = WardIndex([_square("00001", 0, 0), islands])
    assert index.locate(0.5, 10.5) == "00002"
    assert index.locate(0.5, 20.5) == "00002"
    assert index.locate(0.5, 0.5) == "00001"
    assert index.locate(0.5, 15.0) is None


def test_bad_features_are_refused() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        WardIndex([_square("1", 0, 0), _square("1", 5, 5)])
    point = {"properties": {"code": "1"}, "geometry": {"type": "Point", "coordinates": [0, 0]}}
    with pytest.raises(ValueError, match="Polygon"):
        WardIndex([point])
    with pytest.raises(ValueError, match="no ward"):
        WardIndex([])
