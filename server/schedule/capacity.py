"""Capacity as data: each team's field time and visit lengths, and the hours each type of business can be
inspected. Rows left out fall back to the defaults below (their basis is in the README)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.auth.models import User
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.planning.models import Team, TeamMember
from server.registry.models import EstablishmentType
from server.schedule.models import TeamCapacity, TypeHours
from server.schedule.schemas import CapacityOut, TeamCapacityIn, TeamCapacityOut, TypeHoursIn, TypeHoursOut
from server.wards.models import Ward

#: A team's day in the field: from 15:00 for 6 hours (until 21:00: the hours most of these businesses are open,
#: dance halls from 19:00 included), 3 days a week.
DEFAULT_START_MIN = 15 * 60
DEFAULT_FIELD_HOURS = 6.0
DEFAULT_DAYS_PER_WEEK = 3
#: Minutes an inspection takes by business type (checklist length, papers, the rooms walked through).
DEFAULT_VISIT_MINUTES: dict[str, int] = {"karaoke": 45, "dance_hall": 60, "lodging": 45, "massage": 40,
                                         "bar": 30, "hair_salon": 30}
#: When each type may be inspected (minutes from midnight): in its usual opening hours; lodging any time.
DEFAULT_HOURS: dict[str, tuple[int, int]] = {"karaoke": (14 * 60, 24 * 60), "dance_hall": (19 * 60, 24 * 60),
                                             "lodging": (0, 24 * 60), "massage": (9 * 60, 23 * 60),
                                             "bar": (17 * 60, 24 * 60), "hair_salon": (8 * 60, 22 * 60)}


def clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


async def team_capacities(session: AsyncSession) -> list[TeamCapacityOut]:
    """Every team with its capacity (the defaults where none was set), city team first."""
    rows = (await session.execute(
        select(Team, TeamCapacity, Ward.full_name).outerjoin(TeamCapacity, TeamCapacity.team_id == Team.id)
        .outerjoin(Ward, Ward.id == Team.ward_id).order_by(Team.kind, Team.name))).all()
    members: dict[int, list[str]] = {}
    for team_id, login in (await session.execute(
            select(TeamMember.team_id, User.username).join(User, User.id == TeamMember.user_id)
            .order_by(TeamMember.is_lead.desc(), User.username))).all():
        members.setdefault(team_id, []).append(login)
    out = []
    for team, cap, ward in rows:
        visits = {**DEFAULT_VISIT_MINUTES, **(cap.visit_minutes if cap else {})}
        out.append(TeamCapacityOut(
            team.id, team.name, team.kind, ward, members.get(team.id, []), team.base_lat, team.base_lon,
            clock(cap.start_min if cap else DEFAULT_START_MIN), cap.field_hours if cap else DEFAULT_FIELD_HOURS,
            cap.days_per_week if cap else DEFAULT_DAYS_PER_WEEK, visits, cap is None))
    return out


async def type_hours(session: AsyncSession) -> list[TypeHoursOut]:
    rows = {r.type: r for r in (await session.scalars(select(TypeHours))).all()}
    out = []
    for kind in EstablishmentType:
        row = rows.get(kind.value)
        opens, closes = (row.opens_min, row.closes_min) if row else DEFAULT_HOURS[kind.value]
        out.append(TypeHoursOut(kind.value, clock(opens), clock(closes), row is None))
    return out


async def capacity(session: AsyncSession) -> CapacityOut:
    return CapacityOut(await team_capacities(session), await type_hours(session))


async def update_team(session: AsyncSession, actor_id: int, team_id: int, data: TeamCapacityIn) -> TeamCapacityOut:
    team = await session.get(Team, team_id)
    if team is None:
        raise not_found("team")
    unknown = [k for k in data.visit_minutes if k not in DEFAULT_VISIT_MINUTES]
    if unknown:
        raise AppError(422, "invalid", _("Có loại hình kinh doanh không có trong danh mục."),
                       [FieldError(f"visit_minutes.{k}", "unknown_type", _("Loại hình này không có trong danh mục."))
                        for k in unknown])
    if (data.base_lat is None) != (data.base_lon is None):
        raise AppError(422, "invalid", _("Vị trí trụ sở cần cả vĩ độ và kinh độ."),
                       [FieldError("base_lat", "half_point", _("Hãy nhập cả vĩ độ và kinh độ, hoặc bỏ trống cả hai."))])
    start = _minutes(data.start)
    if start + data.field_hours * 60 > 24 * 60:
        raise AppError(422, "invalid", _("Buổi làm việc không được kéo dài quá nửa đêm."),
                       [FieldError("field_hours", "past_midnight",
                                   _("Giờ bắt đầu cộng số giờ làm việc phải kết thúc trước 24:00."))])
    before = await _team_snapshot(session, team)
    cap = await session.get(TeamCapacity, team_id) or TeamCapacity(team_id=team_id)
    cap.start_min, cap.field_hours, cap.days_per_week = start, data.field_hours, data.days_per_week
    cap.visit_minutes = {**DEFAULT_VISIT_MINUTES, **data.visit_minutes}
    team.base_lat, team.base_lon = data.base_lat, data.base_lon
    session.add(cap)
    await session.flush()
    after = await _team_snapshot(session, team)
    await record(session, actor_id, Action.CAPACITY_UPDATE, "team", team_id, before=before, after=after)
    return next(t for t in await team_capacities(session) if t.team_id == team_id)


async def _team_snapshot(session: AsyncSession, team: Team) -> dict[str, object]:
    cap = await session.get(TeamCapacity, team.id)
    return {"base": [team.base_lat, team.base_lon], "start_min": cap.start_min if cap else None,
            "field_hours": cap.field_hours if cap else None, "days_per_week": cap.days_per_week if cap else None,
            "visit_minutes": dict(cap.visit_minutes) if cap else None}


async def update_hours(session: AsyncSession, actor_id: int, items: list[TypeHoursIn]) -> list[TypeHoursOut]:
    errors = []
    for i, item in enumerate(items):
        if item.type not in DEFAULT_HOURS:
            errors.append(FieldError(f"[{i}].type", "unknown_type", _("Loại hình này không có trong danh mục.")))
        elif not _minutes(item.opens) < _minutes(item.closes) <= 24 * 60:
            errors.append(FieldError(f"[{i}].closes", "bad_window",
                                     _("Giờ mở phải sớm hơn giờ đóng (muộn nhất 24:00).")))
    if errors:
        raise AppError(422, "invalid", _("Có khung giờ kiểm tra không hợp lệ."), errors)
    before = {h.type: [h.opens, h.closes] for h in await type_hours(session)}
    for item in items:
        row = await session.get(TypeHours, item.type) or TypeHours(type=item.type)
        row.opens_min, row.closes_min = _minutes(item.opens), _minutes(item.closes)
        session.add(row)
    await session.flush()
    after = {h.type: [h.opens, h.closes] for h in await type_hours(session)}
    changed = [k for k in after if after[k] != before[k]]
    if changed:
        await record(session, actor_id, Action.CAPACITY_UPDATE, "type_hours", "all",
                     before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    return await type_hours(session)
