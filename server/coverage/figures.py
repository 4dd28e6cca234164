"""Each ward's figures of a year, kept rather than recomputed on every page.

At 10,000 wards the year's figures cost a second of aggregation over every inspection and business; a page of
the table must cost a page. So the counts of ``server/coverage/counting.py`` are kept per ward and year in
``coverage_figures``, and recomputed for a ward only when something that can move them was written: database
triggers (migration 0007) append a ``coverage_dirty`` row (year, ward) for every visit recorded, reviewed or
moved, every business opened, closed, edited or moved and every registry version, whatever wrote it; and they
drop every kept figure when the units, a plan's start or a team's kind change. The reader recomputes the wards that are
marked, that have no figures yet, or whose figures were read on another registry (the year has ended since),
then the pages read the kept rows (``server/coverage/services.py``).

Consistency: the marks a refresh consumes are deleted *before* it counts, in its transaction; a write that
commits after the count leaves its own mark for the next reader. Concurrent refreshes on PostgreSQL skip each
other's marks (``SKIP LOCKED``) and upsert the same rows. Marks are only appended, so writers never wait on
one another. The cost of a refresh is that of the wards it recomputes (a city's wards: a few milliseconds).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, exists, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.coverage.counting import YearFrame, city_team_by_ward, counts_query, months_by_ward
from server.coverage.models import CoverageDirty, CoverageFigures, CoverageYear
from server.db import write_transaction
from server.scope import Scope, scoped
from server.wards.models import Ward

F, D = CoverageFigures, CoverageDirty
#: Above this many wards to recompute, count the whole scope at once (one aggregation) rather than list them.
LISTED = 500


async def stale_wards(session: AsyncSession, frame: YearFrame, scope: Scope) -> list[int]:
    """The wards in force (within the scope) whose kept figures are missing, marked, or read on another registry."""
    marked = exists().where(D.year == frame.year, D.ward_id == Ward.id)
    query = scoped(
        select(Ward.id).outerjoin(F, and_(F.year == frame.year, F.ward_id == Ward.id))
        .where(Ward.id.in_(frame.in_year), or_(F.ward_id.is_(None), F.source != frame.source, marked)),
        Ward.id, scope,
    )
    return list((await session.scalars(query.order_by(Ward.id))).all())


def _upsert(session: AsyncSession, table: Any) -> Any:
    dialect = postgresql if session.bind.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


async def refresh(session: AsyncSession, frame: YearFrame, scope: Scope, stale: list[int]) -> None:
    """Recompute and store the figures of the ``stale`` wards (and of any ward marked meanwhile), committed."""
    async with write_transaction(session):
        marks = scoped(select(D.id, D.ward_id).where(D.year == frame.year), D.ward_id, scope)
        consumed = (await session.execute(marks.order_by(D.id).with_for_update(skip_locked=True))).all()
        if consumed:
            await session.execute(delete(D).where(D.id.in_([row.id for row in consumed])))
        wards = sorted(set(stale) | {row.ward_id for row in consumed})
        count_in: Scope = frozenset(wards) if len(wards) <= LISTED else scope
        counts = (await session.execute(counts_query(frame, count_in))).all()
        months = await months_by_ward(session, frame, count_in)
        city = await city_team_by_ward(session, frame.year, count_in)
        rows = [{"year": frame.year, "ward_id": ward_id, "source": frame.source, "open_n": int(open_n),
                 "inspected": int(inspected), "others": int(others), "city_team": city.get(ward_id, 0),
                 "months": ",".join(map(str, months.get(ward_id, [0] * 12)))}
                for ward_id, open_n, inspected, others in counts]
        if rows:  # one statement run for many rows (compiled once, cached), not a statement of many rows
            insert = _upsert(session, F.__table__)
            await session.execute(insert.on_conflict_do_update(
                index_elements=[F.year, F.ward_id],
                set_={c: insert.excluded[c] for c in ("source", "open_n", "inspected", "others", "city_team",
                                                     "months")}), rows)
        await session.execute(_upsert(session, CoverageYear.__table__).values(year=frame.year)
                              .on_conflict_do_nothing())


async def up_to_date(session: AsyncSession, frame: YearFrame, scope: Scope) -> None:
    """Bring the year's kept figures of the wards in force within the scope up to date."""
    stale = await stale_wards(session, frame, scope)
    if stale:
        await refresh(session, frame, scope, stale)
