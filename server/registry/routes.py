"""Registry API: list, read, create and edit establishments, the ward at a point, confirming a proposed
point. Reads are for every role inside its ward scope; writes for team leads, the city office and admins."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Request, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.guards import requires
from server.identity import CurrentUser
from server.registry.editing import confirm_proposed_point, create_establishment, update_establishment
from server.registry.locating import locator_for
from server.registry.models import EstablishmentStatus, EstablishmentType
from server.registry.schemas import (
    EstablishmentIn,
    EstablishmentOut,
    EstablishmentPage,
    EstablishmentUpdate,
    WardLookupOut,
)
from server.registry.services import get_establishment, list_establishments

EDITORS = (Role.TEAM_LEAD, Role.CITY_OFFICE, Role.ADMIN)
editors = [requires(*EDITORS)]


@get("/api/v1/establishments", operation_id="listEstablishments", tags=["registry"])
async def api_establishments(
    db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser],
    ward: Annotated[str | None, QueryParameter(max_length=10, pattern=r"^\d{1,10}$")] = None,
    type: FromQuery[EstablishmentType | None] = None,
    status: FromQuery[EstablishmentStatus | None] = None,
    q: Annotated[str | None, QueryParameter(max_length=200)] = None,
    never_inspected: FromQuery[bool] = False,
    inspected_before: FromQuery[date | None] = None,
    inspected_since: FromQuery[date | None] = None,
    proposed_point: FromQuery[bool] = False,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    offset: Annotated[int, QueryParameter(ge=0)] = 0,
) -> EstablishmentPage:
    return await list_establishments(
        db, user, ward=ward, type=type, status=status, q=q, never_inspected=never_inspected,
        inspected_before=inspected_before, inspected_since=inspected_since, proposed_point=proposed_point,
        limit=limit, offset=offset,
    )


@get("/api/v1/establishments/{establishment_id:int}", operation_id="getEstablishment", tags=["registry"])
async def api_establishment(
    establishment_id: FromPath[int], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]
) -> EstablishmentOut:
    return await get_establishment(db, user, establishment_id)


@post("/api/v1/establishments", guards=editors, operation_id="createEstablishment", tags=["registry"],
      status_code=201)
async def api_create_establishment(
    data: JSONBody[EstablishmentIn], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser],
) -> EstablishmentOut:
    created = await create_establishment(db, user, await locator_for(request.app.state, db), data)
    return await get_establishment(db, user, created.id)


@patch("/api/v1/establishments/{establishment_id:int}", guards=editors, operation_id="updateEstablishment",
       tags=["registry"])
async def api_update_establishment(
    establishment_id: FromPath[int], data: JSONBody[EstablishmentUpdate], request: Request[Any, Any, Any],
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
) -> EstablishmentOut:
    await update_establishment(db, user, await locator_for(request.app.state, db), establishment_id, data)
    return await get_establishment(db, user, establishment_id)


@post("/api/v1/establishments/{establishment_id:int}/confirm-point", guards=editors,
      operation_id="confirmProposedPoint", tags=["registry"], status_code=200)
async def api_confirm_point(
    establishment_id: FromPath[int], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser],
) -> EstablishmentOut:
    await confirm_proposed_point(db, user, await locator_for(request.app.state, db), establishment_id)
    return await get_establishment(db, user, establishment_id)


@get("/api/v1/wards/locate", operation_id="locateWard", tags=["wards"])
async def api_locate_ward(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    lat: Annotated[float, QueryParameter(ge=-90, le=90)], lon: Annotated[float, QueryParameter(ge=-180, le=180)],
) -> WardLookupOut:
    ward = (await locator_for(request.app.state, db)).locate(lat, lon)
    return WardLookupOut(lat, lon, ward.code if ward else None, ward.full_name if ward else None)


routes = [api_establishments, api_establishment, api_create_establishment, api_update_establishment,
          api_confirm_point, api_locate_ward]
