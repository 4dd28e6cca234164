"""The home page: one per role, each showing what that role acts on first."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.guards import PUBLIC
from server.home import home_context
from server.identity import CurrentUser


@get("/", include_in_schema=False)
async def home(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Template:
    return Template("home.html", context=await home_context(db, user))


@get("/health", opt=PUBLIC, operation_id="health", tags=["ops"])
async def health(db: NamedDependency[AsyncSession]) -> dict[str, str]:
    await db.scalar(select(func.count()).select_from(select(1).subquery()))
    return {"status": "ok"}


routes = [home, health]
