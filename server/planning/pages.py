"""Planning pages: targets, the route map with its printable stop list, assignments. Same services as the API."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from maps.distance import distance_m
from maps.render import map_fragment, route_map
from maps.routes import START_ID, Leg, Route, Stop
from server.calendar import local_today, parse_day, plan_gap, plan_year
from server.errors import AppError, bad_value, invalid_input
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.planning.assignments import (
    create_assignment,
    get_assignment,
    led_teams,
    list_assignments,
    member_team_ids,
    set_stop_status,
)
from server.planning.models import StopStatus, Team
from server.planning.routes import LEADS, ROUTERS, TARGET_READERS
from server.planning.routing import plan
from server.planning.schemas import AssignmentIn, AssignmentOut, PointIn, RouteIn
from server.planning.targets import targets
from server.registry import labels, locator_for
from server.security import request_nonce, with_nonce
from server.settings import Settings
from server.wards import list_wards

LEAFLET = "/vendor/leaflet"
MAP_HEIGHT = "480px"


@get("/targets", guards=TARGET_READERS, include_in_schema=False)
async def targets_page(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    ward: Annotated[str, QueryParameter(max_length=10)] = "",
    year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
) -> Template:
    wards = await list_wards(db, user)
    year = year or await plan_year(db)
    ward = ward or (wards[0].code if wards else "")
    result = await targets(db, user, ward, year) if ward else None
    return Template("targets.html", context={"wards": wards, "ward": ward, "year": year, "result": result,
                                             "labels": labels(), "plan_gap": await plan_gap(db)})


async def _route_map(request: Request[Any, Any, Any], db: AsyncSession, settings: Settings, route: Route,
                     stops: list[Stop], start: tuple[float, float] | None, names: dict[Any, str]) -> str:
    locator = await locator_for(request.app.state, db)
    m = route_map(route, stops, locator.geojson(), settings.tile_url or None, LEAFLET, start=start,
                  labels=names, height=MAP_HEIGHT)
    return with_nonce(map_fragment(m), request_nonce(request.scope))


@get("/routes", guards=ROUTERS, include_in_schema=False)
async def route_page(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings], id: FromQuery[list[int]],
    round_trip: FromQuery[bool] = True, max_stops: Annotated[int | None, QueryParameter(ge=0)] = None,
) -> Template:
    planned = await plan(db, user, settings, RouteIn(establishment_ids=id, return_to_start=round_trip,
                                                    max_stops=max_stops))
    names: dict[Any, str] = {eid: e.name for eid, e in planned.establishments.items()}
    names[START_ID] = _("Điểm xuất phát")
    start = (planned.out.start.lat, planned.out.start.lon) if planned.out.start else None
    into = {leg.to: leg.distance_m for leg in planned.out.legs}
    stop_rows = []
    for eid in planned.out.order:
        e = planned.establishments[eid]
        stop_rows.append({"id": e.id, "name": e.name, "address": e.address, "lat": e.lat, "lon": e.lon,
                          "leg_m": into.get(eid), "status": None})
    map_html = await _route_map(request, db, settings, planned.route, planned.stops, start, names)
    return Template("route.html", context={
        "route": planned.out, "stop_rows": stop_rows, "map": map_html,
        "dropped": [planned.establishments[i] for i in planned.out.dropped], "teams": await led_teams(db, user),
        "tomorrow": local_today() + timedelta(days=1), "labels": labels()})


class AssignmentForm(msgspec.Struct):
    team_id: int
    date: str
    id: list[int] | int
    note: str = ""


@post("/assignments", guards=LEADS, include_in_schema=False, status_code=303)
async def assignment_submit(data: URLEncodedBody[AssignmentForm], db: NamedDependency[AsyncSession],
                            user: NamedDependency[CurrentUser]) -> Redirect:
    ids = data.id if isinstance(data.id, list) else [data.id]
    try:
        day = parse_day(data.date).isoformat()
    except ValueError:
        raise bad_value("date", data.date) from None
    raw = {"team_id": data.team_id, "date": day, "establishment_ids": ids, "note": data.note}
    try:
        body = msgspec.convert(raw, AssignmentIn)
    except msgspec.ValidationError as exc:
        raise invalid_input(exc, raw) from exc
    created = await create_assignment(db, user, body)
    return Redirect(f"/assignments/{created.id}", status_code=303)


@get("/assignments", include_in_schema=False)
async def assignments_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                           date: FromQuery[str] = "") -> Template:
    items = await list_assignments(db, user, limit=100)
    return Template("assignments.html", context={"items": items, "labels": labels()})


@get("/assignments/{assignment_id:int}", include_in_schema=False)
async def assignment_page(
    assignment_id: FromPath[int], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> Template:
    a: AssignmentOut = await get_assignment(db, user, assignment_id)
    team = await db.get(Team, a.team_id)
    base = (team.base_lat, team.base_lon) if team and team.base_lat is not None and team.base_lon is not None else None
    route, stops = saved_route(a, base)
    names: dict[Any, str] = {s.establishment_id: s.name for s in a.stops}
    names[START_ID] = _("Điểm xuất phát")
    map_html = await _route_map(request, db, settings, route, stops, base, names) if stops else ""
    member = a.team_id in await member_team_ids(db, user)
    return Template("assignment.html", context={"a": a, "map": map_html, "member": member, "labels": labels()})


def saved_route(a: AssignmentOut, base: tuple[float, float] | None) -> tuple[Route, list[Stop]]:
    """The assignment's saved order as a route (from and back to the team's base when it has one)."""
    stops = [Stop(s.establishment_id, s.lat, s.lon) for s in a.stops if s.lat is not None and s.lon is not None]
    where: dict[Any, tuple[float, float]] = {s.id: (s.lat, s.lon) for s in stops}
    path: list[Any] = [s.id for s in stops]
    if base is not None and stops:
        where[START_ID] = base
        path = [START_ID, *path, START_ID]
    legs = [Leg(x, y, round(distance_m(where[x], where[y]))) for x, y in itertools.pairwise(path)]
    return Route([s.id for s in stops], legs, sum(leg.distance_m for leg in legs)), stops


class StopForm(msgspec.Struct):
    status: str


@post("/assignments/{assignment_id:int}/stops/{stop_id:int}", include_in_schema=False, status_code=303)
async def stop_submit(assignment_id: FromPath[int], stop_id: FromPath[int], data: URLEncodedBody[StopForm],
                      db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    try:
        status = StopStatus(data.status)
    except ValueError as exc:
        raise AppError(422, "invalid", _("Trạng thái không hợp lệ.")) from exc
    await set_stop_status(db, user, assignment_id, stop_id, status)
    return Redirect(f"/assignments/{assignment_id}", status_code=303)


routes = [targets_page, route_page, assignment_submit, assignments_page, assignment_page, stop_submit]
__all__ = ["PointIn", "routes"]
