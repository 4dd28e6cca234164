"""A new set of units coming into force: the units in force end the day before, the new ones start.

The registry, the users' scopes and the audit follow in ``server.registry.unit_imports`` (this package is the
lowest domain: it knows the wards table only).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.units import PROBLEMS, Unit, UnitsProblem, derive_mapping, read_units
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.scope import in_force
from server.wards.models import Ward

MAX_UNITS = 20_000


@dataclass(frozen=True)
class UnitChange:
    """The units that ended (in force the day before), the new ones by code, and old code -> new codes."""

    valid_from: date
    ended: list[Ward]
    new: dict[str, Ward]
    mapping: dict[str, list[str]]


def parse_units(content: bytes) -> list[Unit]:
    """The units of an uploaded GeoJSON file, or a 422 naming every problem."""
    try:
        collection = json.loads(content)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise AppError(422, "invalid_geojson", _("Tệp không phải là JSON."),
                       [FieldError("file", "not_json", _("Hãy chọn một tệp GeoJSON."))]) from None
    try:
        units = read_units(collection)
    except UnitsProblem as problem:
        raise AppError(422, "invalid_geojson", _("Không thể nhập các đơn vị trong tệp; hãy xem các lỗi kèm theo."),
                       [FieldError(f"file.{path}".rstrip("."), code, PROBLEMS[code])
                        for path, code in problem.problems[:50]]) from None
    if len(units) > MAX_UNITS:
        raise AppError(422, "invalid_geojson", _("Tệp có nhiều hơn {n} đơn vị.").format(n=MAX_UNITS),
                       [FieldError("file", "too_many",
                                   _("Một tệp chỉ được có tối đa {n} đơn vị.").format(n=MAX_UNITS))])
    return units


def parse_mapping(raw: Any) -> dict[str, list[str]]:
    """``{"old code": "new code" | ["new code", ...]}`` (JSON text or already decoded), or a 422."""
    if raw is None or raw == "":
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str | bytes) else raw
    except (ValueError, RecursionError):
        value = None
    bad = AppError(422, "invalid_mapping",
                   _("Bảng chuyển đổi phải ghép mỗi mã cũ với một mã mới hoặc một danh sách mã mới."),
                   [FieldError("mapping", "invalid_mapping",
                               _("Hãy ghi mỗi mã cũ kèm một mã mới hoặc một danh sách mã mới."))])
    if not isinstance(value, Mapping):
        raise bad
    out: dict[str, list[str]] = {}
    for old, new in value.items():
        targets = [new] if isinstance(new, str) else new
        if not isinstance(targets, list) or not targets or not all(isinstance(t, str) for t in targets):
            raise bad
        out[str(old)] = [t.strip() for t in targets]
    return out


async def replace_units(session: AsyncSession, units: list[Unit], valid_from: date,
                        given: Mapping[str, list[str]] | None = None) -> UnitChange:
    """End the units in force the day before ``valid_from`` (or the newest set held): ``valid_to`` = the
    day before; insert ``units`` from that day. Refused (409) when a set already starts on or after it."""
    later = await session.scalar(select(Ward.valid_from).where(Ward.valid_from >= valid_from).limit(1))
    if later is not None:
        raise AppError(409, "units_overlap", _("Đã có một bộ đơn vị có hiệu lực từ ngày {day}.").format(
            day=later.strftime("%d/%m/%Y")),
                       [FieldError("valid_from", "overlap",
                                   _("Ngày hiệu lực phải sau ngày bắt đầu của bộ đơn vị mới nhất."))])
    day_before = valid_from - timedelta(days=1)
    ended = list((await session.scalars(
        select(Ward).where(Ward.id.in_(await in_force(session, day_before))).order_by(Ward.code))).all())
    mapping = derive_mapping([(w.code, w.full_name) for w in ended], units, given)
    old_codes, new_codes = {w.code for w in ended}, {u.code for u in units}
    errors = [FieldError(f"mapping.{old}", "unknown_old",
                         _("Mã cũ “{code}” không phải đơn vị có hiệu lực vào ngày trước đó.").format(code=old))
              for old in mapping if old not in old_codes]
    errors += [FieldError(f"mapping.{old}", "unknown_new", _("Mã mới “{code}” không có trong tệp.").format(code=new))
               for old, targets in mapping.items() for new in targets if new not in new_codes]
    if errors:
        raise AppError(422, "invalid_mapping", _("Bảng chuyển đổi có mã đơn vị không tồn tại."), errors[:50])
    for ward in ended:
        if ward.valid_to is None or ward.valid_to > day_before:
            ward.valid_to = day_before
    new = {u.code: Ward(code=u.code, name=u.name, full_name=u.full_name, kind=u.kind, geometry=u.geometry,
                        valid_from=valid_from, valid_to=None) for u in units}
    session.add_all(new.values())
    await session.flush()
    return UnitChange(valid_from, ended, new, mapping)
