"""What coverage counts, as SQL over the live tables: the plan's first target (T1) and the city team's count (T2).

The rule, for a year Y (Vietnamese calendar year; ``Inspection.year`` is the local year of ``started_at``):

- **Wards**: a plan year counts in the units in force on its start date (the plan's ``starts_on``; no
  plan: 1 January of Y; or the newest configuration held), within the user's scope. A set of units that
  comes into force later in the year counts from the next plan year; that year reads the registry as it
  stood on its units' last day, and a visit recorded in a later unit counts in its business's unit then.
- **Inspected** (the numerator): distinct businesses with at least one inspection in Y whose review state
  is not ``rejected``, in the ward the inspection recorded (``Inspection.ward_id``, the business's ward at
  the visit, so later registry edits never move a year's figures); a business inspected twice counts once.
- **Counted businesses** (the denominator), in their registry ward (``Establishment.ward_id``):
  * every business open at the end of Y: opened on or before 31 December of Y (or no opening date) and not
    closed by then (no closing date and status not ``closed``, or closed after Y). Suspended businesses
    count: they hold their certificate and must be checked;
  * plus every business *not* open at the end of Y that was inspected in Y: a business that closed during
    Y counts **only if it was inspected** (one that shut before anyone could visit does not lower the
    ward's ratio; one that was visited still counts as done), and a visit is proof enough that a business
    the registry dates otherwise did operate that year. Closed before Y and not visited: not counted.
  So every inspected business is in the denominator (of the same ward unless it moved).
- **City team** (T2): distinct businesses inspected in Y (not rejected) by teams of kind ``city``,
  within the user's scope, against the plan's ``city_team_target``.
- **Forecast**: linear at the pace so far. With ``d`` days of Y elapsed at the ``as_of`` day (local
  time) out of ``D``, a ward's forecast is ``min(active, round(inspected * D / d))``; for a finished
  year it is the actual count. Distinct businesses saturate, hence the cap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, literal, literal_column, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import local_midnight_utc, year_bounds
from server.coverage import models as _indexes  # noqa: F401 (the index these queries use)
from server.inspections.models import Inspection, ReviewState
from server.planning import plan_for, units_day
from server.planning.models import Plan, Team, TeamKind
from server.registry import registry_on
from server.registry.models import Establishment, EstablishmentStatus
from server.scope import Scope, in_force, scoped
from server.wards.models import Ward

E, I = Establishment, Inspection  # noqa: E741 (short aliases keep the SQL readable)


def open_at_end(r: Any, year: int) -> ColumnElement[bool]:
    """``r``: the registry the year is counted on (``registry_on``)."""
    return or_(and_(r.c.closed_on.is_(None), r.c.status != EstablishmentStatus.CLOSED.value),
               r.c.closed_on > year_bounds(year)[1])


def not_open_at_end(r: Any, year: int) -> ColumnElement[bool]:
    """The complement of ``opened by 31 December and open_at_end`` (NULL-safe)."""
    end = year_bounds(year)[1]
    return or_(r.c.opened_on > end, and_(r.c.closed_on.is_(None), r.c.status == EstablishmentStatus.CLOSED.value),
               r.c.closed_on <= end)


def counted_at_end(r: Any, year: int) -> ColumnElement[bool]:
    """Opened by 31 December (or no opening date) and still open then."""
    end = year_bounds(year)[1]
    return and_(or_(r.c.opened_on.is_(None), r.c.opened_on <= end), open_at_end(r, year))


def counted_inspection(year: int, before: datetime | None = None) -> ColumnElement[bool]:
    # A literal, not a bound parameter: the planners match it to the partial index ix_inspections_counted_ward.
    cond = and_(I.year == year, I.review_state != literal_column(f"'{ReviewState.REJECTED.value}'"))
    return and_(cond, I.started_at < before) if before is not None else cond


def inspected_exists(r: Any, year: int, before: datetime | None = None) -> ColumnElement[bool]:
    return exists(select(literal(1)).where(I.establishment_id == r.c.id, counted_inspection(year, before)))


async def registry_day(session: AsyncSession, year: int, start: date) -> date:
    """The day a year's registry is read on: its last day; or, when a new set of units came into force
    during the year, the last day of the units it counts in (the businesses were still in them then)."""
    end = year_bounds(year)[1]
    replaced = await session.scalar(select(func.min(Ward.valid_from)).where(Ward.valid_from > start,
                                                                             Ward.valid_from <= end))
    return end if replaced is None else replaced - timedelta(days=1)


def replaced_visits(r: Any, year: int, in_year: Any, before: datetime | None = None) -> Any:
    """The counted visits of a year whose units were replaced during it (``ward_id``, ``eid``, ``started_at``): a
    visit recorded in a later unit counts in the unit its business was in on the units' last day (``r``)."""
    counted = counted_inspection(year, before)
    early = (select(I.ward_id.label("ward_id"), I.establishment_id.label("eid"), I.started_at)
             .where(counted, I.ward_id.in_(in_year)))
    late = (select(r.c.ward_id.label("ward_id"), I.establishment_id.label("eid"), I.started_at)
            .join(r, r.c.id == I.establishment_id).where(counted, I.ward_id.not_in(in_year)))
    return union(early, late).subquery("visits")


def replaced_done(r: Any, year: int, in_year: Any, scope: Scope, before: datetime | None) -> Any:
    """Distinct inspected businesses per ward of a year whose units were replaced during it."""
    visits = replaced_visits(r, year, in_year, before)
    return scoped(select(visits.c.ward_id, func.count(func.distinct(visits.c.eid)).label("n"))
                  .group_by(visits.c.ward_id), visits.c.ward_id, scope).subquery("done")




@dataclass(frozen=True)
class YearFrame:
    """What a year is counted in: its plan, the units in force on its start (``in_year``, ward ids) and the
    registry it reads (``registry``: the live table, or the versions recorded on ``read_on``)."""

    year: int
    plan: Plan | None
    start: date
    in_year: Any
    read_on: date
    registry: Any

    @property
    def source(self) -> str:
        """``live`` while the year's registry day has not passed, ``versions`` after."""
        return "live" if self.registry is E or self.registry is E.__table__ else "versions"

    @property
    def replaced(self) -> bool:
        """Whether a set of units came into force during the year (the registry is read on their last day)."""
        return self.read_on != year_bounds(self.year)[1]


async def year_frame(session: AsyncSession, year: int, today: date | None = None) -> YearFrame:
    plan = await plan_for(session, year)
    start = await units_day(session, year, plan)
    read_on = await registry_day(session, year, start)
    return YearFrame(year, plan, start, await in_force(session, start), read_on, registry_on(read_on, today))


def counts_query(frame: YearFrame, scope: Scope, before: datetime | None = None) -> Select[Any]:
    """Per ward in force (within the scope): ``(ward_id, open_n, inspected, others)``.

    Three aggregations joined to the wards: businesses open at the year's end (establishments only),
    the few others that were inspected (a semi-join from the small side), and the distinct inspected
    businesses per ward, streamed from the partial index ``ix_inspections_counted_ward`` alone.
    """
    year, r = frame.year, frame.registry
    still_open = scoped(
        select(r.c.ward_id.label("ward_id"), func.count().label("n"))
        .where(counted_at_end(r, year)).group_by(r.c.ward_id),
        r.c.ward_id, scope,
    ).subquery("still_open")
    others = scoped(
        select(r.c.ward_id.label("ward_id"), func.count().label("n"))
        .where(not_open_at_end(r, year), inspected_exists(r, year, before)).group_by(r.c.ward_id),
        r.c.ward_id, scope,
    ).subquery("others")
    done = replaced_done(r, year, frame.in_year, scope, before) if frame.replaced else scoped(
        select(I.ward_id.label("ward_id"), func.count(func.distinct(I.establishment_id)).label("n"))
        .where(counted_inspection(year, before)).group_by(I.ward_id),
        I.ward_id, scope,
    ).subquery("done")
    return scoped(
        select(Ward.id, func.coalesce(still_open.c.n, 0), func.coalesce(done.c.n, 0), func.coalesce(others.c.n, 0))
        .outerjoin(still_open, still_open.c.ward_id == Ward.id)
        .outerjoin(others, others.c.ward_id == Ward.id)
        .outerjoin(done, done.c.ward_id == Ward.id)
        .where(Ward.id.in_(frame.in_year)),
        Ward.id, scope,
    )


async def months_by_ward(session: AsyncSession, frame: YearFrame, scope: Scope) -> dict[int, list[int]]:
    """Per ward, the businesses first inspected in each local month of the year (12 counts, not cumulative;
    their sum over the year is the ward's numerator)."""
    year = frame.year
    if frame.replaced:  # the visits in later units count in their business's unit then
        v = replaced_visits(frame.registry, year, frame.in_year)
        firsts = scoped(select(v.c.ward_id, v.c.eid, func.min(v.c.started_at).label("first"))
                        .group_by(v.c.ward_id, v.c.eid), v.c.ward_id, scope).subquery("firsts")
    else:
        firsts = scoped(
            select(I.ward_id, I.establishment_id, func.min(I.started_at).label("first"))
            .where(counted_inspection(year), I.ward_id.in_(frame.in_year))
            .group_by(I.ward_id, I.establishment_id),
            I.ward_id, scope,
        ).subquery("firsts")
    starts = [local_midnight_utc(date(year, m, 1)) for m in range(2, 13)]
    month = case(*[(firsts.c.first < s, m) for m, s in enumerate(starts, start=1)], else_=12).label("month")
    out: dict[int, list[int]] = {}
    for ward_id, m, n in (await session.execute(select(firsts.c.ward_id, month, func.count())
                                                .group_by(firsts.c.ward_id, month))).all():
        out.setdefault(ward_id, [0] * 12)[int(m) - 1] = int(n)
    return out


async def city_team_by_ward(session: AsyncSession, year: int, scope: Scope) -> dict[int, int]:
    """Per ward of the visit, the distinct businesses inspected in ``year`` (not rejected) by city teams."""
    city_teams = select(Team.id).where(Team.kind == TeamKind.CITY.value)
    query = (select(I.ward_id, func.count(func.distinct(I.establishment_id)))
             .where(counted_inspection(year), I.team_id.in_(city_teams)).group_by(I.ward_id))
    return {ward_id: int(n) for ward_id, n in (await session.execute(scoped(query, I.ward_id, scope))).all()}


async def workers_by_ward(session: AsyncSession, frame: YearFrame, scope: Scope) -> dict[int, int]:
    """People working at the year's counted businesses (open at its end), per ward of the scope, where the
    registry knows them (``Establishment.workers``; it is not versioned: a closed year reads today's figure)."""
    r = frame.registry
    query = select(r.c.ward_id, func.sum(E.workers)).where(counted_at_end(r, frame.year), E.workers.is_not(None))
    if frame.source == "versions":
        query = query.join_from(r, E, E.id == r.c.id)
    query = scoped(query.group_by(r.c.ward_id), r.c.ward_id, scope)
    return {ward_id: int(n) for ward_id, n in (await session.execute(query)).all()}
