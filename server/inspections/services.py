"""Submitting and reading inspections: validation against the exact form version, server-side
violations, the presence check, the visit status and the audit event, in one transaction."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from forms import engine
from server.audit.actions import Action
from server.audit.services import record
from server.auth.identity import CurrentUser
from server.auth.models import User
from server.db import utcnow
from server.errors import AppError, FieldError, not_found
from server.i18n import LOCAL_TZ
from server.inspections import presence
from server.inspections.forms import stored_form
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


async def _team_of(session: AsyncSession, user_id: int) -> int | None:
    return await session.scalar(select(TeamMember.team_id).where(TeamMember.user_id == user_id).limit(1))


async def _mark_stop(session: AsyncSession, inspection: Inspection, outcome: Outcome) -> None:
    """Set the planned stop of this visit (same team, business and local day) from the outcome."""
    if inspection.team_id is None:
        return
    day = inspection.started_at.astimezone(LOCAL_TZ).date()
    stop = await session.scalar(
        select(AssignmentStop)
        .join(Assignment, Assignment.id == AssignmentStop.assignment_id)
        .where(Assignment.team_id == inspection.team_id, Assignment.date == day,
               AssignmentStop.establishment_id == inspection.establishment_id,
               AssignmentStop.inspection_id.is_(None))
        .limit(1)
    )
    if stop is not None:
        stop.status = STOP_STATUS[outcome].value
        stop.inspection_id = inspection.id


@dataclass(frozen=True)
class Checked:
    """A body that passed every check: the inspection columns that follow from it, and its findings."""

    fields: dict[str, Any]
    found: list[engine.Violation]
    flags: list[str]


async def check_body(
    session: AsyncSession, user: CurrentUser, body: InspectionIn, settings: Settings,
    device_now: datetime | None = None, now: datetime | None = None,
) -> Checked:
    """Validate a body against its exact form version, compute the violations and the presence check."""
    started, submitted = _aware(body.started_at, "started_at"), _aware(body.submitted_at, "submitted_at")
    if body.location is not None:
        _aware(body.location.captured_at, "location.captured_at")
    establishment = await session.get(Establishment, body.establishment_id)
    if establishment is None or not user.sees_ward(establishment.ward_id):
        raise AppError(422, "invalid", "unknown establishment",
                       [FieldError("establishment_id", "unknown_establishment", "no such establishment")])
    form_row, definition = await stored_form(session, body.form_id, body.form_version)
    if establishment.type not in definition.establishment_types:
        raise AppError(422, "invalid", "form does not apply",
                       [FieldError("form_id", "wrong_form", f"form {body.form_id} is not for {establishment.type}")])
    result = engine.validate(definition, body.answers)
    if not result.ok:
        raise AppError(422, "invalid", "invalid answers",
                       [FieldError(e.path, e.code, e.message) for e in result.errors])
    found = engine.violations(definition, body.answers)
    _check_outcome(body, found)
    received = now or utcnow()
    registered = (establishment.lat, establishment.lon) if establishment.lat is not None else None
    check = presence.check(
        body.location, registered, submitted, received, device_now,
        max_distance_m=settings.presence_max_distance_m, max_accuracy_m=settings.presence_max_accuracy_m,
        max_skew_s=settings.clock_skew_minutes * 60,
    )
    if check.proposed and establishment.proposed_lat is None:
        establishment.proposed_lat, establishment.proposed_lon = check.proposed
    loc = body.location
    fields = dict(
        establishment_id=establishment.id, ward_id=establishment.ward_id,
        year=started.astimezone(LOCAL_TZ).year,
        form_version_id=form_row.id, started_at=started, submitted_at=submitted, received_at=received,
        lat=loc.lat if loc else None, lon=loc.lon if loc else None, accuracy_m=loc.accuracy_m if loc else None,
        captured_at=loc.captured_at if loc else None, distance_m=check.distance_m, flags=check.flags,
        answers=msgspec.to_builtins(result.answers or {}), violations=msgspec.to_builtins(found),
        violation_count=len(found), outcome=body.outcome.value, notes=body.notes,
    )
    return Checked(fields, found, check.flags)


async def submit(
    session: AsyncSession, user: CurrentUser, uuid: str, body: InspectionIn, settings: Settings,
    device_now: datetime | None = None, now: datetime | None = None,
) -> tuple[InspectionOut, bool]:
    """Store a submission once. Returns (inspection, created); the same body again is not an error,
    another body under the same UUID is a 409 (unless it fixes a returned inspection: a resubmission)."""
    digest = body_hash(body)
    existing = await session.scalar(select(Inspection).where(Inspection.uuid == uuid))
    if existing is not None:
        if (existing.review_state == ReviewState.RETURNED and existing.body_sha256 != digest
                and existing.inspector_id == user.id):
            from server.review.services import resubmit  # review builds on this module

            return await resubmit(session, user, existing, body, settings, device_now, now), False
        return await _replay(session, user, existing, digest), False
    checked = await check_body(session, user, body, settings, device_now, now)
    inspection = Inspection(uuid=uuid, team_id=await _team_of(session, user.id), inspector_id=user.id,
                            body_sha256=digest, **checked.fields)
    try:
        async with session.begin_nested():
            session.add(inspection)
    except IntegrityError:  # the same UUID committed by a concurrent request
        existing = await session.scalar(select(Inspection).where(Inspection.uuid == uuid))
        if existing is None:
            raise
        return await _replay(session, user, existing, digest), False
    await _mark_stop(session, inspection, body.outcome)
    out = await inspection_out(session, inspection)
    await record(session, user.id, Action.INSPECTION_CREATE, "inspection", uuid,
                 after={"establishment_id": body.establishment_id, "body_sha256": digest, "flags": checked.flags,
                        "violations": [v.question_id for v in checked.found]})
    return out, True


async def _replay(session: AsyncSession, user: CurrentUser, existing: Inspection, digest: str) -> InspectionOut:
    if existing.body_sha256 != digest or existing.inspector_id != user.id:
        raise AppError(409, "uuid_conflict", "another submission already uses this UUID")
    return await inspection_out(session, existing)


async def inspection_out(session: AsyncSession, i: Inspection) -> InspectionOut:
    establishment = await session.get(Establishment, i.establishment_id)
    form = await session.get(FormVersion, i.form_version_id)
    # one small query for the ward code and the login (a User load would also select its roles and wards)
    names = (await session.execute(select(select(Ward.code).where(Ward.id == i.ward_id).scalar_subquery(),
                                          select(User.username).where(User.id == i.inspector_id).scalar_subquery())
                                   )).first()
    assert establishment and form and names
    ward_code, username = names
    shas = (await session.scalars(select(Attachment.sha256).where(Attachment.inspection_id == i.id)
                                  .order_by(Attachment.id))).all() if i.id is not None else []
    has_fix = i.lat is not None and i.lon is not None
    location = LocationOut(i.lat, i.lon, i.accuracy_m, i.captured_at) if has_fix else None  # type: ignore[arg-type]
    return InspectionOut(
        uuid=i.uuid, establishment_id=i.establishment_id, establishment_name=establishment.name, ward=ward_code,
        form_id=form.form_id, form_version=form.version, started_at=i.started_at, submitted_at=i.submitted_at,
        received_at=i.received_at, location=location, distance_m=i.distance_m, flags=list(i.flags),
        answers=dict(i.answers), violations=list(i.violations), outcome=i.outcome, notes=i.notes,
        review_state=i.review_state, inspector=username, version=i.version, attachments=list(shas),
    )


def scoped(query: Select, user: CurrentUser) -> Select:
    """Inspections the user may see: their wards' (inspectors without wards: the whole city)."""
    return query if user.ward_ids is None else query.where(Inspection.ward_id.in_(user.ward_ids))


async def get_inspection(session: AsyncSession, user: CurrentUser, uuid: str) -> Inspection:
    row = await session.scalar(scoped(select(Inspection), user).where(Inspection.uuid == uuid))
    if row is None:
        raise not_found("inspection")
    return row
