"""A new set of administrative units: the wards change (``server.wards``), then everything that lives in a ward
follows, in one transaction, audited as ``ward.import``.

- **Businesses** of the units that ended go to the new unit holding their point (or, just outside every unit,
  the nearest within ``maps.units.NEAR_M``); those without a point (or far outside) go by the mapping when it
  names one unit; the others stay where they were and are listed as unplaced.
- **The registry's versions** move on the day the units came into force, not on the day of the import: the
  version in force then ends that day and a copy in the new unit starts; versions recorded later in an old
  unit (the import came late) are put in the new unit. So the years before keep their units and figures.
- **Visits** made on or after that day but recorded in an old unit (the import came late) follow their business.
- **Users' ward scopes** follow the mapping (``server.auth.follow_ward_mapping``).
"""

from __future__ import annotations

from datetime import date

import msgspec
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from maps.units import place
from maps.wards import WardIndex
from server.audit import Action, record
from server.auth import follow_ward_mapping
from server.calendar import local_midnight_utc
from server.inspections.models import Inspection
from server.registry.models import Establishment, EstablishmentVersion
from server.registry.versions import COUNTED
from server.wards import parse_mapping, parse_units, replace_units

E, V = Establishment, EstablishmentVersion


class UnitMoves(msgspec.Struct):
    """What became of one old unit's businesses."""

    code: str
    full_name: str
    businesses: int
    by_point: int
    by_mapping: int
    unplaced: int
    to: list[str]
    unplaced_ids: list[int]


class UnitImportReport(msgspec.Struct):
    valid_from: str
    ended: int
    created: int
    mapping: dict[str, list[str]]
    moved: int
    by_point: int
    by_mapping: int
    unplaced: int
    visits_moved: int
    users: int
    wards: list[UnitMoves]


def _placements(index: WardIndex, mapping: dict[str, list[str]], old_code: str,
                rows: list[tuple[int, float | None, float | None]]) -> tuple[dict[int, str], UnitMoves]:
    placed: dict[int, str] = {}
    by_point = by_mapping = 0
    unplaced: list[int] = []
    targets = mapping.get(old_code, [])
    for eid, lat, lon in rows:
        code = place(index, lat, lon) if lat is not None and lon is not None else None
        if code is not None:
            placed[eid], by_point = code, by_point + 1
        elif len(targets) == 1:
            placed[eid], by_mapping = targets[0], by_mapping + 1
        else:
            unplaced.append(eid)
    return placed, UnitMoves(old_code, "", len(rows), by_point, by_mapping, len(unplaced), targets, unplaced)


async def _move_versions(session: AsyncSession, ended_ids: list[int], new_ward: dict[int, int], day: date) -> None:
    """The versions in an old unit in force on or after ``day``: split at ``day`` (the copy in the new unit),
    or put in the new unit when they start on or after it."""
    rows = (await session.execute(
        select(V.id, V.establishment_id, V.recorded_from, V.recorded_to, *(V.__table__.c[f] for f in COUNTED))
        .where(V.ward_id.in_(ended_ids), (V.recorded_to.is_(None)) | (V.recorded_to > day)))).all()
    ends, copies, moves = [], [], []
    for row in rows:
        ward = new_ward.get(row.establishment_id)
        if ward is None:
            continue
        if row.recorded_from < day:
            ends.append({"id": row.id, "recorded_to": day})
            copies.append({"establishment_id": row.establishment_id, "recorded_from": day,
                           "recorded_to": row.recorded_to, **{f: getattr(row, f) for f in COUNTED},
                           "ward_id": ward})
        else:
            moves.append({"id": row.id, "ward_id": ward})
    if ends or moves:
        await session.execute(update(V), ends + moves)
    if copies:
        await session.execute(insert(V), copies)


async def import_units(session: AsyncSession, actor_id: int | None, content: bytes, valid_from: date,
                       mapping: object = None) -> UnitImportReport:
    """Import the units of a GeoJSON file in force from ``valid_from`` (see the module's docstring)."""
    units = parse_units(content)
    change = await replace_units(session, units, valid_from, parse_mapping(mapping))
    index = WardIndex({"properties": {"code": u.code}, "geometry": u.geometry} for u in units)
    new_ids = {code: ward.id for code, ward in change.new.items()}
    ended_ids = [w.id for w in change.ended]
    rows = (await session.execute(select(E.id, E.ward_id, E.lat, E.lon).where(E.ward_id.in_(ended_ids))
                                  .order_by(E.id))).all()
    by_ward: dict[int, list[tuple[int, float | None, float | None]]] = {}
    for eid, ward_id, lat, lon in rows:
        by_ward.setdefault(ward_id, []).append((eid, lat, lon))
    new_ward: dict[int, int] = {}
    report: list[UnitMoves] = []
    for ward in change.ended:
        placed, moves = _placements(index, change.mapping, ward.code, by_ward.get(ward.id, []))
        moves.full_name = ward.full_name
        moves.to = sorted(set(moves.to) | set(placed.values()))
        new_ward |= {eid: new_ids[code] for eid, code in placed.items()}
        report.append(moves)
    if new_ward:
        await session.execute(update(E), [{"id": eid, "ward_id": w} for eid, w in new_ward.items()])
        await _move_versions(session, ended_ids, new_ward, valid_from)
    visits = 0
    if ended_ids:
        current = select(E.ward_id).where(E.id == Inspection.establishment_id).scalar_subquery()
        result = await session.execute(
            update(Inspection).where(Inspection.ward_id.in_(ended_ids),
                                     Inspection.started_at >= local_midnight_utc(valid_from),
                                     Inspection.establishment_id.in_(select(E.id).where(E.ward_id.not_in(ended_ids))))
            .values(ward_id=current).execution_options(synchronize_session=False))
        visits = result.rowcount or 0  # type: ignore[attr-defined]
    by_code = {w.code: w.id for w in change.ended}
    users = await follow_ward_mapping(session, {by_code[old]: [new_ids[n] for n in targets]
                                                for old, targets in change.mapping.items()})
    out = UnitImportReport(
        valid_from=valid_from.isoformat(), ended=len(change.ended), created=len(change.new),
        mapping=dict(sorted(change.mapping.items())), moved=len(new_ward),
        by_point=sum(m.by_point for m in report), by_mapping=sum(m.by_mapping for m in report),
        unplaced=sum(m.unplaced for m in report), visits_moved=visits, users=len(users), wards=report)
    await record(session, actor_id, Action.WARD_IMPORT, "wards", valid_from.isoformat(),
                 before={"codes": sorted(by_code)},
                 after={"codes": sorted(new_ids), "mapping": out.mapping, "moved": out.moved,
                        "by_point": out.by_point, "by_mapping": out.by_mapping, "unplaced": out.unplaced,
                        "visits_moved": visits, "users": sorted(users)})
    return out
