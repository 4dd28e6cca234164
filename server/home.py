"""What each role sees first on the home page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.identity import CurrentUser
from server.auth.models import Role
from server.coverage.services import latest_plan_year, plan_for, ward_coverage
from server.i18n import LOCAL_TZ
from server.inspections.models import Inspection, ReviewState
from server.planning.models import Assignment, AssignmentStop, TeamMember
from server.registry.models import Establishment
from server.review.services import returned_to
from server.tips.ontime import reminders as tip_reminders
from server.wards.models import Ward


async def todays_visits(session: AsyncSession, user: CurrentUser) -> list[dict[str, Any]]:
    """The stops of today's assignments of the user's teams, in route order."""
    today = datetime.now(LOCAL_TZ).date()
    rows = await session.execute(
        select(AssignmentStop, Establishment)
        .join(Assignment, Assignment.id == AssignmentStop.assignment_id)
        .join(TeamMember, TeamMember.team_id == Assignment.team_id)
        .join(Establishment, Establishment.id == AssignmentStop.establishment_id)
        .where(TeamMember.user_id == user.id, Assignment.date == today)
        .order_by(Assignment.id, AssignmentStop.position)
    )
    return [{"stop": s, "establishment": e} for s, e in rows.all()]


async def review_queue(session: AsyncSession, user: CurrentUser, limit: int = 20) -> dict[str, Any]:
    query = (
        select(Inspection, Establishment, Ward)
        .join(Establishment, Establishment.id == Inspection.establishment_id)
        .join(Ward, Ward.id == Inspection.ward_id)
        .where(Inspection.review_state == ReviewState.SUBMITTED.value)
    )
    if user.ward_ids is not None:
        query = query.where(Inspection.ward_id.in_(user.ward_ids))
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = (await session.execute(query.order_by(Inspection.started_at.desc()).limit(limit))).all()
    return {"total": total, "items": [{"inspection": i, "establishment": e, "ward": w} for i, e, w in rows]}


async def home_context(session: AsyncSession, user: CurrentUser) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    year = await latest_plan_year(session)
    ctx["year"] = year
    ctx["tip_reminders"] = await tip_reminders(session, user)
    if user.has(Role.INSPECTOR, Role.TEAM_LEAD):
        ctx["returned"] = await returned_to(session, user)
        ctx["visits"] = await todays_visits(session, user)
    if user.has(Role.TEAM_LEAD):
        ctx["plan"] = await plan_for(session, year)
    if user.has(Role.WARD_POLICE, Role.CITY_OFFICE):
        ctx["queue"] = await review_queue(session, user)
    if user.has(Role.CITY_OFFICE, Role.WARD_POLICE, Role.TEAM_LEAD):
        coverage = await ward_coverage(session, year, user.ward_ids)
        ctx["coverage"] = sorted(coverage, key=lambda w: w.ratio)
        ctx["meeting"] = sum(w.meets_target for w in coverage)
    return ctx
