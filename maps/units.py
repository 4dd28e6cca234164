"""A new set of administrative units from GeoJSON: its check, the old-to-new mapping, where a point goes.

Pure: the server reads and writes the wards table; this module only knows GeoJSON and geometry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import Point, shape

from maps.wards import WardIndex

KINDS = ("phường", "xã")
CODE = re.compile(r"^[0-9]{1,10}$")
#: A point outside every unit but this close to one goes to it (the boundaries are generalised: the city's
#: outline is off by a median of 39 m, at most about 1.2 km, see seed/data/README.md).
NEAR_M = 1500.0
_M_PER_DEG = 111_320.0


#: What each problem code means (the server says it in the user's language).
PROBLEMS = {
    "not_geojson": "not a GeoJSON FeatureCollection with features",
    "missing": "no properties",
    "bad_code": "a code of 1 to 10 digits",
    "duplicate_code": "a code already used by another feature",
    "bad_name": "a name of 1 to 120 characters",
    "bad_kind": "phường or xã",
    "bad_merged_from": "a list of full names",
    "bad_geometry": "a valid Polygon or MultiPolygon",
}


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    full_name: str
    kind: str
    geometry: dict[str, Any]
    merged_from: tuple[str, ...] = ()


@dataclass
class UnitsProblem(Exception):
    """What is wrong with a file: ``[(path, code)]``, path like ``features[3].properties.code``; the codes are
    the keys of ``PROBLEMS``."""

    problems: list[tuple[str, str]] = field(default_factory=list)


def read_units(collection: Any) -> list[Unit]:
    """The units of a GeoJSON FeatureCollection (properties ``code``, ``name``, ``full_name``, ``kind``,
    optional ``merged_from``; a valid Polygon or MultiPolygon each); every problem at once."""
    if not isinstance(collection, Mapping) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list) or not collection["features"]:
        raise UnitsProblem([("", "not_geojson")])
    problems: list[tuple[str, str]] = []
    units: list[Unit] = []
    seen: set[str] = set()
    for n, feature in enumerate(collection["features"]):
        where = f"features[{n}]"
        props = feature.get("properties") if isinstance(feature, Mapping) else None
        if not isinstance(props, Mapping):
            problems.append((f"{where}.properties", "missing"))
            continue
        code = str(props.get("code", "")).strip()
        if not CODE.match(code):
            problems.append((f"{where}.properties.code", "bad_code"))
        elif code in seen:
            problems.append((f"{where}.properties.code", "duplicate_code"))
        seen.add(code)
        texts = {k: props.get(k) for k in ("name", "full_name")}
        for key, value in texts.items():
            if not isinstance(value, str) or not value.strip() or len(value) > 120:
                problems.append((f"{where}.properties.{key}", "bad_name"))
        if props.get("kind") not in KINDS:
            problems.append((f"{where}.properties.kind", "bad_kind"))
        merged = props.get("merged_from") or []
        if not isinstance(merged, list) or not all(isinstance(m, str) for m in merged):
            problems.append((f"{where}.properties.merged_from", "bad_merged_from"))
            merged = []
        geometry = feature.get("geometry")
        try:
            geom = shape(geometry)
            ok = geom.geom_type in ("Polygon", "MultiPolygon") and geom.is_valid and not geom.is_empty
        except (AttributeError, IndexError, KeyError, TypeError, ValueError, RecursionError,
                shapely.errors.ShapelyError):
            ok = False
        if not ok:
            problems.append((f"{where}.geometry", "bad_geometry"))
        if not problems:
            units.append(Unit(code, str(texts["name"]).strip(), str(texts["full_name"]).strip(), props["kind"],
                              dict(geometry), tuple(m.strip() for m in merged)))
    if problems:
        raise UnitsProblem(problems)
    return units


def derive_mapping(old: Iterable[tuple[str, str]], new: Iterable[Unit],
                   given: Mapping[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Old code -> new codes: ``given`` first; then a new unit's ``merged_from`` (old units by full name);
    then the same code. ``old``: (code, full_name) of the units that end. Old codes nothing maps stay out."""
    new = list(new)
    by_name: dict[str, list[str]] = {}
    for code, full_name in old:
        by_name.setdefault(full_name, []).append(code)
    old_codes = {c for codes in by_name.values() for c in codes}
    mapping = {k: list(v) for k, v in (given or {}).items()}
    for unit in new:
        for name in unit.merged_from:
            for code in by_name.get(name, []):
                mapping.setdefault(code, [unit.code])
    for unit in new:
        if unit.code in old_codes:
            mapping.setdefault(unit.code, [unit.code])
    return mapping


def _metres(a: Point, geometry: Any) -> float:
    """Distance from a point to a geometry in metres, on a local equirectangular projection (short range)."""
    scale = math.cos(math.radians(a.y))
    projected = shapely.transform(geometry, lambda xy: (xy - (a.x, a.y)) * (scale * _M_PER_DEG, _M_PER_DEG))
    return float(shapely.distance(Point(0, 0), projected))


def place(index: WardIndex, lat: float, lon: float, near_m: float = NEAR_M) -> str | None:
    """The unit holding the point; else the nearest one within ``near_m`` metres; else None."""
    code = index.locate(lat, lon)
    if code is not None:
        return code
    point = Point(lon, lat)
    best = min(((_metres(point, index.geometry(c)), c) for c in index.codes), default=None)
    return best[1] if best is not None and best[0] <= near_m else None
