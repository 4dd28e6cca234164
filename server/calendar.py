"""The local calendar: what day and year it is in Vietnam, and where a local day or year begins in UTC.

Datetimes are stored in UTC; days, years and deadlines are Vietnamese (Asia/Ho_Chi_Minh, UTC+7 all
year). Every "today", "this year", midnight and year bound in the app comes from here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.planning.models import Plan

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_now() -> datetime:
    """Now, as an aware datetime in Vietnamese time."""
    return datetime.now(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def local_day(value: datetime) -> date:
    """The Vietnamese calendar day of an aware instant."""
    return value.astimezone(LOCAL_TZ).date()


def local_year(value: datetime) -> int:
    return value.astimezone(LOCAL_TZ).year


def as_local(value: datetime) -> datetime:
    """An aware datetime as is; a naive one (a form's datetime-local field) read as Vietnamese time."""
    return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


def local_midnight(day: date) -> datetime:
    """The instant ``day`` begins in Vietnam (aware, Vietnamese time)."""
    return datetime.combine(day, time(0), tzinfo=LOCAL_TZ)


def local_midnight_utc(day: date) -> datetime:
    """The UTC instant at which ``day`` begins in Vietnamese time."""
    return local_midnight(day).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The instant ``day`` ends in Vietnam: the next day's midnight (aware, Vietnamese time)."""
    return local_midnight(day + timedelta(days=1))


def parse_day(text: str) -> date:
    """A day as people type it, ``dd/mm/yyyy`` (or ``yyyy-mm-dd`` from a date picker); ValueError otherwise."""
    text = text.strip()
    if "/" in text:
        d, m, y = (int(x) for x in text.split("/"))
        return date(y, m, d)
    return date.fromisoformat(text)


def year_bounds(year: int) -> tuple[date, date]:
    """The first and last day of a calendar year."""
    return date(year, 1, 1), date(year, 12, 31)


def year_bounds_utc(year: int) -> tuple[datetime, datetime]:
    """The UTC instants at which a Vietnamese year begins and the next one begins (half-open)."""
    return local_midnight_utc(date(year, 1, 1)), local_midnight_utc(date(year + 1, 1, 1))


async def plan_covering(session: AsyncSession, day: date | None = None) -> int | None:
    """The year of the plan whose period holds ``day`` (default: today), or None."""
    day = day or local_today()
    return await session.scalar(select(Plan.year).where(Plan.starts_on <= day, Plan.ends_on >= day)
                                .order_by(Plan.year.desc()).limit(1))


async def plan_gap(session: AsyncSession, day: date | None = None) -> bool:
    """True when no plan holds ``day`` (default: today): a page that opened on ``plan_year`` then says which
    year it shows (``_plan_banner.html``, included by ``base.html`` when the context has ``plan_gap``)."""
    return await plan_covering(session, day) is None


async def plan_year(session: AsyncSession, day: date | None = None) -> int:
    """The plan year every page and endpoint opens on: the plan whose period holds ``day`` (default: today);
    with none, the newest plan that ended before it (``plan_covering`` is then None: the pages say so and
    link to creating one), else the first plan to come, else the day's own year."""
    day = day or local_today()
    covering = await plan_covering(session, day)
    if covering is not None:
        return int(covering)
    before = await session.scalar(select(func.max(Plan.year)).where(Plan.ends_on < day))
    if before is not None:
        return int(before)
    after = await session.scalar(select(func.min(Plan.year)))
    return int(after) if after is not None else day.year
