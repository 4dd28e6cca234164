"""Coverage per ward: the plan's first target (T1) and the city team's count (T2), by SQL aggregation.

The rule, for a year Y (Vietnamese calendar year; ``Inspection.year`` is the local year of ``started_at``):

- **Wards**: the units in force on 31 December of Y (or the newest configuration held), within the
  user's scope.
- **Inspected** (the numerator): distinct businesses with at least one inspection in Y whose review state
  is not ``rejected``, in the ward the inspection recorded (``Inspection.ward_id``, the business's ward at
  the visit, so later registry edits never move a year's figures); a business inspected twice counts once.
- **Counted businesses** (the denominator), in their registry ward (``Establishment.ward_id``):
  * every business open at the end of Y: opened on or before 31 December of Y (or no opening date) and not
    closed by then (no closing date and status not ``closed``, or closed after Y). Suspended businesses
    count: they hold their certificate and must be checked;
  * plus every business *not* open at the end of Y that was inspected in Y: a business that closed during
    Y counts **only if it was inspected** (one that shut before anyone could visit does not lower the
    ward's ratio; one that was visited still counts as done), and a visit is proof enough that a business
    the registry dates otherwise did operate that year. Closed before Y and not visited: not counted.
  So every inspected business is in the denominator (of the same ward unless it moved).
- **City team** (T2): distinct businesses inspected in Y (not rejected) by teams of kind ``city``,
  within the user's scope, against the plan's ``city_team_target``.
- **Forecast**: linear at the pace so far. With ``d`` days of Y elapsed at the ``as_of`` day (local
  time) out of ``D``, a ward's forecast is ``min(active, round(inspected * D / d))``; for a finished
  year it is the actual count. Distinct businesses saturate, hence the cap.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, literal_column, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.coverage import models as _indexes  # noqa: F401 (the index these queries use)
from server.coverage.schemas import CityTeamOut, CoverageOut, WardCoverageOut
from server.i18n import LOCAL_TZ
from server.inspections.models import Inspection, ReviewState
from server.planning.models import Plan, PlanWardTarget, Team, TeamKind
from server.registry.models import Establishment, EstablishmentStatus
from server.tips.models import Hotspot, HotspotStatus, Tip, TipStatus
from server.wards.models import Ward
from server.wards.services import configuration_day, valid_on

WardCoverage = WardCoverageOut  # the name server.home uses
DEFAULT_TARGET = 0.8
DEFAULT_CITY_TEAM_TARGET = 35
E, I = Establishment, Inspection  # noqa: E741 (short aliases keep the SQL readable)


def year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Vietnamese time."""
    return datetime(day.year, day.month, day.day, tzinfo=LOCAL_TZ).astimezone(UTC)


def open_at_end(year: int) -> ColumnElement[bool]:
    return or_(and_(E.closed_on.is_(None), E.status != EstablishmentStatus.CLOSED.value),
               E.closed_on > year_bounds(year)[1])


def not_open_at_end(year: int) -> ColumnElement[bool]:
    """The complement of ``opened by 31 December and open_at_end`` (NULL-safe)."""
    end = year_bounds(year)[1]
    return or_(E.opened_on > end, and_(E.closed_on.is_(None), E.status == EstablishmentStatus.CLOSED.value),
               E.closed_on <= end)


def counted_inspection(year: int, before: datetime | None = None) -> ColumnElement[bool]:
    # A literal, not a bound parameter: the planners match it to the partial index ix_inspections_counted_ward.
    cond = and_(I.year == year, I.review_state != literal_column(f"'{ReviewState.REJECTED.value}'"))
    return and_(cond, I.started_at < before) if before is not None else cond


def inspected_exists(year: int, before: datetime | None = None) -> ColumnElement[bool]:
    return exists(select(literal(1)).where(I.establishment_id == E.id, counted_inspection(year, before)))


async def plan_for(session: AsyncSession, year: int) -> Plan | None:
    return await session.scalar(select(Plan).where(Plan.year == year))


async def latest_plan_year(session: AsyncSession) -> int:
    return await session.scalar(select(func.max(Plan.year))) or date.today().year


async def ward_ids_in_force(session: AsyncSession, year: int) -> Select[tuple[int]]:
    return valid_on(await configuration_day(session, year_bounds(year)[1]))


def _scoped(query: Select[Any], column: Any, ward_ids: frozenset[int] | None) -> Select[Any]:
    return query if ward_ids is None else query.where(column.in_(sorted(ward_ids)))


def as_of_day(year: int, as_of: date | None = None, today: date | None = None) -> date:
    """The day the figures stand at: ``as_of`` (clamped to the year) or today, or 31 December if past."""
    start, end = year_bounds(year)
    day = as_of or today or datetime.now(LOCAL_TZ).date()
    return min(max(day, start), end)


def forecast(inspected: int, active: int, year: int, day: date) -> int:
    start, end = year_bounds(year)
    if day >= end:
        return inspected
    elapsed, total = (day - start).days + 1, (end - start).days + 1
    return min(active, round(inspected * total / elapsed))


def still_to_target(inspected: int, active: int, target: float) -> int:
    return max(0, math.ceil(round(target * active, 9)) - inspected)


async def ward_coverage(
    session: AsyncSession, year: int, ward_ids: frozenset[int] | None = None, *,
    as_of: date | None = None, today: date | None = None,
) -> list[WardCoverageOut]:
    """One row per ward in force that year (within ``ward_ids`` when given), sorted by ward code.

    Three aggregations joined to the wards: businesses open at the year's end (establishments only),
    the few others that were inspected (a semi-join from the small side), and the distinct inspected
    businesses per ward, streamed from the partial index ``ix_inspections_counted_ward`` alone.
    """
    plan = await plan_for(session, year)
    default_target = plan.ward_target_ratio if plan else DEFAULT_TARGET
    in_force = await ward_ids_in_force(session, year)
    day = as_of_day(year, as_of, today)
    before = local_midnight_utc(day + timedelta(days=1)) if as_of is not None and day < year_bounds(year)[1] else None
    end = year_bounds(year)[1]
    opened = or_(E.opened_on.is_(None), E.opened_on <= end)
    still_open = _scoped(
        select(E.ward_id.label("ward_id"), func.count().label("n"))
        .where(opened, open_at_end(year)).group_by(E.ward_id),
        E.ward_id, ward_ids,
    ).subquery("still_open")
    others = _scoped(
        select(E.ward_id.label("ward_id"), func.count().label("n"))
        .where(not_open_at_end(year), inspected_exists(year, before)).group_by(E.ward_id),
        E.ward_id, ward_ids,
    ).subquery("others")
    done = _scoped(
        select(I.ward_id.label("ward_id"), func.count(func.distinct(I.establishment_id)).label("n"))
        .where(counted_inspection(year, before)).group_by(I.ward_id),
        I.ward_id, ward_ids,
    ).subquery("done")
    targets = (select(PlanWardTarget.ward_id, PlanWardTarget.target_ratio)
               .where(PlanWardTarget.plan_id == (plan.id if plan else -1)).subquery("targets"))
    query = _scoped(
        select(Ward.code, Ward.full_name, targets.c.target_ratio,
               func.coalesce(still_open.c.n, 0), func.coalesce(done.c.n, 0), func.coalesce(others.c.n, 0))
        .outerjoin(still_open, still_open.c.ward_id == Ward.id)
        .outerjoin(others, others.c.ward_id == Ward.id)
        .outerjoin(done, done.c.ward_id == Ward.id)
        .outerjoin(targets, targets.c.ward_id == Ward.id)
        .where(Ward.id.in_(in_force)).order_by(Ward.code),
        Ward.id, ward_ids,
    )
    out = []
    for code, name, ward_target, open_n, inspected, closed in (await session.execute(query)).all():
        target = default_target if ward_target is None else ward_target
        active = int(open_n) + int(closed)
        inspected = int(inspected)
        ratio = inspected / active if active else 0.0
        guess = forecast(inspected, active, year, day)
        out.append(WardCoverageOut(
            code=code, name=name, active=active, inspected=inspected, ratio=round(ratio, 4),
            meets_target=active > 0 and ratio >= target, target=target,
            to_target=still_to_target(inspected, active, target), forecast=guess,
            forecast_ratio=round(guess / active, 4) if active else 0.0,
        ))
    return out


async def city_team_inspected(session: AsyncSession, year: int, ward_ids: frozenset[int] | None = None) -> int:
    """Distinct businesses inspected in ``year`` (not rejected) by teams of kind ``city``."""
    city_teams = select(Team.id).where(Team.kind == TeamKind.CITY.value)
    query = select(func.count(func.distinct(I.establishment_id))).where(
        counted_inspection(year), I.team_id.in_(city_teams))
    return int(await session.scalar(_scoped(query, I.ward_id, ward_ids)) or 0)


async def monthly_inspected(session: AsyncSession, year: int, ward_ids: frozenset[int] | None = None) -> list[int]:
    """Businesses inspected by the end of each local month of ``year`` (12 cumulative values; the sum over
    the wards of the numerator, so December equals the year's total)."""
    in_force = await ward_ids_in_force(session, year)
    firsts = _scoped(
        select(I.ward_id, I.establishment_id, func.min(I.started_at).label("first"))
        .where(counted_inspection(year), I.ward_id.in_(in_force))
        .group_by(I.ward_id, I.establishment_id),
        I.ward_id, ward_ids,
    ).subquery("firsts")
    starts = [local_midnight_utc(date(year, m, 1)) for m in range(2, 13)]
    month = case(*[(firsts.c.first < s, m) for m, s in enumerate(starts, start=1)], else_=12).label("month")
    rows = (await session.execute(select(month, func.count()).group_by(month))).all()
    per_month = dict.fromkeys(range(1, 13), 0) | {int(m): int(n) for m, n in rows}
    total, out = 0, []
    for m in range(1, 13):
        total += per_month[m]
        out.append(total)
    return out


async def coverage(
    session: AsyncSession, year: int, ward_ids: frozenset[int] | None = None, *,
    as_of: date | None = None, today: date | None = None, with_months: bool = True,
) -> CoverageOut:
    """Everything the dashboard, the API and the report show for a year, within the user's scope."""
    plan = await plan_for(session, year)
    wards = await ward_coverage(session, year, ward_ids, as_of=as_of, today=today)
    months = await monthly_inspected(session, year, ward_ids) if with_months else []
    return CoverageOut(
        year=year, target=plan.ward_target_ratio if plan else DEFAULT_TARGET, wards=wards,
        wards_meeting_target=sum(w.meets_target for w in wards),
        city_team=CityTeamOut(target=plan.city_team_target if plan else DEFAULT_CITY_TEAM_TARGET,
                              inspected=await city_team_inspected(session, year, ward_ids)),
        as_of=as_of_day(year, as_of, today).isoformat(), months=months,
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
    session: AsyncSession, year: int, ward_ids: frozenset[int] | None = None, *,
    type_: str | None = None, only_uninspected: bool = False, limit: int | None = None,
) -> list[dict[str, Any]]:
    """The counted businesses of the year with their state: not inspected, inspected, violations found
    (an inspection that year, not rejected, with violations or the outcome ``violations``)."""
    in_force = await ward_ids_in_force(session, year)
    visits = (
        select(I.establishment_id.label("eid"), func.count().label("n"),
               func.max(case((or_(I.violation_count > 0, I.outcome == "violations"), 1), else_=0)).label("bad"))
        .where(counted_inspection(year)).group_by(I.establishment_id).subquery("visits")
    )
    query = _scoped(
        select(E.id, E.name, E.type, E.address, E.lat, E.lon, E.status, Ward.code, visits.c.n, visits.c.bad)
        .join(Ward, Ward.id == E.ward_id)
        .outerjoin(visits, visits.c.eid == E.id)
        .where(E.ward_id.in_(in_force), or_(and_(or_(E.opened_on.is_(None), E.opened_on <= year_bounds(year)[1]),
                                                 open_at_end(year)), visits.c.n.is_not(None)))
        .order_by(Ward.code, E.name, E.id),
        E.ward_id, ward_ids,
    )
    if type_:
        query = query.where(E.type == type_)
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
    in_force = await ward_ids_in_force(session, year)
    rows = await session.execute(select(Ward.code, Ward.geometry).where(Ward.id.in_(in_force), Ward.code.in_(codes)))
    return {code: geometry for code, geometry in rows.all()}


async def ward_in_scope(session: AsyncSession, code: str, year: int, ward_ids: frozenset[int] | None) -> Ward | None:
    """The ward in force in ``year`` with ``code``, or None when unknown or outside the user's scope."""
    in_force = await ward_ids_in_force(session, year)
    query = _scoped(select(Ward).where(Ward.code == code, Ward.id.in_(in_force)), Ward.id, ward_ids)
    return await session.scalar(query)


async def tips_on_time(session: AsyncSession, year: int, ward_ids: frozenset[int] | None = None,
                       now: datetime | None = None) -> dict[str, int]:
    """T3 for the tips received in ``year`` (local time), from the tips register's deadline bookkeeping.

    *On time*: resolved (or lawfully suspended) without a missed deadline (``missed_deadline``). *Late*:
    resolved after missing one. *Overdue*: still open with a missed deadline or past its next deadline
    (``next_due_at``). *Running*: open, no deadline missed yet. Ratio: on time / (on time + late + overdue).
    """
    now = now or datetime.now(UTC)
    start, end = local_midnight_utc(date(year, 1, 1)), local_midnight_utc(date(year + 1, 1, 1))
    closed = Tip.status.in_([TipStatus.RESOLVED.value, TipStatus.SUSPENDED.value])
    missed = Tip.missed_deadline.is_(True)
    overdue = and_(~closed, or_(missed, Tip.next_due_at < now))

    def n(cond: ColumnElement[bool]) -> Any:
        return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)

    query = _scoped(
        select(func.count(), n(and_(closed, ~missed)), n(and_(closed, missed)), n(overdue))
        .where(Tip.received_at >= start, Tip.received_at < end),
        Tip.ward_id, ward_ids,
    )
    received, on_time, late, late_open = (int(v) for v in (await session.execute(query)).one())
    return {"received": received, "on_time": on_time, "late": late, "overdue": late_open,
            "running": received - on_time - late - late_open}


async def hotspots_in_year(session: AsyncSession, year: int, ward_ids: frozenset[int] | None = None
                           ) -> dict[str, Any]:
    """T4: hotspots known during ``year`` (opened by its end, not eradicated before it), how many were
    eradicated in it, and how many are still active or monitored at its end; also per ward id."""
    start, end = year_bounds(year)
    eradicated = and_(Hotspot.eradicated_on >= start, Hotspot.eradicated_on <= end)
    remaining = or_(Hotspot.eradicated_on.is_(None), Hotspot.eradicated_on > end)
    remaining = and_(remaining, or_(Hotspot.status != HotspotStatus.ERADICATED.value, Hotspot.eradicated_on > end))
    query = _scoped(
        select(Hotspot.ward_id, func.count(), func.sum(case((eradicated, 1), else_=0)),
               func.sum(case((remaining, 1), else_=0)))
        .where(Hotspot.opened_on <= end, or_(Hotspot.eradicated_on.is_(None), Hotspot.eradicated_on >= start))
        .group_by(Hotspot.ward_id),
        Hotspot.ward_id, ward_ids,
    )
    per_ward = {wid: {"known": int(k), "eradicated": int(e or 0), "remaining": int(r or 0)}
                for wid, k, e, r in (await session.execute(query)).all()}
    total = {key: sum(v[key] for v in per_ward.values()) for key in ("known", "eradicated", "remaining")}
    return {**total, "per_ward": per_ward}


async def ward_ids_by_code(session: AsyncSession, year: int) -> dict[str, int]:
    in_force = await ward_ids_in_force(session, year)
    return {code: wid for code, wid in (await session.execute(select(Ward.code, Ward.id).where(Ward.id.in_(in_force))))}
