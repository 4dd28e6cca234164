"""Tip and hotspot JSON API (the pages in ``server/tips/pages.py`` call the same services)."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import plan_year
from server.guards import requires
from server.identity import CurrentUser
from server.settings import Settings
from server.tips import hotspots, ontime, services
from server.tips.models import HotspotStatus, TipCategory, TipStatus
from server.tips.schemas import (
    HotspotCount,
    HotspotIn,
    HotspotOut,
    HotspotStatusIn,
    OnTimeOut,
    ReporterOut,
    TipActionIn,
    TipDetail,
    TipIn,
    TipPage,
)

intake = [requires(*services.INTAKE_ROLES)]
staff = [requires(*services.INTAKE_ROLES)]
Year = Annotated[int | None, QueryParameter(ge=2000, le=2100)]
WardCode = Annotated[str | None, QueryParameter(max_length=10, pattern=r"^\d{1,10}$")]


@post("/api/v1/tips", guards=intake, operation_id="createTip", tags=["tips"], status_code=201)
async def api_create_tip(data: JSONBody[TipIn], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser], settings: NamedDependency[Settings]) -> TipDetail:
    tip = await services.create_tip(db, user, data, settings.clock_skew_minutes)
    return await services.get_tip(db, user, tip.id)


@get("/api/v1/tips", guards=staff, operation_id="listTips", tags=["tips"])
async def api_tips(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    overdue: FromQuery[bool | None] = None, status: FromQuery[TipStatus | None] = None, ward: WardCode = None,
    category: FromQuery[TipCategory | None] = None, mine: FromQuery[bool] = False,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50, offset: Annotated[int, QueryParameter(ge=0)] = 0,
) -> TipPage:
    return await services.list_tips(db, user, overdue=overdue, status=status, ward=ward, category=category,
                                    mine=mine, limit=limit, offset=offset)


@get("/api/v1/tips/on-time", guards=staff, operation_id="tipsOnTime", tags=["tips"])
async def api_on_time(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                      year: Year = None) -> OnTimeOut:
    return await ontime.on_time(db, user, year or await plan_year(db))


@get("/api/v1/tips/{tip_id:int}", guards=staff, operation_id="getTip", tags=["tips"])
async def api_tip(tip_id: FromPath[int], db: NamedDependency[AsyncSession],
                  user: NamedDependency[CurrentUser]) -> TipDetail:
    return await services.get_tip(db, user, tip_id)


@post("/api/v1/tips/{tip_id:int}/actions", guards=staff, operation_id="actOnTip", tags=["tips"], status_code=200)
async def api_act(tip_id: FromPath[int], data: JSONBody[TipActionIn], db: NamedDependency[AsyncSession],
                  user: NamedDependency[CurrentUser]) -> TipDetail:
    await services.act(db, user, tip_id, data)
    return await services.get_tip(db, user, tip_id)


@post("/api/v1/tips/{tip_id:int}/reporter", guards=staff, operation_id="revealTipReporter", tags=["tips"],
      status_code=200)
async def api_reveal(tip_id: FromPath[int], db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser]) -> ReporterOut:
    """The reporter's identity: city office and the assigned handler only; each call is audited."""
    return await services.reveal_reporter(db, user, tip_id)


@get("/api/v1/hotspots", guards=staff, operation_id="listHotspots", tags=["hotspots"])
async def api_hotspots(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                       status: FromQuery[HotspotStatus | None] = None, ward: WardCode = None) -> list[HotspotOut]:
    return await hotspots.list_hotspots(db, user, status=status, ward=ward)


@get("/api/v1/hotspots/counts", guards=staff, operation_id="hotspotCounts", tags=["hotspots"])
async def api_hotspot_counts(db: NamedDependency[AsyncSession],
                             user: NamedDependency[CurrentUser]) -> list[HotspotCount]:
    return await hotspots.counts(db, user)


@post("/api/v1/hotspots", guards=[requires(*services.MANAGERS)], operation_id="createHotspot", tags=["hotspots"],
      status_code=201)
async def api_create_hotspot(data: JSONBody[HotspotIn], db: NamedDependency[AsyncSession],
                             user: NamedDependency[CurrentUser]) -> HotspotOut:
    spot = await hotspots.create_hotspot(db, user, data)
    return await hotspots.get_hotspot(db, user, spot.id)


@get("/api/v1/hotspots/{hotspot_id:int}", guards=staff, operation_id="getHotspot", tags=["hotspots"])
async def api_hotspot(hotspot_id: FromPath[int], db: NamedDependency[AsyncSession],
                      user: NamedDependency[CurrentUser]) -> HotspotOut:
    return await hotspots.get_hotspot(db, user, hotspot_id)


@post("/api/v1/hotspots/{hotspot_id:int}/status", guards=[requires(*services.MANAGERS)],
      operation_id="setHotspotStatus", tags=["hotspots"], status_code=200)
async def api_hotspot_status(hotspot_id: FromPath[int], data: JSONBody[HotspotStatusIn],
                             db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> HotspotOut:
    await hotspots.set_status(db, user, hotspot_id, data)
    return await hotspots.get_hotspot(db, user, hotspot_id)


routes = [api_create_tip, api_tips, api_on_time, api_tip, api_act, api_reveal, api_hotspots, api_hotspot_counts,
          api_create_hotspot, api_hotspot, api_hotspot_status]
