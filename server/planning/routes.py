"""Planning API: risk-ranked targets, route optimisation, assignments and their stops."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.calendar import plan_year
from server.guards import requires
from server.identity import CurrentUser
from server.planning.assignments import create_assignment, get_assignment, list_assignments, set_stop_status
from server.planning.routing import plan
from server.planning.schemas import AssignmentIn, AssignmentOut, RouteIn, RouteOut, StopUpdate, TargetList
from server.planning.targets import targets
from server.settings import Settings

TARGET_READERS = [requires(Role.TEAM_LEAD, Role.CITY_OFFICE, Role.ADMIN, Role.WARD_POLICE)]
ROUTERS = [requires(Role.TEAM_LEAD, Role.INSPECTOR, Role.CITY_OFFICE, Role.ADMIN)]
LEADS = [requires(Role.TEAM_LEAD, Role.ADMIN)]


@get("/api/v1/targets", guards=TARGET_READERS, operation_id="listTargets", tags=["planning"],
     description="A ward's active businesses not inspected in `year`, highest risk score first, with each part "
                 "of the score.")
async def api_targets(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    ward: Annotated[str, QueryParameter(pattern=r"^\d{1,10}$")],
    year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
) -> TargetList:
    return await targets(db, user, ward, year or await plan_year(db), limit)


@post("/api/v1/routes", guards=ROUTERS, operation_id="planRoute", tags=["planning"], status_code=200)
async def api_route(data: JSONBody[RouteIn], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                    settings: NamedDependency[Settings]) -> RouteOut:
    return (await plan(db, user, settings, data)).out


@post("/api/v1/assignments", guards=LEADS, operation_id="createAssignment", tags=["planning"], status_code=201)
async def api_create_assignment(data: JSONBody[AssignmentIn], db: NamedDependency[AsyncSession],
                                user: NamedDependency[CurrentUser]) -> AssignmentOut:
    created = await create_assignment(db, user, data)
    return await get_assignment(db, user, created.id)


@get("/api/v1/assignments", operation_id="listAssignments", tags=["planning"])
async def api_assignments(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser], date: FromQuery[date | None] = None,
    team_id: FromQuery[int | None] = None,
) -> list[AssignmentOut]:
    return await list_assignments(db, user, date, team_id)


@get("/api/v1/assignments/{assignment_id:int}", operation_id="getAssignment", tags=["planning"])
async def api_assignment(assignment_id: FromPath[int], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> AssignmentOut:
    return await get_assignment(db, user, assignment_id)


@patch("/api/v1/assignments/{assignment_id:int}/stops/{stop_id:int}", operation_id="updateStop",
       tags=["planning"], description="By hand a stop is only marked `not_found` (or set back to `planned`).")
async def api_update_stop(assignment_id: FromPath[int], stop_id: FromPath[int], data: JSONBody[StopUpdate],
                          db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> AssignmentOut:
    return await set_stop_status(db, user, assignment_id, stop_id, data.status)


routes = [api_targets, api_route, api_create_assignment, api_assignments, api_assignment, api_update_stop]
