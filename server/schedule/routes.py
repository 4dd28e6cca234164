"""Schedule API: capacities, planning the rest of the year, its forecast, moving stops and publishing."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.calendar import plan_year
from server.guards import requires
from server.identity import CurrentUser
from server.schedule.capacity_routes import PLANNERS
from server.schedule.drafts import get_draft, move_stop, publish
from server.schedule.schemas import (
    DayOut,
    DraftOut,
    ForecastListOut,
    MoveIn,
    PublishIn,
    PublishOut,
    ScheduleIn,
    ScheduleOut,
)
from server.schedule.services import latest_forecast, plan_schedule

READERS = [requires(Role.TEAM_LEAD, Role.CITY_OFFICE, Role.ADMIN, Role.WARD_POLICE)]
LEADS = [requires(Role.TEAM_LEAD, Role.ADMIN)]


@post("/api/v1/schedule", guards=PLANNERS, operation_id="planSchedule", tags=["schedule"], status_code=201,
      description="Plan every team's field days from `from` (today) to `to` (the plan's last day): an ordered route "
                  "per team and day with arrival times in the businesses' hours, saved as a draft, and the forecast "
                  "per ward if it is kept. Ward teams plan their own ward; the city team its quota and short wards.")
async def api_plan(data: JSONBody[ScheduleIn], db: NamedDependency[AsyncSession],
                   user: NamedDependency[CurrentUser]) -> ScheduleOut:
    return await plan_schedule(db, user, data)


@get("/api/v1/schedule/forecast", guards=READERS, operation_id="scheduleForecast", tags=["schedule"])
async def api_forecast(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                       year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None) -> ForecastListOut:
    year = year or await plan_year(db)
    draft, wards = await latest_forecast(db, user, year)
    return ForecastListOut(year, draft.id if draft else None, draft.created_at if draft else None, wards)


@get("/api/v1/schedule/drafts/{draft_id:int}", guards=PLANNERS, operation_id="getScheduleDraft", tags=["schedule"])
async def api_draft(draft_id: FromPath[int], db: NamedDependency[AsyncSession],
                    user: NamedDependency[CurrentUser]) -> DraftOut:
    draft, days = await get_draft(db, user, draft_id)
    return DraftOut(draft.id, draft.year, draft.starts_on, draft.ends_on, draft.published_at, days)


@post("/api/v1/schedule/drafts/{draft_id:int}/moves", guards=PLANNERS, operation_id="moveScheduleStop",
      tags=["schedule"], status_code=200)
async def api_move(draft_id: FromPath[int], data: JSONBody[MoveIn], db: NamedDependency[AsyncSession],
                   user: NamedDependency[CurrentUser]) -> list[DayOut]:
    return await move_stop(db, user, draft_id, data)


@post("/api/v1/schedule/drafts/{draft_id:int}/publish", guards=LEADS, operation_id="publishSchedule",
      tags=["schedule"], status_code=201)
async def api_publish(draft_id: FromPath[int], data: JSONBody[PublishIn], db: NamedDependency[AsyncSession],
                      user: NamedDependency[CurrentUser]) -> PublishOut:
    return await publish(db, user, draft_id, data)


routes = [api_plan, api_forecast, api_draft, api_move, api_publish]

