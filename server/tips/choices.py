"""Tips and inspections chosen by name rather than typed by code: the candidates of the pickers (in the user's
ward scope) and the lookup of the one chosen, which checks that scope again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import AppError
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import parse_uuid
from server.inspections.models import Inspection
from server.labels import label
from server.registry.models import Establishment
from server.scope import scoped
from server.tips.models import Tip
from server.tips.places import invalid, valid_id

#: At most this many options in a picker, newest first.
LIMIT = 200
SUMMARY = 60


@dataclass(frozen=True)
class Choice:
    """One option: the value the form posts, the day it is known by, and what it is (a name, a summary)."""

    value: str
    at: datetime
    text: str


def _summary(tip: Tip, name: str | None) -> str:
    what = label(tip.subject, "subject") or label(tip.category, "category") or label(tip.channel, "channel")
    where = name or tip.address or tip.description[:SUMMARY]
    return " · ".join(part for part in (what, where) if part)


async def tip_choices(session: AsyncSession, user: CurrentUser, keep: int | None = None) -> list[Choice]:
    """The tips of the user's wards, newest first (and ``keep``, the one already chosen, if it is one of them)."""
    query = scoped(select(Tip, Establishment.name).outerjoin(Establishment, Establishment.id == Tip.establishment_id)
                   .where(Tip.ward_id.is_not(None)), Tip.ward_id, user)
    rows = list((await session.execute(query.order_by(Tip.received_at.desc(), Tip.id.desc()).limit(LIMIT))).all())
    if keep is not None and valid_id(keep) and all(tip.id != keep for tip, _name in rows):
        rows += (await session.execute(query.where(Tip.id == keep))).all()
    return [Choice(str(tip.id), tip.received_at, _summary(tip, name)) for tip, name in rows]


async def inspection_choices(session: AsyncSession, user: CurrentUser,
                             establishment_id: int | None = None) -> list[Choice]:
    """The inspections of the user's wards by business name, newest first; those of ``establishment_id`` (the
    business a tip is about) come first."""
    query = scoped(select(Inspection.uuid, Inspection.started_at, Establishment.name)
                   .join(Establishment, Establishment.id == Inspection.establishment_id), Inspection.ward_id, user)
    first = [(Inspection.establishment_id == establishment_id).desc()] if establishment_id is not None else []
    rows = await session.execute(query.order_by(*first, Inspection.started_at.desc(), Inspection.id.desc())
                                 .limit(LIMIT))
    return [Choice(uuid, started, name) for uuid, started, name in rows]


def _key(ref: str) -> ColumnElement[bool] | None:
    if ref.isdigit():
        return Inspection.id == int(ref) if valid_id(int(ref)) else None
    try:
        return Inspection.uuid == parse_uuid(ref)
    except AppError:
        return None


async def find_inspection(session: AsyncSession, user: CurrentUser, ref: str | None) -> Inspection:
    """The inspection chosen (its UUID, or its number from the API) within the user's wards, or a 422."""
    ref = (ref or "").strip()
    if not ref:
        raise invalid("inspection", "required", _("Hãy chọn một lượt kiểm tra."))
    key = _key(ref)
    found = None if key is None else await session.scalar(
        scoped(select(Inspection), Inspection.ward_id, user).where(key))
    if found is None:
        raise invalid("inspection", "not_found",
                      _("Không có lượt kiểm tra “{ref}” trong địa bàn của bạn.").format(ref=ref))
    return found
