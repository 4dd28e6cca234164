"""Reading the registry of establishments, always inside the user's ward scope."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import local_midnight
from server.errors import not_found
from server.i18n import nfc
from server.identity import CurrentUser
from server.inspections.models import Inspection
from server.registry.models import Establishment
from server.registry.schemas import EstablishmentOut, EstablishmentPage
from server.scope import scoped
from server.wards.models import Ward


def establishment_out(e: Establishment, ward: Ward, last: datetime | None = None) -> EstablishmentOut:
    return EstablishmentOut(
        id=e.id, name=e.name, type=e.type, ward=ward.code, ward_name=ward.full_name, address=e.address,
        lat=e.lat, lon=e.lon, status=e.status, legal_rep=e.legal_rep, business_reg_no=e.business_reg_no,
        security_cert_no=e.security_cert_no, operating_licence_no=e.operating_licence_no, rooms=e.rooms,
        workers=e.workers, opened_on=e.opened_on, closed_on=e.closed_on,
        phone=e.phone, ward_override_reason=e.ward_override_reason, proposed_lat=e.proposed_lat,
        proposed_lon=e.proposed_lon, last_inspected_at=last,
    )


def last_inspections():  # type: ignore[no-untyped-def]
    """Subquery: the time of each establishment's latest inspection."""
    return (
        select(Inspection.establishment_id.label("eid"), func.max(Inspection.started_at).label("last"))
        .group_by(Inspection.establishment_id)
        .subquery()
    )


async def list_establishments(
    session: AsyncSession,
    user: CurrentUser,
    *,
    ward: str | None = None,
    type: str | None = None,
    status: str | None = None,
    q: str | None = None,
    never_inspected: bool = False,
    inspected_before: date | None = None,
    inspected_since: date | None = None,
    proposed_point: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> EstablishmentPage:
    """Filter by ward, type, status, text, and the last inspection: never, before a day (or never), since a
    day; ``proposed_point`` keeps those with a GPS point waiting for confirmation."""
    last = last_inspections()
    query = scoped(
        select(Establishment, Ward, last.c.last)
        .join(Ward, Ward.id == Establishment.ward_id)
        .outerjoin(last, last.c.eid == Establishment.id),
        Establishment.ward_id, user,
    )
    if ward:
        query = query.where(Ward.code == ward)
    if type:
        query = query.where(Establishment.type == type)
    if status:
        query = query.where(Establishment.status == status)
    if never_inspected:
        query = query.where(last.c.last.is_(None))
    if inspected_before:
        query = query.where(or_(last.c.last.is_(None), last.c.last < local_midnight(inspected_before)))
    if inspected_since:
        query = query.where(last.c.last >= local_midnight(inspected_since))
    if proposed_point:
        query = query.where(Establishment.proposed_lat.is_not(None))
    if q and q.strip():
        like = f"%{nfc(q.strip()).lower()}%"
        typed = f"%{nfc(q.strip())}%"  # SQLite's lower() folds ASCII only: "Đông" is found as typed
        query = query.where(
            or_(func.lower(Establishment.name).like(like), func.lower(Establishment.address).like(like),
                Establishment.name.like(typed), Establishment.address.like(typed),
                Establishment.business_reg_no == q.strip())
        )
    total = await session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = (await session.execute(query.order_by(Establishment.id).limit(limit).offset(offset))).all()
    return EstablishmentPage([establishment_out(e, w, t) for e, w, t in rows], total, limit, offset)


async def get_establishment(session: AsyncSession, user: CurrentUser, establishment_id: int) -> EstablishmentOut:
    """One establishment; another ward's is reported as not found, never shown."""
    last = last_inspections()
    row = (
        await session.execute(
            scoped(
                select(Establishment, Ward, last.c.last)
                .join(Ward, Ward.id == Establishment.ward_id)
                .outerjoin(last, last.c.eid == Establishment.id),
                Establishment.ward_id, user,
            ).where(Establishment.id == establishment_id)
        )
    ).first()
    if row is None:
        raise not_found("establishment")
    return establishment_out(*row)
