"""Capacity as data, the API (`/api/v1/schedule/capacity`) and the page (`/schedule/capacity`), twins over
``server.schedule.capacity``: the city office edits, planners read."""

from __future__ import annotations

import msgspec
from litestar import get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.guards import requires
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.people import directory
from server.redirects import post_redirect
from server.schedule.capacity import capacity, update_hours, update_team
from server.schedule.schemas import CapacityOut, TeamCapacityIn, TeamCapacityOut, TypeHoursIn, TypeHoursOut

PLANNERS = [requires(Role.TEAM_LEAD, Role.CITY_OFFICE, Role.ADMIN)]
EDITORS = [requires(Role.CITY_OFFICE, Role.ADMIN)]


@get("/api/v1/schedule/capacity", guards=PLANNERS, operation_id="getCapacity", tags=["schedule"])
async def api_capacity(db: NamedDependency[AsyncSession]) -> CapacityOut:
    return await capacity(db)


@put("/api/v1/schedule/capacity/teams/{team_id:int}", guards=EDITORS, operation_id="setTeamCapacity",
     tags=["schedule"])
async def api_team_capacity(team_id: FromPath[int], data: JSONBody[TeamCapacityIn], db: NamedDependency[AsyncSession],
                            user: NamedDependency[CurrentUser]) -> TeamCapacityOut:
    return await update_team(db, user.id, team_id, data)


@put("/api/v1/schedule/capacity/hours", guards=EDITORS, operation_id="setTypeHours", tags=["schedule"])
async def api_type_hours(data: JSONBody[list[TypeHoursIn]], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> list[TypeHoursOut]:
    return await update_hours(db, user.id, data)


@get("/schedule/capacity", guards=PLANNERS, include_in_schema=False)
async def capacity_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                        error: FromQuery[str] = "", saved: FromQuery[str] = "") -> Template:
    return Template("schedule_capacity.html", context={
        "cap": await capacity(db), "error": error, "saved": bool(saved), "people": await directory(db),
        "may_edit": user.has(Role.CITY_OFFICE, Role.ADMIN),
    })


def _number(text: str) -> float | None:
    text = text.strip().replace(",", ".")
    return float(text) if text else None


@post("/schedule/capacity/teams/{team_id:int}", guards=EDITORS, include_in_schema=False, status_code=303)
async def team_capacity_submit(team_id: FromPath[int], data: URLEncodedBody[dict[str, str]],
                               db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    async def save() -> None:
        try:
            body = {"start": data.get("start", "").strip(), "field_hours": _number(data.get("field_hours", "")),
                    "days_per_week": int(data.get("days_per_week", "").strip() or "-1"),
                    "base_lat": _number(data.get("base_lat", "")), "base_lon": _number(data.get("base_lon", "")),
                    "visit_minutes": {k[6:]: int(v) for k, v in data.items() if k.startswith("visit_") and v.strip()}}
        except ValueError:
            raise msgspec.ValidationError(_("Hãy nhập số ở các ô số.")) from None
        await update_team(db, user.id, team_id, msgspec.convert(body, TeamCapacityIn))

    return await post_redirect(db, "/schedule/capacity", save, done="/schedule/capacity?saved=1")


@post("/schedule/capacity/hours", guards=EDITORS, include_in_schema=False, status_code=303)
async def hours_submit(data: URLEncodedBody[dict[str, str]], db: NamedDependency[AsyncSession],
                       user: NamedDependency[CurrentUser]) -> Redirect:
    async def save() -> None:
        kinds = [k[6:] for k in data if k.startswith("opens_")]
        items = [{"type": k, "opens": data.get(f"opens_{k}", "").strip(), "closes": data.get(f"closes_{k}", "").strip()}
                 for k in kinds]
        await update_hours(db, user.id, msgspec.convert(items, list[TypeHoursIn]))

    return await post_redirect(db, "/schedule/capacity", save, done="/schedule/capacity?saved=1")




routes = [api_capacity, api_team_capacity, api_type_hours, capacity_page, team_capacity_submit, hours_submit]
