"""Users' ward scopes follow a new set of units: whoever held an old unit also holds the units it became.

The old rows stay, so a user keeps seeing the records made in the old unit (its inspections, tips)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import UserWard


async def follow_ward_mapping(session: AsyncSession, successors: Mapping[int, list[int]]) -> dict[int, list[int]]:
    """Give every user scoped to an old ward id the new ward ids it maps to; {user id: new ward ids added}."""
    held = (await session.execute(select(UserWard.user_id, UserWard.ward_id)
                                  .where(UserWard.ward_id.in_(list(successors))))).all()
    added: dict[int, set[int]] = {}
    for user_id, ward_id in held:
        added.setdefault(user_id, set()).update(successors[ward_id])
    have = {(u, w) for u, w in (await session.execute(select(UserWard.user_id, UserWard.ward_id)
                                                      .where(UserWard.user_id.in_(list(added))))).all()}
    rows = [{"user_id": u, "ward_id": w} for u, ws in added.items() for w in sorted(ws) if (u, w) not in have]
    if rows:
        await session.execute(insert(UserWard), rows)
    return {u: sorted(ws) for u, ws in added.items()}
