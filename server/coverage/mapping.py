"""Coverage maps: the GeoJSON of the wards with their figures, and folium maps drawn by ``maps.render``.

Leaflet comes from the app itself (``/vendor/leaflet/``), tiles from ``settings.tile_url`` (none when
empty: the wards and points still show). ``maps.render`` escapes every name put in a tooltip or popup.
Clustering is not offered: Leaflet.markercluster is not vendored (``maps.render.points_layer`` draws one
plain layer), so the point layer is filtered by type on the server instead (``?type=``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from markupsafe import Markup

from maps.render import MapPoint, choropleth, map_fragment, points_layer, ward_map
from server.coverage.schemas import CoverageOut, WardCoverageOut

LEAFLET_PREFIX = "/vendor/leaflet"
STATE_COLORS = {"not_inspected": "#222222", "inspected": "#2b83ba", "violations": "#c51b7d"}
MAP_HEIGHT = "520px"


def tile_attribution(tile_url: str) -> str:
    return "© OpenStreetMap contributors" if "openstreetmap" in tile_url else "Map tiles"


def coverage_geojson(report: CoverageOut, shapes: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """One feature per ward of the report that has a geometry; properties are the ward's figures."""
    features = []
    for w in report.wards:
        if w.code not in shapes:
            continue
        props = {"code": w.code, "name": w.name, "full_name": w.name, "active": w.active, "inspected": w.inspected,
                 "ratio": w.ratio, "meets_target": w.meets_target, "target": w.target, "to_target": w.to_target}
        features.append({"type": "Feature", "id": w.code, "geometry": shapes[w.code], "properties": props})
    return {"type": "FeatureCollection", "year": report.year, "features": features}


def _points(rows: Sequence[dict[str, Any]], state_label: Callable[[str], str],
            type_label: Callable[[str], str]) -> list[MapPoint]:
    return [
        MapPoint(lat=r["lat"], lon=r["lon"], category=state_label(r["state"]), label=r["name"],
                 popup=f"{r['name']}\n{r['address']}\n{type_label(r['type'])} · {state_label(r['state'])}")
        for r in rows if r["lat"] is not None and r["lon"] is not None
    ]


def _add_points(m: Any, rows: Sequence[dict[str, Any]], text: Mapping[str, Any]) -> None:
    state_label, type_label = text["state"], text["type"]
    colors = {state_label(state): color for state, color in STATE_COLORS.items()}
    points_layer(m, _points(rows, state_label, type_label), colors, legend_title=text["points_title"], radius=5)


def coverage_map(
    geojson: dict[str, Any], wards: Sequence[WardCoverageOut], rows: Sequence[dict[str, Any]] | None,
    tile_url: str, text: Mapping[str, Any],
) -> Markup:
    """The choropleth of the wards by coverage (legend, popup per ward), with the businesses on top."""
    by_code = {w.code: w for w in wards}

    def popup(props: Mapping[str, Any], value: float | None) -> str:
        w = by_code[str(props["code"])]
        return text["ward_popup"](w)

    target = wards[0].target if wards else 0.8
    breaks = (0.5, target) if target > 0.5 else (target / 2, target)
    m = choropleth(geojson, {w.code: (w.ratio if w.active else None) for w in wards}, tile_url or None,
                   LEAFLET_PREFIX, breaks=breaks, legend_title=text["legend_title"],
                   no_data_label=text["no_data"], popup_fn=popup, tile_attribution=tile_attribution(tile_url),
                   height=MAP_HEIGHT)
    if rows:
        _add_points(m, rows, text)
    return Markup(map_fragment(m))  # noqa: S704 (maps.render escapes every name it places)


def single_ward_map(geojson: dict[str, Any], rows: Sequence[dict[str, Any]], tile_url: str,
                    text: Mapping[str, Any]) -> Markup:
    """One ward's outline with its businesses."""
    m = ward_map(geojson, tile_url or None, LEAFLET_PREFIX, lambda _props: {"fillOpacity": 0.08},
                 tile_attribution=tile_attribution(tile_url), height=MAP_HEIGHT)
    _add_points(m, rows, text)
    return Markup(map_fragment(m))  # noqa: S704 (maps.render escapes every name it places)
