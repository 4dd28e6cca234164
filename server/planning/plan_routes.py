"""Plans as data: the API (`/api/v1/plans`) and the pages (`/plans`), twins over ``server.planning.plans``."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.calendar import local_today, plan_covering
from server.guards import STAFF, requires
from server.i18n import N_, gettext
from server.identity import CurrentUser
from server.planning.plans import create_plan, find_plan, list_plans, plan_out, update_plan
from server.planning.schemas import PlanIn, PlanOut, PlanPatch, PlanTargets, PlanYearPath
from server.planning.typed import typed_day, typed_percent
from server.redirects import post_redirect

READERS = [requires(*STAFF)]
EDITORS = [requires(Role.CITY_OFFICE, Role.ADMIN)]
#: The form's fields for T3–T11, in the plan's order, as percentages.
TARGET_FIELDS = list(PlanTargets.__struct_fields__)
TARGET_LABELS = {
    "t3_tips_on_time": N_("T3 · Tin báo, tố giác, phản ánh được tiếp nhận, xác minh, xử lý kịp thời"),
    "t4_hotspots_broken_up": N_("T4 · Điểm, tụ điểm nghi có hoạt động mại dâm được triệt xóa"),
    "t5_wards_with_awareness_work": N_("T5 · Phường, xã có ít nhất một hình thức tuyên truyền, duy trì cả năm"),
    "t6_wards_with_yearly_plan": N_("T6 · Phường, xã xây dựng và thực hiện kế hoạch năm"),
    "t7_wards_integrating_programmes": N_("T7 · Phường, xã lồng ghép vào các chương trình kinh tế - xã hội, an sinh xã "
                                          "hội, phòng, chống ma túy, HIV/AIDS, mua bán người"),
    "t8_wards_free_of_prostitution": N_("T8 · Phường, xã không có tệ nạn mại dâm"),
    "t9_business_workers_reached": N_("T9 · Người lao động tại các cơ sở kinh doanh được tiếp cận thông tin"),
    "t9_industrial_workers_reached": N_("T9 · Công nhân tại các khu công nghiệp được tiếp cận thông tin"),
    "t9_students_reached": N_("T9 · Học sinh, sinh viên được tiếp cận thông tin"),
    "t10_wards_piloting_a_model": N_("T10 · Phường, xã thí điểm mô hình phòng ngừa, giảm tác hại"),
    "t11_support_access": N_("T11 · Người bán dâm cần và đủ điều kiện được tiếp cận dịch vụ hỗ trợ, tái hòa nhập"),
}


@get("/api/v1/plans", guards=READERS, operation_id="listPlans", tags=["planning"])
async def api_plans(db: NamedDependency[AsyncSession]) -> list[PlanOut]:
    return await list_plans(db)


@get("/api/v1/plans/{year:int}", guards=READERS, operation_id="getPlan", tags=["planning"])
async def api_plan(year: PlanYearPath, db: NamedDependency[AsyncSession]) -> PlanOut:
    return plan_out(await find_plan(db, year))


@post("/api/v1/plans", guards=EDITORS, operation_id="createPlan", tags=["planning"], status_code=201,
      description="A year's plan. With `copy_from` every field left out comes from that year's plan (its period "
                  "moved to the new year, its per-ward ratios copied). Periods may not overlap (409).")
async def api_create_plan(data: JSONBody[PlanIn], db: NamedDependency[AsyncSession],
                          user: NamedDependency[CurrentUser]) -> PlanOut:
    return await create_plan(db, user.id, data)


@patch("/api/v1/plans/{year:int}", guards=EDITORS, operation_id="updatePlan", tags=["planning"])
async def api_update_plan(year: PlanYearPath, data: JSONBody[PlanPatch], db: NamedDependency[AsyncSession],
                          user: NamedDependency[CurrentUser]) -> PlanOut:
    return await update_plan(db, user.id, year, data)


def _from_form(form: dict[str, str]) -> dict[str, Any]:
    """The page's fields as the API's: dates, percentages, the city team's count."""
    out: dict[str, Any] = {"title": form.get("title", "").strip()}
    for field in ("starts_on", "ends_on"):
        out[field] = typed_day(form.get(field, ""))
    out["ward_target_ratio"] = typed_percent(form.get("ward_target_ratio", ""), "T1")
    try:
        out["city_team_target"] = int(form.get("city_team_target", "").strip())
    except ValueError:
        raise msgspec.ValidationError(gettext("T2: số cơ sở phải là một số nguyên.")) from None
    out["targets"] = {f: typed_percent(form.get(f, ""), f.split("_")[0].upper()) for f in TARGET_FIELDS}
    return out


@get("/plans", guards=READERS, include_in_schema=False)
async def plans_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                     error: FromQuery[str] = "") -> Template:
    plans = await list_plans(db)
    today = local_today()
    return Template("plans.html", context={
        "plans": plans, "error": error, "may_edit": user.has(Role.CITY_OFFICE, Role.ADMIN),
        "next_year": max([p.year for p in plans] + [today.year - 1]) + 1, "this_year": today.year,
        "covering": await plan_covering(db, today),
    })


@post("/plans", guards=EDITORS, include_in_schema=False, status_code=303)
async def plan_create_submit(data: URLEncodedBody[dict[str, str]], db: NamedDependency[AsyncSession],
                             user: NamedDependency[CurrentUser]) -> Redirect:
    """Create a year's plan from the page: a copy of an earlier year's (edited afterwards), or the defaults."""
    year = data.get("year", "").strip()

    async def create() -> None:
        source = data.get("copy_from", "").strip() or None
        await create_plan(db, user.id, msgspec.convert({"year": year, "copy_from": source}, PlanIn, strict=False))

    return await post_redirect(db, "/plans", create, done=f"/plans/{year}?saved=1" if year.isdigit() else None)


@get("/plans/{year:int}", guards=READERS, include_in_schema=False)
async def plan_page(year: PlanYearPath, db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                    error: FromQuery[str] = "", saved: FromQuery[str] = "") -> Template:
    plan = plan_out(await find_plan(db, year))
    return Template("plan_form.html", context={
        "plan": plan, "targets": msgspec.to_builtins(plan.targets), "fields": TARGET_FIELDS, "error": error,
        "saved": bool(saved), "may_edit": user.has(Role.CITY_OFFICE, Role.ADMIN),
        "target_label": lambda field: gettext(TARGET_LABELS[field]),
    })


@post("/plans/{year:int}", guards=EDITORS, include_in_schema=False, status_code=303)
async def plan_update_submit(year: PlanYearPath, data: URLEncodedBody[dict[str, str]],
                             db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    async def save() -> None:
        await update_plan(db, user.id, year, msgspec.convert(_from_form(data), PlanPatch))

    return await post_redirect(db, f"/plans/{year}", save, done=f"/plans/{year}?saved=1")


routes = [api_plans, api_plan, api_create_plan, api_update_plan, plans_page, plan_create_submit, plan_page,
          plan_update_submit]
