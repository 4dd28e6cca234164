"""Follow-ups on inspections with violations: sanctions, remediation deadlines, re-inspections (which
create an assignment for the team) and licence recommendations; the list of those past their deadline."""

from __future__ import annotations

from datetime import date
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.auth.models import User
from server.calendar import local_today
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import get_inspection
from server.inspections.models import Inspection, ReviewState
from server.planning.models import Assignment, AssignmentStop, Team
from server.registry.models import Establishment
from server.review.models import FollowUp, FollowUpKind, FollowUpStatus
from server.review.schemas import FollowUpIn, FollowUpOut, FollowUpUpdate
from server.scope import scoped
from server.settings import Settings
from server.wards.models import Ward
from server.webhooks import enqueue

#: Fields each kind of follow-up must give.
REQUIRED: dict[FollowUpKind, tuple[str, ...]] = {
    FollowUpKind.SANCTION: ("decision_no", "decision_date", "authority", "legal_ref", "fine_vnd", "subject_kind"),
    FollowUpKind.REMEDIATION: ("deadline",),
    FollowUpKind.REINSPECTION: ("deadline",),
    FollowUpKind.LICENCE_RECOMMENDATION: ("action", "legal_ref"),
}


def _out(f: FollowUp, inspection: Inspection, establishment: Establishment, ward: Ward, creator: str,
         on: date | None = None) -> FollowUpOut:
    overdue = (f.status == FollowUpStatus.OPEN.value and f.deadline is not None and f.deadline < (on or local_today()))
    return FollowUpOut(f.id, inspection.uuid, establishment.name, ward.code, f.kind, f.status, f.decision_no,
                       f.decision_date, f.authority, f.legal_ref, f.fine_vnd, f.subject_kind, f.deadline,
                       f.assignment_id, dict(f.details or {}), creator, f.created_at, overdue)


def _joined() -> Any:
    return (select(FollowUp, Inspection, Establishment, Ward, User.username)
            .join(Inspection, Inspection.id == FollowUp.inspection_id)
            .join(Establishment, Establishment.id == Inspection.establishment_id)
            .join(Ward, Ward.id == Inspection.ward_id)
            .join(User, User.id == FollowUp.created_by))


async def follow_ups_of(session: AsyncSession, inspection: Inspection) -> list[FollowUpOut]:
    rows = await session.execute(_joined().where(FollowUp.inspection_id == inspection.id).order_by(FollowUp.id))
    return [_out(*row) for row in rows.tuples()]


async def _reinspection(session: AsyncSession, user: CurrentUser, inspection: Inspection, on: date,
                        team_id: int | None, note: str) -> Assignment:
    """A stop for the team at the business on the given day (appended to that day's assignment)."""
    team_id = team_id or inspection.team_id
    team = await session.get(Team, team_id) if team_id else None
    if team is None or not (team.ward_id is None or user.sees_ward(team.ward_id)):
        raise AppError(422, "invalid", _("Chưa chọn đoàn, tổ kiểm tra lại."),
                       [FieldError("team_id", "unknown_team", _("Hãy chọn đoàn, tổ sẽ kiểm tra lại."))])
    assignment = await session.scalar(select(Assignment).where(Assignment.team_id == team.id, Assignment.date == on)
                                      .order_by(Assignment.id).limit(1))
    if assignment is None:
        assignment = Assignment(team_id=team.id, date=on, note=note, created_by=user.id)
        session.add(assignment)
        await session.flush()
    last = await session.scalar(select(func.max(AssignmentStop.position))
                                .where(AssignmentStop.assignment_id == assignment.id))
    session.add(AssignmentStop(assignment_id=assignment.id, establishment_id=inspection.establishment_id,
                               position=(last or 0) + 1 if last is not None else 0))
    await session.flush()
    return assignment


async def create_follow_up(session: AsyncSession, settings: Settings, user: CurrentUser, uuid: str,
                           data: FollowUpIn) -> FollowUpOut:
    inspection = await get_inspection(session, user, uuid)
    if inspection.violation_count == 0:
        raise AppError(422, "no_violations", _("Chỉ biên bản có vi phạm mới có việc xử lý tiếp theo."))
    if inspection.review_state == ReviewState.REJECTED.value:
        raise AppError(409, "rejected", _("Biên bản đã bị từ chối nên không có việc xử lý tiếp theo."))
    missing = [name for name in REQUIRED[data.kind] if getattr(data, name) in (None, "")]
    if missing:
        raise AppError(422, "invalid", _("Còn thiếu thông tin bắt buộc: {fields}.").format(fields=", ".join(missing)),
                       [FieldError(name, "required", _("Hãy điền mục này.")) for name in missing])
    if data.kind == FollowUpKind.REINSPECTION and data.deadline and data.deadline < local_today():
        raise AppError(422, "invalid", _("Lần kiểm tra lại phải vào hôm nay hoặc một ngày sau."),
                       [FieldError("deadline", "in_the_past", _("Hãy chọn hôm nay hoặc một ngày sau."))])
    details: dict[str, Any] = {"note": data.note} if data.note else {}
    if data.action:
        details["action"] = data.action
    assignment_id = None
    if data.kind == FollowUpKind.REINSPECTION:
        assert data.deadline is not None
        assignment = await _reinspection(session, user, inspection, data.deadline, data.team_id,
                                         data.note or f"Tái kiểm tra {inspection.uuid}")
        assignment_id, details["team_id"] = assignment.id, assignment.team_id
    f = FollowUp(inspection_id=inspection.id, kind=data.kind.value, status=FollowUpStatus.OPEN.value,
                 decision_no=data.decision_no, decision_date=data.decision_date, authority=data.authority,
                 legal_ref=data.legal_ref, fine_vnd=data.fine_vnd,
                 subject_kind=data.subject_kind.value if data.subject_kind else None, deadline=data.deadline,
                 assignment_id=assignment_id, details=details, created_by=user.id)
    session.add(f)
    await session.flush()
    establishment = await session.get(Establishment, inspection.establishment_id)
    ward = await session.get(Ward, inspection.ward_id)
    assert establishment and ward
    out = _out(f, inspection, establishment, ward, user.username)
    payload = msgspec.to_builtins(out)
    await record(session, user.id, Action.FOLLOW_UP_CREATE, "follow_up", f.id, after=payload)
    await enqueue(session, settings, user.id, Action.FOLLOW_UP_CREATE.value, payload)
    return out


async def update_follow_up(session: AsyncSession, settings: Settings, user: CurrentUser, follow_up_id: int,
                           data: FollowUpUpdate) -> FollowUpOut:
    query = _joined().where(FollowUp.id == follow_up_id)
    query = scoped(query, Inspection.ward_id, user)
    row = (await session.execute(query)).tuples().first()
    if row is None:
        raise not_found("follow-up")
    f = row[0]
    if f.status != FollowUpStatus.OPEN.value:
        raise AppError(409, "closed", _("Việc xử lý này đã đóng ({status}).").format(status=f.status))
    if data.status == FollowUpStatus.OPEN:
        raise AppError(422, "invalid", _("Chỉ có thể đóng việc xử lý là «đã xong» hoặc «đã hủy»."),
                       [FieldError("status", "invalid", _("Hãy chọn «đã xong» hoặc «đã hủy»."))])
    before = {"status": f.status}
    f.status = data.status.value
    if data.note:
        f.details = {**(f.details or {}), "closing_note": data.note}
    await session.flush()
    out = _out(*row)
    payload = msgspec.to_builtins(out)
    await record(session, user.id, Action.FOLLOW_UP_UPDATE, "follow_up", f.id, before=before, after=payload)
    await enqueue(session, settings, user.id, Action.FOLLOW_UP_UPDATE.value, payload)
    return out


async def list_follow_ups(session: AsyncSession, user: CurrentUser, overdue: bool = False,
                          on: date | None = None, limit: int = 500) -> list[FollowUpOut]:
    """Follow-ups in the user's wards; ``overdue``: open ones whose deadline has passed, oldest first."""
    on = on or local_today()
    query = _joined()
    query = scoped(query, Inspection.ward_id, user)
    if overdue:
        query = query.where(FollowUp.status == FollowUpStatus.OPEN.value, FollowUp.deadline.is_not(None),
                            FollowUp.deadline < on).order_by(FollowUp.deadline, FollowUp.id)
    else:
        query = query.order_by(FollowUp.id.desc())
    rows = await session.execute(query.limit(limit))
    return [_out(*row, on=on) for row in rows.tuples()]
