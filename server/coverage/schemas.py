"""Coverage API structs: per ward, the city team, the year (JSON and the pages use the same ones)."""

from __future__ import annotations

import msgspec


class WardCoverageOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    #: Conditional businesses counted for the year (see the rule in ``server.coverage.services``).
    active: int
    #: Of those, distinct businesses with at least one inspection that year not ``rejected``.
    inspected: int
    ratio: float
    meets_target: bool
    #: The ward's target ratio (the plan's per-ward target, else the plan's default).
    target: float = 0.8
    #: Businesses still to inspect to reach the target (0 once reached).
    to_target: int = 0
    #: Year-end forecast of ``inspected`` at the pace so far (see ``forecast``).
    forecast: int = 0
    forecast_ratio: float = 0.0


class CityTeamOut(msgspec.Struct, kw_only=True):
    target: int
    inspected: int


class CoverageOut(msgspec.Struct, kw_only=True):
    year: int
    #: The plan's default per-ward ratio (0.8 when the year has no plan).
    target: float
    wards: list[WardCoverageOut]
    wards_meeting_target: int
    city_team: CityTeamOut
    #: The day the figures and the forecast are taken at (the year's last day for a past year).
    as_of: str = ""
    #: Distinct businesses inspected by the end of each month (cumulative, 12 values; scope-wide).
    months: list[int] = []
    active: int = 0
    inspected: int = 0
    #: Wards in the user's scope: all of them, whichever page ``wards`` holds.
    ward_count: int = 0
    #: Sum of the wards' year-end forecasts, and the wards forecast to meet their target (all wards).
    forecast: int = 0
    wards_forecast_meeting: int = 0
    #: The order of ``wards``: ``code`` (ward code, the default) or ``gap`` (furthest behind the target first).
    order: str = "code"
    #: Set only when ``?page=`` or ``?per_page=`` was given: ``wards`` is that page (the totals above are not).
    page: int | None = None
    per_page: int | None = None
    pages: int | None = None
