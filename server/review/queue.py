"""The review queue: inspections in the user's wards under the reviewer's filters, with counts per state.
The page, its JSON twin and the exports share ``filtered``."""

from __future__ import annotations

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity import CurrentUser
from server.inspections import listing
from server.inspections.models import Inspection, ReviewState
from server.registry.models import Establishment
from server.review.schemas import QueueFilter, QueueItem, QueuePage
from server.scope import scoped
from server.wards.models import Ward


def filtered(query: Select, user: CurrentUser, f: QueueFilter, with_state: bool = True) -> Select:
    """Apply the ward scope and the filters to a query that joins Inspection, Establishment and Ward."""
    query = scoped(query, Inspection.ward_id, user)
    if f.ward:
        query = query.where(Ward.code == f.ward)
    if f.state and with_state:
        query = query.where(Inspection.review_state == f.state.value)
    if f.type:
        query = query.where(Establishment.type == f.type.value)
    if f.violations is not None:
        query = query.where(Inspection.violation_count > 0 if f.violations else Inspection.violation_count == 0)
    if f.flag == "any":
        query = query.where(cast(Inspection.flags, String).like('%"%'))
    elif f.flag:
        query = query.where(cast(Inspection.flags, String).like(f'%"{f.flag.replace("%", "")}"%'))
    if f.year:
        query = query.where(Inspection.year == f.year)
    return query


def item(i: Inspection, e: Establishment, w: Ward, inspector: str) -> QueueItem:
    return QueueItem(i.uuid, i.started_at, e.id, e.name, e.type, w.code, w.full_name, inspector, i.outcome,
                     i.violation_count, list(i.flags or []), i.review_state, i.version)


async def queue(session: AsyncSession, user: CurrentUser, f: QueueFilter, limit: int = 50,
                offset: int = 0) -> QueuePage:
    """One page of the queue, the total and the counts per state. Records waiting for a decision (submitted,
    escalated) come oldest first, like any queue; other lists (decided, or all) newest first."""
    counted = filtered(select(Inspection.review_state, func.count())
                       .join(Establishment, Establishment.id == Inspection.establishment_id)
                       .join(Ward, Ward.id == Inspection.ward_id), user, f, with_state=False)
    per_state = dict((await session.execute(counted.group_by(Inspection.review_state))).tuples().all())
    counts = {s.value: per_state.get(s.value, 0) for s in ReviewState}
    total = counts[f.state.value] if f.state else sum(counts.values())
    waiting = f.state in (ReviewState.SUBMITTED, ReviewState.ESCALATED)
    order = (Inspection.started_at, Inspection.id) if waiting else (Inspection.started_at.desc(), Inspection.id.desc())
    rows = await session.execute(filtered(listing(), user, f).order_by(*order).limit(limit).offset(offset))
    return QueuePage([item(*row) for row in rows.tuples()], total, counts, limit, offset)
