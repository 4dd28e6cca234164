"""Which ward a point lies in: a ``maps.wards.WardIndex`` over the wards in force, built from the wards
table once per app process and kept on ``app.state`` (the boundaries change only by a ward import)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.wards import WardIndex
from server.scope import in_force
from server.wards.models import Ward

STATE_KEY = "ward_locator"


@dataclass(frozen=True)
class WardRef:
    id: int
    code: str
    full_name: str
    geometry: dict[str, Any]


@dataclass(frozen=True)
class WardLocator:
    index: WardIndex
    by_code: dict[str, WardRef]
    by_id: dict[int, WardRef]

    def locate(self, lat: float, lon: float) -> WardRef | None:
        code = self.index.locate(lat, lon)
        return None if code is None else self.by_code[code]

    def geojson(self) -> dict[str, Any]:
        """The wards as a FeatureCollection (for the maps)."""
        features = []
        for code in self.index.codes:
            ref = self.by_code[code]
            features.append({"type": "Feature", "geometry": ref.geometry,
                             "properties": {"code": code, "full_name": ref.full_name}})
        return {"type": "FeatureCollection", "features": features}


async def build_locator(session: AsyncSession) -> WardLocator:
    wards = (await session.scalars(select(Ward).where(Ward.id.in_(await in_force(session))).order_by(Ward.code))).all()
    index = WardIndex({"properties": {"code": w.code}, "geometry": w.geometry} for w in wards)
    refs = [WardRef(w.id, w.code, w.full_name, w.geometry) for w in wards]
    return WardLocator(index, {r.code: r for r in refs}, {r.id: r for r in refs})


async def locator_for(state: Any, session: AsyncSession) -> WardLocator:
    """The app's cached locator, built on first use (a new app process builds its own)."""
    cached = getattr(state, STATE_KEY, None)
    if cached is None:
        cached = await build_locator(session)
        setattr(state, STATE_KEY, cached)
    return cached
