"""Day routes: the visiting order of a set of businesses from a start point (the team's base by default),
solved by ``maps.routes.plan_route`` on geodesic distances, or an OSRM server's road distances when
KIEMTRA_OSRM_URL is set. Only businesses the user may see can be routed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.distance import LatLon, OsrmError, OsrmTable, distance_matrix
from maps.routes import START_ID, InfeasibleRouteError, Route, Stop, plan_route
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.planning.models import Team, TeamMember
from server.planning.schemas import LegOut, PointIn, RouteIn, RouteOut
from server.registry.models import Establishment
from server.settings import Settings


@dataclass(frozen=True)
class Planned:
    """A route with what the map and the stop list need."""

    out: RouteOut
    route: Route
    stops: list[Stop]
    establishments: dict[int, Establishment]


async def team_base(session: AsyncSession, user: CurrentUser) -> tuple[float, float] | None:
    """The base of the first team of the user that has one."""
    row = (await session.execute(
        select(Team.base_lat, Team.base_lon).join(TeamMember, TeamMember.team_id == Team.id)
        .where(TeamMember.user_id == user.id, Team.base_lat.is_not(None), Team.base_lon.is_not(None))
        .order_by(TeamMember.is_lead.desc(), Team.id).limit(1)
    )).first()
    return None if row is None else (row[0], row[1])


async def visible(session: AsyncSession, user: CurrentUser, ids: Sequence[int], path: str) -> dict[int, Establishment]:
    """The businesses ``ids``, all of which the user must see (else 422 naming each bad index)."""
    if len(set(ids)) != len(ids):
        raise AppError(422, "invalid", _("Có cơ sở được ghi hai lần trong lộ trình."),
                       [FieldError(path, "duplicate", _("Mỗi cơ sở chỉ được ghi một lần."))])
    found = {e.id: e for e in (await session.scalars(select(Establishment).where(Establishment.id.in_(ids)))).all()
             if user.sees_ward(e.ward_id)}
    errors = [FieldError(f"{path}[{i}]", "unknown_establishment", _("Không có cơ sở số {id}.").format(id=eid))
              for i, eid in enumerate(ids) if eid not in found]
    errors += [FieldError(f"{path}[{i}]", "no_point", _("Cơ sở số {id} chưa có vị trí đã đăng ký.").format(id=eid))
               for i, eid in enumerate(ids) if eid in found and found[eid].lat is None]
    if errors:
        raise AppError(422, "invalid", _("Không thể xếp lộ trình cho một số cơ sở."), errors)
    return found


class _Fallback:
    """OSRM's table, or geodesic distances when the OSRM server fails (noted in the answer)."""

    def __init__(self, url: str) -> None:
        self.osrm = OsrmTable(url)
        self.used = "osrm"

    def __call__(self, points: Sequence[LatLon]) -> list[list[int]]:
        try:
            return self.osrm(points)
        except OsrmError:
            self.used = "geodesic_fallback"
            return distance_matrix(points)


async def plan(session: AsyncSession, user: CurrentUser, settings: Settings, data: RouteIn) -> Planned:
    found = await visible(session, user, data.establishment_ids, "establishment_ids")
    windows: dict[int, tuple[int, int]] = {}
    for key, (opens, closes) in (data.time_windows or {}).items():
        if not key.isdigit() or int(key) not in found:
            raise AppError(422, "invalid", _("Có khung giờ của một cơ sở không nằm trong lộ trình."),
                           [FieldError(f"time_windows.{key}", "unknown_establishment",
                                        _("Cơ sở này không có trong danh sách cơ sở của lộ trình."))])
        if opens > closes:
            raise AppError(422, "invalid", _("Có khung giờ kết thúc trước khi bắt đầu."),
                           [FieldError(f"time_windows.{key}", "bad_window", _("Giờ mở không được muộn hơn giờ đóng."))])
        windows[int(key)] = (opens, closes)
    start = (data.start.lat, data.start.lon) if data.start else await team_base(session, user)
    stops = [Stop(eid, found[eid].lat, found[eid].lon, windows.get(eid))  # type: ignore[arg-type]
             for eid in data.establishment_ids]
    matrix = _Fallback(settings.osrm_url) if settings.osrm_url else None
    try:
        route = await asyncio.to_thread(
            plan_route, start, stops, data.return_to_start, data.max_stops, settings.route_time_limit_s,
            matrix or distance_matrix, depart_min=data.depart_min,
        )
    except InfeasibleRouteError as exc:
        raise AppError(422, "infeasible", str(exc), [FieldError("time_windows", "infeasible", str(s))
                                                     for s in exc.stop_ids]) from exc
    legs = [LegOut(leg.from_id, leg.to_id, leg.distance_m) for leg in route.legs]  # type: ignore[arg-type]
    out = RouteOut(
        order=[int(i) for i in route.order], legs=legs, total_distance_m=route.total_distance_m,
        start=PointIn(*start) if start else None, return_to_start=data.return_to_start,
        dropped=[int(i) for i in route.dropped], arrival_min=route.arrival_min,
        distances=matrix.used if matrix else "geodesic",
    )
    return Planned(out, route, stops, found)


__all__ = ["START_ID", "Planned", "plan", "team_base", "visible"]
