"""Folium maps: no CDN, user text escaped, one feature per ward, the ward attribution."""

from __future__ import annotations

import copy
import json
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
    LEAFLET_STATIC_DIR,
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
    text = render_html(m)
    colours = re.findall(r'"fillColor": "(#[0-9a-f]+)"', text)
    assert sorted(colours) == sorted(["#1f77b4", "#00ff00", "#1f77b4"])


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
