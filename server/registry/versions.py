"""The registry as recorded on a day, so that a year's figures never move once it has ended.

Every write to a business (create, edit, import, close, a ward moving) ends with ``record_versions``: where
the fields the figures count by (ward, type, status, opening and closing dates) differ from the current
version, that version ends today and a new one starts. A closed year reads ``registry_at`` its last day:
the businesses as the registry held them then, whatever was imported or corrected afterwards. The running
year reads the registry as it is now.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, delete, exists, insert, literal, not_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import local_today, year_bounds
from server.registry.models import Establishment, EstablishmentVersion

#: Rows the registry held before versions were kept count as recorded since this day.
REGISTRY_EPOCH = date(2000, 1, 1)
#: The fields a year's figures count by.
COUNTED = ("ward_id", "type", "status", "opened_on", "closed_on")

E, V = Establishment.__table__, EstablishmentVersion.__table__


def _differs() -> Any:
    """A correlated condition: the business no longer matches the version (NULL-safe)."""
    same = and_(*(E.c[f].is_not_distinct_from(V.c[f]) for f in COUNTED))
    return exists(select(literal(1)).where(E.c.id == V.c.establishment_id, not_(same)))


async def record_versions(session: AsyncSession, ids: Sequence[int] | None = None, day: date | None = None) -> None:
    """Bring the versions of these businesses (all when ``None``) up to the registry as it is, recorded on
    ``day`` (today): a changed business's version ends, a new one starts; a change made twice in a day
    keeps one version for that day."""
    day = day or local_today()
    mine = [] if ids is None else [V.c.establishment_id.in_(list(ids))]
    current = V.c.recorded_to.is_(None)
    await session.execute(update(V).where(current, V.c.recorded_from < day, _differs(), *mine)
                          .values(recorded_to=day))
    await session.execute(delete(V).where(current, V.c.recorded_from >= day, _differs(), *mine))
    missing = ~exists(select(literal(1)).where(V.c.establishment_id == E.c.id, V.c.recorded_to.is_(None)))
    chosen = select(E.c.id, literal(day), *(E.c[f] for f in COUNTED)).where(missing)
    if ids is not None:
        chosen = chosen.where(E.c.id.in_(list(ids)))
    await session.execute(insert(V).from_select(["establishment_id", "recorded_from", *COUNTED], chosen))


def registry_at(year: int, today: date | None = None) -> Any:
    """The registry a year is counted on, as a selectable with ``id`` and the counted fields: for a year
    that has ended, the versions in force on its last day; for the running year, the registry itself."""
    return registry_on(year_bounds(year)[1], today)


def registry_on(day: date, today: date | None = None) -> Any:
    """The registry as recorded on ``day`` (the versions in force then), or the registry itself when ``day``
    has not passed yet. A year whose units were replaced during it is counted on its units' last day."""
    if day >= (today or local_today()):
        return E
    return (select(V.c.establishment_id.label("id"), *(V.c[f] for f in COUNTED))
            .where(V.c.recorded_from <= day, or_(V.c.recorded_to.is_(None), V.c.recorded_to > day))
            .subquery("registry"))
