"""A week of schedules on one map: each team-day's route in its own colour, from its base and back, with
numbered stops (popups escaped)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import folium

from maps.leaflet import bind, escape_text, legend
from maps.render import PALETTE, _legend_html, _stop_icon, stops_bounds, ward_map


@dataclass(frozen=True)
class DayRoute:
    """One team's day: its legend label, its base, and its stops in order as (lat, lon, label)."""

    label: str
    base: tuple[float, float]
    stops: Sequence[tuple[float, float, str]]


def schedule_map(days: Sequence[DayRoute], wards_geojson: Mapping[str, Any], tile_url: str | None,
                 static_prefix: str, *, base_label: str = "Base", height: str = "100%") -> folium.Map:
    points = [p for d in days for p in [d.base, *((s[0], s[1]) for s in d.stops)]]
    m = ward_map(wards_geojson, tile_url, static_prefix, lambda _: {"fillOpacity": 0.05}, height=height,
                 bounds=stops_bounds(points) if points else None)
    rows = []
    for i, day in enumerate(days):
        color = PALETTE[i % len(PALETTE)]
        rows.append((color, day.label))
        path = [day.base, *((s[0], s[1]) for s in day.stops), day.base]
        folium.PolyLine(path, color=color, weight=4, opacity=0.8).add_to(m).add_child(bind(escape_text(day.label)))
        for number, (lat, lon, text) in enumerate(day.stops, start=1):
            marker = folium.Marker((lat, lon), icon=_stop_icon(str(number))).add_to(m)
            marker.add_child(bind(escape_text(f"{day.label} · {number}. {text}")))
    for base in {d.base for d in days}:
        folium.Marker(base, icon=_stop_icon("S", start=True)).add_to(m).add_child(bind(escape_text(base_label)))
    if rows:
        m.add_child(legend(_legend_html("", rows)))
    return m
