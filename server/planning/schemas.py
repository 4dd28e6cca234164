"""API structs of planning: risk-ranked targets, routes, assignments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from server.planning.models import StopStatus


class ScoreParts(msgspec.Struct):
    """Points from each risk factor; ``score`` is their sum."""

    never_inspected: float
    months_since_last: float
    violations: float
    tips: float
    hotspots: float
    type: float


class TargetOut(msgspec.Struct):
    id: int
    name: str
    type: str
    address: str
    lat: float | None
    lon: float | None
    last_inspected_at: datetime | None
    months_since_last: int | None
    violations_before: int
    open_tips: int
    active_hotspots: int
    score: float
    parts: ScoreParts


class TargetList(msgspec.Struct):
    ward: str
    ward_name: str
    year: int
    as_of: date
    weights: dict[str, float]
    total: int
    items: list[TargetOut]


class PointIn(msgspec.Struct, forbid_unknown_fields=True):
    lat: Annotated[float, msgspec.Meta(ge=-90, le=90)]
    lon: Annotated[float, msgspec.Meta(ge=-180, le=180)]


class RouteIn(msgspec.Struct, forbid_unknown_fields=True):
    """``start`` None: the user's team base (or the first stop when there is none). ``time_windows`` maps an
    establishment id to the [open, close] minutes from midnight of its arrival window."""

    establishment_ids: Annotated[list[int], msgspec.Meta(max_length=300)]
    start: PointIn | None = None
    return_to_start: bool = True
    max_stops: Annotated[int, msgspec.Meta(ge=0)] | None = None
    time_windows: dict[str, Annotated[list[Annotated[int, msgspec.Meta(ge=0, le=2880)]],
                                      msgspec.Meta(min_length=2, max_length=2)]] | None = None
    depart_min: Annotated[int, msgspec.Meta(ge=0, le=2880)] | None = None


class LegOut(msgspec.Struct):
    #: an establishment id, or "start"
    from_: int | str = msgspec.field(name="from")
    to: int | str = 0
    distance_m: int = 0


class RouteOut(msgspec.Struct):
    order: list[int]
    legs: list[LegOut]
    total_distance_m: int
    start: PointIn | None
    return_to_start: bool
    dropped: list[int] = []
    arrival_min: list[int] | None = None
    distances: str = "geodesic"


class AssignmentIn(msgspec.Struct, forbid_unknown_fields=True):
    """Stops in route order (e.g. a route's ``order``)."""

    team_id: int
    date: date
    establishment_ids: Annotated[list[int], msgspec.Meta(min_length=1, max_length=300)]
    note: Annotated[str, msgspec.Meta(max_length=2000)] = ""


class StopOut(msgspec.Struct):
    id: int
    position: int
    establishment_id: int
    name: str
    address: str
    lat: float | None
    lon: float | None
    status: str
    inspection_id: int | None


class AssignmentOut(msgspec.Struct):
    id: int
    team_id: int
    team: str
    date: date
    note: str
    stops: list[StopOut]


class StopUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """By hand a stop can only be marked not found, or set back to planned; inspections set the rest."""

    status: StopStatus
