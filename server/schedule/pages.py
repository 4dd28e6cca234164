"""Schedule pages: the capacity table the city office edits, and the planner's week on a map where the lead moves
stops and publishes the days. Same services as the API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.render import map_fragment
from maps.schedule_map import DayRoute, schedule_map
from server.calendar import local_today, parse_day
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.planning import DEFAULT_CITY_TEAM, DEFAULT_WARD_RATIO, plan_for
from server.planning.models import Team
from server.redirects import post_redirect
from server.registry import locator_for
from server.registry.models import Establishment
from server.schedule.drafts import get_draft, move_stop, publish
from server.schedule.models import ScheduleDraft
from server.schedule.routes import LEADS, PLANNERS
from server.schedule.schemas import MoveIn, PublishIn, ScheduleIn
from server.schedule.services import latest_forecast, plan_schedule, planned_teams, schedule_year
from server.security import request_nonce, with_nonce
from server.settings import Settings

LEAFLET = "/vendor/leaflet"
PAGE_TIME_LIMIT_S = 10.0


def _day(text: str, field: str) -> date | None:
    if not text.strip():
        return None
    try:
        return parse_day(text)
    except ValueError:
        raise msgspec.ValidationError(_("{field}: ngày không hợp lệ (dd/mm/yyyy).").format(field=field)) from None


async def _week_map(request: Request[Any, Any, Any], db: AsyncSession, settings: Settings,
                    days: list[Any], teams: dict[int, Team], names: dict[int, Establishment]) -> str:
    if not days:
        return ""
    routes = []
    for d in days:
        stops = [(names[s.establishment_id].lat, names[s.establishment_id].lon, names[s.establishment_id].name)
                 for s in d.stops if s.establishment_id in names]
        team = teams[d.team_id]
        base = (team.base_lat, team.base_lon) if team.base_lat is not None and team.base_lon is not None else (
            sum(s[0] for s in stops) / len(stops), sum(s[1] for s in stops) / len(stops))
        routes.append(DayRoute(f"{team.name} · {d.date:%d/%m}", base, stops))
    locator = await locator_for(request.app.state, db)
    m = schedule_map(routes, locator.geojson(), settings.tile_url or None, LEAFLET, base_label=_("Trụ sở"),
                     height="520px")
    return with_nonce(map_fragment(m), request_nonce(request.scope))


async def _render(request: Request[Any, Any, Any], db: AsyncSession, user: CurrentUser, settings: Settings,
                  year: int, draft: int | None, week: date | None, error: str, published: int | None,
                  team: int | None = None) -> Template:
    context: dict[str, Any] = {"year": year, "error": error, "published": published, "draft": None, "days": [],
                               "map": "", "today": local_today(),
                               "no_plan": None if await plan_for(db, year) else (DEFAULT_WARD_RATIO, DEFAULT_CITY_TEAM)}
    teams = {t.id: t for t in await planned_teams(db, user, None)}
    if draft is not None:
        row, days = await get_draft(db, user, draft)
        first = week or max(row.starts_on, local_today())
        first -= timedelta(days=first.weekday())
        shown = [d for d in days if first <= d.date < first + timedelta(days=7) and team in (None, d.team_id)]
        ids = {s.establishment_id for d in shown for s in d.stops}
        names = {e.id: e for e in (await db.scalars(select(Establishment).where(Establishment.id.in_(ids)))).all()}
        context.update(draft=row, days=shown, names=names, teams=teams, week=first, week_end=first + timedelta(days=6),
                       prev_week=first - timedelta(days=7), next_week=first + timedelta(days=7),
                       total_days=len(days), total_stops=sum(len(d.stops) for d in days),
                       map=await _week_map(request, db, settings, shown, teams, names))
    _planned, forecast = await latest_forecast(db, user, year)
    context.update(forecast=forecast, team_list=list(teams.values()), team=team)
    return Template("schedule.html", context=context)


@get("/schedule", guards=PLANNERS, include_in_schema=False)
async def schedule_page(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings], draft: Annotated[int | None, QueryParameter(ge=1)] = None,
    week: FromQuery[date | None] = None, error: FromQuery[str] = "",
    published: Annotated[int | None, QueryParameter(ge=0)] = None,
    team: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> Template:
    """A draft's week, of one team or all (default: the newest draft of the plan year the user made, or one for
    every team)."""
    year = await schedule_year(db)
    if draft is None:
        draft = await db.scalar(select(ScheduleDraft.id).where(
            ScheduleDraft.year == year,
            or_(ScheduleDraft.created_by == user.id, ScheduleDraft.full.is_(True)))
            .order_by(ScheduleDraft.id.desc()).limit(1))
    return await _render(request, db, user, settings, year, draft, week, error, published, team)


@post("/schedule", guards=PLANNERS, include_in_schema=False, status_code=303)
async def schedule_submit(data: URLEncodedBody[dict[str, str]], db: NamedDependency[AsyncSession],
                          user: NamedDependency[CurrentUser]) -> Redirect:
    made: list[int] = []

    async def run() -> None:
        body = ScheduleIn(year=await schedule_year(db), from_=_day(data.get("from", ""), _("Từ ngày")),
                          to=_day(data.get("to", ""), _("Đến ngày")), time_limit_s=PAGE_TIME_LIMIT_S,
                          replan_published=data.get("replan_published") == "1")
        made.append((await plan_schedule(db, user, body)).draft_id)

    redirect = await post_redirect(db, "/schedule", run)
    return Redirect(f"/schedule?draft={made[0]}", status_code=303) if made else redirect


@post("/schedule/drafts/{draft_id:int}/move", guards=PLANNERS, include_in_schema=False, status_code=303)
async def move_submit(draft_id: FromPath[int], data: URLEncodedBody[dict[str, str]],
                      db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    async def move() -> None:
        try:
            body = MoveIn(int(data.get("establishment_id", "")), _day(data.get("date", ""), _("Ngày")) or date.min,
                          int(data.get("team_id", "")))
        except ValueError:
            raise msgspec.ValidationError(_("Hãy chọn cơ sở, đoàn, tổ và ngày.")) from None
        await move_stop(db, user, draft_id, body)

    try:
        week = f"&week={date.fromisoformat(data.get('week', '')).isoformat()}"
    except ValueError:
        week = ""
    return await post_redirect(db, "/schedule", move, done=f"/schedule?draft={draft_id}{week}")


@post("/schedule/drafts/{draft_id:int}/publish", guards=LEADS, include_in_schema=False, status_code=303)
async def publish_submit(draft_id: FromPath[int], data: URLEncodedBody[dict[str, str]],
                         db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    out: list[int] = []

    async def run() -> None:
        body = PublishIn(_day(data.get("from", ""), _("Từ ngày")), _day(data.get("to", ""), _("Đến ngày")))
        out.append(len((await publish(db, user, draft_id, body)).assignment_ids))

    redirect = await post_redirect(db, "/schedule", run)
    return Redirect(f"/schedule?draft={draft_id}&published={out[0]}", status_code=303) if out else redirect


routes = [schedule_page, schedule_submit, move_submit,
          publish_submit]
