"""Maps as HTML: wards, a coverage choropleth, a day's route, category points; nothing from a CDN.

Every map loads `<static_prefix>/leaflet.js` and `<static_prefix>/leaflet.css` (serve the whole
`LEAFLET_STATIC_DIR`, which includes the images/ that leaflet.css refers to). Tiles come from `tile_url`
when given; without it the wards and points still show on Leaflet's plain grey background.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium
from shapely.geometry import shape

from maps.leaflet import (
    ATTRIBUTION,
    LEAFLET_STATIC_DIR,
    GeoJsonLayer,
    LocalMap,
    PointsLayer,
    attribution,
    bind,
    check_color,
    escape_text,
    legend,
    safe_feature,
    tile_layer,
)
from maps.routes import START_ID, Route, Stop, StopId
from maps.wards import Bounds

__all__ = [
    "ATTRIBUTION",
    "CITY_BOUNDS",
    "LEAFLET_STATIC_DIR",
    "MapPoint",
    "base_map",
    "choropleth",
    "map_fragment",
    "points_layer",
    "render_html",
    "route_map",
    "ward_map",
]

Properties = Mapping[str, Any]
BoundsLike = tuple[float, float, float, float]  # (south, west, north, east)
# The 34 wards of Thành phố Thanh Hóa (2023): where a map without any ward to show is centred.
CITY_BOUNDS = Bounds(south=19.731937, west=105.722369, north=19.883419, east=105.861893)
WARD_STYLE = {"color": "#35536f", "weight": 1.5, "fillColor": "#9fb8d0", "fillOpacity": 0.15}
COVERAGE_COLORS = ("#d73027", "#fc8d59", "#1a9850")
NO_DATA_COLOR = "#bdbdbd"
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f")
_PAGE_ONLY = re.compile(
    r'<meta (?:name="viewport"|http-equiv)[^>]*>|<style>\s*html, body \{.*?</style>|<style>\s*#map \{.*?</style>', re.S
)


@dataclass(frozen=True)
class MapPoint:
    lat: float
    lon: float
    category: str
    label: str = ""
    popup: str | None = None  # plain text, escaped when drawn


def base_map(
    static_prefix: str,
    tile_url: str | None = None,
    *,
    tile_attribution: str = "Map tiles",
    bounds: tuple[float, float, float, float] | None = None,
    height: str = "100%",
) -> folium.Map:
    """An empty CDN-free map with the ward attribution; `bounds` is (south, west, north, east)."""
    location = None if bounds is None else ((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    m = LocalMap(static_prefix, location=location, zoom_start=13, height=height)
    if tile_url:
        m.add_child(tile_layer(tile_url, tile_attribution))
    m.add_child(attribution(ATTRIBUTION))
    if bounds is not None:
        m.fit_bounds([[bounds[0], bounds[1]], [bounds[2], bounds[3]]])
    return m


def _ward_name(props: Properties) -> str:
    return str(props.get("full_name") or props.get("name") or props.get("code", ""))


def _wards_bounds(wards_geojson: Mapping[str, Any], fallback: BoundsLike) -> BoundsLike:
    """The box around every ward geometry; `fallback` when there is none (no features, or none with a shape)."""
    south, west, north, east = fallback
    if not (-90 <= south <= north <= 90 and -180 <= west <= east <= 180):
        raise ValueError(f"fallback bounds must be (south, west, north, east), got {fallback!r}")
    shapes = [shape(f["geometry"]) for f in wards_geojson.get("features") or () if f.get("geometry")]
    boxes = [s.bounds for s in shapes if not s.is_empty]
    if not boxes:
        return (south, west, north, east)
    return (min(b[1] for b in boxes), min(b[0] for b in boxes), max(b[3] for b in boxes), max(b[2] for b in boxes))


def _add_wards(
    m: folium.Map,
    wards_geojson: Mapping[str, Any],
    style_fn: Callable[[Properties], dict[str, Any]] | None,
    popup_fn: Callable[[Properties], str | None] | None,
) -> None:
    features = []
    for f in wards_geojson.get("features") or ():
        props = f["properties"]
        style = {**WARD_STYLE, **(style_fn(props) if style_fn else {})}
        popup = popup_fn(props) if popup_fn else None
        tooltip = escape_text(_ward_name(props))
        features.append(
            safe_feature(f["geometry"], str(props["code"]), style, tooltip, escape_text(popup) if popup else None)
        )
    m.add_child(GeoJsonLayer(features))


def ward_map(
    wards_geojson: Mapping[str, Any],
    tile_url: str | None,
    static_prefix: str,
    style_fn: Callable[[Properties], dict[str, Any]] | None = None,
    popup_fn: Callable[[Properties], str | None] | None = None,
    *,
    tile_attribution: str = "Map tiles",
    height: str = "100%",
    fallback_bounds: BoundsLike = CITY_BOUNDS,
    bounds: BoundsLike | None = None,
) -> folium.Map:
    """Ward polygons with their names as tooltips; `style_fn` returns Leaflet path options, `popup_fn` text.

    The map fits `bounds` when given, else the wards; a collection without features (e.g. a scope with no ward
    in force) still gives a map, fitted to `fallback_bounds` (south, west, north, east; the city by default).
    """
    bounds = bounds or _wards_bounds(wards_geojson, fallback_bounds)
    m = base_map(static_prefix, tile_url, tile_attribution=tile_attribution, bounds=bounds, height=height)
    _add_wards(m, wards_geojson, style_fn, popup_fn)
    return m


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


def choropleth(
    wards_geojson: Mapping[str, Any],
    values: Mapping[str, float | None],
    tile_url: str | None,
    static_prefix: str,
    *,
    breaks: Sequence[float] = (0.5, 0.8),
    colors: Sequence[str] = COVERAGE_COLORS,
    legend_title: str = "",
    value_format: Callable[[float], str] = _percent,
    no_data_label: str = "không có dữ liệu",
    popup_fn: Callable[[Properties, float | None], str] | None = None,
    tile_attribution: str = "Map tiles",
    height: str = "100%",
    fallback_bounds: BoundsLike = CITY_BOUNDS,
) -> folium.Map:
    """Wards coloured by `values[code]` in classes split at `breaks` (ascending), with a legend.

    The defaults suit coverage ratios against the 80 % target: below 50 %, 50-80 %, 80 % and above.
    Without any ward feature the map shows `fallback_bounds` with the legend (as `ward_map`).
    """
    if len(colors) != len(breaks) + 1 or list(breaks) != sorted(breaks):
        raise ValueError("need ascending breaks and one colour more than breaks")
    colors = [check_color(c) for c in colors]

    def color_of(value: float | None) -> str:
        if value is None:
            return NO_DATA_COLOR
        return colors[sum(1 for b in breaks if value >= b)]

    def style(props: Properties) -> dict[str, Any]:
        return {"fillColor": color_of(values.get(str(props["code"]))), "fillOpacity": 0.7}

    def popup(props: Properties) -> str:
        value = values.get(str(props["code"]))
        if popup_fn is not None:
            return popup_fn(props, value)
        return f"{_ward_name(props)}\n{no_data_label if value is None else value_format(value)}"

    m = ward_map(
        wards_geojson,
        tile_url,
        static_prefix,
        style,
        popup,
        tile_attribution=tile_attribution,
        height=height,
        fallback_bounds=fallback_bounds,
    )
    edges = [value_format(b) for b in breaks]
    labels = [f"< {edges[0]}"] + [f"{a} – {b}" for a, b in itertools.pairwise(edges)] + [f"≥ {edges[-1]}"]
    m.add_child(legend(_legend_html(legend_title, [*zip(colors, labels, strict=True), (NO_DATA_COLOR, no_data_label)])))
    return m


def _legend_html(title: str, rows: Iterable[tuple[str, str]]) -> str:
    parts = [f"<b>{escape_text(title)}</b>"] if title else []
    parts += [f'<i style="background:{html.escape(check_color(c))}"></i>{escape_text(label)}<br>' for c, label in rows]
    return "".join(parts)


def _stop_icon(text: str, start: bool = False) -> folium.DivIcon:
    css = "kt-stop kt-start" if start else "kt-stop"
    return folium.DivIcon(
        html=f'<div class="{css}">{html.escape(text)}</div>', icon_size=(30, 30), icon_anchor=(15, 15), class_name="kt"
    )


def stops_bounds(points: Sequence[tuple[float, float]], margin_deg: float = 0.002) -> BoundsLike:
    """(south, west, north, east) around the points, with a margin so that one stop is not a zero-size box."""
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    return (min(lats) - margin_deg, min(lons) - margin_deg, max(lats) + margin_deg, max(lons) + margin_deg)


def route_map(
    route: Route,
    stops: Sequence[Stop],
    wards_geojson: Mapping[str, Any],
    tile_url: str | None,
    static_prefix: str,
    *,
    start: tuple[float, float] | None = None,
    labels: Mapping[StopId, str] | None = None,
    tile_attribution: str = "Map tiles",
    height: str = "100%",
) -> folium.Map:
    """The route's path over the wards: numbered stops in visiting order, dropped stops in grey."""
    where: dict[StopId, tuple[float, float]] = {s.id: (s.lat, s.lon) for s in stops}
    if start is not None:
        where[START_ID] = start
    needed = {leg.from_id for leg in route.legs} | {leg.to_id for leg in route.legs} | set(route.order)
    if not needed <= where.keys():
        raise ValueError(f"no position for: {', '.join(map(str, needed - where.keys()))}")
    shown = [where[s] for s in route.order] + ([start] if start is not None else [])
    m = ward_map(
        wards_geojson,
        tile_url,
        static_prefix,
        lambda _: {"fillOpacity": 0.05},
        tile_attribution=tile_attribution,
        height=height,
        bounds=stops_bounds(shown) if shown else None,  # the map opens on the day's stops, not the whole city
    )
    path = [where[leg.from_id] for leg in route.legs[:1]] + [where[leg.to_id] for leg in route.legs]
    if len(path) > 1:
        folium.PolyLine(path, color="#1f4e79", weight=4, opacity=0.8).add_to(m)

    def label(stop_id: StopId) -> str:
        return (labels or {}).get(stop_id, str(stop_id))

    if start is not None:
        marker = folium.Marker(start, icon=_stop_icon("S", start=True)).add_to(m)
        marker.add_child(bind(escape_text(label(START_ID))))
    for number, stop_id in enumerate(route.order, start=1):
        marker = folium.Marker(where[stop_id], icon=_stop_icon(str(number))).add_to(m)
        marker.add_child(bind(escape_text(f"{number}. {label(stop_id)}")))
    for stop_id in route.dropped:
        if stop_id in where:
            dot = folium.CircleMarker(where[stop_id], radius=5, color="#777777", fill=True, fill_opacity=0.6)
            dot.add_to(m).add_child(bind(escape_text(label(stop_id))))
    return m


def points_layer(
    m: folium.Map,
    points: Iterable[MapPoint],
    colors: Mapping[str, str] | None = None,
    *,
    legend_title: str | None = None,
    radius: float = 6,
) -> folium.FeatureGroup:
    """Circle markers coloured by category, as one plain layer (no clustering plugin: it needs a CDN).

    The points are one GeoJSON FeatureCollection drawn by one L.geoJSON call (`PointsLayer`): each point
    carries its position, its category's style index and its escaped tooltip/popup HTML, so the page
    grows with the data rather than with a block of JavaScript per marker. Categories without a colour
    in `colors` take the next palette colour in sorted order. With a `legend_title` a legend lists the
    categories.
    """
    points = list(points)
    given = {k: check_color(v) for k, v in (colors or {}).items()}
    used = sorted({p.category for p in points})
    extra = [c for c in used if c not in given]
    palette = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(extra)}
    color_of = {**given, **palette}
    index = {c: i for i, c in enumerate(used)}
    styles = [
        {"radius": radius, "color": "#ffffff", "weight": 1, "fill": True, "fillColor": color_of[c], "fillOpacity": 0.9}
        for c in used
    ]
    layer = PointsLayer(
        (
            (
                p.lat,
                p.lon,
                index[p.category],
                escape_text(p.label) if p.label else None,
                escape_text(p.popup) if p.popup else None,
            )
            for p in points
        ),
        styles,
    )
    group = folium.FeatureGroup(name="points").add_to(m)
    group.add_child(layer)
    if legend_title is not None:
        m.add_child(legend(_legend_html(legend_title, [(color_of[c], c) for c in used]), position="topright"))
    return group


def render_html(m: folium.Map) -> str:
    """The full standalone HTML page."""
    return m.get_root().render()


def map_fragment(m: folium.Map) -> str:
    """Links, styles, the map <div> and its <script>, for embedding in a page of the app.

    folium's full-page rules (viewport meta, `html, body` at 100 %) are dropped; give the map a fixed
    `height` (e.g. "480px") when embedding, since "100%" needs a sized parent.
    """
    figure = m.get_root()
    figure.render()
    head = _PAGE_ONLY.sub("", figure.header.render())
    return f"{head}\n{figure.html.render()}\n<script>\n{figure.script.render()}\n</script>\n"
