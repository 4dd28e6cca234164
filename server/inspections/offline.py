"""The inspector's scope kept on the phone for a day without signal: every business of the user's wards as a
compact list (id, name, type, address, point, ward), fetched online and cached by the service worker."""

from __future__ import annotations

from typing import Any

from litestar import Response, get
from litestar.di import NamedDependency
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.calendar import local_now
from server.guards import requires
from server.identity import CurrentUser
from server.registry.models import Establishment, EstablishmentStatus
from server.scope import scoped
from server.wards.models import Ward

FIELDS = ["id", "name", "type", "address", "lat", "lon", "ward"]
#: Five decimals of a degree are about a metre: enough for "near me", and shorter than full floats.
DIGITS = 5


async def offline_businesses(session: AsyncSession, user: CurrentUser) -> dict[str, Any]:
    """Businesses in scope that are not closed, as rows of ``FIELDS`` (``ward`` is a key of ``wards``)."""
    query = (select(Establishment.id, Establishment.name, Establishment.type, Establishment.address,
                    Establishment.lat, Establishment.lon, Establishment.ward_id)
             .where(Establishment.status != EstablishmentStatus.CLOSED.value).order_by(Establishment.id))
    rows = (await session.execute(scoped(query, Establishment.ward_id, user))).tuples().all()
    used = {r[6] for r in rows}
    wards: dict[str, str] = {}
    if used:
        names = await session.execute(scoped(select(Ward.id, Ward.full_name), Ward.id, user))
        wards = {str(i): n for i, n in names.tuples() if i in used}
    return {
        "at": local_now().isoformat(timespec="seconds"), "fields": FIELDS, "wards": wards,
        "rows": [[i, n, t, a, None if la is None else round(la, DIGITS), None if lo is None else round(lo, DIGITS), w]
                 for i, n, t, a, la, lo, w in rows],
    }


@get("/api/v1/phone/establishments", guards=[requires(Role.INSPECTOR, Role.TEAM_LEAD)],
     operation_id="offlineEstablishments", tags=["inspections"],
     description="Every business of the user's wards that is not closed, compact, for the phone's offline day: "
                 "`rows` of `fields` (id, name, type, address, lat, lon, ward); `ward` is a key of `wards`.")
async def api_offline_businesses(db: NamedDependency[AsyncSession],
                                 user: NamedDependency[CurrentUser]) -> Response[dict[str, Any]]:
    return Response(await offline_businesses(db, user), headers={"Cache-Control": "private, no-cache"})


routes = [api_offline_businesses]
