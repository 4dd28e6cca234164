"""What a ward reports for a plan year (T5–T11): the API and the page, twins over ``ward_reports``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.guards import STAFF, requires
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.planning.models import ActivityKind, Audience
from server.planning.schemas import ActivityIn, ActivityOut, PlanYearPath, WardYearIn, WardYearOut
from server.planning.typed import typed_count, typed_day
from server.planning.ward_reports import (
    add_activity,
    get_ward_year,
    list_activities,
    remove_activity,
    save_ward_year,
)
from server.redirects import post_redirect

READERS = [requires(*STAFF)]
#: Ward teams (inspectors and team leads, within their wards) and the city office report.
REPORTERS = [requires(Role.INSPECTOR, Role.TEAM_LEAD, Role.CITY_OFFICE, Role.ADMIN)]
WARD_PATH = "/api/v1/plans/{year:int}/wards/{code:str}"


@get(WARD_PATH, guards=READERS, operation_id="getWardYear", tags=["planning"])
async def api_ward_year(year: PlanYearPath, code: FromPath[str], db: NamedDependency[AsyncSession],
                        user: NamedDependency[CurrentUser]) -> WardYearOut:
    return await get_ward_year(db, user, year, code)


@put(WARD_PATH, guards=REPORTERS, operation_id="saveWardYear", tags=["planning"],
     description="The ward's record for T6–T11 (replaces it). Counts only for T11: no field names a person.")
async def api_save_ward_year(year: PlanYearPath, code: FromPath[str], data: JSONBody[WardYearIn],
                             db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> WardYearOut:
    return await save_ward_year(db, user, year, code, data)


@get(WARD_PATH + "/activities", guards=READERS, operation_id="listAwarenessActivities", tags=["planning"])
async def api_activities(year: PlanYearPath, code: FromPath[str], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> list[ActivityOut]:
    return await list_activities(db, user, year, code)


@post(WARD_PATH + "/activities", guards=REPORTERS, operation_id="addAwarenessActivity", tags=["planning"],
      status_code=201)
async def api_add_activity(year: PlanYearPath, code: FromPath[str], data: JSONBody[ActivityIn],
                           db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> ActivityOut:
    return await add_activity(db, user, year, code, data)


@delete(WARD_PATH + "/activities/{activity_id:int}", guards=REPORTERS, operation_id="removeAwarenessActivity",
        tags=["planning"], status_code=204)
async def api_remove_activity(year: PlanYearPath, code: FromPath[str], activity_id: FromPath[int],
                              db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> None:
    await remove_activity(db, user, year, code, activity_id)


@get("/plans/{year:int}/wards/{code:str}", guards=READERS, include_in_schema=False)
async def ward_year_page(year: PlanYearPath, code: FromPath[str], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser], error: FromQuery[str] = "",
                         saved: FromQuery[str] = "") -> Template:
    return Template("ward_year.html", context={
        "year": year, "record": await get_ward_year(db, user, year, code), "error": error, "saved": bool(saved),
        "activities": await list_activities(db, user, year, code), "kinds": list(ActivityKind),
        "audiences": list(Audience), "may_edit": user.has(Role.INSPECTOR, Role.TEAM_LEAD, Role.CITY_OFFICE,
                                                           Role.ADMIN),
    })


@post("/plans/{year:int}/wards/{code:str}", guards=REPORTERS, include_in_schema=False, status_code=303)
async def ward_year_submit(year: PlanYearPath, code: FromPath[str], data: URLEncodedBody[dict[str, str]],
                           db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    here = f"/plans/{year}/wards/{code}"

    async def save() -> None:
        fields: dict[str, Any] = {f: data.get(f, "") for f in ("plan_document", "integration_note", "free_basis",
                                                               "pilot_model")}
        fields |= {f: data.get(f) == "on" for f in ("integrated", "free_of_prostitution")}
        fields["free_since"] = typed_day(data.get("free_since", ""))
        for f in ("business_workers", "industrial_workers", "students", "support_needing", "support_qualifying",
                  "support_receiving"):
            fields[f] = typed_count(data.get(f, ""))
        await save_ward_year(db, user, year, code, msgspec.convert(fields, WardYearIn))

    return await post_redirect(db, here, save, done=f"{here}?saved=1")


@post("/plans/{year:int}/wards/{code:str}/activities", guards=REPORTERS, include_in_schema=False,
      status_code=303)
async def activity_submit(year: PlanYearPath, code: FromPath[str], data: URLEncodedBody[dict[str, str]],
                          db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    here = f"/plans/{year}/wards/{code}"

    async def add() -> None:
        held = typed_day(data.get("held_on", ""))
        if held is None:
            raise msgspec.ValidationError(_("Hãy nhập ngày tổ chức theo dạng dd/mm/yyyy."))
        await add_activity(db, user, year, code, msgspec.convert({
            "held_on": held, "kind": data.get("kind", ""), "audience": data.get("audience", ""),
            "people_reached": typed_count(data.get("people_reached", "")) or 0, "note": data.get("note", ""),
        }, ActivityIn))

    return await post_redirect(db, here, add, done=f"{here}?saved=1")


@post("/plans/{year:int}/wards/{code:str}/activities/{activity_id:int}/remove", guards=REPORTERS,
      include_in_schema=False, status_code=303)
async def activity_remove(year: PlanYearPath, code: FromPath[str], activity_id: FromPath[int],
                          db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    here = f"/plans/{year}/wards/{code}"
    return await post_redirect(db, here, lambda: remove_activity(db, user, year, code, activity_id),
                               done=f"{here}?saved=1")


routes = [api_ward_year, api_save_ward_year, api_activities, api_add_activity, api_remove_activity, ward_year_page,
          ward_year_submit, activity_submit, activity_remove]
