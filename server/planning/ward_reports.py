"""What each ward reports for a plan year on T5–T11: its awareness activities (T5, T9) and a yearly record
(its plan document T6, integration T7, status T8, T9's denominators, its pilot model T10, support counts T11).

Ward teams enter their own ward (the ward scope decides), the city office any ward; every write is audited.
T11 is aggregate counts only: ``WardYearIn`` has no field for a person and refuses unknown fields.
"""

from __future__ import annotations

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.i18n import nfc
from server.identity import CurrentUser
from server.planning.models import AwarenessActivity, WardYear
from server.planning.plans import units_day
from server.planning.schemas import ActivityIn, ActivityOut, WardYearIn, WardYearOut
from server.scope import ward_by_code
from server.wards.models import Ward

TEXT_FIELDS = ("plan_document", "integration_note", "free_basis", "pilot_model")


async def ward_of(session: AsyncSession, user: CurrentUser, code: str, year: int) -> Ward:
    """The ward with ``code`` among the units ``year`` counts in, inside the user's scope (else 404)."""
    ward = await ward_by_code(session, code, user, await units_day(session, year))
    if ward is None:
        raise not_found("ward")
    return ward


def _out(row: WardYear | None, year: int, ward: Ward) -> WardYearOut:
    fields = {f: getattr(row, f) for f in WardYearIn.__struct_fields__} if row is not None else {}
    return WardYearOut(year=year, ward=ward.code, ward_name=ward.full_name, **fields)


async def get_ward_year(session: AsyncSession, user: CurrentUser, year: int, code: str) -> WardYearOut:
    ward = await ward_of(session, user, code, year)
    row = await session.scalar(select(WardYear).where(WardYear.year == year, WardYear.ward_id == ward.id))
    return _out(row, year, ward)


async def save_ward_year(session: AsyncSession, user: CurrentUser, year: int, code: str,
                         data: WardYearIn) -> WardYearOut:
    """Replace the ward's record for the year (created on first save)."""
    ward = await ward_of(session, user, code, year)
    _check_support(data)
    row = await session.scalar(select(WardYear).where(WardYear.year == year, WardYear.ward_id == ward.id))
    before = msgspec.to_builtins(_out(row, year, ward)) if row is not None else None
    if row is None:
        row = WardYear(year=year, ward_id=ward.id)
        session.add(row)
    for field in WardYearIn.__struct_fields__:
        value = getattr(data, field)
        setattr(row, field, nfc(value).strip() if field in TEXT_FIELDS else value)
    await session.flush()
    after = msgspec.to_builtins(_out(row, year, ward))
    await record(session, user.id, Action.WARD_YEAR_UPDATE, "ward_year", f"{year}/{ward.code}",
                 before=before, after=after)
    return _out(row, year, ward)


def _check_support(data: WardYearIn) -> None:
    """T11's counts nest: receiving ≤ qualifying ≤ needing."""
    needing, qualifying, receiving = data.support_needing, data.support_qualifying, data.support_receiving
    if qualifying is not None and needing is not None and qualifying > needing:
        raise AppError(422, "invalid", _("Số người đủ điều kiện nhiều hơn số người cần hỗ trợ."),
                       [FieldError("support_qualifying", "too_many",
                                   _("Số người đủ điều kiện không được lớn hơn số người cần hỗ trợ."))])
    if receiving is not None and qualifying is not None and receiving > qualifying:
        raise AppError(422, "invalid", _("Số người đã được hỗ trợ nhiều hơn số người đủ điều kiện."),
                       [FieldError("support_receiving", "too_many",
                                   _("Số người đã được hỗ trợ không được lớn hơn số người đủ điều kiện."))])


def _activity_out(a: AwarenessActivity, code: str) -> ActivityOut:
    return ActivityOut(a.id, a.year, code, a.held_on, a.kind, a.audience, a.people_reached, a.note)


async def add_activity(session: AsyncSession, user: CurrentUser, year: int, code: str,
                       data: ActivityIn) -> ActivityOut:
    ward = await ward_of(session, user, code, year)
    if data.held_on.year != year:
        raise AppError(422, "invalid", _("Hoạt động không thuộc năm này."),
                       [FieldError("held_on", "other_year", _("Ngày tổ chức không thuộc năm {year}.").format(
                           year=year))])
    activity = AwarenessActivity(year=year, ward_id=ward.id, held_on=data.held_on, kind=data.kind.value,
                                 audience=data.audience.value, people_reached=data.people_reached,
                                 note=nfc(data.note).strip(), created_by=user.id)
    session.add(activity)
    await session.flush()
    out = _activity_out(activity, ward.code)
    await record(session, user.id, Action.AWARENESS_ACTIVITY_ADD, "awareness_activity", activity.id,
                 after=msgspec.to_builtins(out))
    return out


async def remove_activity(session: AsyncSession, user: CurrentUser, year: int, code: str, activity_id: int) -> None:
    """Remove an activity recorded by mistake (its audit event keeps what it said); another ward's is a 404."""
    ward = await ward_of(session, user, code, year)
    activity = await session.scalar(select(AwarenessActivity).where(
        AwarenessActivity.id == activity_id, AwarenessActivity.year == year, AwarenessActivity.ward_id == ward.id))
    if activity is None:
        raise not_found("activity")
    await record(session, user.id, Action.AWARENESS_ACTIVITY_REMOVE, "awareness_activity", activity.id,
                 before=msgspec.to_builtins(_activity_out(activity, ward.code)))
    await session.delete(activity)
    await session.flush()


async def list_activities(session: AsyncSession, user: CurrentUser, year: int, code: str) -> list[ActivityOut]:
    ward = await ward_of(session, user, code, year)
    rows = await session.scalars(select(AwarenessActivity).where(AwarenessActivity.year == year,
                                                                 AwarenessActivity.ward_id == ward.id)
                                 .order_by(AwarenessActivity.held_on, AwarenessActivity.id))
    return [_activity_out(a, ward.code) for a in rows.all()]
