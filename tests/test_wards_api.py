"""The 34 wards of 2023, exactly as the shared file has them, and the registry API."""

from __future__ import annotations

import json
from pathlib import Path

from litestar.testing import TestClient

SHARED = Path(__file__).parents[1] / "seed" / "data" / "thanh-hoa-city-wards-2023.geojson"


def test_wards_api_returns_the_34_wards_of_the_shared_file(as_user) -> None:  # type: ignore[no-untyped-def]
    expected = {f["properties"]["code"]: f["properties"] for f in json.loads(SHARED.read_text())["features"]}
    wards = as_user("cityoffice").get("/api/v1/wards").json()
    assert len(wards) == 34
    assert {w["code"] for w in wards} == set(expected)
    for w in wards:
        assert w["name"] == expected[w["code"]]["name"]
        assert w["full_name"] == expected[w["code"]]["full_name"]
        assert w["kind"] == expected[w["code"]]["kind"]
    assert sum(w["kind"] == "xã" for w in wards) == 4
    assert sum(w["establishment_count"] for w in wards) == 700


def test_wards_page_lists_every_ward_with_counts_and_attribution(as_user) -> None:  # type: ignore[no-untyped-def]
    page = as_user("cityoffice").get("/wards").text
    assert page.count("<tr data-code=") == 34
    assert "Phường Hàm Rồng" in page and "Xã Hoằng Quang" in page
    assert "censusVN2009" in page


def test_establishments_filters_and_pagination(as_user) -> None:  # type: ignore[no-untyped-def]
    city: TestClient = as_user("cityoffice")
    everything = city.get("/api/v1/establishments", params={"limit": 500}).json()
    assert everything["total"] == 700 and len(everything["items"]) == 500
    karaoke = city.get("/api/v1/establishments", params={"type": "karaoke", "ward": "14767"}).json()
    assert karaoke["total"] > 0
    assert all(e["type"] == "karaoke" and e["ward"] == "14767" for e in karaoke["items"])
    second = city.get("/api/v1/establishments", params={"limit": 10, "offset": 10}).json()
    first = city.get("/api/v1/establishments", params={"limit": 10}).json()
    assert {e["id"] for e in first["items"]}.isdisjoint({e["id"] for e in second["items"]})
    one = first["items"][0]
    assert set(one) >= {"id", "name", "type", "ward", "address", "lat", "lon", "status"}
    assert city.get(f"/api/v1/establishments/{one['id']}").json()["name"] == one["name"]


def test_establishment_search_matches_vietnamese_names(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    found = city.get("/api/v1/establishments", params={"q": "karaoke"}).json()
    assert found["total"] > 0
    assert all("karaoke" in (e["name"] + e["address"]).lower() for e in found["items"])
    nfd = "Ha\u0323c Tha\u0300nh"  # decomposed diacritics, as some phones send them
    assert city.get("/api/v1/establishments", params={"q": nfd}).json()["total"] > 0


def test_bad_filters_get_a_clear_400_and_change_nothing(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    for params in ({"type": "casino"}, {"limit": 0}, {"limit": 10_000}, {"offset": -1}, {"ward": "abc"},
                   {"status": "open"}):
        response = city.get("/api/v1/establishments", params=params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["code"] == "invalid_request" and body["errors"], params
    assert city.get("/api/v1/establishments/999999").status_code == 404
    assert city.get("/api/v1/establishments/abc").status_code == 404
