"""Wards: JSON list and the wards page (twins over one service)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.identity import CurrentUser
from server.wards.services import WardOut, list_wards


@get("/api/v1/wards", operation_id="listWards", tags=["wards"])
async def api_wards(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> list[WardOut]:
    return await list_wards(db, user)


@get("/wards", include_in_schema=False)
async def wards_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Template:
    wards = await list_wards(db, user)
    return Template("wards.html", context={"wards": wards, "total": sum(w.establishment_count for w in wards)})


routes = [api_wards, wards_page]
