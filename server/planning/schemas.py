"""API structs of planning: risk-ranked targets, routes, assignments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar.params import PathParameter

from server.planning.models import ActivityKind, Audience, StopStatus


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


Ratio = Annotated[float, msgspec.Meta(ge=0, le=1)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
PlanYear = Annotated[int, msgspec.Meta(ge=2000, le=2100)]
#: A plan year in a path (``/plans/{year}``): outside 2000–2100 is a 400 like any bad parameter.
PlanYearPath = Annotated[int, PathParameter(ge=2000, le=2100)]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


class PlanTargets(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """T3–T11 as the plan states them (`shared/domain/plan-2023.md`): shares of tips, wards, people."""

    t3_tips_on_time: Ratio = 1.0
    t4_hotspots_broken_up: Ratio = 1.0
    t5_wards_with_awareness_work: Ratio = 1.0
    t6_wards_with_yearly_plan: Ratio = 1.0
    t7_wards_integrating_programmes: Ratio = 1.0
    t8_wards_free_of_prostitution: Ratio = 1.0
    t9_business_workers_reached: Ratio = 0.5
    t9_industrial_workers_reached: Ratio = 0.3
    t9_students_reached: Ratio = 0.5
    t10_wards_piloting_a_model: Ratio = 0.2
    t11_support_access: Ratio = 0.85


class PlanIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A new plan; with ``copy_from`` every field left out comes from that year's plan (the period moved to
    the new year, the per-ward ratios with it)."""

    year: PlanYear
    copy_from: PlanYear | None = None
    title: Title | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    ward_target_ratio: Ratio | None = None
    city_team_target: Count | None = None
    targets: PlanTargets | None = None


class PlanPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An edit of a plan: only the fields present change."""

    title: Title | msgspec.UnsetType = msgspec.UNSET
    starts_on: date | msgspec.UnsetType = msgspec.UNSET
    ends_on: date | msgspec.UnsetType = msgspec.UNSET
    ward_target_ratio: Ratio | msgspec.UnsetType = msgspec.UNSET
    city_team_target: Count | msgspec.UnsetType = msgspec.UNSET
    targets: PlanTargets | msgspec.UnsetType = msgspec.UNSET


class PlanOut(msgspec.Struct):
    year: int
    title: str
    starts_on: date
    ends_on: date
    ward_target_ratio: float
    city_team_target: int
    targets: PlanTargets
    #: The plan's period holds today (Vietnamese time).
    current: bool


People = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
Note = Annotated[str, msgspec.Meta(max_length=2000)]


class WardYearIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What a ward reports for a year on T6–T11. Counts only: an unknown field (a person's name) is refused."""

    plan_document: Annotated[str, msgspec.Meta(max_length=300)] = ""
    integrated: bool = False
    integration_note: Note = ""
    free_of_prostitution: bool = False
    free_since: date | None = None
    free_basis: Note = ""
    pilot_model: Annotated[str, msgspec.Meta(max_length=300)] = ""
    business_workers: People | None = None
    industrial_workers: People | None = None
    students: People | None = None
    support_needing: People | None = None
    support_qualifying: People | None = None
    support_receiving: People | None = None


class WardYearOut(WardYearIn, kw_only=True):
    year: int
    ward: str
    ward_name: str


class ActivityIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    held_on: date
    kind: ActivityKind
    audience: Audience
    people_reached: People
    note: Note = ""


class ActivityOut(msgspec.Struct):
    id: int
    year: int
    ward: str
    held_on: date
    kind: str
    audience: str
    people_reached: int
    note: str
