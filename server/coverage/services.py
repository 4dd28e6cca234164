"""Coverage per ward: the plan's first target (T1) and the city team's count (T2), as the pages show them.

What is counted is written (and computed, in SQL) in ``server/coverage/counting.py``; the counts are kept per
ward and year by ``server/coverage/figures.py``. Here: the forecast, the distance to the target, the order
and pages of the ward table, the businesses' states for the maps.

**Forecast**: linear at the pace so far. With ``d`` days of Y elapsed at the ``as_of`` day (local
  time) out of ``D``, a ward's forecast is ``min(active, round(inspected * D / d))``; for a finished
  year it is the actual count. Distinct businesses saturate, hence the cap.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

import msgspec
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import local_midnight_utc, local_today, year_bounds
from server.coverage.counting import (
    counted_at_end,
    counted_inspection,
    counts_query,
    year_frame,
)
from server.coverage.figures import up_to_date
from server.coverage.models import CoverageFigures as F
from server.coverage.schemas import CityTeamOut, CoverageOut, WardCoverageOut
from server.inspections.models import Inspection
from server.planning import DEFAULT_CITY_TEAM, DEFAULT_WARD_RATIO, units_day
from server.planning.models import Plan, PlanWardTarget
from server.registry.models import Establishment
from server.scope import Scope, in_force, scoped
from server.wards.models import Ward

E, I = Establishment, Inspection  # noqa: E741 (short aliases keep the SQL readable)


def as_of_day(year: int, as_of: date | None = None, today: date | None = None) -> date:
    """The day the figures stand at: ``as_of`` (clamped to the year) or today, or 31 December if past."""
    start, end = year_bounds(year)
    day = as_of or today or local_today()
    return min(max(day, start), end)


def forecast(inspected: int, active: int, year: int, day: date) -> int:
    start, end = year_bounds(year)
    if day >= end:
        return inspected
    elapsed, total = (day - start).days + 1, (end - start).days + 1
    return min(active, round(inspected * total / elapsed))


def still_to_target(inspected: int, active: int, target: float) -> int:
    return max(0, math.ceil(round(target * active, 9)) - inspected)


class YearRows(msgspec.Struct):
    """The ward rows of a year with the city team's count and the businesses first inspected each month (sums
    of the wards' kept figures)."""

    wards: list[WardCoverageOut]
    city_team: int
    months: list[int]
    plan: Plan | None


async def _year_rows(
    session: AsyncSession, year: int, scope: Scope, as_of: date | None, today: date | None, with_months: bool,
) -> YearRows:
    """The kept figures brought up to date and read with the wards (counted live up to ``as_of`` when given)."""
    frame = await year_frame(session, year, today)
    default_target = frame.plan.ward_target_ratio if frame.plan else DEFAULT_WARD_RATIO
    targets = (select(PlanWardTarget.ward_id, PlanWardTarget.target_ratio)
               .where(PlanWardTarget.plan_id == (frame.plan.id if frame.plan else -1)).subquery("targets"))
    query = scoped(select(Ward.id, Ward.code, Ward.full_name, targets.c.target_ratio, F.open_n, F.inspected,
                          F.others, F.city_team, F.months)
                   .outerjoin(F, and_(F.year == year, F.ward_id == Ward.id))
                   .outerjoin(targets, targets.c.ward_id == Ward.id)
                   .where(Ward.id.in_(frame.in_year)).order_by(Ward.code), Ward.id, scope)
    for _ in range(3):  # a change of plan, units or teams committed in between drops the figures: again
        await up_to_date(session, frame, scope)
        rows = (await session.execute(query)).all()
        if all(row.open_n is not None for row in rows):
            break
    else:
        raise RuntimeError("coverage figures dropped three times while being read")
    day = as_of_day(year, as_of, today)
    live = None
    if as_of is not None and day < year_bounds(year)[1]:
        before = local_midnight_utc(day + timedelta(days=1))
        live = {w: (o, i, c) for w, o, i, c in (await session.execute(counts_query(frame, scope, before))).all()}
    out = []
    for ward_id, code, name, ward_target, open_n, inspected, closed, _, _ in rows:
        if live is not None:
            open_n, inspected, closed = live.get(ward_id, (0, 0, 0))
        target = default_target if ward_target is None else ward_target
        active = open_n + closed
        ratio = inspected / active if active else 0.0
        guess = forecast(inspected, active, year, day)
        out.append(WardCoverageOut(
            code=code, name=name, active=active, inspected=inspected, ratio=round(ratio, 4),
            meets_target=active > 0 and ratio >= target, target=target,
            to_target=still_to_target(inspected, active, target), forecast=guess,
            forecast_ratio=round(guess / active, 4) if active else 0.0,
        ))
    months = []
    if with_months and rows:  # every ward's twelve counts parsed at once (10,000 wards: 120,000 numbers)
        counts = list(map(int, ",".join(row.months for row in rows).split(",")))
        months = cumulative([sum(counts[m::12]) for m in range(12)])
    elif with_months:
        months = [0] * 12
    return YearRows(out, sum(row.city_team for row in rows), months, frame.plan)


async def ward_coverage(
    session: AsyncSession, year: int, scope: Scope = None, *,
    as_of: date | None = None, today: date | None = None,
) -> list[WardCoverageOut]:
    """One row per ward in force that year (within the scope), sorted by ward code."""
    return (await _year_rows(session, year, scope, as_of, today, with_months=False)).wards


def cumulative(per_month: list[int]) -> list[int]:
    total, out = 0, []
    for n in per_month:
        total += n
        out.append(total)
    return out


async def coverage(
    session: AsyncSession, year: int, scope: Scope = None, *,
    as_of: date | None = None, today: date | None = None, with_months: bool = True,
) -> CoverageOut:
    """Everything the dashboard, the API and the report show for a year, within the user's scope.

    ``months``: businesses inspected by the end of each local month (12 cumulative values; December is the
    year's total). The city team's count is the sum over the wards of the businesses it inspected in each
    ward: a business it inspected in two wards of one year (it moved between the visits) counts in both."""
    rows = await _year_rows(session, year, scope, as_of, today, with_months)
    wards, plan = rows.wards, rows.plan
    return CoverageOut(
        year=year, target=plan.ward_target_ratio if plan else DEFAULT_WARD_RATIO, wards=wards,
        wards_meeting_target=sum(w.meets_target for w in wards),
        city_team=CityTeamOut(target=plan.city_team_target if plan else DEFAULT_CITY_TEAM,
                              inspected=rows.city_team),
        as_of=as_of_day(year, as_of, today).isoformat(), months=rows.months,
        active=sum(w.active for w in wards), inspected=sum(w.inspected for w in wards),
        ward_count=len(wards), forecast=sum(w.forecast for w in wards),
        wards_forecast_meeting=sum(w.active > 0 and w.forecast_ratio >= w.target for w in wards),
    )


class WardOrder(StrEnum):
    """The order of the ward list: ``gap`` (the dashboard's default) or ``code`` (the JSON's default)."""

    GAP = "gap"
    CODE = "code"


DEFAULT_PER_PAGE, MAX_PER_PAGE = 50, 500
MAX_PAGE = 1_000_000  # far beyond any ward list (10,000 wards at 1 a page), and a safe integer for every client


def by_gap(wards: list[WardCoverageOut]) -> list[WardCoverageOut]:
    """Wards below their target first, furthest behind first (the gap between target and ratio, then the
    businesses still to inspect); then the wards meeting it, closest to it first; last the wards without
    businesses. Ties by ward code, so the order is total and pages never overlap."""
    def key(w: WardCoverageOut) -> tuple[int, float, int, str]:
        group = 2 if w.active == 0 else 1 if w.meets_target else 0
        return (group, 0.0 if group == 2 else -(w.target - w.ratio), -w.to_target, w.code)

    return sorted(wards, key=key)


def ordered(wards: list[WardCoverageOut], order: WardOrder) -> list[WardCoverageOut]:
    return by_gap(wards) if order is WardOrder.GAP else sorted(wards, key=lambda w: w.code)


def paged(report: CoverageOut, order: WardOrder, page: int | None = None,
          per_page: int | None = None) -> CoverageOut:
    """The report with its wards in ``order``; with ``page`` or ``per_page`` only that page of them
    (``page`` from 1, ``per_page`` wards a page, 50 by default). Every total stays that of all the wards; a page
    past the last one is empty."""
    wards = ordered(report.wards, order)
    if page is None and per_page is None:
        return msgspec.structs.replace(report, wards=wards, order=order.value)
    page, per_page = page or 1, per_page or DEFAULT_PER_PAGE
    start = (page - 1) * per_page
    return msgspec.structs.replace(report, wards=wards[start:start + per_page], order=order.value, page=page,
                                   per_page=per_page, pages=max(1, -(-len(wards) // per_page)))


class PointState:
    NOT_INSPECTED = "not_inspected"
    INSPECTED = "inspected"
    VIOLATIONS = "violations"


async def establishment_states(
    session: AsyncSession, year: int, scope: Scope = None, *,
    type_: str | None = None, only_uninspected: bool = False, limit: int | None = None,
) -> list[dict[str, Any]]:
    """The counted businesses of the year with their state: not inspected, inspected, violations found
    (an inspection that year, not rejected, with violations or the outcome ``violations``)."""
    frame = await year_frame(session, year)
    visits = (
        select(I.establishment_id.label("eid"), func.count().label("n"),
               func.max(case((or_(I.violation_count > 0, I.outcome == "violations"), 1), else_=0)).label("bad"))
        .where(counted_inspection(year)).group_by(I.establishment_id).subquery("visits")
    )
    r, in_year = frame.registry, frame.in_year
    query = select(E.id, E.name, r.c.type, E.address, E.lat, E.lon, r.c.status, Ward.code, visits.c.n, visits.c.bad)
    if r is not E.__table__:
        query = query.join(r, r.c.id == E.id)
    query = scoped(
        query.join(Ward, Ward.id == r.c.ward_id)
        .outerjoin(visits, visits.c.eid == E.id)
        .where(r.c.ward_id.in_(in_year), or_(counted_at_end(r, year), visits.c.n.is_not(None)))
        .order_by(Ward.code, E.name, E.id),
        r.c.ward_id, scope,
    )
    if type_:
        query = query.where(r.c.type == type_)
    if only_uninspected:
        query = query.where(visits.c.n.is_(None))
    if limit is not None:
        query = query.limit(limit)
    out = []
    for eid, name, kind, address, lat, lon, status, code, n, bad in (await session.execute(query)).all():
        state = PointState.NOT_INSPECTED if n is None else PointState.VIOLATIONS if bad else PointState.INSPECTED
        out.append({"id": eid, "name": name, "type": kind, "address": address, "lat": lat, "lon": lon,
                    "status": status, "ward": code, "state": state, "inspections": int(n or 0)})
    return out


async def ward_shapes(session: AsyncSession, codes: list[str], year: int) -> dict[str, dict[str, Any]]:
    """GeoJSON geometry of the wards in force in ``year`` with these codes."""
    in_year = await in_force(session, await units_day(session, year))
    rows = await session.execute(select(Ward.code, Ward.geometry).where(Ward.id.in_(in_year), Ward.code.in_(codes)))
    return {code: geometry for code, geometry in rows.all()}


async def ward_ids_by_code(session: AsyncSession, year: int) -> dict[str, int]:
    in_year = await in_force(session, await units_day(session, year))
    return {code: wid for code, wid in (await session.execute(select(Ward.code, Ward.id).where(Ward.id.in_(in_year))))}
