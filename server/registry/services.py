"""Reading the registry of establishments, always inside the user's ward scope."""

from __future__ import annotations

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.identity import CurrentUser
from server.errors import not_found
from server.i18n import nfc
from server.registry.models import Establishment
from server.registry.schemas import EstablishmentOut, EstablishmentPage
from server.wards.models import Ward


def establishment_out(e: Establishment, ward: Ward) -> EstablishmentOut:
    return EstablishmentOut(
        id=e.id, name=e.name, type=e.type, ward=ward.code, ward_name=ward.full_name, address=e.address,
        lat=e.lat, lon=e.lon, status=e.status, legal_rep=e.legal_rep, business_reg_no=e.business_reg_no,
        security_cert_no=e.security_cert_no, operating_licence_no=e.operating_licence_no, rooms=e.rooms,
    )


def scoped(query: Select, user: CurrentUser) -> Select:
    """Restrict a query over establishments to the user's wards."""
    return query if user.ward_ids is None else query.where(Establishment.ward_id.in_(user.ward_ids))


async def list_establishments(
    session: AsyncSession,
    user: CurrentUser,
    *,
    ward: str | None = None,
    type: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> EstablishmentPage:
    query = scoped(select(Establishment, Ward).join(Ward, Ward.id == Establishment.ward_id), user)
    if ward:
        query = query.where(Ward.code == ward)
    if type:
        query = query.where(Establishment.type == type)
    if status:
        query = query.where(Establishment.status == status)
    if q and q.strip():
        like = f"%{nfc(q.strip()).lower()}%"
        query = query.where(
            or_(func.lower(Establishment.name).like(like), func.lower(Establishment.address).like(like),
                Establishment.business_reg_no == q.strip())
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (await session.execute(query.order_by(Establishment.id).limit(limit).offset(offset))).all()
    return EstablishmentPage([establishment_out(e, w) for e, w in rows], total, limit, offset)


async def get_establishment(session: AsyncSession, user: CurrentUser, establishment_id: int) -> EstablishmentOut:
    """One establishment; another ward's is reported as not found, never shown."""
    row = (
        await session.execute(
            scoped(select(Establishment, Ward).join(Ward, Ward.id == Establishment.ward_id), user).where(
                Establishment.id == establishment_id
            )
        )
    ).first()
    if row is None:
        raise not_found("establishment")
    return establishment_out(*row)
