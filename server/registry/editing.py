"""Creating and editing businesses: the ward follows the point unless overridden with a reason, likely
duplicates are refused until confirmed, and every change is audited in the same transaction."""

from __future__ import annotations

import enum
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.i18n import nfc
from server.identity import CurrentUser
from server.registry.duplicates import find_duplicates
from server.registry.locating import WardLocator, WardRef
from server.registry.models import Establishment
from server.registry.schemas import EstablishmentIn, EstablishmentUpdate
from server.registry.versions import record_versions

AUDITED = ("name", "type", "address", "lat", "lon", "ward_id", "ward_override_reason", "business_reg_no",
           "security_cert_no", "operating_licence_no", "legal_rep", "phone", "rooms", "workers", "status",
           "opened_on", "closed_on", "proposed_lat", "proposed_lon")
TEXT_FIELDS = ("name", "address", "legal_rep", "phone")
LICENCE_FIELDS = ("business_reg_no", "security_cert_no", "operating_licence_no")


def snapshot(e: Establishment) -> dict[str, Any]:
    return {f: msgspec.to_builtins(getattr(e, f)) for f in AUDITED}


def _invalid(path: str, code: str, message: str) -> AppError:
    return AppError(422, "invalid", message, [FieldError(path, code, message)])


def _clean_licence(value: str | None) -> str | None:
    value = nfc(value).strip() if value else None
    return value or None


def resolve_ward(
    locator: WardLocator,
    user: CurrentUser,
    point: tuple[float, float] | None,
    ward_code: str | None,
    reason: str | None,
    keep: WardRef | None = None,
) -> tuple[WardRef, str | None]:
    """The ward of a business and the override reason to store.

    ``ward_code`` None means "the ward at the point" (or ``keep``, the current ward, when there is no
    point). A ward other than the point's needs a reason; a point outside every ward needs an explicit
    ward and a reason.
    """
    located = locator.locate(*point) if point else None
    reason = nfc(reason).strip() if reason else None
    if ward_code is not None:
        target = locator.by_code.get(ward_code)
        if target is None:
            raise _invalid("ward", "unknown_ward",
                           _("Không có phường, xã nào mang mã “{code}”.").format(code=ward_code))
    elif located is not None:
        target = located
    elif point is not None:
        raise _invalid("lat", "outside_city", _("Điểm ({lat}, {lon}) nằm ngoài mọi phường, xã của thành phố.").format(
            lat=point[0], lon=point[1]))
    elif keep is not None:
        target = keep
    else:
        raise _invalid("ward", "required", _("Hãy chọn vị trí trên bản đồ hoặc chọn phường, xã."))
    if not user.sees_ward(target.id):
        raise AppError(403, "out_of_scope", _("Phường, xã này nằm ngoài phạm vi của bạn."))
    if point is None or (located is not None and located.id == target.id):
        return target, None
    if not reason:
        raise _invalid("ward_override_reason", "reason_required",
                       _("{chosen} khác phường, xã theo vị trí ({located}): hãy ghi lý do.").format(
                           chosen=target.full_name, located=located.full_name if located else _("ngoài thành phố")))
    return target, reason


def _point(lat: float | None, lon: float | None) -> tuple[float, float] | None:
    if (lat is None) != (lon is None):
        raise _invalid("lon" if lon is None else "lat", "required", _("Hãy nhập cả vĩ độ và kinh độ."))
    return None if lat is None or lon is None else (lat, lon)


async def _check_duplicates(session: AsyncSession, e: Establishment, confirmed: bool, exclude: int | None) -> None:
    if confirmed:
        return
    found = await find_duplicates(session, name=e.name, lat=e.lat, lon=e.lon, business_reg_no=e.business_reg_no,
                                  exclude_id=exclude)
    if found:
        errors = [FieldError("business_reg_no" if d.reason == "same_licence" else "name", d.reason,
                             f"{d.id}: {d.name}") for d in found]
        raise AppError(409, "possible_duplicate",
                       _("Cơ sở này có thể đã có trong danh bạ; nếu chắc chắn là cơ sở khác, "
                         "hãy xác nhận rồi gửi lại."), errors)


async def create_establishment(
    session: AsyncSession, user: CurrentUser, locator: WardLocator, data: EstablishmentIn
) -> Establishment:
    point = _point(data.lat, data.lon)
    ward, reason = resolve_ward(locator, user, point, data.ward, data.ward_override_reason)
    e = Establishment(
        ward_id=ward.id, type=data.type.value, name=nfc(data.name).strip(), address=nfc(data.address).strip(),
        lat=data.lat, lon=data.lon, ward_override_reason=reason, legal_rep=nfc(data.legal_rep).strip(),
        phone=data.phone.strip(), rooms=data.rooms, workers=data.workers, status=data.status.value,
        opened_on=data.opened_on,
        **{f: _clean_licence(getattr(data, f)) for f in LICENCE_FIELDS},
    )
    if not e.name:
        raise _invalid("name", "required", _("Tên cơ sở đang để trống."))
    await _check_duplicates(session, e, data.confirm_duplicate, None)
    session.add(e)
    await session.flush()
    await record_versions(session, [e.id])
    await record(session, user.id, Action.ESTABLISHMENT_CREATE, "establishment", e.id, after=snapshot(e))
    return e


async def editable(session: AsyncSession, user: CurrentUser, establishment_id: int) -> Establishment:
    e = await session.get(Establishment, establishment_id)
    if e is None or not user.sees_ward(e.ward_id):
        raise not_found("establishment")
    return e


async def update_establishment(
    session: AsyncSession, user: CurrentUser, locator: WardLocator, establishment_id: int, data: EstablishmentUpdate
) -> Establishment:
    e = await editable(session, user, establishment_id)
    before = snapshot(e)
    given = {f: getattr(data, f) for f in data.__struct_fields__ if getattr(data, f) is not msgspec.UNSET}
    given.pop("confirm_duplicate", None)
    point_given = "lat" in given or "lon" in given
    lat = given.pop("lat", e.lat)
    lon = given.pop("lon", e.lon)
    point = _point(lat, lon)
    moved = (lat, lon) != (e.lat, e.lon)
    ward_code = given.pop("ward", None)
    reason = given.pop("ward_override_reason", None)
    current = locator.by_id.get(e.ward_id)
    if ward_code is None and not moved and current is not None:
        # Neither the point nor the ward changes: keep the ward and its stored reason.
        ward_code, reason = current.code, reason or e.ward_override_reason
    ward, reason = resolve_ward(locator, user, point, ward_code, reason, keep=current)
    e.lat, e.lon, e.ward_id, e.ward_override_reason = lat, lon, ward.id, reason
    if point_given and point is not None:
        e.proposed_lat = e.proposed_lon = None
    for field, value in given.items():
        if field in TEXT_FIELDS:
            value = nfc(value).strip()
        elif field in LICENCE_FIELDS:
            value = _clean_licence(value)
        elif isinstance(value, enum.Enum):
            value = value.value
        setattr(e, field, value)
    if not e.name:
        raise _invalid("name", "required", _("Tên cơ sở đang để trống."))
    after = snapshot(e)
    if after == before:
        return e
    await _check_duplicates(session, e, data.confirm_duplicate, e.id)
    changed = [f for f in AUDITED if before[f] != after[f]]
    await record(session, user.id, Action.ESTABLISHMENT_UPDATE, "establishment", e.id,
                 before={f: before[f] for f in changed}, after={f: after[f] for f in changed})
    await record_versions(session, [e.id])
    return e


async def confirm_proposed_point(
    session: AsyncSession, user: CurrentUser, locator: WardLocator, establishment_id: int
) -> Establishment:
    """Make the point proposed by an inspection's GPS fix the registered point (the ward follows it)."""
    e = await editable(session, user, establishment_id)
    if e.proposed_lat is None or e.proposed_lon is None:
        raise AppError(409, "no_proposed_point", _("Cơ sở này không có vị trí đề xuất."))
    update = EstablishmentUpdate(lat=e.proposed_lat, lon=e.proposed_lon, confirm_duplicate=True)
    return await update_establishment(session, user, locator, establishment_id, update)
