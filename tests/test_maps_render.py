"""Folium maps: no CDN, user text escaped, one feature per ward, the ward attribution."""

from __future__ import annotations

import copy
import html
import json
import random
import re
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import folium
import pytest

from maps.leaflet import check_color, to_js
from maps.render import (
    ATTRIBUTION,
    CITY_BOUNDS,
    LEAFLET_STATIC_DIR,
    PALETTE,
    MapPoint,
    base_map,
    choropleth,
    map_fragment,
    points_layer,
    render_html,
    route_map,
    ward_map,
)
from maps.routes import Stop, plan_route

ROOT = Path(__file__).resolve().parent.parent
WARDS_FILE = "thanh-hoa-city-wards-2023.geojson"
PREFIX = "/static/leaflet"
TILES = "https://tiles.example.vn/{z}/{x}/{y}.png"
EVIL = "<img src=x onerror=alert(1)>"
EVIL_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
OFFICE = (19.8075, 105.7764)


@cache
def _wards() -> dict[str, Any]:
    for folder in (ROOT / "seed" / "data", ROOT.parent / "shared" / "data"):
        if (folder / WARDS_FILE).exists():
            return json.loads((folder / WARDS_FILE).read_text(encoding="utf-8"))
    raise FileNotFoundError(WARDS_FILE)


def wards(evil_name: bool = False) -> dict[str, Any]:
    data = copy.deepcopy(_wards())
    if evil_name:
        data["features"][0]["properties"]["name"] = EVIL
        data["features"][0]["properties"]["full_name"] = EVIL
    return data


class Page(HTMLParser):
    """Collects script sources, stylesheet links and inline script text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.script_src: list[str] = []
        self.css_href: list[str] = []
        self.inline: list[str] = []
        self._in_script = False
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script":
            self._in_script = True
            if a.get("src"):
                self.script_src.append(a["src"] or "")
        if tag == "link" and a.get("rel") == "stylesheet":
            self.css_href.append(a.get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


def urls(text: str) -> set[str]:
    return set(re.findall(r"(?:https?:)?//[^\s\"'<>)\\]+", text, flags=re.I))


def geojson_data(text: str) -> list[dict[str, Any]]:
    """The FeatureCollections given to L.geoJSON, read back from their `var <name>_data = ...;` lines."""
    return [json.loads(m) for m in re.findall(r"^var \w+_data = (.*);$", text, flags=re.M)]


def drawn_points(text: str) -> list[dict[str, Any]]:
    """Every point of the page's point layers: its position, circleMarker options, tooltip and popup HTML."""
    layers = re.findall(r"^var (\w+)_points = (.*);$", text, flags=re.M)
    styles = dict(re.findall(r"^var (\w+)_styles = (.*);$", text, flags=re.M))
    points = []
    for name, data in layers:
        options = json.loads(styles[name])
        for f in json.loads(data)["features"]:
            lon, lat = f["geometry"]["coordinates"]
            props = f["properties"]
            points.append(
                {
                    "lat": lat,
                    "lon": lon,
                    "style": options[props["style"]],
                    "tooltip": props.get("tooltip"),
                    "popup": props.get("popup"),
                }
            )
    return points


EMPTY: dict[str, Any] = {"type": "FeatureCollection", "features": []}


def a_route() -> tuple[list[Stop], Any]:
    stops = [Stop(1, 19.80, 105.77), Stop(2, 19.81, 105.78), Stop(3, 19.79, 105.76), Stop(4, 19.82, 105.75)]
    return stops, plan_route(OFFICE, stops)


def all_maps(tile_url: str | None, evil: bool = False) -> dict[str, str]:
    stops, route = a_route()
    labels = {s.id: EVIL if evil else f"Cơ sở {s.id}" for s in stops}
    with_points = ward_map(wards(evil), tile_url, PREFIX)
    points_layer(
        with_points,
        [MapPoint(19.80, 105.77, EVIL if evil else "karaoke", EVIL if evil else "A", EVIL if evil else None)],
        legend_title=EVIL if evil else "Loại",
    )
    return {
        "wards": render_html(ward_map(wards(evil), tile_url, PREFIX, popup_fn=lambda p: p["full_name"])),
        "choropleth": render_html(
            choropleth(wards(evil), {}, tile_url, PREFIX, legend_title=EVIL if evil else "Tỉ lệ")
        ),
        "route": render_html(route_map(route, stops, wards(evil), tile_url, PREFIX, start=OFFICE, labels=labels)),
        "points": render_html(with_points),
    }


@pytest.mark.parametrize("tile_url", [TILES, None])
def test_no_cdn_and_no_url_but_the_tiles(tile_url: str | None) -> None:
    for name, text in all_maps(tile_url).items():
        assert "cdn" not in text.lower(), name
        assert urls(text) <= ({tile_url} if tile_url else set()), name
        assert ("L.tileLayer" in text) == (tile_url is not None), name
        page = Page(text)
        assert page.script_src == [f"{PREFIX}/leaflet.js"], name
        assert page.css_href == [f"{PREFIX}/leaflet.css"], name
        for word in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "$("):
            assert word not in text.lower(), (name, word)


def test_the_static_files_the_maps_load_exist() -> None:
    assert (LEAFLET_STATIC_DIR / "leaflet.js").is_file()
    assert (LEAFLET_STATIC_DIR / "leaflet.css").is_file()
    css = (LEAFLET_STATIC_DIR / "leaflet.css").read_text(encoding="utf-8")
    for image in re.findall(r"url\((images/[^)]+)\)", css):
        assert (LEAFLET_STATIC_DIR / image).is_file()


def test_folium_class_defaults_are_left_alone() -> None:
    base_map(PREFIX, TILES)
    assert any("cdn.jsdelivr.net" in url for _, url in folium.Map.default_js)


def test_user_text_appears_only_escaped() -> None:
    for name, text in all_maps(TILES, evil=True).items():
        assert EVIL not in text, name
        assert EVIL_ESCAPED in text, name
        assert "bindTooltip(`" not in text and "bindPopup(`" not in text, name


def test_script_breaking_text_stays_inside_its_string() -> None:
    data = wards()
    data["features"][0]["properties"]["full_name"] = "</script><script>alert(1)</script> `${alert(2)}`"
    text = render_html(ward_map(data, None, PREFIX))
    assert "</script><script>" not in text
    assert text.count("</script>") == text.count("<script")
    assert "`${alert(2)}`" in text  # harmless inside a JSON string, never in a template literal


def test_inline_json_cannot_close_the_script() -> None:
    assert "</" not in to_js({"html": "<b>x</b></script><!--"})
    assert json.loads(to_js("</script>")) == "</script>"


def test_the_choropleth_has_one_feature_per_ward_coloured_by_value() -> None:
    codes = [f["properties"]["code"] for f in _wards()["features"]]
    values: dict[str, float | None] = {codes[0]: 0.95, codes[1]: 0.6, codes[2]: 0.1}
    text = render_html(choropleth(wards(), values, None, PREFIX, legend_title="Tỉ lệ kiểm tra"))
    (collection,) = geojson_data(text)
    features = collection["features"]
    assert len(features) == 34
    assert sorted(f["properties"]["code"] for f in features) == sorted(codes)
    fill = {f["properties"]["code"]: f["properties"]["style"]["fillColor"] for f in features}
    assert (fill[codes[0]], fill[codes[1]], fill[codes[2]], fill[codes[3]]) == (
        "#1a9850",
        "#fc8d59",
        "#d73027",
        "#bdbdbd",
    )
    assert "Tỉ lệ kiểm tra" in text and "≥ 80 %" in text and "kt-legend" in text
    popups = {f["properties"]["code"]: f["properties"]["popup"] for f in features}
    assert popups[codes[0]].endswith("<br>95 %")


def test_ward_features_carry_no_raw_properties() -> None:
    text = render_html(ward_map(wards(), None, PREFIX))
    (collection,) = geojson_data(text)
    assert {tuple(sorted(f["properties"])) for f in collection["features"]} == {("code", "popup", "style", "tooltip")}


@pytest.mark.parametrize("tile_url", [TILES, None])
def test_attribution_is_on_every_map(tile_url: str | None) -> None:
    for name, text in all_maps(tile_url).items():
        assert ATTRIBUTION in text, name
        assert "attributionControl.addAttribution" in text, name


def test_route_map_numbers_the_stops_and_draws_the_path() -> None:
    stops, route = a_route()
    text = render_html(route_map(route, stops, wards(), None, PREFIX, start=OFFICE))
    assert text.count("L.divIcon(") == len(route.order) + 1
    for number in range(1, len(route.order) + 1):
        assert f"\\u003e{number}\\u003c/div\\u003e" in text
    (line,) = re.findall(r"L\.polyline\(\s*(\[.*?\]\]),", text, flags=re.S)
    assert len(json.loads(line)) == len(route.legs) + 1


def test_route_map_needs_the_start_when_legs_use_it() -> None:
    stops, route = a_route()
    with pytest.raises(ValueError, match="start"):
        route_map(route, stops, wards(), None, PREFIX)


def test_points_are_coloured_by_category() -> None:
    m = base_map(PREFIX)
    points = [MapPoint(19.8, 105.77, "karaoke"), MapPoint(19.81, 105.78, "massage"), MapPoint(19.82, 105.79, "karaoke")]
    points_layer(m, points, {"massage": "#00ff00"})
    drawn = drawn_points(render_html(m))
    assert [(d["lat"], d["lon"], d["style"]["fillColor"]) for d in drawn] == [
        (19.8, 105.77, "#1f77b4"),
        (19.81, 105.78, "#00ff00"),
        (19.82, 105.79, "#1f77b4"),
    ]
    assert all(d["style"]["radius"] == 6 and d["tooltip"] is None and d["popup"] is None for d in drawn)


def test_colours_are_checked() -> None:
    assert check_color("#1a9850") == "#1a9850"
    with pytest.raises(ValueError):
        check_color("red;background:url(x)")
    with pytest.raises(ValueError):
        choropleth(wards(), {}, None, PREFIX, colors=("red", "green"))


def test_map_fragment_is_embeddable() -> None:
    fragment = map_fragment(ward_map(wards(), None, PREFIX, height="480px"))
    assert "<html" not in fragment and "<body" not in fragment
    assert "html, body" not in fragment and 'name="viewport"' not in fragment
    page = Page(fragment)
    assert page.script_src == [f"{PREFIX}/leaflet.js"]
    assert 'class="folium-map"' in fragment and "height: 480.0px" in fragment
    assert len(geojson_data(fragment)) == 1


def fitted_bounds(text: str) -> list[list[float]]:
    (box,) = re.findall(r"\.fitBounds\(\s*(\[\[.*?\]\]),", text, flags=re.S)
    return json.loads(box)


def test_an_empty_collection_gives_a_map_of_the_city() -> None:
    city = [[CITY_BOUNDS.south, CITY_BOUNDS.west], [CITY_BOUNDS.north, CITY_BOUNDS.east]]
    maps = {
        "wards": ward_map(EMPTY, TILES, PREFIX, popup_fn=lambda p: p["name"]),
        "choropleth": choropleth({"type": "FeatureCollection"}, {"14755": 0.9}, TILES, PREFIX, legend_title="Tỉ lệ"),
    }
    for name, m in maps.items():
        text = render_html(m)
        assert fitted_bounds(text) == city, name
        assert Page(text).script_src == [f"{PREFIX}/leaflet.js"], name
        assert [c["features"] for c in geojson_data(text)] == [[]], name
        assert ATTRIBUTION in text, name
    assert "Tỉ lệ" in render_html(maps["choropleth"]) and "≥ 80 %" in render_html(maps["choropleth"])
    # the whole city fits the wards' own box
    assert fitted_bounds(render_html(ward_map(wards(), None, PREFIX))) == city


def test_a_route_map_opens_on_its_stops_not_on_the_city() -> None:
    stops, route = a_route()
    for m in (route_map(route, stops, EMPTY, None, PREFIX, start=OFFICE), route_map(route, stops, wards(), None, PREFIX,
                                                                                   start=OFFICE)):
        (south, west), (north, east) = fitted_bounds(render_html(m))
        for lat, lon in [(s.lat, s.lon) for s in stops] + [OFFICE]:
            assert south < lat < north and west < lon < east
        assert north - south < 0.05 and east - west < 0.05  # a few streets, not the 34 wards
        assert (north - south) < (CITY_BOUNDS.north - CITY_BOUNDS.south) / 4


def test_an_empty_collection_uses_the_given_fallback() -> None:
    hanoi = (20.95, 105.75, 21.10, 105.90)
    for m in (
        ward_map(EMPTY, None, PREFIX, fallback_bounds=hanoi),
        choropleth(EMPTY, {}, None, PREFIX, fallback_bounds=hanoi),
    ):
        assert fitted_bounds(render_html(m)) == [[20.95, 105.75], [21.10, 105.90]]
    # features without a geometry count as none; wards with a geometry ignore the fallback
    no_shape = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": None, "properties": {"code": "1"}}],
    }
    assert fitted_bounds(render_html(ward_map(no_shape, None, PREFIX, fallback_bounds=hanoi)))[0] == [20.95, 105.75]
    assert fitted_bounds(render_html(ward_map(wards(), None, PREFIX, fallback_bounds=hanoi)))[0][0] < 20
    for m in (EMPTY, wards()):
        with pytest.raises(ValueError, match="south, west, north, east"):
            ward_map(m, None, PREFIX, fallback_bounds=(21.1, 105.75, 20.95, 105.9))


def many_points(count: int, evil_every: int = 0) -> list[MapPoint]:
    rng = random.Random(count)
    states = ["Chưa kiểm tra", "Đã kiểm tra", "Có vi phạm"]
    points = []
    for i in range(count):
        name = EVIL if evil_every and i % evil_every == 0 else f"Karaoke Hoàng Gia {i}"
        state = rng.choice(states)
        popup = f"{name}\nSố {i} đường Lê Lợi, phường Điện Biên\nKaraoke · {state}"
        points.append(MapPoint(rng.uniform(19.75, 19.85), rng.uniform(105.72, 105.84), state, name, popup))
    return points


def points_page(points: list[MapPoint]) -> str:
    m = base_map(PREFIX)
    points_layer(m, points, legend_title="Cơ sở")
    return render_html(m)


def test_500_points_cost_their_data_not_a_script_each() -> None:
    points = many_points(500)
    text = points_page(points)
    size = len(text.encode())
    assert size < 150_000  # it was 362,623 bytes with a Leaflet statement block per marker
    # beyond the empty map and the escaped text itself, a point costs its GeoJSON feature (~125 bytes)
    shown = sum(len(f"{escape(p.label)}{escape(p.popup or '')}".encode()) for p in points)
    per_point = (size - len(points_page([]).encode()) - shown) / len(points)
    assert per_point < 150
    assert text.count("L.circleMarker(") == 1 and "bindPopup(" in text and text.count("bindPopup(") == 1
    drawn = drawn_points(text)
    assert len(drawn) == 500
    assert [(d["lat"], d["lon"]) for d in drawn] == [(round(p.lat, 6), round(p.lon, 6)) for p in points]
    assert [d["tooltip"] for d in drawn] == [escape(p.label) for p in points]
    assert [d["popup"] for d in drawn] == [escape(p.popup or "") for p in points]


def test_user_text_in_500_points_stays_escaped() -> None:
    points = many_points(500, evil_every=7)
    points += [MapPoint(19.8, 105.8, EVIL, "</script><script>alert(2)</script>", "`${alert(3)}`\n<!-- x")]
    text = points_page(points)
    assert EVIL not in text and "<script>alert(2)" not in text and "<!--" not in text
    assert text.count("</script>") == text.count("<script")
    drawn = drawn_points(text)
    assert sum(d["tooltip"] == EVIL_ESCAPED for d in drawn) == len(range(0, 500, 7))
    assert drawn[-1]["tooltip"] == "&lt;/script&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
    assert drawn[-1]["popup"] == "`${alert(3)}`<br>&lt;!-- x"
    assert "<\\/b>" in text and EVIL_ESCAPED in text  # the category in the legend, escaped too


def test_a_point_without_a_position_is_refused() -> None:
    for lat, lon in ((float("nan"), 105.8), (19.8, float("inf"))):
        with pytest.raises(ValueError, match="position"):
            points_layer(base_map(PREFIX), [MapPoint(19.8, 105.8, "a"), MapPoint(lat, lon, "a")])


def escape(text: str) -> str:
    return html.escape(text).replace("\n", "<br>")


@pytest.mark.browser
def test_in_chromium_points_and_an_empty_map_run_under_the_csp() -> None:
    from playwright.sync_api import Route as Request
    from playwright.sync_api import sync_playwright

    nonce = "n0nce4maps"
    csp = (
        f"default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; img-src 'self' data:"
    )
    points = many_points(500, evil_every=50)
    pages = {
        "/points": points_page(points),
        "/empty": render_html(choropleth(EMPTY, {}, None, PREFIX, legend_title="Tỉ lệ")),
    }

    def serve(route: Request) -> None:
        path = route.request.url.removeprefix("http://maps.test")
        if path.startswith(PREFIX + "/"):
            body = (LEAFLET_STATIC_DIR / path.removeprefix(PREFIX + "/")).read_bytes()
            kind = "text/css" if path.endswith(".css") else "text/javascript"
            route.fulfill(status=200, body=body, headers={"content-type": kind})
        elif path in pages:
            body = re.sub(r"<script\b", f'<script nonce="{nonce}"', pages[path])
            route.fulfill(status=200, body=body, headers={"content-type": "text/html", "content-security-policy": csp})
        else:
            route.fulfill(status=404, body="")

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=["--no-sandbox", "--disable-gpu", "--no-first-run"]
        )
        page = browser.new_page()
        page.route("http://maps.test/**", serve)
        dialogs: list[str] = []
        problems: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        find_map = (
            "Object.keys(window).filter(k => k.startsWith('map_')).map(k => window[k]).find(v => v instanceof L.Map)"
        )
        page.goto("http://maps.test/points")
        page.wait_for_selector(".leaflet-interactive")
        shown = page.evaluate(f"""() => {{
            const map = {find_map};
            const dots = [];
            map.eachLayer(l => {{ if (l instanceof L.CircleMarker) {{ dots.push(l); }} }});
            const evil = dots.filter(l => String(l.getPopup().getContent()).includes('alert(1)'));
            evil[0].openPopup();
            const box = document.querySelector('.leaflet-popup-content');
            return {{dots: dots.length, evil: evil.length, fill: dots[0].options.fillColor, text: box.innerText,
                     images: box.querySelectorAll('img').length, tooltips: dots.filter(l => l.getTooltip()).length}};
        }}""")
        page.goto("http://maps.test/empty")
        page.wait_for_selector(".kt-legend")
        centre = page.evaluate(f"() => {{ const c = ({find_map}).getCenter(); return [c.lat, c.lng]; }}")
        browser.close()
    assert shown["dots"] == shown["tooltips"] == 500
    assert shown["evil"] == 10 and shown["images"] == 0
    assert shown["text"].splitlines()[0] == EVIL
    assert shown["fill"] in PALETTE
    assert CITY_BOUNDS.south < centre[0] < CITY_BOUNDS.north and CITY_BOUNDS.west < centre[1] < CITY_BOUNDS.east
    assert dialogs == [] and problems == []
