"""Queries over wards: the configuration in force on a day, counts, and the user's scope."""

from __future__ import annotations

from datetime import date

import msgspec
from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.identity import CurrentUser
from server.registry.models import Establishment
from server.wards.models import Ward


class WardOut(msgspec.Struct):
    code: str
    name: str
    full_name: str
    kind: str
    establishment_count: int


def valid_on(day: date) -> Select[tuple[int]]:
    """Ids of the wards in force on ``day``."""
    return select(Ward.id).where(Ward.valid_from <= day, or_(Ward.valid_to.is_(None), Ward.valid_to >= day))


async def configuration_day(session: AsyncSession, day: date | None = None) -> date:
    """``day`` if some ward is in force then; otherwise the last day of the newest configuration held."""
    day = day or date.today()
    if await session.scalar(valid_on(day).limit(1)) is not None:
        return day
    newest = await session.scalar(select(func.max(func.coalesce(Ward.valid_to, Ward.valid_from))))
    return newest or day


async def list_wards(session: AsyncSession, user: CurrentUser, day: date | None = None) -> list[WardOut]:
    """The wards in force (on ``day``) that the user may see, with their establishment counts."""
    day = await configuration_day(session, day)
    counts = (
        select(Establishment.ward_id, func.count().label("n")).group_by(Establishment.ward_id).subquery()
    )
    query = (
        select(Ward, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.ward_id == Ward.id)
        .where(Ward.id.in_(valid_on(day)))
        .order_by(Ward.code)
    )
    if user.ward_ids is not None:
        query = query.where(Ward.id.in_(user.ward_ids))
    rows = (await session.execute(query)).all()
    return [WardOut(w.code, w.name, w.full_name, w.kind, n) for w, n in rows]


async def ward_by_code(session: AsyncSession, code: str) -> Ward | None:
    """The newest ward holding ``code``."""
    return await session.scalar(select(Ward).where(Ward.code == code).order_by(Ward.valid_from.desc()).limit(1))
