"""Review decisions and resubmissions through the one transition table, and an inspection's history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.audit.models import AuditEvent
from server.auth.models import User
from server.db import utcnow
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import (
    InspectionIn,
    InspectionOut,
    body_hash,
    check_body,
    get_inspection,
    inspection_out,
    stored_fields,
)
from server.inspections.models import FormVersion, Inspection, InspectionVersion, ReviewState
from server.labels import label
from server.registry.models import Establishment
from server.review.followups import follow_ups_of
from server.review.models import Decision, Review
from server.review.schemas import AuditOut, HistoryOut, ReviewIn, ReviewOut, VersionOut
from server.review.transitions import COMMENT_REQUIRED, REVIEW_DECISIONS, TRANSITIONS, decisions_from
from server.settings import Settings
from server.wards.models import Ward
from server.webhooks import enqueue

ACTIONS = {Decision.APPROVE: Action.REVIEW_APPROVE, Decision.RETURN: Action.REVIEW_RETURN,
           Decision.ESCALATE: Action.REVIEW_ESCALATE, Decision.REJECT: Action.REVIEW_REJECT,
           Decision.RESUBMIT: Action.REVIEW_RESUBMIT}


async def _transition(session: AsyncSession, settings: Settings, actor: CurrentUser, inspection: Inspection,
                      decision: Decision, comment: str) -> ReviewOut:
    """Move the inspection along the table (compare-and-set on its state), record the review, its audit
    event and its webhook, all in the caller's transaction."""
    from_state = ReviewState(inspection.review_state)
    to_state = TRANSITIONS[(from_state, decision)].to
    moved = await session.execute(
        update(Inspection).where(Inspection.id == inspection.id, Inspection.review_state == from_state.value)
        .values(review_state=to_state.value).execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise AppError(409, "state_changed",
                       _("Người khác vừa thay đổi trạng thái duyệt của biên bản này; hãy tải lại trang."))
    inspection.review_state = to_state.value
    review = Review(inspection_id=inspection.id, reviewer_id=actor.id, decision=decision.value,
                    from_state=from_state.value, to_state=to_state.value, comment=comment, at=utcnow())
    session.add(review)
    await session.flush()
    out = ReviewOut(inspection.uuid, decision.value, from_state.value, to_state.value, comment, actor.username,
                    review.at)
    await record(session, actor.id, ACTIONS[decision], "inspection", inspection.uuid,
                 before={"review_state": from_state.value},
                 after={"review_state": to_state.value, "comment": comment, "version": inspection.version})
    ward = await session.get(Ward, inspection.ward_id)
    await enqueue(session, settings, actor.id, ACTIONS[decision].value,
                  {**msgspec.to_builtins(out), "ward": ward.code if ward else None,
                   "establishment_id": inspection.establishment_id, "version": inspection.version})
    return out


async def decide(session: AsyncSession, settings: Settings, user: CurrentUser, uuid: str,
                 data: ReviewIn) -> ReviewOut:
    """A reviewer's decision; another ward's inspection is a 404, a move the table lacks a 409."""
    inspection = await get_inspection(session, user, uuid)
    if data.decision not in REVIEW_DECISIONS:
        raise AppError(422, "invalid", _("Để nộp lại, hãy gửi lại biên bản đã sửa."),
                       [FieldError("decision", "not_a_review_decision",
                                   _("Việc nộp lại do cán bộ kiểm tra gửi biên bản đã sửa, "
                                     "không phải là một quyết định duyệt."))])
    transition = TRANSITIONS.get((ReviewState(inspection.review_state), data.decision))
    if transition is None:
        raise AppError(409, "transition_not_allowed", _("Không thể “{decision}” một lượt kiểm tra đang ở trạng thái "
                                                        "“{state}”. Hãy tải lại trang để xem trạng thái mới.").format(
            decision=label(data.decision, "decision"), state=label(inspection.review_state, "state")))
    if not user.has(*transition.roles):
        raise AppError(403, "forbidden", _("Quyết định “{decision}” ở bước này dành cho: {roles}.").format(
            decision=label(data.decision, "decision"),
            roles=", ".join(sorted(label(r, "role") for r in transition.roles))))
    comment = data.comment.strip()
    if data.decision in COMMENT_REQUIRED and not comment:
        message = _("Hãy ghi lý do trong ô nhận xét khi chọn “{decision}”.").format(
            decision=label(data.decision, "decision"))
        raise AppError(422, "invalid", message, [FieldError("comment", "required", message)])
    return await _transition(session, settings, user, inspection, data.decision, comment)


def _old_body(i: Inspection, form: FormVersion) -> dict[str, Any]:
    location = None if i.lat is None else {"lat": i.lat, "lon": i.lon, "accuracy_m": i.accuracy_m,
                                           "captured_at": i.captured_at}
    return msgspec.to_builtins({
        "establishment_id": i.establishment_id, "form_id": form.form_id, "form_version": form.version,
        "started_at": i.started_at, "submitted_at": i.submitted_at, "received_at": i.received_at,
        "location": location, "distance_m": i.distance_m, "answers": i.answers, "outcome": i.outcome,
        "notes": i.notes, "signatures": i.signatures, "body_sha256": i.body_sha256,
    })


async def resubmit(session: AsyncSession, user: CurrentUser, inspection: Inspection, body: InspectionIn,
                   settings: Settings, device_now: datetime | None = None,
                   now: datetime | None = None) -> InspectionOut:
    """The inspector's fixed body for a returned inspection: keep the old body as a version, validate the
    new one like any submission, bump the version and send it back to review."""
    if body.establishment_id != inspection.establishment_id:
        raise AppError(422, "invalid", _("Biên bản nộp lại phải về cùng một cơ sở."),
                       [FieldError("establishment_id", "changed", _("Không được đổi cơ sở của biên bản."))])
    checked = await check_body(session, user, body, settings, device_now, now)
    form = await session.get(FormVersion, inspection.form_version_id)
    assert form is not None
    session.add(InspectionVersion(inspection_id=inspection.id, version=inspection.version,
                                  body=_old_body(inspection, form), body_sha256=inspection.body_sha256,
                                  violations=list(inspection.violations),
                                  flags=list(inspection.flags)))
    for name, value in (await stored_fields(session, checked)).items():
        setattr(inspection, name, value)
    inspection.body_sha256 = body_hash(body)
    inspection.version += 1
    await session.flush()
    await _transition(session, settings, user, inspection, Decision.RESUBMIT, "")
    return await inspection_out(session, inspection)


async def reviews_of(session: AsyncSession, inspection: Inspection) -> list[ReviewOut]:
    rows = await session.execute(select(Review, User.username).join(User, User.id == Review.reviewer_id)
                                 .where(Review.inspection_id == inspection.id).order_by(Review.id))
    return [ReviewOut(inspection.uuid, r.decision, r.from_state, r.to_state, r.comment, name, r.at)
            for r, name in rows.tuples()]


async def history(session: AsyncSession, user: CurrentUser, uuid: str) -> HistoryOut:
    """Every version, review, follow-up and audit event of one inspection, inside the user's scope."""
    inspection = await get_inspection(session, user, uuid)
    versions = (await session.scalars(select(InspectionVersion).where(InspectionVersion.inspection_id
                                                                      == inspection.id)
                                      .order_by(InspectionVersion.version))).all()
    events = await session.execute(
        select(AuditEvent, User.username).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.target_type == "inspection", AuditEvent.target_id == inspection.uuid)
        .order_by(AuditEvent.id))
    return HistoryOut(
        inspection=await inspection_out(session, inspection),
        versions=[VersionOut(v.version, v.body, v.violations, v.flags, v.created_at) for v in versions],
        reviews=await reviews_of(session, inspection),
        follow_ups=await follow_ups_of(session, inspection),
        audit=[AuditOut(e.id, e.at, name, e.action, e.before, e.after) for e, name in events.tuples()],
        decisions=[d.value for d in decisions_from(inspection.review_state, user.roles)],
    )


async def returned_to(session: AsyncSession, user: CurrentUser, limit: int = 50) -> list[dict[str, Any]]:
    """The user's own inspections that a reviewer returned, with the latest comment (phone list top)."""
    latest = (select(Review.inspection_id, Review.comment, Review.at)
              .where(Review.decision == Decision.RETURN.value)
              .order_by(Review.inspection_id, Review.id.desc()))
    rows = (await session.execute(
        select(Inspection, Establishment)
        .join(Establishment, Establishment.id == Inspection.establishment_id)
        .where(Inspection.inspector_id == user.id, Inspection.review_state == ReviewState.RETURNED.value)
        .order_by(Inspection.id).limit(limit))).tuples().all()
    comments: dict[int, tuple[str, datetime]] = {}
    if rows:
        for inspection_id, comment, at in (await session.execute(
                latest.where(Review.inspection_id.in_([i.id for i, _ in rows])))).tuples():
            comments.setdefault(inspection_id, (comment, at))
    return [{"inspection": i, "establishment": e, "comment": comments.get(i.id, ("", None))[0],
             "returned_at": comments.get(i.id, ("", None))[1]} for i, e in rows]
