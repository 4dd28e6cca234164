"""API structs of capacities, schedules and their forecast."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

Minutes = Annotated[int, Meta(ge=5, le=480)]


class TeamCapacityIn(Struct, forbid_unknown_fields=True):
    """``start``: when the day in the field starts (HH:MM); ``visit_minutes``: by business type."""

    start: Annotated[str, Meta(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]
    field_hours: Annotated[float, Meta(gt=0, le=16)]
    days_per_week: Annotated[int, Meta(ge=0, le=7)]
    visit_minutes: dict[str, Minutes] = {}
    base_lat: Annotated[float, Meta(ge=-90, le=90)] | None = None
    base_lon: Annotated[float, Meta(ge=-180, le=180)] | None = None


class TypeHoursIn(Struct, forbid_unknown_fields=True):
    """The hours an inspection can happen: ``opens``–``closes`` (HH:MM; ``closes`` 24:00 is midnight)."""

    type: str
    opens: Annotated[str, Meta(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")]
    closes: Annotated[str, Meta(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")]


class TeamCapacityOut(Struct):
    team_id: int
    name: str
    kind: str
    ward: str | None
    members: list[str]
    base_lat: float | None
    base_lon: float | None
    start: str
    field_hours: float
    days_per_week: int
    visit_minutes: dict[str, int]
    is_default: bool


class TypeHoursOut(Struct):
    type: str
    opens: str
    closes: str
    is_default: bool


class CapacityOut(Struct):
    teams: list[TeamCapacityOut]
    hours: list[TypeHoursOut]


class ScheduleIn(Struct, forbid_unknown_fields=True):
    """Plan ``year`` from ``from`` (default: today) to ``to`` (default: the plan's last day) for ``teams``
    (default: every team the user plans for). Days already published are kept unless ``replan_published``."""

    year: Annotated[int, Meta(ge=2000, le=2100)]
    teams: list[int] | None = None
    from_: date | None = msgspec.field(default=None, name="from")
    to: date | None = None
    time_limit_s: Annotated[float, Meta(ge=0.5, le=120)] = 20.0
    replan_published: bool = False


class StopOut(Struct):
    establishment_id: int
    arrive_at: str


class DayOut(Struct):
    date: date
    team_id: int
    stops: list[StopOut]
    distance_m: int


class ForecastOut(Struct):
    ward: str
    ward_name: str
    active: int
    projected: int
    projected_ratio: float
    target: float
    short_by: int
    short_by_team_days: int


class ScheduleOut(Struct):
    draft_id: int
    year: int
    starts_on: date
    ends_on: date
    days: list[DayOut]
    forecast: list[ForecastOut]
    unplanned: int


class MoveIn(Struct, forbid_unknown_fields=True):
    """Move a stop of a draft to another team's day (its day and the day it left are re-routed)."""

    establishment_id: int
    date: date
    team_id: int


class PublishIn(Struct, forbid_unknown_fields=True):
    """Publish a draft's days from ``from`` to ``to`` (default: all of them) as assignments."""

    from_: date | None = msgspec.field(default=None, name="from")
    to: date | None = None


class PublishOut(Struct):
    assignment_ids: list[int]


class ForecastListOut(Struct):
    """The forecast of the newest schedule planned for every team (none yet: ``draft_id`` is null)."""

    year: int
    draft_id: int | None
    planned_at: datetime | None
    wards: list[ForecastOut]


class DraftOut(Struct):
    id: int
    year: int
    starts_on: date
    ends_on: date
    published_at: datetime | None
    days: list[DayOut]
