"""The hotspot register: places suspected of prostitution, opened from a tip or an inspection, followed
active → monitored → eradicated with the evidence and date of each step; counts per ward and a map layer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.render import MapPoint, map_fragment, points_layer, ward_map
from server.audit import Action, record
from server.auth.models import User
from server.calendar import local_today, year_bounds
from server.errors import AppError, not_found
from server.formatting import day
from server.i18n import gettext, nfc
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.labels import label
from server.registry.models import Establishment
from server.scope import Scope, in_force, scoped
from server.tips.choices import find_inspection
from server.tips.labels import HOTSPOT_STATUSES
from server.tips.models import Hotspot, HotspotEvent, HotspotStatus
from server.tips.places import invalid, resolve_place, valid_id
from server.tips.schemas import HotspotCount, HotspotEventOut, HotspotIn, HotspotOut, HotspotStatusIn
from server.tips.services import load_tip
from server.wards.models import Ward

H = HotspotStatus
#: The one table of hotspot status changes (a broken-up place that comes back is active again).
NEXT: dict[str, frozenset[str]] = {
    H.ACTIVE: frozenset({H.MONITORED}),
    H.MONITORED: frozenset({H.ERADICATED, H.ACTIVE}),
    H.ERADICATED: frozenset({H.ACTIVE}),
}
COLORS = {H.ACTIVE.value: "#d62728", H.MONITORED.value: "#ff7f0e", H.ERADICATED.value: "#2ca02c"}


def _base() -> Select:
    return (select(Hotspot, Ward, Establishment).join(Ward, Ward.id == Hotspot.ward_id)
            .outerjoin(Establishment, Establishment.id == Hotspot.establishment_id))


def _out(h: Hotspot, w: Ward, e: Establishment | None, history: list[HotspotEventOut] | None = None) -> HotspotOut:
    return HotspotOut(id=h.id, name=h.name, ward=w.code, ward_name=w.full_name, establishment_id=h.establishment_id,
                      establishment_name=e.name if e else None, lat=h.lat, lon=h.lon, status=h.status,
                      evidence=h.evidence, opened_on=h.opened_on, monitored_on=h.monitored_on,
                      eradicated_on=h.eradicated_on, tip_id=h.tip_id, inspection_id=h.inspection_id,
                      history=history or [])


async def list_hotspots(session: AsyncSession, user: CurrentUser, *, status: str | None = None,
                        ward: str | None = None) -> list[HotspotOut]:
    query = scoped(_base(), Hotspot.ward_id, user)
    if status:
        query = query.where(Hotspot.status == status)
    if ward:
        query = query.where(Ward.code == ward)
    rows = (await session.execute(query.order_by(Hotspot.opened_on.desc(), Hotspot.id.desc()))).all()
    return [_out(*row) for row in rows]


async def get_hotspot(session: AsyncSession, user: CurrentUser, hotspot_id: int) -> HotspotOut:
    if not valid_id(hotspot_id):
        raise not_found("hotspot")
    row = (await session.execute(scoped(_base(), Hotspot.ward_id, user).where(Hotspot.id == hotspot_id))).first()
    if row is None:
        raise not_found("hotspot")
    events = (await session.execute(
        select(HotspotEvent, User.username).outerjoin(User, User.id == HotspotEvent.actor_id)
        .where(HotspotEvent.hotspot_id == hotspot_id).order_by(HotspotEvent.on, HotspotEvent.id))).all()
    return _out(*row, [HotspotEventOut(e.status, e.on, e.evidence, name) for e, name in events])


async def create_hotspot(session: AsyncSession, user: CurrentUser, data: HotspotIn) -> Hotspot:
    """A hotspot from a tip, an inspection, or a place given directly; it opens ``active``."""
    establishment_id, lat, lon, ward = data.establishment_id, data.lat, data.lon, data.ward
    ward_id: int | None = None
    inspection_id = None
    if data.tip_id is not None:
        tip = await load_tip(session, user, data.tip_id)
        if not user.sees_ward(tip.ward_id):  # a tip held or entered in another ward opens nothing there
            raise not_found("tip")
        establishment_id = establishment_id or tip.establishment_id
        ward_id, lat, lon = tip.ward_id, lat if lat is not None else tip.lat, lon if lon is not None else tip.lon
    if data.inspection:
        inspection = await find_inspection(session, user, data.inspection)
        inspection_id, establishment_id = inspection.id, establishment_id or inspection.establishment_id
    establishment_id, placed_ward, lat, lon = await resolve_place(session, user, establishment_id, lat, lon, ward)
    ward_id = placed_ward or ward_id
    if ward_id is None:
        raise invalid("ward", "required",
                      _("Hãy chọn tin báo, lượt kiểm tra, cơ sở, điểm trên bản đồ hoặc phường, xã của điểm nóng."))
    opened = data.opened_on or local_today()
    if opened > local_today():
        raise invalid("opened_on", "future", _("Ngày {day} chưa đến.").format(day=day(opened)))
    spot = Hotspot(name=nfc(data.name.strip()), ward_id=ward_id, establishment_id=establishment_id, lat=lat, lon=lon,
                   status=H.ACTIVE.value, evidence=nfc(data.evidence.strip()), opened_on=opened, tip_id=data.tip_id,
                   inspection_id=inspection_id)
    if not spot.name:
        raise invalid("name", "required", _("Hãy đặt tên cho điểm nóng."))
    session.add(spot)
    await session.flush()
    session.add(HotspotEvent(hotspot_id=spot.id, status=H.ACTIVE.value, on=opened, evidence=spot.evidence,
                             actor_id=user.id))
    await record(session, user.id, Action.HOTSPOT_CREATE, "hotspot", spot.id,
                 after={"ward_id": ward_id, "establishment_id": establishment_id, "tip_id": data.tip_id,
                        "inspection_id": inspection_id, "status": spot.status, "opened_on": opened.isoformat()})
    return spot


async def set_status(session: AsyncSession, user: CurrentUser, hotspot_id: int, data: HotspotStatusIn) -> Hotspot:
    if not valid_id(hotspot_id):
        raise not_found("hotspot")
    spot = await session.scalar(scoped(select(Hotspot), Hotspot.ward_id, user).where(Hotspot.id == hotspot_id))
    if spot is None:
        raise not_found("hotspot")
    if data.status.value not in NEXT[spot.status]:
        raise AppError(409, "invalid_transition",
                       _("Điểm nóng đang ở trạng thái «{current}» không thể chuyển sang «{new}».").format(
                           current=label(spot.status, "hotspot_status"), new=label(data.status, "hotspot_status")))
    on = data.on or local_today()
    if on > local_today() or on < spot.opened_on:
        raise invalid("on", "out_of_range", _("Ngày {day} phải từ ngày lập điểm nóng ({opened}) đến hôm nay.").format(
            day=day(on), opened=day(spot.opened_on)))
    before = {"status": spot.status}
    spot.status, spot.evidence = data.status.value, nfc(data.evidence.strip())
    if data.status is H.MONITORED:
        spot.monitored_on = on
    elif data.status is H.ERADICATED:
        spot.eradicated_on = on
    else:
        spot.monitored_on = spot.eradicated_on = None
    session.add(HotspotEvent(hotspot_id=spot.id, status=spot.status, on=on, evidence=spot.evidence,
                             actor_id=user.id))
    await session.flush()
    await record(session, user.id, Action.HOTSPOT_STATUS, "hotspot", spot.id, before=before,
                 after={"status": spot.status, "on": on.isoformat()})
    return spot


async def counts(session: AsyncSession, user: CurrentUser) -> list[HotspotCount]:
    """Hotspots per ward and status (every ward in the scope, zeros included)."""
    wards = scoped(select(Ward).where(Ward.id.in_(await in_force(session))), Ward.id, user)
    rows = (await session.execute(scoped(select(Hotspot.ward_id, Hotspot.status, func.count())
                                         .group_by(Hotspot.ward_id, Hotspot.status), Hotspot.ward_id, user))).all()
    by_ward: dict[int, dict[str, int]] = {}
    for ward_id, status, n in rows:
        by_ward.setdefault(ward_id, {})[status] = n
    out = []
    for w in (await session.scalars(wards.order_by(Ward.code))).all():
        c = by_ward.get(w.id, {})
        out.append(HotspotCount(w.code, w.full_name, c.get("active", 0), c.get("monitored", 0),
                                c.get("eradicated", 0)))
    return out


async def map_html(session: AsyncSession, user: CurrentUser, items: list[HotspotOut], tile_url: str) -> str:
    """The wards in scope with the hotspots as coloured points (names escaped by maps.render)."""
    wards = (await session.scalars(scoped(select(Ward).where(Ward.id.in_(await in_force(session))),
                                          Ward.id, user))).all()
    if not wards:
        return ""
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": w.geometry, "properties": {"code": w.code, "full_name": w.full_name}}
        for w in wards]}
    m = ward_map(collection, tile_url or None, "/vendor/leaflet", lambda _: {"fillOpacity": 0.05}, height="480px")
    labels = {k: gettext(v) for k, v in HOTSPOT_STATUSES.items()}
    points = [MapPoint(h.lat, h.lon, labels[h.status], h.name, f"{h.name}\n{h.ward_name}\n{labels[h.status]}")
              for h in items if h.lat is not None and h.lon is not None]
    points_layer(m, points, {labels[k]: v for k, v in COLORS.items()}, legend_title=gettext("Điểm nóng"))
    return map_fragment(m)


async def hotspots_in_year(session: AsyncSession, year: int, scope: Scope = None
                           ) -> dict[str, Any]:
    """T4: hotspots known during ``year`` (opened by its end, not eradicated before it), how many were
    eradicated in it, and how many are still active or monitored at its end; also per ward id."""
    start, end = year_bounds(year)
    eradicated = and_(Hotspot.eradicated_on >= start, Hotspot.eradicated_on <= end)
    remaining = or_(Hotspot.eradicated_on.is_(None), Hotspot.eradicated_on > end)
    remaining = and_(remaining, or_(Hotspot.status != HotspotStatus.ERADICATED.value, Hotspot.eradicated_on > end))
    query = scoped(
        select(Hotspot.ward_id, func.count(), func.sum(case((eradicated, 1), else_=0)),
               func.sum(case((remaining, 1), else_=0)))
        .where(Hotspot.opened_on <= end, or_(Hotspot.eradicated_on.is_(None), Hotspot.eradicated_on >= start))
        .group_by(Hotspot.ward_id),
        Hotspot.ward_id, scope,
    )
    per_ward = {wid: {"known": int(k), "eradicated": int(e or 0), "remaining": int(r or 0)}
                for wid, k, e, r in (await session.execute(query)).all()}
    total = {key: sum(v[key] for v in per_ward.values()) for key in ("known", "eradicated", "remaining")}
    return {**total, "per_ward": per_ward}
