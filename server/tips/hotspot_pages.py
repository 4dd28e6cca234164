"""Hotspot pages: the register with its map layer and counts per ward, one hotspot with its history."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import AppError, problem_of
from server.guards import requires
from server.identity import CurrentUser
from server.people import directory
from server.security import request_nonce, with_nonce
from server.settings import Settings
from server.tips import hotspots, labels, services
from server.tips.choices import inspection_choices, tip_choices
from server.tips.forms import HotspotForm, HotspotStatusForm, convert
from server.tips.schemas import HotspotIn, HotspotStatusIn
from server.wards import list_wards

staff = [requires(*services.INTAKE_ROLES)]
managers = [requires(*services.MANAGERS)]


async def _register(db: AsyncSession, user: CurrentUser, settings: Settings, request: Request[Any, Any, Any],
                    form: HotspotForm | None = None, error: Any = None, status: int = 200,
                    status_filter: str | None = None) -> Template:
    items = await hotspots.list_hotspots(db, user, status=status_filter)
    map_html = with_nonce(await hotspots.map_html(db, user, items, settings.tile_url), request_nonce(request.scope))
    form = form or HotspotForm()
    may_create = user.has(*services.MANAGERS)
    pickers = {"tip_choices": await tip_choices(db, user, int(form.tip_id) if form.tip_id.isdigit() else None),
               "inspection_choices": await inspection_choices(db, user)} if may_create else {}
    return Template("hotspots.html", status_code=status, context={
        "L": labels, "items": items, "counts": await hotspots.counts(db, user), "map_html": map_html,
        "form": form, "error": error, "may_create": may_create, **pickers,
        "status_filter": status_filter or "", "wards": await list_wards(db, user)})


@get("/hotspots", guards=staff, include_in_schema=False)
async def hotspots_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                        settings: NamedDependency[Settings], request: Request[Any, Any, Any],
                        tip: FromQuery[str] = "", status: FromQuery[str] = "") -> Template:
    return await _register(db, user, settings, request, HotspotForm(tip_id=tip),
                           status_filter=status if status in labels.HOTSPOT_STATUSES else None)


@post("/hotspots", guards=managers, include_in_schema=False, status_code=303)
async def hotspot_create(data: URLEncodedBody[HotspotForm], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
                         request: Request[Any, Any, Any]) -> Response[Any]:
    try:
        spot = await hotspots.create_hotspot(db, user, convert(data, HotspotIn))
    except AppError as exc:
        await db.rollback()
        return await _register(db, user, settings, request, data, problem_of(exc), exc.status_code)
    return Redirect(f"/hotspots/{spot.id}", status_code=303)


async def _detail(db: AsyncSession, user: CurrentUser, hotspot_id: int, error: Any = None,
                  status: int = 200) -> Template:
    spot = await hotspots.get_hotspot(db, user, hotspot_id)
    return Template("hotspot.html", status_code=status, context={
        "L": labels, "h": spot, "next": sorted(hotspots.NEXT[spot.status]), "error": error,
        "may_change": user.has(*services.MANAGERS), "people": await directory(db)})


@get("/hotspots/{hotspot_id:int}", guards=staff, include_in_schema=False)
async def hotspot_page(hotspot_id: FromPath[int], db: NamedDependency[AsyncSession],
                       user: NamedDependency[CurrentUser]) -> Template:
    return await _detail(db, user, hotspot_id)


@post("/hotspots/{hotspot_id:int}/status", guards=managers, include_in_schema=False, status_code=303)
async def hotspot_status(hotspot_id: FromPath[int], data: URLEncodedBody[HotspotStatusForm],
                         db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Response[Any]:
    try:
        await hotspots.set_status(db, user, hotspot_id, convert(data, HotspotStatusIn))
    except AppError as exc:
        await db.rollback()
        if exc.status_code == 404:
            raise
        return await _detail(db, user, hotspot_id, problem_of(exc), exc.status_code)
    return Redirect(f"/hotspots/{hotspot_id}", status_code=303)


routes = [hotspots_page, hotspot_create, hotspot_page, hotspot_status]
