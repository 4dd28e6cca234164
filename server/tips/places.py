"""Where a tip or hotspot is: a registry business, a map point (located in its ward), or a ward code."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.wards import WardIndex
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.registry.models import Establishment
from server.scope import configuration_day, valid_on, ward_by_code
from server.wards.models import Ward

_index_cache: dict[tuple[int, int, str], tuple[WardIndex, dict[str, int]]] = {}


MAX_ID = 2**31 - 1


def valid_id(value: int) -> bool:
    """Fits the integer id columns (a larger number can be no row, and would overflow the driver)."""
    return 0 < value <= MAX_ID


def invalid(path: str, code: str, message: str) -> AppError:
    return AppError(422, "invalid", message, [FieldError(path, code, message)])


async def ward_id_of_code(session: AsyncSession, code: str) -> int | None:
    """The id of the newest ward holding ``code``."""
    ward = await ward_by_code(session, code)
    return None if ward is None else ward.id


async def ward_at(session: AsyncSession, lat: float, lon: float) -> int | None:
    """The ward in force today (or the newest configuration) that contains the point."""
    day = await configuration_day(session)
    ids = valid_on(day)
    count, top = (await session.execute(select(func.count(), func.max(Ward.id)).where(Ward.id.in_(ids)))).one()
    if not count:
        return None
    key = (count, top, day.isoformat())
    if key not in _index_cache:
        wards = (await session.scalars(select(Ward).where(Ward.id.in_(ids)))).all()
        features = [{"type": "Feature", "properties": {"code": w.code}, "geometry": w.geometry} for w in wards]
        _index_cache.clear()
        _index_cache[key] = (WardIndex(features), {w.code: w.id for w in wards})
    index, by_code = _index_cache[key]
    code = index.locate(lat, lon)
    return None if code is None else by_code[code]


async def resolve_place(session: AsyncSession, user: CurrentUser, establishment_id: int | None,
                        lat: float | None, lon: float | None, ward: str | None,
                        ) -> tuple[int | None, int | None, float | None, float | None]:
    """(establishment id, ward id, lat, lon); the business's ward wins, then the ward code, then the point's."""
    if (lat is None) != (lon is None):
        raise invalid("lon" if lon is None else "lat", "required", _("Hãy nhập cả vĩ độ và kinh độ."))
    ward_id = None
    if establishment_id is not None:
        est = await session.get(Establishment, establishment_id)
        if est is None or not user.sees_ward(est.ward_id):
            raise invalid("establishment_id", "not_found",
                          _("Không có cơ sở số {id} trong địa bàn của bạn.").format(id=establishment_id))
        ward_id = est.ward_id
        if lat is None:
            lat, lon = est.lat, est.lon
    if ward_id is None and ward is not None:
        ward_id = await ward_id_of_code(session, ward)
        if ward_id is None:
            raise invalid("ward", "not_found", _("Không có phường, xã nào mang mã “{code}”.").format(code=ward))
    if ward_id is None and lat is not None and lon is not None:
        ward_id = await ward_at(session, lat, lon)
    if ward_id is not None and not user.sees_ward(ward_id):
        raise invalid("ward", "out_of_scope", _("Phường, xã này nằm ngoài phạm vi của bạn."))
    return establishment_id, ward_id, lat, lon
