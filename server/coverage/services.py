"""Coverage per ward: the plan's first target (T1), computed by one SQL aggregation.

A business counts for a year when it operated at some time in that year: opened on or before 31 December
(or no opening date) and not closed before 1 January. It is covered when it has at least one inspection
in that year (Vietnamese time) whose review state is not ``rejected``.
"""

from __future__ import annotations

from datetime import date

import msgspec
from sqlalchemy import and_, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.inspections.models import Inspection, ReviewState
from server.planning.models import Plan
from server.registry.models import Establishment
from server.wards.models import Ward
from server.wards.services import configuration_day, valid_on


class WardCoverage(msgspec.Struct):
    code: str
    name: str
    active: int
    inspected: int
    ratio: float
    meets_target: bool


def operating_in(year: int):  # type: ignore[no-untyped-def]
    start, end = date(year, 1, 1), date(year, 12, 31)
    return and_(
        or_(Establishment.opened_on.is_(None), Establishment.opened_on <= end),
        or_(Establishment.closed_on.is_(None), Establishment.closed_on >= start),
    )


async def plan_for(session: AsyncSession, year: int) -> Plan | None:
    return await session.scalar(select(Plan).where(Plan.year == year))


async def latest_plan_year(session: AsyncSession) -> int:
    return await session.scalar(select(func.max(Plan.year))) or date.today().year


async def ward_coverage(
    session: AsyncSession, year: int, ward_ids: frozenset[int] | None = None
) -> list[WardCoverage]:
    """One row per ward in force that year (within ``ward_ids`` when given), sorted by ward code."""
    plan = await plan_for(session, year)
    target = plan.ward_target_ratio if plan else 0.8
    day = await configuration_day(session, date(year, 12, 31))
    inspected = (
        select(Inspection.establishment_id)
        .where(Inspection.year == year, Inspection.review_state != ReviewState.REJECTED.value)
        .distinct()
        .subquery()
    )
    query = (
        select(
            Ward.code, Ward.full_name,
            func.count(distinct(Establishment.id)),
            func.count(distinct(inspected.c.establishment_id)),
        )
        .select_from(Ward)
        .outerjoin(Establishment, and_(Establishment.ward_id == Ward.id, operating_in(year)))
        .outerjoin(inspected, inspected.c.establishment_id == Establishment.id)
        .where(Ward.id.in_(valid_on(day)))
        .group_by(Ward.code, Ward.full_name)
        .order_by(Ward.code)
    )
    if ward_ids is not None:
        query = query.where(Ward.id.in_(ward_ids))
    out = []
    for code, name, active, done in (await session.execute(query)).all():
        ratio = done / active if active else 0.0
        out.append(WardCoverage(code, name, active, done, round(ratio, 4), active > 0 and ratio >= target))
    return out
