"""The wards a user may see, with their establishment counts (scope and periods: ``server.scope``)."""

from __future__ import annotations

from datetime import date

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity import CurrentUser
from server.registry.models import Establishment
from server.scope import in_force, scoped
from server.wards.models import Ward


class WardOut(msgspec.Struct):
    code: str
    name: str
    full_name: str
    kind: str
    establishment_count: int


async def list_wards(session: AsyncSession, user: CurrentUser, day: date | None = None) -> list[WardOut]:
    """The wards in force (on ``day``) that the user may see, with their establishment counts."""
    counts = (
        select(Establishment.ward_id, func.count().label("n")).group_by(Establishment.ward_id).subquery()
    )
    query = scoped(
        select(Ward, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.ward_id == Ward.id)
        .where(Ward.id.in_(await in_force(session, day)))
        .order_by(Ward.code),
        Ward.id, user,
    )
    rows = (await session.execute(query)).all()
    return [WardOut(w.code, w.name, w.full_name, w.kind, n) for w, n in rows]
