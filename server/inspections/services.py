"""Submitting and reading inspections: validation against the exact form version, server-side
violations, the presence check, the visit status and the audit event, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import msgspec
from sqlalchemy import Row, Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from forms import engine
from server.audit import services as audit
from server.audit.actions import Action
from server.auth.identity import CurrentUser
from server.auth.models import User
from server.db import Access, access, connection_of, engine_of, in_callers_transaction, utcnow, write_transaction
from server.errors import AppError, FieldError, not_found
from server.group_commit import GroupCommit
from server.i18n import LOCAL_TZ
from server.inspections import presence
from server.inspections.forms import FormRef, find_form, store_form
from server.inspections.models import Attachment, FormVersion, Inspection, Outcome, ReviewState
from server.inspections.schemas import InspectionIn, InspectionOut, LocationOut
from server.planning.models import Assignment, AssignmentStop, StopStatus, TeamMember
from server.registry.models import Establishment
from server.settings import Settings
from server.wards.models import Ward

STOP_STATUS = {
    Outcome.COMPLIANT: StopStatus.DONE,
    Outcome.VIOLATIONS: StopStatus.DONE,
    Outcome.CLOSED_AT_VISIT: StopStatus.CLOSED,
    Outcome.REFUSED_ENTRY: StopStatus.REFUSED_ENTRY,
}


def body_hash(body: InspectionIn) -> str:
    """The identity of a submission: the same body sent again hashes the same."""
    return hashlib.sha256(msgspec.json.encode(msgspec.to_builtins(body), order="sorted")).hexdigest()


def _aware(value: datetime, path: str) -> datetime:
    if value.tzinfo is None:
        raise AppError(422, "invalid", "time without offset",
                       [FieldError(path, "wrong_type", "give the UTC offset, e.g. 2023-05-01T21:30:00+07:00")])
    return value


def _check_outcome(body: InspectionIn, violations: list[engine.Violation]) -> None:
    errors = []
    declared = body.answers.get("outcome")
    if declared is not None and declared != body.outcome.value:
        errors.append(FieldError("outcome", "mismatch", "outcome differs from answers.outcome"))
    if violations and body.outcome == Outcome.COMPLIANT:
        errors.append(FieldError("outcome", "violations_found",
                                 f"{len(violations)} violation(s) found: the outcome cannot be compliant"))
    if errors:
        raise AppError(422, "invalid", "inconsistent outcome", errors)


# The statements of a submission are built once (a submission is the busiest write).
_KNOWN = select(Inspection.id).where(Inspection.uuid == bindparam("uuid"))
#: What a submission needs of its business (columns, not the entity: cheaper to load).
_BUSINESS = (Establishment.id, Establishment.ward_id, Establishment.type, Establishment.name, Establishment.lat,
             Establishment.lon, Establishment.proposed_lat, Ward.code.label("ward_code"))
_ESTABLISHMENT = (select(*_BUSINESS).outerjoin(Ward, Ward.id == Establishment.ward_id)
                  .where(Establishment.id == bindparam("establishment_id")))
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
_LOOKUP = (select(*_BUSINESS, _KNOWN.scalar_subquery().label("known"),
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
_businesses = Establishment.__table__.c
_PROPOSE = (Establishment.__table__.update()  # unless proposed meanwhile
            .where(_businesses.id == bindparam("business"), _businesses.proposed_lat.is_(None))
            .values(proposed_lat=bindparam("point_lat"), proposed_lon=bindparam("point_lon")))


@dataclass(frozen=True)
class Checked:
    """A body that passed every check: the inspection columns that follow from it, and its findings."""

    fields: dict[str, Any]
    found: list[engine.Violation]
    flags: list[str]
    establishment_id: int
    establishment_name: str
    ward_code: str
    form: FormRef
    #: The fix to propose as the business's point (it has none registered yet).
    proposed: tuple[float, float] | None


async def check_body(
    session: AsyncSession, user: CurrentUser, body: InspectionIn, settings: Settings,
    device_now: datetime | None = None, now: datetime | None = None,
    business: Row[Any] | None = None,
) -> Checked:
    """Validate a body against its exact form version, compute the violations and the presence check.
    Only reads: ``stored_fields`` writes what follows, in the write transaction. ``business``: the
    business's columns (``_BUSINESS``) when the caller read them already."""
    started, submitted = _aware(body.started_at, "started_at"), _aware(body.submitted_at, "submitted_at")
    if body.location is not None:
        _aware(body.location.captured_at, "location.captured_at")
    if business is None:
        business = (await (await session.connection()).execute(
            _ESTABLISHMENT, {"establishment_id": body.establishment_id})).first()
    if business is None or not user.sees_ward(business.ward_id):
        raise AppError(422, "invalid", "unknown establishment",
                       [FieldError("establishment_id", "unknown_establishment", "no such establishment")])
    form = await find_form(session, body.form_id, body.form_version)
    if business.type not in form.definition.establishment_types:
        raise AppError(422, "invalid", "form does not apply",
                       [FieldError("form_id", "wrong_form", f"form {body.form_id} is not for {business.type}")])
    result = engine.validate(form.definition, body.answers)
    if not result.ok:
        raise AppError(422, "invalid", "invalid answers",
                       [FieldError(e.path, e.code, e.message) for e in result.errors])
    found = engine.violations(form.definition, result)
    _check_outcome(body, found)
    received = now or utcnow()
    registered = (business.lat, business.lon) if business.lat is not None else None
    check = presence.check(
        body.location, registered, submitted, received, device_now,
        max_distance_m=settings.presence_max_distance_m, max_accuracy_m=settings.presence_max_accuracy_m,
        max_skew_s=settings.clock_skew_minutes * 60,
    )
    loc = body.location
    fields = dict(
        establishment_id=business.id, ward_id=business.ward_id,
        year=started.astimezone(LOCAL_TZ).year, started_at=started, submitted_at=submitted, received_at=received,
        lat=loc.lat if loc else None, lon=loc.lon if loc else None, accuracy_m=loc.accuracy_m if loc else None,
        captured_at=loc.captured_at if loc else None, distance_m=check.distance_m, flags=check.flags,
        answers=msgspec.to_builtins(result.answers or {}), violations=msgspec.to_builtins(found),
        violation_count=len(found), outcome=body.outcome.value, notes=body.notes,
    )
    proposed = check.proposed if business.proposed_lat is None else None
    return Checked(fields, found, check.flags, business.id, business.name, business.ward_code or "",
                   form, proposed)


async def stored_fields(session: AsyncSession, checked: Checked) -> dict[str, Any]:
    """The inspection columns of a checked body, in the write transaction: stores the form version on its
    first use and the proposed point of a business that has none."""
    if checked.proposed is not None:
        await session.execute(_PROPOSE, _proposal(checked))
    return {**checked.fields, "form_version_id": await store_form(session, checked.form)}


def _proposal(checked: Checked) -> dict[str, Any]:
    assert checked.proposed is not None
    return {"business": checked.establishment_id, "point_lat": checked.proposed[0], "point_lon": checked.proposed[1]}


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
        await conn.execute(_PROPOSE, proposals)
    await audit.append(conn, [i.event for i in items])


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
    day = _aware(body.started_at, "started_at").astimezone(LOCAL_TZ).date()
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
    event = audit.new_event(user.id, Action.INSPECTION_CREATE, "inspection", uuid, after={
        "establishment_id": checked.establishment_id, "body_sha256": digest, "flags": checked.flags,
        "violations": [v.question_id for v in checked.found]})
    return NewInspection(columns, stop, None if checked.proposed is None else _proposal(checked), event)


async def _existing(
    session: AsyncSession, user: CurrentUser, uuid: str, digest: str, body: InspectionIn, settings: Settings,
    device_now: datetime | None, now: datetime | None,
) -> InspectionOut:
    """A UUID that is stored already: the same body is a replay, a fix of a returned inspection a
    resubmission, anything else a conflict."""
    existing = await session.scalar(select(Inspection).where(Inspection.uuid == uuid))
    if existing is None:  # not a duplicate UUID after all: some other constraint refused the row
        raise AppError(409, "conflict", "the submission conflicts with stored data; send it again")
    if existing.body_sha256 == digest and existing.inspector_id == user.id:
        return await inspection_out(session, existing)
    if existing.review_state == ReviewState.RETURNED and existing.inspector_id == user.id:
        from server.review.services import resubmit  # review builds on this module

        return await resubmit(session, user, existing, body, settings, device_now, now)
    raise AppError(409, "uuid_conflict", "another submission already uses this UUID")


async def inspection_out(session: AsyncSession, i: Inspection) -> InspectionOut:
    """A stored inspection as the API shows it (one query for the names, one for the photos)."""
    names = (await session.execute(
        select(Establishment.name, Ward.code, FormVersion.form_id, FormVersion.version, User.username)
        .select_from(Inspection)
        .join(Establishment, Establishment.id == Inspection.establishment_id)
        .join(Ward, Ward.id == Inspection.ward_id)
        .join(FormVersion, FormVersion.id == Inspection.form_version_id)
        .join(User, User.id == Inspection.inspector_id)
        .where(Inspection.id == i.id))).one()
    shas = (await session.scalars(select(Attachment.sha256).where(Attachment.inspection_id == i.id)
                                  .order_by(Attachment.id))).all()
    return build_out(i, *names, list(shas))


def build_out(i: Inspection | SimpleNamespace, establishment_name: str, ward_code: str, form_id: str,
              form_version: int, username: str, attachments: list[str]) -> InspectionOut:
    """The API's view of an inspection: a stored row, or the columns of one just written."""
    has_fix = i.lat is not None and i.lon is not None
    location = LocationOut(i.lat, i.lon, i.accuracy_m, i.captured_at) if has_fix else None  # type: ignore[arg-type]
    return InspectionOut(
        uuid=i.uuid, establishment_id=i.establishment_id, establishment_name=establishment_name, ward=ward_code,
        form_id=form_id, form_version=form_version, started_at=i.started_at, submitted_at=i.submitted_at,
        received_at=i.received_at, location=location, distance_m=i.distance_m, flags=list(i.flags),
        answers=dict(i.answers), violations=list(i.violations), outcome=i.outcome, notes=i.notes,
        review_state=i.review_state, inspector=username, version=i.version, attachments=attachments,
    )


def scoped(query: Select, user: CurrentUser) -> Select:
    """Inspections the user may see: their wards' (inspectors without wards: the whole city)."""
    return query if user.ward_ids is None else query.where(Inspection.ward_id.in_(user.ward_ids))


async def get_inspection(session: AsyncSession, user: CurrentUser, uuid: str) -> Inspection:
    row = await session.scalar(scoped(select(Inspection), user).where(Inspection.uuid == uuid))
    if row is None:
        raise not_found("inspection")
    return row
