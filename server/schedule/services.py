"""The year's schedule: from the plan's targets, what each ward still needs, the risk ranking, re-inspections due
and the capacity, every team's field days to the end of the plan (``maps.schedule`` solves it), saved as a
draft that the team lead reviews, edits and publishes as assignments; and the forecast it gives per ward."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.schedule import Day, Site, Team, build, forecast
from server.audit import Action, record
from server.auth.models import Role
from server.calendar import local_today, plan_covering, year_bounds
from server.coverage import coverage, ward_coverage
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections.models import Inspection
from server.planning import led_teams, plan_for, ranked_targets
from server.planning.models import Assignment, AssignmentStop, StopStatus
from server.planning.models import Team as TeamRow
from server.registry.models import Establishment
from server.review.models import FollowUp, FollowUpKind, FollowUpStatus
from server.schedule.capacity import team_capacities, type_hours
from server.schedule.models import ScheduleDraft
from server.schedule.schemas import DayOut, ForecastOut, ScheduleIn, ScheduleOut, StopOut
from server.scope import scoped
from server.tips import is_working_day
from server.wards.models import Ward

SPEED_MPS = 5.5          # 20 km/h: a motorbike in town, stops and parking included
REINSPECTION_RISK = 60.0  # a re-inspection due weighs like a business with tips and violations


@dataclass
class Instance:
    """What the solver is given, and what the forecast needs besides."""

    teams: list[Team]
    sites: list[Site]
    need: dict[str, int]
    city_quota: int
    inspected: dict[str, int]
    active: dict[str, int]
    target: dict[str, float]
    names: dict[str, str]
    starts_on: date
    ends_on: date


async def planned_teams(session: AsyncSession, user: CurrentUser, team_ids: list[int] | None) -> list[TeamRow]:
    """The teams the user plans for: every team (admin, city office) or the ones they lead; ``team_ids`` picks
    among them (another team: 403)."""
    if user.has(Role.ADMIN, Role.CITY_OFFICE):
        teams = list((await session.scalars(select(TeamRow).order_by(TeamRow.kind, TeamRow.name))).all())
    else:
        teams = await led_teams(session, user)
    if team_ids is None:
        return teams
    mine = {t.id: t for t in teams}
    if any(i not in mine for i in team_ids):
        raise AppError(403, "not_team_lead", _("Bạn chỉ lập lịch được cho đoàn, tổ mình phụ trách."))
    return [mine[i] for i in team_ids]


def field_days(start: date, end: date, days_per_week: int, taken: set[date]) -> list[date]:
    """The first ``days_per_week`` working days of each week between ``start`` and ``end``, less ``taken``."""
    out: list[date] = []
    counted: dict[tuple[int, int], int] = defaultdict(int)
    day = start
    while day <= end:
        week = day.isocalendar()[:2]
        if is_working_day(day) and counted[week] < days_per_week:
            counted[week] += 1
            if day not in taken:
                out.append(day)
        day += timedelta(days=1)
    return out


async def schedule_year(session: AsyncSession) -> int:
    """The year the schedule plans: the plan whose period holds today, else this calendar year (unlike the
    reporting pages, which then show the last plan: a schedule is for the days ahead)."""
    return await plan_covering(session) or local_today().year


async def plan_period(session: AsyncSession, year: int) -> tuple[date, date]:
    """The period a year's schedule fills: its plan's. This year without a plan: the calendar year, and the
    targets coverage uses without a plan (80 % per ward, 35 for the city team). Another year without one: 404."""
    plan = await plan_for(session, year)
    if plan is not None:
        return plan.starts_on, plan.ends_on
    if year != local_today().year:
        raise not_found("plan")
    return year_bounds(year)


def _period(plan_start: date, plan_end: date, data: ScheduleIn) -> tuple[date, date]:
    start = max(data.from_ or local_today(), plan_start)
    end = min(data.to or plan_end, plan_end)
    if end < start:
        raise AppError(422, "invalid", _("Khoảng thời gian lập lịch không nằm trong kế hoạch năm."),
                       [FieldError("to", "empty_period",
                                   _("Ngày kết thúc phải sau ngày bắt đầu và trong kế hoạch năm."))])
    return start, end


async def instance(session: AsyncSession, user: CurrentUser, data: ScheduleIn) -> Instance:
    """Read the plan, coverage, risk ranking, follow-ups and capacity into the solver's terms."""
    start, end = _period(*await plan_period(session, data.year), data)
    rows = await planned_teams(session, user, data.teams)
    report = await coverage(session, data.year, user.ward_ids, with_months=False)
    wards = report.wards
    ward_code = {w.id: w.code for w in (await session.scalars(select(Ward))).all()}
    hours = {h.type: (seconds_of(h.opens), seconds_of(h.closes)) for h in await type_hours(session)}
    sites: dict[int, Site] = {}
    for w in wards:
        ranked = await ranked_targets(session, user, w.code, data.year, limit=100_000, today=start)
        for t in ranked.items:
            if t.lat is not None and t.lon is not None:
                sites[t.id] = Site(t.id, t.lat, t.lon, w.code, t.type, t.score, hours[t.type])
    sites.update(await _reinspections(session, user, ward_code, hours, end, set(sites)))
    for eid in await _published(session, start, {w.code for w in wards}, ward_code):
        sites.pop(eid, None)
    capacities = {c.team_id: c for c in await team_capacities(session)}
    taken = await _published_days(session, [t.id for t in rows], start, end) if not data.replan_published else {}
    teams = []
    for row in rows:
        cap = capacities[row.id]
        code = ward_code.get(row.ward_id) if row.ward_id is not None else None
        if row.ward_id is not None and code not in {w.code for w in wards}:
            continue
        begin = seconds_of(cap.start)
        shifts = [(d, begin, begin + int(cap.field_hours * 3600))
                  for d in field_days(start, end, cap.days_per_week, taken.get(row.id, set()))]
        teams.append(Team(row.id, base_point(row, code, sites.values()), code, shifts,
                          {k: v * 60 for k, v in cap.visit_minutes.items()}))
    quota = max(0, report.city_team.target - report.city_team.inspected)
    return Instance(teams, list(sites.values()), {w.code: w.to_target for w in wards}, quota,
                    {w.code: w.inspected for w in wards}, {w.code: w.active for w in wards},
                    {w.code: w.target for w in wards}, {w.code: w.name for w in wards}, start, end)


def seconds_of(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def base_point(team: TeamRow, ward: str | None, sites: object) -> tuple[float, float]:
    """The team's base, else the centre of the businesses it plans for (its ward's, or the city's)."""
    if team.base_lat is not None and team.base_lon is not None:
        return team.base_lat, team.base_lon
    points = [(s.lat, s.lon) for s in sites if ward is None or s.ward == ward] or [(0.0, 0.0)]  # type: ignore[attr-defined]
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


async def _reinspections(session: AsyncSession, user: CurrentUser, ward_code: dict[int, str],
                         hours: dict[str, tuple[int, int]], end: date, known: set[int]) -> dict[int, Site]:
    """Businesses with an open re-inspection or remediation follow-up due by ``end``: visited from its deadline."""
    rows = (await session.execute(scoped(
        select(Establishment, FollowUp.deadline).join(Inspection, Inspection.establishment_id == Establishment.id)
        .join(FollowUp, FollowUp.inspection_id == Inspection.id)
        .where(FollowUp.status == FollowUpStatus.OPEN.value,
               FollowUp.kind.in_([FollowUpKind.REINSPECTION.value, FollowUpKind.REMEDIATION.value]),
               FollowUp.deadline.is_not(None), FollowUp.deadline <= end, Establishment.lat.is_not(None)),
        Establishment.ward_id, user.ward_ids))).all()
    out = {}
    for e, deadline in rows:
        if e.id not in known and e.ward_id in ward_code:
            out[e.id] = Site(e.id, e.lat, e.lon, ward_code[e.ward_id], e.type, REINSPECTION_RISK, hours[e.type],
                             counts=False, earliest=deadline)
    return out


async def _published(session: AsyncSession, start: date, wards: set[str], ward_code: dict[int, str]) -> set[int]:
    """Businesses already on a published day from ``start`` on and still planned (a missed stop, not found,
    refused or closed, or a past day's stop left planned, goes back into the pool)."""
    rows = (await session.execute(
        select(AssignmentStop.establishment_id, Establishment.ward_id)
        .join(Assignment, Assignment.id == AssignmentStop.assignment_id)
        .join(Establishment, Establishment.id == AssignmentStop.establishment_id)
        .where(Assignment.date >= start, AssignmentStop.status == StopStatus.PLANNED.value))).all()
    return {eid for eid, ward_id in rows if ward_code.get(ward_id) in wards}


async def _published_days(session: AsyncSession, team_ids: list[int], start: date, end: date) -> dict[int, set[date]]:
    out: dict[int, set[date]] = defaultdict(set)
    for team_id, day in (await session.execute(
            select(Assignment.team_id, Assignment.date).where(Assignment.team_id.in_(team_ids),
                                                              Assignment.date.between(start, end)))).all():
        out[team_id].add(day)
    return out


def arrive_at(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def forecast_out(inst: Instance, days: list[Day]) -> list[ForecastOut]:
    return [ForecastOut(f.ward, inst.names[f.ward], f.active, f.projected, f.projected_ratio, inst.target[f.ward],
                        f.short_by, f.short_by_team_days)
            for f in forecast(days, inst.sites, inst.inspected, inst.active, inst.target)]


def days_out(days: list[Day]) -> list[DayOut]:
    return [DayOut(d.day, d.team_id, [StopOut(s.site_id, arrive_at(s.arrive_s)) for s in d.stops], d.distance_m)
            for d in days]


async def plan_schedule(session: AsyncSession, user: CurrentUser, data: ScheduleIn) -> ScheduleOut:
    """Plan, save the draft (audited) and answer its days and forecast."""
    inst = await instance(session, user, data)
    result = await asyncio.to_thread(build, inst.teams, inst.sites, inst.need, inst.city_quota,
                                     data.time_limit_s, SPEED_MPS)
    fc = forecast_out(inst, result.days)
    full = data.teams is None and user.ward_ids is None and user.has(Role.ADMIN, Role.CITY_OFFICE)
    draft = ScheduleDraft(year=data.year, starts_on=inst.starts_on, ends_on=inst.ends_on, created_by=user.id,
                          days=_encode(days_out(result.days)), forecast=_encode(fc), full=full)
    session.add(draft)
    await session.flush()
    await record(session, user.id, Action.SCHEDULE_PLAN, "schedule_draft", draft.id,
                 after={"year": data.year, "from": inst.starts_on.isoformat(), "to": inst.ends_on.isoformat(),
                        "teams": [t.id for t in inst.teams], "days": len(result.days),
                        "stops": sum(len(d.stops) for d in result.days)})
    return ScheduleOut(draft.id, data.year, inst.starts_on, inst.ends_on, days_out(result.days), fc,
                       len(result.unplanned))


def _encode(items: list[object]) -> list[object]:
    return msgspec.to_builtins(items)  # type: ignore[no-any-return]


async def latest_forecast(session: AsyncSession, user: CurrentUser, year: int) -> tuple[ScheduleDraft | None,
                                                                                          list[ForecastOut]]:
    """The forecast of the newest schedule planned for every team of ``year`` (the user's wards only)."""
    draft = await session.scalar(select(ScheduleDraft).where(ScheduleDraft.year == year, ScheduleDraft.full.is_(True))
                                 .order_by(ScheduleDraft.id.desc()).limit(1))
    if draft is None:
        return None, []
    codes = {w.code for w in await ward_coverage(session, year, user.ward_ids)}
    return draft, [f for f in msgspec.convert(draft.forecast, list[ForecastOut]) if f.ward in codes]


