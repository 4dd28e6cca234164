"""On time: the on-time ratio per month and year (per ward and for the city), and the reminders of a holder.

The rule (the year report's T3 comes from here too): a tip counts in the month it was received (Vietnamese time).
It is **late** when a step was done after its deadline (``missed_deadline``) or a running deadline has
passed (``next_due_at < now``); **on time** when it is resolved or suspended (a suspension is one of the
lawful decisions on a report, BLTTHS Đ147–148) and not late; otherwise **open** (still within its
deadlines) and left out of the ratio. ratio = on time / (on time + late); the target is 100 %.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.calendar import local_day, year_bounds_utc
from server.db import utcnow
from server.identity import CurrentUser
from server.scope import in_scope
from server.tips.models import Tip, TipStatus
from server.tips.schemas import OnTimeOut, OnTimeRow, RatioOut
from server.tips.services import READERS, base_query, tip_out, visible
from server.wards.models import Ward

TARGET = 1.0
RULE = ("late: a step done after its deadline or a running deadline passed; on time: resolved or suspended and "
        "not late; open tips are left out; month = month received (Asia/Ho_Chi_Minh)")
CLOSED = frozenset({TipStatus.RESOLVED.value, TipStatus.SUSPENDED.value})


def verdict(tip_status: str, missed: bool, next_due_at: datetime | None, now: datetime) -> str:
    """'late', 'on_time' or 'open' (the rule above)."""
    if missed or (next_due_at is not None and now > next_due_at):
        return "late"
    return "on_time" if tip_status in CLOSED else "open"


def _ratio(counts: dict[str, int]) -> RatioOut:
    done = counts["on_time"] + counts["late"]
    return RatioOut(counts["on_time"], counts["late"], counts["open"], counts["on_time"] / done if done else None)


def _empty() -> dict[str, int]:
    return {"on_time": 0, "late": 0, "open": 0}


async def _received_in(session: AsyncSession, user: CurrentUser, year: int) -> list[Any]:
    """The tips received in ``year`` (Vietnamese time) that the user may see, with their ward."""
    start, end = year_bounds_utc(year)
    query = visible(select(Tip.received_at, Tip.status, Tip.missed_deadline, Tip.next_due_at, Ward.code,
                           Ward.full_name).outerjoin(Ward, Ward.id == Tip.ward_id), user)
    return list((await session.execute(query.where(Tip.received_at >= start, Tip.received_at < end))).all())


async def on_time_counts(session: AsyncSession, user: CurrentUser, year: int, now: datetime | None = None
                      ) -> dict[str, int]:
    """T3 for the year report, by the same rule: received, on time, late (done late), overdue (still open
    and late), running (open within its deadlines)."""
    now = now or utcnow()
    counts = dict.fromkeys(("received", "on_time", "late", "overdue", "running"), 0)
    for _received, status, missed, due, *_ in await _received_in(session, user, year):
        v = verdict(status, missed, due, now)
        counts["received"] += 1
        counts["running" if v == "open" else "overdue" if v == "late" and status not in CLOSED else v] += 1
    return counts


async def on_time(session: AsyncSession, user: CurrentUser, year: int, now: datetime | None = None) -> OnTimeOut:
    """The on-time ratio of the tips received in ``year``, month by month, per ward and for the city (scope)."""
    now = now or utcnow()
    rows = await _received_in(session, user, year)
    city: list[dict[str, int]] = [_empty() for _ in range(12)]
    wards: dict[str | None, tuple[str, list[dict[str, int]]]] = {}
    for received, status, missed, due, code, name in rows:
        month = local_day(received).month - 1
        v = verdict(status, missed, due, now)
        city[month][v] += 1
        wards.setdefault(code, (name or "", [_empty() for _ in range(12)]))[1][month][v] += 1

    def row(code: str | None, name: str, months: list[dict[str, int]]) -> OnTimeRow:
        total = _empty()
        for m in months:
            for k in total:
                total[k] += m[k]
        return OnTimeRow(code, name, [_ratio(m) for m in months], _ratio(total))

    return OnTimeOut(year, TARGET, RULE, row(None, "", city),
                     [row(code, name, months) for code, (name, months) in sorted(wards.items(), key=_ward_key)])


def _ward_key(item: tuple[str | None, Any]) -> str:
    return item[0] or "~"


async def reminders(session: AsyncSession, user: CurrentUser, within: timedelta = timedelta(hours=24),
                    limit: int = 20) -> dict[str, Any]:
    """The tips this user holds whose running deadline has passed or falls within ``within``.

    A tip is held by its handler; before it has one, by the ward police of its ward (the city office for a
    tip with no ward yet).
    """
    now = utcnow()
    held = [Tip.handler_id == user.id]
    if user.has(Role.WARD_POLICE) and user.ward_ids:
        held.append((Tip.handler_id.is_(None)) & in_scope(Tip.ward_id, user))
    if user.has(Role.CITY_OFFICE):
        held.append((Tip.handler_id.is_(None)) & Tip.ward_id.is_(None))
    if not user.has(*READERS):
        held = held[:1]
    query = base_query().where(or_(*held), Tip.next_due_at.is_not(None), Tip.next_due_at <= now + within)
    rows = (await session.execute(query.order_by(Tip.next_due_at).limit(limit))).all()
    items = [tip_out(t, w, e, h, now) for t, w, e, h in rows]
    return {"items": items, "overdue": sum(1 for i in items if i.overdue)}
