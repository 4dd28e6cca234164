"""Who is in which inspection team: the admin puts a user in a team (as member or lead) from the users page."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.auth.models import User
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.planning.models import Team, TeamMember
from server.wards.models import Ward


async def teams(session: AsyncSession) -> list[dict[str, Any]]:
    """Every team with its ward's name, the city team first."""
    rows = await session.execute(select(Team, Ward.full_name).outerjoin(Ward, Ward.id == Team.ward_id)
                                 .order_by(Team.ward_id.is_not(None), Team.name))
    return [{"id": t.id, "name": t.name, "kind": t.kind, "ward": ward} for t, ward in rows.all()]


async def memberships(session: AsyncSession) -> dict[int, list[dict[str, Any]]]:
    """User id → the teams the user is in (name, lead or not)."""
    rows = await session.execute(select(TeamMember.user_id, Team.name, TeamMember.is_lead)
                                 .join(Team, Team.id == TeamMember.team_id).order_by(Team.name))
    out: dict[int, list[dict[str, Any]]] = {}
    for user_id, name, lead in rows.all():
        out.setdefault(user_id, []).append({"name": name, "lead": lead})
    return out


async def add_member(session: AsyncSession, actor_id: int, user_id: int, team_id: int, lead: bool) -> None:
    """Put a user in a team (or change whether they lead it); audited."""
    if await session.get(User, user_id) is None:
        raise AppError(404, "not_found", _("Không tìm thấy người dùng."))
    if await session.get(Team, team_id) is None:
        raise AppError(422, "invalid", _("Hãy chọn một đoàn, tổ có trong danh sách."),
                       [FieldError("team", "unknown_team", _("Hãy chọn một đoàn, tổ có trong danh sách."))])
    member = await session.get(TeamMember, (team_id, user_id))
    before = None if member is None else {"is_lead": member.is_lead}
    if member is None:
        session.add(TeamMember(team_id=team_id, user_id=user_id, is_lead=lead))
    else:
        member.is_lead = lead
    await record(session, actor_id, Action.TEAM_MEMBER_SET, "team", team_id, before=before,
                 after={"user_id": user_id, "is_lead": lead})
