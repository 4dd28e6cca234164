"""Assignments: a team's stops for a day in route order (what each member's phone list shows), and the
stop status that inspections set (server/inspections/services.py) or the team sets by hand (not found)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.auth.models import Role
from server.calendar import local_today
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.planning.models import Assignment, AssignmentStop, StopStatus, Team, TeamMember
from server.planning.routing import visible
from server.planning.schemas import AssignmentIn, AssignmentOut, StopOut
from server.registry.models import Establishment

MANUAL = (StopStatus.NOT_FOUND, StopStatus.PLANNED)


async def led_teams(session: AsyncSession, user: CurrentUser) -> list[Team]:
    """Teams the user may assign work to: the ones they lead (admins: every team)."""
    query = select(Team).order_by(Team.kind, Team.name)
    if not user.has(Role.ADMIN):
        if not user.has(Role.TEAM_LEAD):
            return []
        query = query.join(TeamMember, TeamMember.team_id == Team.id).where(
            TeamMember.user_id == user.id, TeamMember.is_lead.is_(True))
    return list((await session.scalars(query)).all())


async def member_team_ids(session: AsyncSession, user: CurrentUser) -> set[int]:
    return set((await session.scalars(select(TeamMember.team_id).where(TeamMember.user_id == user.id))).all())


async def create_assignment(session: AsyncSession, user: CurrentUser, data: AssignmentIn) -> Assignment:
    team = next((t for t in await led_teams(session, user) if t.id == data.team_id), None)
    if team is None:
        raise AppError(403, "not_team_lead", _("Bạn không phải là trưởng đoàn, tổ này."))
    if data.date < local_today():
        raise AppError(422, "invalid", _("Ngày này đã qua."),
                       [FieldError("date", "past_date", _("Hãy chọn hôm nay hoặc một ngày sau."))])
    found = await visible(session, user, data.establishment_ids, "establishment_ids")
    if team.ward_id is not None:
        errors = [FieldError(f"establishment_ids[{i}]", "other_ward", _("Cơ sở này nằm ngoài phường, xã của đoàn, tổ."))
                  for i, eid in enumerate(data.establishment_ids) if found[eid].ward_id != team.ward_id]
        if errors:
            raise AppError(422, "invalid", _("Đoàn, tổ chỉ làm việc trong phường, xã của mình."), errors)
    assignment = Assignment(team_id=team.id, date=data.date, note=data.note.strip(), created_by=user.id,
                            stops=[AssignmentStop(establishment_id=eid, position=i)
                                   for i, eid in enumerate(data.establishment_ids, start=1)])
    session.add(assignment)
    await session.flush()
    await record(session, user.id, Action.ASSIGNMENT_CREATE, "assignment", assignment.id,
                 after={"team_id": team.id, "date": data.date.isoformat(), "stops": data.establishment_ids})
    return assignment


async def _readable(session: AsyncSession, user: CurrentUser, assignment_id: int) -> tuple[Assignment, Team]:
    """Members of the team, its leads' teams, the city office and admins may read an assignment."""
    row = (await session.execute(select(Assignment, Team).join(Team, Team.id == Assignment.team_id)
                                 .where(Assignment.id == assignment_id))).first()
    if row is None:
        raise not_found("assignment")
    assignment, team = row
    if not user.has(Role.ADMIN, Role.CITY_OFFICE) and team.id not in await member_team_ids(session, user):
        raise not_found("assignment")
    return assignment, team


async def assignment_out(session: AsyncSession, assignment: Assignment, team: Team) -> AssignmentOut:
    ids = [s.establishment_id for s in assignment.stops]
    names = {e.id: e for e in (await session.scalars(select(Establishment).where(Establishment.id.in_(ids)))).all()}
    stops = [StopOut(s.id, s.position, s.establishment_id, names[s.establishment_id].name,
                     names[s.establishment_id].address, names[s.establishment_id].lat, names[s.establishment_id].lon,
                     s.status, s.inspection_id) for s in assignment.stops]
    return AssignmentOut(assignment.id, team.id, team.name, assignment.date, assignment.note, stops)


async def get_assignment(session: AsyncSession, user: CurrentUser, assignment_id: int) -> AssignmentOut:
    return await assignment_out(session, *await _readable(session, user, assignment_id))


async def list_assignments(session: AsyncSession, user: CurrentUser, day: date | None = None,
                           team_id: int | None = None, limit: int = 50) -> list[AssignmentOut]:
    query = select(Assignment, Team).join(Team, Team.id == Assignment.team_id)
    if not user.has(Role.ADMIN, Role.CITY_OFFICE):
        query = query.where(Team.id.in_(await member_team_ids(session, user)))
    if day is not None:
        query = query.where(Assignment.date == day)
    if team_id is not None:
        query = query.where(Team.id == team_id)
    rows = (await session.execute(query.order_by(Assignment.date.desc(), Assignment.id.desc()).limit(limit))).all()
    return [await assignment_out(session, a, t) for a, t in rows]


async def set_stop_status(session: AsyncSession, user: CurrentUser, assignment_id: int, stop_id: int,
                          status: StopStatus) -> AssignmentOut:
    """A team member marks a stop not found (or back to planned); a stop an inspection has set stays."""
    assignment, team = await _readable(session, user, assignment_id)
    stop = next((s for s in assignment.stops if s.id == stop_id), None)
    if stop is None:
        raise not_found("stop")
    if team.id not in await member_team_ids(session, user) and not user.has(Role.ADMIN):
        raise AppError(403, "not_team_member",
                       _("Chỉ thành viên của đoàn, tổ mới được đánh dấu các điểm dừng của đoàn, tổ."))
    if status not in MANUAL:
        raise AppError(422, "invalid", _("Trạng thái này do biên bản kiểm tra đặt."),
                       [FieldError("status", "not_manual",
                                   _("Bằng tay chỉ được chọn «không tìm thấy» hoặc «đã lên kế hoạch»."))])
    if stop.inspection_id is not None:
        raise AppError(409, "stop_inspected", _("Điểm dừng này đã có biên bản kiểm tra."))
    if stop.status != status.value:
        before = stop.status
        stop.status = status.value
        await record(session, user.id, Action.ASSIGNMENT_STOP_UPDATE, "assignment_stop", stop.id,
                     before={"status": before}, after={"status": status.value, "assignment_id": assignment.id})
    return await assignment_out(session, assignment, team)


async def todays_visits(session: AsyncSession, user: CurrentUser) -> list[dict[str, Any]]:
    """The stops of today's assignments of the user's teams, in route order."""
    today = local_today()
    rows = await session.execute(
        select(AssignmentStop, Establishment)
        .join(Assignment, Assignment.id == AssignmentStop.assignment_id)
        .join(TeamMember, TeamMember.team_id == Assignment.team_id)
        .join(Establishment, Establishment.id == AssignmentStop.establishment_id)
        .where(TeamMember.user_id == user.id, Assignment.date == today)
        .order_by(Assignment.id, AssignmentStop.position)
    )
    return [{"stop": s, "establishment": e} for s, e in rows.all()]
