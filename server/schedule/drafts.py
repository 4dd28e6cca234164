"""A draft schedule under review: read it, move a stop to another team's day (both days re-routed), and publish
its days as the assignments the phones already show (``server.planning.create_assignment``)."""

from __future__ import annotations

import asyncio
from datetime import date

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.schedule import Site, route_days
from server.audit import Action, record
from server.calendar import local_today
from server.db import utcnow
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.planning import AssignmentIn, create_assignment, led_teams
from server.planning.models import Assignment, Team
from server.registry.models import Establishment
from server.schedule.capacity import team_capacities, type_hours
from server.schedule.models import ScheduleDraft
from server.schedule.schemas import DayOut, MoveIn, PublishIn, PublishOut, StopOut
from server.schedule.services import SPEED_MPS, arrive_at, base_point, planned_teams, seconds_of
from server.tips import is_working_day

KEEP = 10_000_000  # a prize no detour outweighs: every stop of an edited day stays on it


async def get_draft(session: AsyncSession, user: CurrentUser, draft_id: int) -> tuple[ScheduleDraft, list[DayOut]]:
    """A draft, with only the days of the teams the user plans for (none of them: 404)."""
    draft = await session.get(ScheduleDraft, draft_id)
    if draft is None:
        raise not_found("schedule_draft")
    mine = {t.id for t in await planned_teams(session, user, None)}
    days = [d for d in msgspec.convert(draft.days, list[DayOut]) if d.team_id in mine]
    if not days and draft.created_by != user.id:
        raise not_found("schedule_draft")
    return draft, days


async def _reroute(session: AsyncSession, team_id: int, day: date, ids: list[int]) -> DayOut | None:
    """The best order and arrival times of ``ids`` on the team's day (None when no stop is left); 422 when
    they no longer fit in its hours."""
    if not ids:
        return None
    cap = next(c for c in await team_capacities(session) if c.team_id == team_id)
    hours = {h.type: (seconds_of(h.opens), seconds_of(h.closes)) for h in await type_hours(session)}
    rows = {e.id: e for e in (await session.scalars(select(Establishment).where(Establishment.id.in_(ids)))).all()}
    sites = [Site(e.id, e.lat, e.lon, "", e.type, 0.0, hours[e.type]) for e in rows.values()]  # type: ignore[arg-type]
    team = await session.get(Team, team_id)
    base = base_point(team, None, sites)  # type: ignore[arg-type]
    start = seconds_of(cap.start)
    routed = await asyncio.to_thread(route_days, base, [(day, start, start + int(cap.field_hours * 3600))], sites,
                                     [KEEP] * len(sites), {k: v * 60 for k, v in cap.visit_minutes.items()}, 1.0,
                                     SPEED_MPS)
    placed = routed[0][1] if routed else []
    if len(placed) < len(ids):
        raise AppError(422, "invalid", _("Ngày này không đủ thời gian cho mọi điểm dừng."),
                       [FieldError("date", "day_full", _("Hãy chọn một ngày khác hoặc một đoàn, tổ khác."))])
    return DayOut(day, team_id, [StopOut(s.site_id, arrive_at(s.arrive_s)) for s in placed], routed[0][2])


async def move_stop(session: AsyncSession, user: CurrentUser, draft_id: int, data: MoveIn) -> list[DayOut]:
    draft, days = await get_draft(session, user, draft_id)
    source = next((d for d in days if any(s.establishment_id == data.establishment_id for s in d.stops)), None)
    if source is None:
        raise AppError(422, "invalid", _("Cơ sở này không có trong lịch."),
                       [FieldError("establishment_id", "not_in_draft", _("Hãy chọn một cơ sở có trong lịch."))])
    (team,) = await planned_teams(session, user, [data.team_id])
    business = await session.get(Establishment, data.establishment_id)
    if team.ward_id is not None and business is not None and business.ward_id != team.ward_id:
        raise AppError(422, "invalid", _("Đoàn, tổ chỉ làm việc trong phường, xã của mình."),
                       [FieldError("team_id", "other_ward", _("Cơ sở này nằm ngoài phường, xã của đoàn, tổ."))])
    if not draft.starts_on <= data.date <= draft.ends_on or not is_working_day(data.date):
        raise AppError(422, "invalid", _("Ngày này không phải ngày làm việc trong lịch."),
                       [FieldError("date", "not_in_draft", _("Hãy chọn một ngày làm việc trong thời gian của lịch."))])
    target = next((d for d in days if d.team_id == data.team_id and d.date == data.date), None)
    if target is source:
        return days
    left = await _reroute(session, source.team_id, source.date,
                          [s.establishment_id for s in source.stops if s.establishment_id != data.establishment_id])
    joined = await _reroute(session, data.team_id, data.date,
                            [*(s.establishment_id for s in (target.stops if target else [])), data.establishment_id])
    everything = [d for d in msgspec.convert(draft.days, list[DayOut]) if d is not None
                  and (d.team_id, d.date) not in {(source.team_id, source.date), (data.team_id, data.date)}]
    everything += [d for d in (left, joined) if d is not None]
    everything.sort(key=lambda d: (d.date, d.team_id))
    draft.days = msgspec.to_builtins(everything)
    await record(session, user.id, Action.SCHEDULE_MOVE, "schedule_draft", draft.id,
                 before={"team_id": source.team_id, "date": source.date.isoformat()},
                 after={"establishment_id": data.establishment_id, "team_id": data.team_id,
                        "date": data.date.isoformat()})
    return (await get_draft(session, user, draft_id))[1]


async def publish(session: AsyncSession, user: CurrentUser, draft_id: int, data: PublishIn) -> PublishOut:
    """Each day of the draft (from today, in the range, of a team the user leads, with no assignment yet)
    becomes an assignment; re-planning then keeps it."""
    draft, days = await get_draft(session, user, draft_id)
    led = {t.id for t in await led_teams(session, user)}
    start, end = max(data.from_ or draft.starts_on, local_today()), data.to or draft.ends_on
    chosen = [d for d in days if start <= d.date <= end and d.team_id in led]
    if not chosen:
        raise AppError(422, "invalid", _("Không có ngày nào để giao việc."),
                       [FieldError("from", "no_days",
                                   _("Hãy chọn những ngày của đoàn, tổ bạn phụ trách, từ hôm nay."))])
    existing = set((await session.execute(select(Assignment.team_id, Assignment.date).where(
        Assignment.team_id.in_({d.team_id for d in chosen}), Assignment.date.between(start, end)))).tuples().all())
    ids = []
    for day in chosen:
        if (day.team_id, day.date) in existing:
            continue
        created = await create_assignment(session, user, AssignmentIn(
            day.team_id, day.date, [s.establishment_id for s in day.stops], _("Theo lịch kiểm tra năm.")))
        ids.append(created.id)
    draft.published_at = utcnow()
    await record(session, user.id, Action.SCHEDULE_PUBLISH, "schedule_draft", draft.id,
                 after={"assignments": ids, "from": start.isoformat(), "to": end.isoformat()})
    return PublishOut(ids)
