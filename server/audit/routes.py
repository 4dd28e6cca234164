"""The audit chain check, for the city office (the CLI runs the same service)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.services import Verdict, verify
from server.auth.models import Role
from server.guards import requires
from server.settings import Settings

city = [requires(Role.CITY_OFFICE, Role.ADMIN)]


@get("/api/v1/audit/verify", guards=city, operation_id="verifyAudit", tags=["audit"])
async def api_verify(db: NamedDependency[AsyncSession], settings: NamedDependency[Settings]) -> Verdict:
    return await verify(db, settings)


@get("/audit", guards=city, include_in_schema=False)
async def audit_page(db: NamedDependency[AsyncSession], settings: NamedDependency[Settings]) -> Template:
    return Template("audit.html", context={"verdict": await verify(db, settings)})


routes = [api_verify, audit_page]
