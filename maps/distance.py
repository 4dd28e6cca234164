"""Distances between (lat, lon) points: geodesic on WGS84, or road distances from an OSRM server."""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence

from geopy.distance import geodesic
from geopy.point import Point as GeoPoint

LatLon = tuple[float, float]
PointLike = LatLon | GeoPoint
MatrixFn = Callable[[Sequence[LatLon]], list[list[int]]]

_GEODESIC = geodesic()  # one instance: .measure() is about twice as fast as building geodesic(a, b)


def _latlon(point: PointLike) -> LatLon:
    if isinstance(point, GeoPoint):
        return float(point.latitude), float(point.longitude)
    lat, lon = point
    return float(lat), float(lon)


def distance_m(a: PointLike, b: PointLike) -> float:
    """Geodesic distance in metres between two (lat, lon) points (or geopy Points)."""
    return _GEODESIC.measure(_latlon(a), _latlon(b)) * 1000.0


def distance_matrix(points: Sequence[PointLike]) -> list[list[int]]:
    """Symmetric matrix of geodesic distances in whole metres."""
    latlons = [_latlon(p) for p in points]
    n = len(latlons)
    matrix = [[0] * n for _ in range(n)]
    for i in range(n):
        row = matrix[i]
        for j in range(i + 1, n):
            d = round(_GEODESIC.measure(latlons[i], latlons[j]) * 1000.0)
            row[j] = d
            matrix[j][i] = d
    return matrix


def nearest(points: Sequence[PointLike], origin: PointLike) -> list[tuple[int, float]]:
    """(index, metres) of every point, nearest to `origin` first; ties keep input order."""
    dists = [(i, distance_m(origin, p)) for i, p in enumerate(points)]
    return sorted(dists, key=lambda pair: pair[1])


class OsrmError(RuntimeError):
    """The OSRM server answered with an error or something unreadable."""


def _http_get(url: str, timeout_s: float) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310 - scheme checked in OsrmTable
        return response.read()


class OsrmTable:
    """A `matrix_fn` backed by an OSRM server's /table service (road distances in metres).

    Pairs OSRM cannot route between (null cells) fall back to the geodesic distance so that a
    route can still be planned. `fetch` is injectable so tests never touch the network.
    """

    def __init__(
        self,
        base_url: str,
        profile: str = "driving",
        timeout_s: float = 10.0,
        fetch: Callable[[str, float], bytes] = _http_get,
    ) -> None:
        scheme = urllib.parse.urlsplit(base_url).scheme
        if scheme not in ("http", "https"):
            raise ValueError(f"OSRM base URL must be http(s), got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout_s = timeout_s
        self._fetch = fetch

    def url(self, points: Sequence[PointLike]) -> str:
        coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in map(_latlon, points))
        return f"{self.base_url}/table/v1/{urllib.parse.quote(self.profile)}/{coords}?annotations=distance"

    def __call__(self, points: Sequence[PointLike]) -> list[list[int]]:
        n = len(points)
        if n == 0:
            return []
        try:
            payload = json.loads(self._fetch(self.url(points), self.timeout_s))
        except (OSError, ValueError) as exc:
            raise OsrmError(f"OSRM table request failed: {exc}") from exc
        if not isinstance(payload, dict) or payload.get("code") != "Ok":
            code = payload.get("code") if isinstance(payload, dict) else None
            raise OsrmError(f"OSRM table answered {code!r}")
        rows = payload.get("distances")
        if not isinstance(rows, list) or len(rows) != n or any(not isinstance(r, list) or len(r) != n for r in rows):
            raise OsrmError("OSRM table: distances missing or not n x n")
        return [
            [round(d) if d is not None else round(distance_m(points[i], points[j])) for j, d in enumerate(row)]
            for i, row in enumerate(rows)
        ]
