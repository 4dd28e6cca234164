"""What each role sees first on the home page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.calendar import plan_gap, plan_year
from server.coverage import ward_coverage
from server.identity import CurrentUser
from server.inspections import listing
from server.inspections.models import Inspection, ReviewState
from server.planning import plan_for, todays_visits
from server.review import filtered, returned_to
from server.review.schemas import QueueFilter
from server.tips import reminders as tip_reminders


async def review_queue(session: AsyncSession, user: CurrentUser, limit: int = 20) -> dict[str, Any]:
    """The newest records waiting for review in the user's wards (the review queue's rule)."""
    query = filtered(listing(), user, QueueFilter(state=ReviewState.SUBMITTED))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = (await session.execute(query.order_by(Inspection.started_at.desc()).limit(limit))).all()
    return {"total": total, "items": [{"inspection": i, "establishment": e, "ward": w} for i, e, w, _ in rows]}


async def home_context(session: AsyncSession, user: CurrentUser) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    year = await plan_year(session)
    ctx["year"] = year
    ctx["plan_gap"] = await plan_gap(session)
    ctx["tip_reminders"] = await tip_reminders(session, user)
    if user.has(Role.INSPECTOR, Role.TEAM_LEAD):
        ctx["returned"] = await returned_to(session, user)
        ctx["visits"] = await todays_visits(session, user)
    if user.has(Role.TEAM_LEAD):
        ctx["plan"] = await plan_for(session, year)
    if user.has(Role.WARD_POLICE, Role.CITY_OFFICE):
        ctx["queue"] = await review_queue(session, user)
    if user.has(Role.CITY_OFFICE, Role.WARD_POLICE, Role.TEAM_LEAD):
        coverage = await ward_coverage(session, year, user)
        ctx["coverage"] = sorted(coverage, key=lambda w: w.ratio)
        ctx["meeting"] = sum(w.meets_target for w in coverage)
    return ctx
