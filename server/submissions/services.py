"""The submission path: every way a record reaches the server (the phone's PUT, the JavaScript-off form
post, a fix of a returned record) goes through ``submit``, which owns what a UUID means: new (written with
the group commit), replayed (the same body again: the stored record), resubmitted (a changed body for a
returned record of the same inspector: the next version, through review) or conflicting (409).

It sits above inspections (the checks, the record) and review (versions and the state machine), so
neither of them needs the other's submission code.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.audit import Action, append, new_event
from server.calendar import local_day
from server.db import Access, access, connection_of, engine_of, in_callers_transaction, write_transaction
from server.errors import AppError
from server.group_commit import GroupCommit
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import (
    BUSINESS,
    PROPOSE_POINT,
    Checked,
    InspectionIn,
    InspectionOut,
    aware_time,
    body_hash,
    build_out,
    check_body,
    inspection_out,
    proposal_of,
    store_form,
)
from server.inspections.models import Inspection, Outcome, ReviewState
from server.planning.models import Assignment, AssignmentStop, StopStatus, TeamMember
from server.registry.models import Establishment
from server.review import resubmit
from server.settings import Settings
from server.wards.models import Ward

STOP_STATUS = {
    Outcome.COMPLIANT: StopStatus.DONE,
    Outcome.VIOLATIONS: StopStatus.DONE,
    Outcome.CLOSED_AT_VISIT: StopStatus.CLOSED,
    Outcome.REFUSED_ENTRY: StopStatus.REFUSED_ENTRY,
}

# The statements of a submission are built once (a submission is the busiest write).
_KNOWN = select(Inspection.id).where(Inspection.uuid == bindparam("uuid"))
_STOP_OF_DAY = (select(AssignmentStop.id).join(Assignment, Assignment.id == AssignmentStop.assignment_id)
                .join(TeamMember, TeamMember.team_id == Assignment.team_id)
                .where(TeamMember.user_id == bindparam("user_id"), Assignment.date == bindparam("day"),
                       AssignmentStop.establishment_id == Establishment.id, AssignmentStop.inspection_id.is_(None))
                .correlate(Establishment).order_by(AssignmentStop.id).limit(1).scalar_subquery())
_TEAM_OF_STOP = (select(Assignment.team_id).join(AssignmentStop, AssignmentStop.assignment_id == Assignment.id)
                 .where(AssignmentStop.id == _STOP_OF_DAY).scalar_subquery())
_FIRST_TEAM = select(func.min(TeamMember.team_id)).where(TeamMember.user_id == bindparam("user_id")).scalar_subquery()
#: All a new submission reads, in one statement: the business and its ward, whether the UUID is stored,
#: and the visit's team and planned stop: the inspector's team that planned this business for that
#: local day and its stop, else the inspector's first team and no stop (no team: neither).
_LOOKUP = (select(*BUSINESS, _KNOWN.scalar_subquery().label("known"),
                  func.coalesce(_TEAM_OF_STOP, _FIRST_TEAM).label("team_id"), _STOP_OF_DAY.label("stop_id"))
           .outerjoin(Ward, Ward.id == Establishment.ward_id)
           .where(Establishment.id == bindparam("establishment_id")))
_INSERT = Inspection.__table__.insert()
_stops = AssignmentStop.__table__.c
_TAKE_STOP = (AssignmentStop.__table__.update()
              .where(_stops.id == bindparam("stop_id"), _stops.inspection_id.is_(None))  # unless taken meanwhile
              .values(status=bindparam("new_status"),
                      inspection_id=select(Inspection.id).where(Inspection.uuid == bindparam("by_uuid"))
                      .scalar_subquery()))


@dataclass(frozen=True)
class NewInspection:
    """What a new submission writes: its row, the planned stop it completes, the point it proposes for
    its business, and its audit event."""

    columns: dict[str, Any]
    stop: dict[str, Any] | None
    proposal: dict[str, Any] | None
    event: dict[str, Any]


async def _write_new(conn: AsyncConnection, items: list[NewInspection]) -> None:
    """Write new inspections, several at once (each statement runs once for all of them)."""
    await conn.execute(_INSERT, [i.columns for i in items])
    if stops := [i.stop for i in items if i.stop is not None]:
        await conn.execute(_TAKE_STOP, stops)
    if proposals := [i.proposal for i in items if i.proposal is not None]:
        await conn.execute(PROPOSE_POINT, proposals)
    await append(conn, [i.event for i in items])


#: New submissions that arrive together share a transaction (see ``server.group_commit``).
_NEW = GroupCommit(_write_new)


async def submit(
    session: AsyncSession, user: CurrentUser, uuid: str, body: InspectionIn, settings: Settings,
    device_now: datetime | None = None, now: datetime | None = None,
) -> tuple[InspectionOut, bool]:
    """Store a submission once. Returns (inspection, created); the same body again is not an error,
    another body under the same UUID is a 409 (unless it fixes a returned inspection: a resubmission).

    A new submission is checked without a transaction (its writes re-check what they depend on) and
    written together with the new submissions that arrive at the same time, in one short write
    transaction; on SQLite the write lock is held for the writes only.
    """
    digest = body_hash(body)
    day = local_day(aware_time(body.started_at, "started_at"))
    with access(Access.LATEST):  # checks only: the writes re-check what they depend on
        row = (await (await session.connection()).execute(_LOOKUP, {
            "uuid": uuid, "establishment_id": body.establishment_id, "user_id": user.id, "day": day})).first()
        known = row.known if row is not None else await session.scalar(_KNOWN, {"uuid": uuid})
        if known is None:
            checked = await check_body(session, user, body, settings, device_now, now, business=row)
    if known is None:
        new = await _new_inspection(session, user, uuid, digest, body.outcome, checked, row)  # type: ignore[arg-type]
        try:
            if in_callers_transaction(session):  # the seed: its own transaction holds the write lock
                await _write_new(await session.connection(), [new])
            else:
                await session.commit()  # ends what the caller read (SQLite: lets go of the write lock)
                await _NEW.commit(engine_of(session), new, connection_of(session))
        except IntegrityError:  # the same UUID committed by a concurrent request
            pass
        else:
            form = checked.form
            return build_out(SimpleNamespace(**new.columns), checked.establishment_name, checked.ward_code,
                             form.form_id, form.version, user.username, []), True
    async with write_transaction(session):
        return await _existing(session, user, uuid, digest, body, settings, device_now, now), False


async def _new_inspection(session: AsyncSession, user: CurrentUser, uuid: str, digest: str, outcome: Outcome,
                          checked: Checked, looked_up: Row[Any]) -> NewInspection:
    form_version_id = checked.form.id
    if form_version_id is None:  # the version's first use in this database
        async with write_transaction(session):
            form_version_id = await store_form(session, checked.form)
    columns = dict(uuid=uuid, team_id=looked_up.team_id, inspector_id=user.id, body_sha256=digest,
                   review_state=ReviewState.SUBMITTED.value, version=1, form_version_id=form_version_id,
                   **checked.fields)
    stop = None if looked_up.stop_id is None else {
        "stop_id": looked_up.stop_id, "new_status": STOP_STATUS[outcome].value, "by_uuid": uuid}
    event = new_event(user.id, Action.INSPECTION_CREATE, "inspection", uuid, after={
        "establishment_id": checked.establishment_id, "body_sha256": digest, "flags": checked.flags,
        "violations": [v.question_id for v in checked.found]})
    return NewInspection(columns, stop, None if checked.proposed is None else proposal_of(checked), event)


async def _existing(
    session: AsyncSession, user: CurrentUser, uuid: str, digest: str, body: InspectionIn, settings: Settings,
    device_now: datetime | None, now: datetime | None,
) -> InspectionOut:
    """A UUID that is stored already: the same body is a replay, a fix of a returned inspection a
    resubmission, anything else a conflict."""
    existing = await session.scalar(select(Inspection).where(Inspection.uuid == uuid))
    if existing is None:  # not a duplicate UUID after all: some other constraint refused the row
        raise AppError(409, "conflict", _("Dữ liệu gửi lên xung đột với dữ liệu đã lưu; hãy gửi lại."))
    if existing.body_sha256 == digest and existing.inspector_id == user.id:
        return await inspection_out(session, existing)
    if existing.review_state == ReviewState.RETURNED and existing.inspector_id == user.id:
        return await resubmit(session, user, existing, body, settings, device_now, now)
    raise AppError(409, "uuid_conflict", _("Mã UUID này đã được dùng cho một lần gửi khác."))
