"""Risk-ranked targets: a ward's active businesses not yet inspected in a year, most in need of a visit first.

The score is a sum of visible parts (``WEIGHTS``, documented in the README):
never inspected; months since the last inspection (capped); violations found before (capped); open tips and
active hotspots linked to the business or within ``NEARBY_M`` of it (capped); the business type.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.distance import distance_m
from server.calendar import end_of_day, local_day, local_today
from server.errors import not_found
from server.identity import CurrentUser
from server.inspections.models import Inspection, ReviewState
from server.planning.schemas import ScoreParts, TargetList, TargetOut
from server.registry.models import Establishment, EstablishmentStatus
from server.scope import ward_by_code
from server.tips.models import Hotspot, HotspotStatus, Tip, TipStatus

NEARBY_M = 300.0
WEIGHTS: dict[str, float] = {
    "never_inspected": 30.0,     # points when the business was never inspected
    "per_month": 1.0,            # points per whole month since the last inspection …
    "months_cap": 24.0,          # … up to this many months
    "per_violation": 4.0,        # points per violation found in earlier inspections …
    "violations_cap": 20.0,      # … up to this many points
    "per_tip": 10.0,             # points per open tip about it or within NEARBY_M …
    "tips_cap": 30.0,            # … up to this many points
    "per_hotspot": 15.0,         # points per active hotspot at it or within NEARBY_M …
    "hotspots_cap": 30.0,        # … up to this many points
}
TYPE_WEIGHTS: dict[str, float] = {"massage": 12.0, "hair_salon": 12.0, "karaoke": 10.0, "dance_hall": 10.0,
                                  "lodging": 8.0, "bar": 6.0}
OPEN_TIPS = (TipStatus.RECEIVED, TipStatus.CLASSIFIED, TipStatus.ASSIGNED, TipStatus.VERIFYING)


def as_of(year: int, today: date | None = None) -> date:
    """The day the score looks from: today in a running year, the last day of a past year."""
    today = today or local_today()
    return min(today, date(year, 12, 31)) if year <= today.year else date(year, 1, 1)


def months_between(earlier: datetime, day: date) -> int:
    local = local_day(earlier)
    return max(0, (day.year - local.year) * 12 + day.month - local.month - (day.day < local.day))


def score(e_type: str, last: datetime | None, day: date, violations: int, tips: int, hotspots: int) -> ScoreParts:
    w = WEIGHTS
    months = None if last is None else months_between(last, day)
    return ScoreParts(
        never_inspected=w["never_inspected"] if last is None else 0.0,
        months_since_last=0.0 if months is None else min(months, w["months_cap"]) * w["per_month"],
        violations=min(violations * w["per_violation"], w["violations_cap"]),
        tips=min(tips * w["per_tip"], w["tips_cap"]),
        hotspots=min(hotspots * w["per_hotspot"], w["hotspots_cap"]),
        type=TYPE_WEIGHTS.get(e_type, 0.0),
    )


def _near(points: list[tuple[int | None, float | None, float | None]], e: Establishment) -> int:
    """How many (linked establishment id, lat, lon) items concern ``e``: linked to it, or within NEARBY_M."""
    n = 0
    for linked, lat, lon in points:
        if linked == e.id:
            n += 1
        elif linked is None and lat is not None and lon is not None and e.lat is not None and e.lon is not None:
            n += distance_m((lat, lon), (e.lat, e.lon)) <= NEARBY_M
    return n


def _bbox_filter(model, lats: list[float], lons: list[float]):  # type: ignore[no-untyped-def]
    pad_lat = NEARBY_M / 111_000 * 1.2
    pad_lon = pad_lat / max(0.1, math.cos(math.radians(sum(lats) / len(lats))))
    return and_(model.lat.between(min(lats) - pad_lat, max(lats) + pad_lat),
                model.lon.between(min(lons) - pad_lon, max(lons) + pad_lon))


async def targets(session: AsyncSession, user: CurrentUser, ward_code: str, year: int, limit: int = 200,
                  today: date | None = None) -> TargetList:
    ward = await ward_by_code(session, ward_code, user)
    if ward is None:
        raise not_found("ward")
    day = as_of(year, today)
    seen = and_(Inspection.started_at < end_of_day(day), Inspection.review_state != ReviewState.REJECTED.value)
    history = (
        select(Inspection.establishment_id.label("eid"), func.max(Inspection.started_at).label("last"),
               func.coalesce(func.sum(Inspection.violation_count), 0).label("violations"))
        .where(seen).group_by(Inspection.establishment_id).subquery()
    )
    inspected_this_year = exists().where(Inspection.establishment_id == Establishment.id, Inspection.year == year,
                                         Inspection.review_state != ReviewState.REJECTED.value)
    rows = (await session.execute(
        select(Establishment, history.c.last, history.c.violations)
        .outerjoin(history, history.c.eid == Establishment.id)
        .where(Establishment.ward_id == ward.id, Establishment.status == EstablishmentStatus.ACTIVE.value,
               ~inspected_this_year)
    )).all()
    located = [e for e, _, _ in rows if e.lat is not None and e.lon is not None]
    ids = [e.id for e, _, _ in rows]
    tips: list[tuple[int | None, float | None, float | None]] = []
    spots: list[tuple[int | None, float | None, float | None]] = []
    if rows:
        near_tip = Tip.establishment_id.in_(ids)
        near_spot = Hotspot.establishment_id.in_(ids)
        if located:
            lats, lons = [e.lat for e in located], [e.lon for e in located]
            near_tip = or_(near_tip, and_(Tip.establishment_id.is_(None), _bbox_filter(Tip, lats, lons)))
            near_spot = or_(near_spot, and_(Hotspot.establishment_id.is_(None), _bbox_filter(Hotspot, lats, lons)))
        tips = [tuple(r) for r in (await session.execute(  # type: ignore[misc]
            select(Tip.establishment_id, Tip.lat, Tip.lon).where(Tip.status.in_([s.value for s in OPEN_TIPS]),
                                                                 near_tip))).all()]
        spots = [tuple(r) for r in (await session.execute(  # type: ignore[misc]
            select(Hotspot.establishment_id, Hotspot.lat, Hotspot.lon)
            .where(Hotspot.status == HotspotStatus.ACTIVE.value, near_spot))).all()]
    items = []
    for e, last, violations in rows:
        n_tips, n_spots = _near(tips, e), _near(spots, e)
        parts = score(e.type, last, day, int(violations or 0), n_tips, n_spots)
        total = round(sum(getattr(parts, f) for f in parts.__struct_fields__), 1)
        items.append(TargetOut(
            id=e.id, name=e.name, type=e.type, address=e.address, lat=e.lat, lon=e.lon, last_inspected_at=last,
            months_since_last=None if last is None else months_between(last, day),
            violations_before=int(violations or 0), open_tips=n_tips, active_hotspots=n_spots, score=total,
            parts=parts,
        ))
    items.sort(key=lambda t: (-t.score, t.name, t.id))
    weights = {**WEIGHTS, **{f"type_{k}": v for k, v in TYPE_WEIGHTS.items()}, "nearby_m": NEARBY_M}
    return TargetList(ward.code, ward.full_name, year, day, weights, len(items), items[:limit])


#: ``targets`` under the name other packages import it by (``server.planning.targets`` is this module).
ranked_targets = targets
