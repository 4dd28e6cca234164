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
from server.labels import label
from server.tips import deadlines
from server.tips.choices import find_inspection
from server.tips.models import Tip, TipInspection
from server.tips.places import invalid, resolve_place
from server.tips.schemas import TipActionIn

HANDLER_ROLES = frozenset({Role.CITY_OFFICE.value, Role.WARD_POLICE.value, Role.TEAM_LEAD.value,
                           Role.INSPECTOR.value})
MIN_REASON = 5


def _reason(data: TipActionIn) -> str:
    reason = data.reason.strip()
    if len(reason) < MIN_REASON:
        raise invalid("reason", "required", _("Hãy ghi lý do (ít nhất {n} ký tự).").format(n=MIN_REASON))
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
        raise invalid("category", "required", _("Hãy chọn phân loại tin báo."))
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
        raise invalid("ward", "required", _("Hãy chọn phường, xã hoặc cơ sở của tin báo."))
    return {}


async def _assign(session: AsyncSession, user: CurrentUser, tip: Tip, data: TipActionIn) -> dict[str, Any]:
    if not data.handler:
        raise invalid("handler", "required", _("Hãy chọn người xử lý tin báo."))
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
        raise AppError(409, "not_applicable", _("Việc «{step}» không áp dụng cho tin báo này.").format(
            step=label(key, "tip_action")))
    if step.done is not None:
        raise AppError(409, "already_done", _("Việc «{step}» đã được ghi nhận rồi.").format(
            step=label(key, "tip_action")))
    return {}


async def _link(session: AsyncSession, user: CurrentUser, tip: Tip, data: TipActionIn) -> dict[str, Any]:
    inspection = await find_inspection(session, user, data.inspection)
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
                raise invalid("outcome", "required", _("Hãy chọn kết quả giải quyết."))
            tip.outcome, tip.resolved_at = data.outcome.value, now
            return {"outcome": tip.outcome}
        case "extend":
            return _extend(tip, data, steps, history, now)
        case "notify_procuracy" | "send_decision" | "notify_reporter":
            return _once(steps, data.action)
        case "link_inspection":
            return await _link(session, user, tip, data)
    return {}
