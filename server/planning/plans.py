"""Yearly plans as data: the city office and admins create a year's plan (or copy last year's), edit it, and
every page opens on the plan whose period holds today (``server.calendar.plan_year``). Every change is
audited. Periods may not overlap, so "the plan of a day" is always one plan."""

from __future__ import annotations

from datetime import date

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.calendar import local_today, year_bounds
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.i18n import nfc
from server.planning.models import Plan, PlanWardTarget
from server.planning.schemas import PlanIn, PlanOut, PlanPatch, PlanTargets

DEFAULT_WARD_RATIO = 0.8
DEFAULT_CITY_TEAM = 35


async def plan_for(session: AsyncSession, year: int) -> Plan | None:
    return await session.scalar(select(Plan).where(Plan.year == year))


async def units_day(session: AsyncSession, year: int, plan: Plan | None = None) -> date:
    """The day whose units a plan year counts in: its plan's start (``starts_on``), else 1 January. Coverage,
    the indicators and the ward reports all read a year's wards on this day."""
    plan = plan or await plan_for(session, year)
    return plan.starts_on if plan is not None else year_bounds(year)[0]


def targets_of(plan: Plan | None) -> PlanTargets:
    """The plan's T3–T11 (targets the plan left out, or no plan at all: the 2023 plan's values)."""
    return msgspec.convert((plan.targets if plan is not None else None) or {}, PlanTargets)


def plan_out(plan: Plan, today: date | None = None) -> PlanOut:
    day = today or local_today()
    return PlanOut(plan.year, plan.title, plan.starts_on, plan.ends_on, plan.ward_target_ratio,
                   plan.city_team_target, targets_of(plan), plan.starts_on <= day <= plan.ends_on)


def _snapshot(plan: Plan) -> dict[str, object]:
    return msgspec.to_builtins(plan_out(plan))


async def list_plans(session: AsyncSession) -> list[PlanOut]:
    """Every plan, newest first."""
    return [plan_out(p) for p in (await session.scalars(select(Plan).order_by(Plan.year.desc()))).all()]


async def find_plan(session: AsyncSession, year: int) -> Plan:
    plan = await session.scalar(select(Plan).where(Plan.year == year))
    if plan is None:
        raise not_found("plan")
    return plan


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


async def _check_period(session: AsyncSession, year: int, starts_on: date, ends_on: date) -> None:
    """A period runs forwards, starts in its year, and overlaps no other plan's."""
    if ends_on < starts_on:
        raise AppError(422, "invalid", _("Kế hoạch kết thúc trước khi bắt đầu."),
                       [FieldError("ends_on", "before_start", _("Ngày kết thúc phải sau ngày bắt đầu."))])
    if starts_on.year != year:
        raise AppError(422, "invalid", _("Kế hoạch năm phải bắt đầu trong năm đó."),
                       [FieldError("starts_on", "other_year", _("Ngày bắt đầu không thuộc năm {year}.").format(
                           year=year))])
    other = await session.scalar(select(Plan.year).where(Plan.year != year, Plan.starts_on <= ends_on,
                                                         Plan.ends_on >= starts_on).limit(1))
    if other is not None:
        raise AppError(409, "overlap", _("Thời gian này trùng với kế hoạch năm {other}.").format(other=other),
                       [FieldError("starts_on", "overlap", _("Kế hoạch năm {other} đã bao gồm một phần thời gian "
                                                             "này; hãy sửa thời gian của một trong hai kế hoạch.")
                                   .format(other=other))])


async def create_plan(session: AsyncSession, actor_id: int, data: PlanIn) -> PlanOut:
    """A new year's plan; fields left out come from ``copy_from`` (or the defaults)."""
    if await session.scalar(select(Plan.id).where(Plan.year == data.year)) is not None:
        raise AppError(409, "exists", _("Năm {year} đã có kế hoạch.").format(year=data.year),
                       [FieldError("year", "exists", _("Năm này đã có kế hoạch: hãy mở và sửa kế hoạch đó."))])
    source = await find_plan(session, data.copy_from) if data.copy_from is not None else None
    moved = data.year - source.year if source is not None else 0
    plan = Plan(
        year=data.year,
        title=nfc(data.title).strip() if data.title else (
            source.title.replace(str(source.year), str(data.year)) if source is not None
            else f"Kế hoạch phòng, chống tệ nạn mại dâm năm {data.year}"),
        starts_on=data.starts_on or (_shift(source.starts_on, moved) if source else date(data.year, 1, 1)),
        ends_on=data.ends_on or (_shift(source.ends_on, moved) if source else date(data.year, 12, 31)),
        ward_target_ratio=data.ward_target_ratio if data.ward_target_ratio is not None else (
            source.ward_target_ratio if source else DEFAULT_WARD_RATIO),
        city_team_target=data.city_team_target if data.city_team_target is not None else (
            source.city_team_target if source else DEFAULT_CITY_TEAM),
        targets=msgspec.to_builtins(data.targets or (targets_of(source) if source else PlanTargets())),
    )
    await _check_period(session, plan.year, plan.starts_on, plan.ends_on)
    session.add(plan)
    await session.flush()
    if source is not None:
        rows = (await session.execute(select(PlanWardTarget.ward_id, PlanWardTarget.target_ratio)
                                      .where(PlanWardTarget.plan_id == source.id))).all()
        session.add_all(PlanWardTarget(plan_id=plan.id, ward_id=w, target_ratio=r) for w, r in rows)
        await session.flush()
    after = _snapshot(plan)
    await record(session, actor_id, Action.PLAN_CREATE, "plan", plan.year,
                 after={**after, "copied_from": data.copy_from})
    return plan_out(plan)


async def update_plan(session: AsyncSession, actor_id: int, year: int, data: PlanPatch) -> PlanOut:
    plan = await find_plan(session, year)
    before = _snapshot(plan)
    if data.title is not msgspec.UNSET:
        plan.title = nfc(data.title).strip()
    for field in ("starts_on", "ends_on", "ward_target_ratio", "city_team_target"):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            setattr(plan, field, value)
    if data.targets is not msgspec.UNSET:
        plan.targets = msgspec.to_builtins(data.targets)
    await _check_period(session, plan.year, plan.starts_on, plan.ends_on)
    after = _snapshot(plan)
    changed = [k for k in after if after[k] != before[k] and k != "current"]
    if changed:
        await session.flush()
        await record(session, actor_id, Action.PLAN_UPDATE, "plan", plan.year,
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return plan_out(plan)
