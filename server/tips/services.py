"""Tips: staff intake, reading within the ward scope, and the workflow with its deadlines.

Every write adds its audit event in the same transaction. The reporter's identity leaves this module only
through ``reveal_reporter`` (city office and the handler it assigned; audited each time); audit events record
whether a reporter is known, never who.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.audit import Action, record
from server.auth.models import Role, User
from server.calendar import as_local
from server.db import utcnow
from server.errors import AppError, not_found
from server.i18n import gettext as _
from server.i18n import nfc
from server.identity import CurrentUser
from server.inspections.models import Inspection
from server.labels import label
from server.registry.models import Establishment
from server.scope import scoped
from server.time_bounds import check_window
from server.tips import deadlines
from server.tips.actions import apply
from server.tips.models import Tip, TipEvent, TipInspection, TipStatus
from server.tips.places import invalid, resolve_place, valid_id
from server.tips.schemas import ReporterOut, StepOut, TipActionIn, TipDetail, TipEventOut, TipIn, TipOut, TipPage
from server.wards.models import Ward

READERS = (Role.CITY_OFFICE, Role.WARD_POLICE, Role.TEAM_LEAD)
MANAGERS = (Role.CITY_OFFICE, Role.WARD_POLICE)
INTAKE_ROLES = (Role.CITY_OFFICE, Role.WARD_POLICE, Role.TEAM_LEAD, Role.INSPECTOR)
HANDLER_ROLES = (Role.CITY_OFFICE, Role.WARD_POLICE, Role.TEAM_LEAD, Role.INSPECTOR)
S = TipStatus
OPEN = frozenset({S.RECEIVED, S.CLASSIFIED, S.ASSIGNED, S.VERIFYING, S.SUSPENDED})


@dataclass(frozen=True)
class Transition:
    from_: frozenset[str]
    to: str | None  # None: the status does not change
    managers_only: bool  # else the assigned handler may do it too
    audit: Action


#: The one table of the tip workflow.
TRANSITIONS: dict[str, Transition] = {
    "classify": Transition(frozenset({S.RECEIVED, S.CLASSIFIED}), S.CLASSIFIED, True, Action.TIP_CLASSIFY),
    "assign": Transition(frozenset({S.CLASSIFIED, S.ASSIGNED, S.VERIFYING, S.SUSPENDED}), None, True,
                         Action.TIP_ASSIGN),
    "start": Transition(frozenset({S.ASSIGNED}), S.VERIFYING, False, Action.TIP_START),
    "suspend": Transition(frozenset({S.VERIFYING}), S.SUSPENDED, False, Action.TIP_SUSPEND),
    "resume": Transition(frozenset({S.SUSPENDED}), S.VERIFYING, False, Action.TIP_RESUME),
    "resolve": Transition(frozenset({S.VERIFYING}), S.RESOLVED, False, Action.TIP_RESOLVE),
    "extend": Transition(frozenset({S.CLASSIFIED, S.ASSIGNED, S.VERIFYING}), None, True, Action.TIP_EXTEND),
    "notify_procuracy": Transition(frozenset(OPEN | {S.RESOLVED}), None, True, Action.TIP_NOTIFY_PROCURACY),
    "send_decision": Transition(frozenset({S.RESOLVED}), None, True, Action.TIP_SEND_DECISION),
    "notify_reporter": Transition(frozenset({S.RESOLVED}), None, False, Action.TIP_NOTIFY_REPORTER),
    "link_inspection": Transition(frozenset(OPEN | {S.RESOLVED}), None, False, Action.TIP_LINK_INSPECTION),
}


def visible(query: Select, user: CurrentUser) -> Select:
    """Readers see their wards' tips; anyone sees the tips they hold or entered."""
    mine = or_(Tip.handler_id == user.id, Tip.created_by == user.id)
    return scoped(query, Tip.ward_id, user, also=mine) if user.has(*READERS) else query.where(mine)


def is_manager(user: CurrentUser, tip: Tip) -> bool:
    return user.has(*MANAGERS) and user.sees_ward(tip.ward_id)


async def may_reveal(session: AsyncSession, user: CurrentUser, tip: Tip) -> bool:
    """The city office decides who learns a reporter's identity: itself, and the handler it assigned.

    A handler assigned by anyone else (ward police assigning a tip, even to themselves) holds and works the
    tip but does not see the reporter; the city office can confirm such a handler by assigning them itself.
    """
    if user.has(Role.CITY_OFFICE):
        return True
    if tip.handler_id is None or tip.handler_id != user.id:
        return False
    assigned = await session.scalar(select(TipEvent.data).where(TipEvent.tip_id == tip.id, TipEvent.action == "assign")
                                    .order_by(TipEvent.at.desc(), TipEvent.id.desc()).limit(1))
    return bool(assigned and assigned.get("by_city_office"))


def _notify_reporter_applies(tip: Tip) -> bool:
    return not tip.anonymous and bool(tip.reporter_name or tip.reporter_contact)


async def events_of(session: AsyncSession, tip_id: int) -> list[TipEvent]:
    return list(await session.scalars(select(TipEvent).where(TipEvent.tip_id == tip_id)
                                      .order_by(TipEvent.at, TipEvent.id)))


async def recompute(session: AsyncSession, tip: Tip) -> dict[str, deadlines.StepState]:
    """Store the tip's deadlines (every step), the earliest one still running, and whether one was missed."""
    history = [deadlines.Event(e.action, e.at) for e in await events_of(session, tip.id)]
    steps = deadlines.schedule(tip.category, tip.received_at, history, notify_reporter=_notify_reporter_applies(tip))
    tip.deadlines = {key: s.to_json() for key, s in steps.items()}
    running = deadlines.next_due(steps)
    tip.next_due_step, tip.next_due_at = (running[0], running[1].astimezone(UTC)) if running else (None, None)
    tip.missed_deadline = deadlines.missed(steps)
    return steps


def _audit_view(tip: Tip) -> dict[str, Any]:
    """What the audit log keeps of a tip: never the reporter's identity nor the free text."""
    return {"status": tip.status, "category": tip.category, "subject": tip.subject, "urgency": tip.urgency,
            "ward_id": tip.ward_id, "establishment_id": tip.establishment_id, "handler_id": tip.handler_id,
            "outcome": tip.outcome, "anonymous": tip.anonymous, "source": tip.source, "channel": tip.channel,
            "reporter_known": bool(tip.reporter_name or tip.reporter_contact),
            "next_due_at": tip.next_due_at.isoformat() if tip.next_due_at else None}


async def create_tip(session: AsyncSession, user: CurrentUser, data: TipIn, clock_skew_minutes: float = 10) -> Tip:
    """Staff intake; with a category the tip is classified at once."""
    now = utcnow()
    received = as_local(data.received_at).astimezone(UTC) if data.received_at else now
    check_window([("received_at", received, None)], now, clock_skew_minutes)
    if data.anonymous and (data.reporter_name or data.reporter_contact):
        raise invalid("reporter_name", "anonymous", _("Tin báo nặc danh không ghi người báo tin."))
    establishment_id, ward_id, lat, lon = await resolve_place(session, user, data.establishment_id, data.lat, data.lon,
                                                       data.ward)
    if ward_id is None:
        raise invalid("ward", "required",
                      _("Hãy chọn cơ sở, một điểm trên bản đồ trong thành phố, hoặc phường, xã của tin báo."))
    tip = Tip(received_at=received, channel=data.channel.value, source="staff",
              reporter_name=nfc(data.reporter_name.strip()) if data.reporter_name else None,
              reporter_contact=nfc(data.reporter_contact.strip()) if data.reporter_contact else None,
              anonymous=data.anonymous, establishment_id=establishment_id, ward_id=ward_id, lat=lat, lon=lon,
              address=nfc(data.address.strip()), category=None, subject=data.subject, urgency=data.urgency,
              description=nfc(data.description.strip()), status=S.RECEIVED.value, created_by=user.id,
              deadlines={})
    session.add(tip)
    await session.flush()
    session.add(TipEvent(tip_id=tip.id, at=received, actor_id=user.id, action="create", to_status=S.RECEIVED.value,
                         reason=""))
    if data.category is not None:
        tip.category, tip.status = data.category.value, S.CLASSIFIED.value
        session.add(TipEvent(tip_id=tip.id, at=max(now, received), actor_id=user.id, action="classify",
                             from_status=S.RECEIVED.value, to_status=S.CLASSIFIED.value, reason=""))
    await session.flush()
    await recompute(session, tip)
    await record(session, user.id, Action.TIP_CREATE, "tip", tip.id, after=_audit_view(tip))
    return tip


async def load_tip(session: AsyncSession, user: CurrentUser, tip_id: int) -> Tip:
    if not valid_id(tip_id):
        raise not_found("tip")
    tip = await session.scalar(visible(select(Tip), user).where(Tip.id == tip_id))
    if tip is None:
        raise not_found("tip")
    return tip


Handler = aliased(User)


def base_query() -> Select:
    return (select(Tip, Ward, Establishment, Handler)
            .outerjoin(Ward, Ward.id == Tip.ward_id)
            .outerjoin(Establishment, Establishment.id == Tip.establishment_id)
            .outerjoin(Handler, Handler.id == Tip.handler_id))


def _steps(tip: Tip, now: datetime) -> list[StepOut]:
    out = []
    for key, s in (tip.deadlines or {}).items():
        state = deadlines.StepState(key, _parse(s.get("due")), _parse(s.get("done")), str(s.get("basis", "")),
                                    bool(s.get("paused")))
        out.append(StepOut(key, state.due, state.done, state.late(now), state.paused, state.basis))
    return out


def _parse(value: Any) -> datetime | None:
    return datetime.fromisoformat(value).astimezone(UTC) if value else None


def tip_out(tip: Tip, ward: Ward | None, est: Establishment | None, handler: User | None, now: datetime,
            cls: type[TipOut] = TipOut, **extra: Any) -> Any:
    return cls(
        id=tip.id, received_at=tip.received_at, channel=tip.channel, source=tip.source, anonymous=tip.anonymous,
        establishment_id=tip.establishment_id, establishment_name=est.name if est else None,
        ward=ward.code if ward else None, ward_name=ward.full_name if ward else None, lat=tip.lat, lon=tip.lon,
        address=tip.address, category=tip.category, subject=tip.subject, urgency=tip.urgency,
        description=tip.description, status=tip.status, handler=handler.username if handler else None,
        handler_name=handler.full_name if handler else None, outcome=tip.outcome, resolved_at=tip.resolved_at,
        next_due_at=tip.next_due_at, next_due_step=tip.next_due_step,
        overdue=tip.next_due_at is not None and now > tip.next_due_at, missed_deadline=tip.missed_deadline,
        steps=_steps(tip, now), **extra,
    )


async def list_tips(session: AsyncSession, user: CurrentUser, *, overdue: bool | None = None,
                    status: str | None = None, ward: str | None = None, category: str | None = None,
                    mine: bool = False, limit: int = 50, offset: int = 0, now: datetime | None = None) -> TipPage:
    now = now or utcnow()
    query = visible(base_query(), user)
    if overdue is True:
        query = query.where(Tip.next_due_at < now)
    elif overdue is False:
        query = query.where(or_(Tip.next_due_at.is_(None), Tip.next_due_at >= now))
    if status:
        query = query.where(Tip.status == status)
    if ward:
        query = query.where(Ward.code == ward)
    if category:
        query = query.where(Tip.category == category)
    if mine:
        query = query.where(Tip.handler_id == user.id)
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (Tip.next_due_at, Tip.id) if overdue else (Tip.received_at.desc(), Tip.id.desc())
    rows = (await session.execute(query.order_by(*order).limit(limit).offset(offset))).all()
    return TipPage([tip_out(t, w, e, h, now) for t, w, e, h in rows], total, limit, offset)


async def get_tip(session: AsyncSession, user: CurrentUser, tip_id: int) -> TipDetail:
    now = utcnow()
    if not valid_id(tip_id):
        raise not_found("tip")
    row = (await session.execute(visible(base_query(), user).where(Tip.id == tip_id))).first()
    if row is None:
        raise not_found("tip")
    tip = row[0]
    actors = {u.id: u.username for u in await session.scalars(
        select(User).join(TipEvent, TipEvent.actor_id == User.id).where(TipEvent.tip_id == tip_id))}
    events = [TipEventOut(e.at, e.action, actors.get(e.actor_id) if e.actor_id else None, e.from_status,
                          e.to_status, e.reason) for e in await events_of(session, tip_id)]
    linked = list(await session.scalars(select(Inspection.uuid).join(TipInspection, TipInspection.inspection_id
                                                                     == Inspection.id)
                                        .where(TipInspection.tip_id == tip_id).order_by(Inspection.started_at)))
    history = [deadlines.Event(e.action, e.at) for e in events]
    return tip_out(*row, now, cls=TipDetail, inspections=linked, events=events,
                   extensions_left=max(0, deadlines.extensions_left(tip.category, history)),
                   may_reveal_reporter=bool(tip.reporter_name or tip.reporter_contact)
                   and await may_reveal(session, user, tip))


async def reveal_reporter(session: AsyncSession, user: CurrentUser, tip_id: int) -> ReporterOut:
    """The reporter's identity, for the city office and the handler it assigned only; every call is audited."""
    tip = await load_tip(session, user, tip_id)
    if not await may_reveal(session, user, tip):
        raise AppError(403, "reporter_protected",
                       _("Chỉ Công an thành phố và người được Công an thành phố phân công mới xem được người báo tin."))
    await record(session, user.id, Action.TIP_REPORTER_VIEWED, "tip", tip.id,
                 after={"fields": ["reporter_name", "reporter_contact"]})
    return ReporterOut(tip.id, tip.reporter_name, tip.reporter_contact, tip.anonymous)


async def act(session: AsyncSession, user: CurrentUser, tip_id: int, data: TipActionIn,
              now: datetime | None = None) -> Tip:
    """One workflow step, checked against ``TRANSITIONS``, its event, new deadlines and the audit event."""
    now = now or utcnow()
    tip = await load_tip(session, user, tip_id)
    rule = TRANSITIONS[data.action]
    if not (is_manager(user, tip) or (not rule.managers_only and tip.handler_id == user.id)):
        raise AppError(403, "forbidden", _("Vai trò của bạn không được làm việc này với tin báo này."))
    if tip.status not in rule.from_:
        raise AppError(409, "invalid_transition",
                       _("Không thể thực hiện «{action}» với tin báo đang ở trạng thái «{status}».").format(
                           action=label(data.action, "tip_action"), status=label(tip.status, "tip_status")))
    before = _audit_view(tip)
    history = [deadlines.Event(e.action, e.at) for e in await events_of(session, tip.id)]
    steps = deadlines.schedule(tip.category, tip.received_at, history, notify_reporter=_notify_reporter_applies(tip))
    details = await apply(session, user, tip, data, steps, history, now)
    from_status = tip.status
    if rule.to is not None:
        tip.status = rule.to
    elif data.action == "assign" and tip.status == S.CLASSIFIED:
        tip.status = S.ASSIGNED.value
    session.add(TipEvent(tip_id=tip.id, at=now, actor_id=user.id, action=data.action, from_status=from_status,
                         to_status=tip.status, reason=nfc(data.reason.strip()), data=details or None))
    await session.flush()
    await recompute(session, tip)
    after = _audit_view(tip) | ({"reason": nfc(data.reason.strip())} if data.reason.strip() else {}) | details
    await record(session, user.id, rule.audit, "tip", tip.id, before=before, after=after)
    return tip
