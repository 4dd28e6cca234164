"""What each workflow action checks and changes on a tip (the status change itself is in ``TRANSITIONS``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role, User
from server.errors import AppError
from server.i18n import gettext as _
from server.identity import CurrentUser, ward_scope
from server.inspections.models import Inspection
from server.tips import deadlines
from server.tips.models import Tip, TipInspection
from server.tips.places import invalid, resolve_place, valid_id
from server.tips.schemas import TipActionIn

HANDLER_ROLES = frozenset({Role.CITY_OFFICE.value, Role.WARD_POLICE.value, Role.TEAM_LEAD.value,
                           Role.INSPECTOR.value})
MIN_REASON = 5


def _reason(data: TipActionIn) -> str:
    reason = data.reason.strip()
    if len(reason) < MIN_REASON:
        raise invalid("reason", "required", f"give the reason (at least {MIN_REASON} characters)")
    return reason


async def handler_may_hold(session: AsyncSession, username: str, ward_id: int | None) -> User:
    """The user to assign: active, a staff role, and the tip's ward inside their scope."""
    handler = await session.scalar(select(User).where(User.username == username))
    if handler is None or not handler.active:
        raise invalid("handler", "not_found", _("Không có người dùng này, hoặc tài khoản đã khoá."))
    roles = frozenset(r.role for r in handler.roles)
    if not roles & HANDLER_ROLES:
        raise invalid("handler", "role", _("Người này không có vai trò xử lý tin báo."))
    scope = ward_scope(roles, frozenset(w.ward_id for w in handler.wards))
    if scope is not None and ward_id not in scope:
        raise invalid("handler", "out_of_scope", _("Phường, xã của tin báo nằm ngoài địa bàn của người này."))
    return handler


async def _classify(session: AsyncSession, user: CurrentUser, tip: Tip, data: TipActionIn) -> dict[str, Any]:
    if data.category is None:
        raise invalid("category", "required", "choose the category")
    tip.category = data.category.value
    tip.subject = data.subject or tip.subject
    tip.urgency = data.urgency.value if data.urgency else tip.urgency
    if data.anonymous is not None:
        tip.anonymous = data.anonymous
    if data.establishment_id is not None or data.ward is not None:
        est, ward_id, lat, lon = await resolve_place(session, user, data.establishment_id, None, None, data.ward)
        tip.establishment_id = est if est is not None else tip.establishment_id
        tip.ward_id = ward_id if ward_id is not None else tip.ward_id
        if tip.lat is None and lat is not None:
            tip.lat, tip.lon = lat, lon
    if tip.ward_id is None:
        raise invalid("ward", "required", "give the ward or the business")
    return {}


async def _assign(session: AsyncSession, user: CurrentUser, tip: Tip, data: TipActionIn) -> dict[str, Any]:
    if not data.handler:
        raise invalid("handler", "required", "choose who handles the tip")
    handler = await handler_may_hold(session, data.handler.strip(), tip.ward_id)
    tip.handler_id = handler.id
    # only a handler the city office assigns may see a protected reporter (services.may_reveal)
    return {"handler": handler.username, "by_city_office": user.has(Role.CITY_OFFICE)}


def _extend(tip: Tip, data: TipActionIn, steps: dict[str, deadlines.StepState], history: list[deadlines.Event],
            now: datetime) -> dict[str, Any]:
    _reason(data)
    resolve = steps.get("resolve")
    if resolve is None or resolve.due is None or resolve.done is not None:
        raise AppError(409, "not_applicable", _("Không có thời hạn giải quyết nào đang chạy để gia hạn."))
    if deadlines.extensions_left(tip.category, history) <= 0:
        raise AppError(409, "no_extension_left", _("Luật không cho phép gia hạn thêm."))
    if now > resolve.due:
        raise AppError(409, "deadline_passed", _("Thời hạn đã qua: phải gia hạn trước khi hết hạn."))
    return {"previous_due": resolve.due.isoformat()}


def _once(steps: dict[str, deadlines.StepState], key: str) -> dict[str, Any]:
    step = steps.get(key)
    if step is None:
        raise AppError(409, "not_applicable", f"{key} does not apply to this tip")
    if step.done is not None:
        raise AppError(409, "already_done", f"{key} is already recorded")
    return {}


async def _link(session: AsyncSession, user: CurrentUser, tip: Tip, data: TipActionIn) -> dict[str, Any]:
    ref = (data.inspection or "").strip()
    if not ref:
        raise invalid("inspection", "required", "give the inspection's id or uuid")
    where = Inspection.id == int(ref) if ref.isdigit() and valid_id(int(ref)) else Inspection.uuid == ref
    inspection = await session.scalar(select(Inspection).where(where))
    if inspection is None or not user.sees_ward(inspection.ward_id):
        raise invalid("inspection", "not_found", "no such inspection in your wards")
    exists = await session.get(TipInspection, (tip.id, inspection.id))
    if exists is None:
        session.add(TipInspection(tip_id=tip.id, inspection_id=inspection.id))
    if tip.establishment_id is None:
        tip.establishment_id = inspection.establishment_id
    return {"inspection": inspection.uuid}


async def apply(session: AsyncSession, user: CurrentUser, tip: Tip, data: TipActionIn,
                steps: dict[str, deadlines.StepState], history: list[deadlines.Event], now: datetime,
                ) -> dict[str, Any]:
    """Check and apply ``data.action`` to ``tip`` (not its status); returns details for the event and audit."""
    match data.action:
        case "classify":
            return await _classify(session, user, tip, data)
        case "assign":
            return await _assign(session, user, tip, data)
        case "suspend":
            _reason(data)
            return {}
        case "resolve":
            if data.outcome is None:
                raise invalid("outcome", "required", "choose the outcome")
            tip.outcome, tip.resolved_at = data.outcome.value, now
            return {"outcome": tip.outcome}
        case "extend":
            return _extend(tip, data, steps, history, now)
        case "notify_procuracy" | "send_decision" | "notify_reporter":
            return _once(steps, data.action)
        case "link_inspection":
            return await _link(session, user, tip, data)
    return {}
