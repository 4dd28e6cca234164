"""Coverage maps: no CDN, one choropleth feature per ward, names escaped, scripts under the CSP nonce,
businesses filtered by type."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from markupsafe import escape

from server.app import create_app
from server.settings import Settings
from tests.conftest import login
from tests.dbs import execute

HAM_RONG = "14755"
EVIL = '<img src=x onerror="alert(1)">Karaoke </script><script>alert(2)</script>'


def geojson_layers(page: str) -> list[dict]:  # type: ignore[type-arg]
    """The data of every ward layer (maps.leaflet.GeoJsonLayer puts it on its own line)."""
    return [json.loads(m) for m in re.findall(r"^var \w+_data = (\{.*\});$", page, re.M)]


def point_colours(page: str) -> list[str]:
    """The fill colour of every business drawn (maps.leaflet.PointsLayer: one GeoJSON layer, a style per state)."""
    styles = dict(re.findall(r"^var (\w+)_styles = (.*);$", page, re.M))
    return [json.loads(styles[name])[f["properties"]["style"]]["fillColor"]
            for name, data in re.findall(r"^var (\w+)_points = (.*);$", page, re.M)
            for f in json.loads(data)["features"]]


def external_urls(page: str) -> list[str]:
    return re.findall(r'(?:src|href)\s*=\s*["\']((?:https?:)?//[^"\']+)', page)


def test_map_loads_leaflet_from_the_app_and_nothing_from_a_cdn(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    for path in ("/coverage/map", f"/coverage/wards/{HAM_RONG}"):
        page = city.get(path).text
        assert '<script src="/vendor/leaflet/leaflet.js"' in page or "/vendor/leaflet/leaflet.js" in page
        assert "/vendor/leaflet/leaflet.css" in page
        assert external_urls(page) == []
        for needle in ("cdn", "jquery", "bootstrap", "font-awesome", "unpkg", "jsdelivr", "tile.openstreetmap"):
            assert needle not in page.lower(), needle
    assert city.get("/vendor/leaflet/leaflet.js").status_code == 200
    assert city.get("/vendor/leaflet/leaflet.css").status_code == 200


@pytest.fixture
def tiled(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(Settings(**{**{f: getattr(settings, f) for f in settings.__struct_fields__},
                                           "tile_url": "https://tiles.example.org/{z}/{x}/{y}.png"}))) as c:
        yield login(c, "cityoffice")


def test_tiles_come_from_the_setting_only(tiled: TestClient) -> None:
    response = tiled.get("/coverage/map")
    page = response.text
    assert "https://tiles.example.org/{z}/{x}/{y}.png" in page
    assert external_urls(page) == []
    assert "https://tiles.example.org" in response.headers["content-security-policy"]


def test_choropleth_has_one_feature_per_ward_with_its_figures(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    body = city.get("/api/v1/coverage", params={"year": 2023}).json()
    page = city.get("/coverage/map", params={"year": 2023}).text
    [layer] = geojson_layers(page)
    features = layer["features"]
    assert len(features) == 34
    assert sorted(f["properties"]["code"] for f in features) == sorted(w["code"] for w in body["wards"])
    colours = {f["properties"]["code"]: f["properties"]["style"]["fillColor"] for f in features}
    for w in body["wards"]:
        assert (colours[w["code"]] == "#1a9850") == w["meets_target"]
        popup = next(f["properties"]["popup"] for f in features if f["properties"]["code"] == w["code"])
        assert html.escape(w["name"]) in popup and f"{w['inspected']}/{w['active']}" in popup
    assert "kt-legend" in page and "80 %" in page


def test_every_inline_script_carries_the_csp_nonce(as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("cityoffice").get("/coverage/map")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["content-security-policy"]).group(1)
    tags = re.findall(r"<script\b[^>]*>", response.text)
    assert len(tags) >= 2
    assert all(f'nonce="{nonce}"' in tag for tag in tags)


def test_injected_names_show_as_text(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    target = execute(database_url, """SELECT e.id FROM establishments e JOIN wards w ON w.id = e.ward_id
        WHERE w.code = :c AND e.status = 'active' AND e.closed_on IS NULL
        AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.establishment_id = e.id) ORDER BY e.id""",
                     {"c": HAM_RONG})[0][0]
    execute(database_url, "UPDATE establishments SET name = :n, address = :n WHERE id = :e", {"n": EVIL, "e": target})
    execute(database_url, "UPDATE wards SET full_name = :n WHERE code = :c", {"n": "Phường " + EVIL, "c": HAM_RONG})
    city = as_user("cityoffice")
    for path in ("/coverage/map", f"/coverage/wards/{HAM_RONG}", "/coverage"):
        page = city.get(path).text
        assert "<img src=x" not in page and "<script>alert(2)" not in page, path
        assert "alert(1)" in page  # the name is there, as text
    ward_page = city.get(f"/coverage/wards/{HAM_RONG}").text
    assert f'<td>{escape(EVIL)}</td>' in ward_page  # the list of businesses still to inspect
    [layer] = geojson_layers(city.get("/coverage/map").text)
    ham_rong = next(f for f in layer["features"] if f["properties"]["code"] == HAM_RONG)
    assert ham_rong["properties"]["tooltip"] == html.escape("Phường " + EVIL)
    assert ham_rong["properties"]["popup"].startswith(html.escape("Phường " + EVIL))
    assert json.dumps(html.escape(EVIL), ensure_ascii=False).replace("</", "<\\/") in city.get("/coverage/map").text


def test_businesses_are_coloured_by_state_and_filtered_by_type(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    ward_page = city.get(f"/coverage/wards/{HAM_RONG}", params={"year": 2023})
    page = ward_page.text
    body = {w["code"]: w for w in city.get("/api/v1/coverage", params={"year": 2023}).json()["wards"]}[HAM_RONG]
    colours = point_colours(page)
    assert len(colours) == body["active"]
    assert page.count("<tr data-id=") == body["active"] - body["inspected"]
    assert colours.count("#222222") == body["active"] - body["inspected"]
    assert colours.count("#2b83ba") + colours.count("#c51b7d") == body["inspected"]
    assert page.count("L.circleMarker(") == 1  # one layer for all of them, not a script per business
    karaoke = city.get(f"/coverage/wards/{HAM_RONG}", params={"year": 2023, "type": "karaoke"}).text
    n = len(point_colours(karaoke))
    assert 0 < n < body["active"]
    city_map = city.get("/coverage/map", params={"year": 2023, "type": "karaoke"}).text
    all_karaoke = len(point_colours(city_map))
    assert all_karaoke > n
    hidden = city.get("/coverage/map", params={"hide_points": "true"}).text
    assert point_colours(hidden) == [] and "L.circleMarker(" not in hidden
    assert city.get("/coverage/map", params={"type": "casino"}).status_code == 400


def test_a_violation_turns_a_point_purple(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    page = f"/coverage/wards/{HAM_RONG}?year=2023"  # the year of the visit changed below
    before = point_colours(city.get(page).text).count("#c51b7d")
    execute(database_url, """UPDATE inspections SET violation_count = 2, outcome = 'violations'
        WHERE id = (SELECT min(id) FROM inspections WHERE ward_id = (SELECT id FROM wards WHERE code = :c))""",
            {"c": HAM_RONG})
    assert point_colours(city.get(page).text).count("#c51b7d") == before + 1


@pytest.mark.browser
def test_in_chromium_the_map_runs_under_the_csp_and_shows_names_as_text(database_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from tests.conftest import DEMO_PASSWORD
    from tests.live import LiveServer

    target = execute(database_url, """SELECT e.id FROM establishments e JOIN wards w ON w.id = e.ward_id
        WHERE w.code = :c AND e.status = 'active' AND e.closed_on IS NULL ORDER BY e.id""", {"c": HAM_RONG})[0][0]
    execute(database_url, "UPDATE establishments SET name = :n WHERE id = :e", {"n": EVIL, "e": target})
    with LiveServer(database_url, tmp_path / "data") as live, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--no-first-run"])
        page = browser.new_page()
        dialogs: list[str] = []
        problems: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(live.url + "/login")
        page.fill("input[name=username]", "cityoffice")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("form[action='/login'] button")
        page.goto(live.url + f"/coverage/wards/{HAM_RONG}")
        page.wait_for_selector(".leaflet-interactive")
        shown = page.evaluate("""() => {
            const map = Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k])
                .find(v => v instanceof L.Map);
            let hit = null;
            map.eachLayer(l => { if (l instanceof L.CircleMarker && l.getPopup()
                && String(l.getPopup().getContent()).includes('alert(1)')) { hit = l; } });
            hit.openPopup();
            const box = document.querySelector('.leaflet-popup-content');
            return {text: box.innerText, images: box.querySelectorAll('img').length,
                    scripts: box.querySelectorAll('script').length};
        }""")
        browser.close()
    assert shown["text"].splitlines()[0] == EVIL
    assert shown["images"] == 0 and shown["scripts"] == 0
    assert dialogs == []
    assert [p for p in problems if "Content Security Policy" in p or "Refused" in p] == []
