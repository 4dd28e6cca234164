"""Ward scope, the security rule of this product: who may see which wards, applied to every query.

A user's scope is ``CurrentUser.ward_ids`` (``server.identity.ward_scope``): ``None`` for every ward, or a
set of ward ids. Every query over ward-bound rows filters through ``scoped`` (or ``in_scope`` inside a
larger condition) with the column holding the row's ward; ``tests/test_architecture.py`` fails when a
query filters by ``ward_ids`` anywhere else. Another ward's record is a 404, never the data.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import local_today
from server.identity import CurrentUser
from server.wards.models import Ward

#: A user, or a scope already taken from one (``None`` = every ward).
Scope = CurrentUser | frozenset[int] | None
Q = TypeVar("Q", bound=Select[Any])


def ward_ids_of(scope: Scope) -> frozenset[int] | None:
    return scope.ward_ids if isinstance(scope, CurrentUser) else scope


def in_scope(column: Any, scope: Scope) -> ColumnElement[bool]:
    """The condition "``column`` holds a ward of this scope" (always true for city-wide users)."""
    ward_ids = ward_ids_of(scope)
    return true() if ward_ids is None else column.in_(sorted(ward_ids))


def scoped(query: Q, column: Any, scope: Scope, *, also: ColumnElement[bool] | None = None) -> Q:
    """Restrict ``query`` to rows whose ``column`` is a ward of the scope; ``also`` admits other rows
    besides (a tip its handler holds outside their wards)."""
    if ward_ids_of(scope) is None:
        return query
    condition = in_scope(column, scope)
    return query.where(condition if also is None else or_(condition, also))  # type: ignore[return-value]


def valid_on(day: date) -> Select[tuple[int]]:
    """Ids of the wards in force on ``day`` (administrative units merge and split: each row has a period)."""
    return select(Ward.id).where(Ward.valid_from <= day, or_(Ward.valid_to.is_(None), Ward.valid_to >= day))


async def configuration_day(session: AsyncSession, day: date | None = None) -> date:
    """``day`` (default: today) if some ward is in force then; otherwise the last day of the newest
    configuration held."""
    day = day or local_today()
    if await session.scalar(valid_on(day).limit(1)) is not None:
        return day
    newest = await session.scalar(select(func.max(func.coalesce(Ward.valid_to, Ward.valid_from))))
    return newest or day


async def in_force(session: AsyncSession, day: date | None = None) -> Select[tuple[int]]:
    """Ids of the wards of the configuration in force on ``day`` (default: today)."""
    return valid_on(await configuration_day(session, day))


async def ward_by_code(session: AsyncSession, code: str, scope: Scope = None, day: date | None = None) -> Ward | None:
    """The ward holding ``code`` (of the configuration in force on ``day`` when given, else the newest), or
    None when unknown or outside the scope."""
    query = select(Ward).where(Ward.code == code)
    if day is not None:
        query = query.where(Ward.id.in_(await in_force(session, day)))
    return await session.scalar(scoped(query, Ward.id, scope).order_by(Ward.valid_from.desc()).limit(1))
