"""Ward polygons: which ward a point lies in, the city outline, demo points inside a ward."""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any, NamedTuple

import shapely
from shapely.geometry import Point, shape
from shapely.geometry.base import BaseGeometry

# A point this close (in degrees, about 0.1 mm) to a ward counts as on it, so that a point on a shared edge
# belongs to both wards whichever side floating point rounding puts it.
_BORDER_EPS_DEG = 1e-9
_MAX_SAMPLING_TRIES = 100_000


class Bounds(NamedTuple):
    """A latitude/longitude box, named to avoid mixing up shapely's (x, y) order."""

    south: float
    west: float
    north: float
    east: float


class WardIndex:
    """Point-in-ward lookups over GeoJSON features with `properties.code` and a (Multi)Polygon geometry."""

    def __init__(self, features: Iterable[Mapping[str, Any]]) -> None:
        codes: list[str] = []
        polygons: list[BaseGeometry] = []
        self.properties: dict[str, dict[str, Any]] = {}
        for feature in features:
            code = str(feature["properties"]["code"])
            geometry = shape(feature["geometry"])
            if geometry.geom_type not in ("Polygon", "MultiPolygon"):
                raise ValueError(f"ward {code}: expected a Polygon or MultiPolygon, got {geometry.geom_type}")
            if code in self.properties:
                raise ValueError(f"duplicate ward code {code}")
            codes.append(code)
            polygons.append(geometry)
            self.properties[code] = dict(feature["properties"])
        if not codes:
            raise ValueError("no ward features")
        self.codes: tuple[str, ...] = tuple(codes)
        for polygon in polygons:
            shapely.prepare(polygon)
        self._polygons = polygons
        self._tree = shapely.STRtree(polygons)
        self._position = {code: i for i, code in enumerate(codes)}
        self._outline: BaseGeometry | None = None

    @classmethod
    def from_geojson(cls, collection: Mapping[str, Any]) -> WardIndex:
        """Build from a GeoJSON FeatureCollection mapping."""
        return cls(collection["features"])

    def __len__(self) -> int:
        return len(self.codes)

    def geometry(self, code: str) -> BaseGeometry:
        return self._polygons[self._position[code]]

    def locate(self, lat: float, lon: float) -> str | None:
        """The ward code at a point; on a shared border, the smallest code of the wards touching it."""
        point = Point(lon, lat)
        e = _BORDER_EPS_DEG
        candidates = self._tree.query(shapely.box(lon - e, lat - e, lon + e, lat + e))
        # dwithin rather than covers: a point on a shared edge, rounded to floats, is often in only one polygon.
        hits = [self.codes[i] for i in candidates if shapely.dwithin(self._polygons[i], point, e)]
        return min(hits) if hits else None

    def city_outline(self) -> BaseGeometry:
        """The union of all wards (computed once)."""
        if self._outline is None:
            self._outline = shapely.union_all(self._polygons)
        return self._outline

    @cached_property
    def bounds(self) -> Bounds:
        west, south, east, north = shapely.total_bounds(self._polygons)
        return Bounds(float(south), float(west), float(north), float(east))

    def random_point_in(self, code: str, rng: random.Random) -> tuple[float, float]:
        """A (lat, lon) drawn uniformly (in degrees) inside the ward, by rejection from its bounding box."""
        polygon = self.geometry(code)
        west, south, east, north = polygon.bounds
        for _ in range(_MAX_SAMPLING_TRIES):
            lon, lat = rng.uniform(west, east), rng.uniform(south, north)
            if shapely.contains_xy(polygon, lon, lat):
                return lat, lon
        raise RuntimeError(f"could not sample a point inside ward {code}")  # pragma: no cover
