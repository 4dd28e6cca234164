"""Registry endpoints: list and read establishments within the user's ward scope."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.identity import CurrentUser
from server.registry.models import EstablishmentStatus, EstablishmentType
from server.registry.schemas import EstablishmentOut, EstablishmentPage
from server.registry.services import get_establishment, list_establishments


@get("/api/v1/establishments", operation_id="listEstablishments", tags=["registry"])
async def api_establishments(
    db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser],
    ward: Annotated[str | None, QueryParameter(max_length=10, pattern=r"^\d{1,10}$")] = None,
    type: FromQuery[EstablishmentType | None] = None,
    status: FromQuery[EstablishmentStatus | None] = None,
    q: Annotated[str | None, QueryParameter(max_length=200)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    offset: Annotated[int, QueryParameter(ge=0)] = 0,
) -> EstablishmentPage:
    return await list_establishments(db, user, ward=ward, type=type, status=status, q=q, limit=limit,
                                     offset=offset)


@get("/api/v1/establishments/{establishment_id:int}", operation_id="getEstablishment", tags=["registry"])
async def api_establishment(
    establishment_id: FromPath[int], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]
) -> EstablishmentOut:
    return await get_establishment(db, user, establishment_id)


routes = [api_establishments, api_establishment]
