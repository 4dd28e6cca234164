"""The audit chain check, for the city office (the CLI runs the same service)."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.services import Verdict, verify
from server.auth.guards import requires
from server.auth.models import Role

city = [requires(Role.CITY_OFFICE, Role.ADMIN)]


@get("/api/v1/audit/verify", guards=city, operation_id="verifyAudit", tags=["audit"])
async def api_verify(db: NamedDependency[AsyncSession]) -> Verdict:
    return await verify(db)


@get("/audit", guards=city, include_in_schema=False)
async def audit_page(db: NamedDependency[AsyncSession]) -> Template:
    return Template("audit.html", context={"verdict": await verify(db)})


routes = [api_verify, audit_page]
