"""The plan's eleven targets: `GET /api/v1/plans/{year}/indicators` and the page `/indicators`."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.calendar import plan_gap, plan_year
from server.coverage.indicators import IndicatorOrder, IndicatorsOut, indicators
from server.coverage.routes import Page, PerPage
from server.coverage.services import DEFAULT_PER_PAGE, MAX_PAGE, MAX_PER_PAGE
from server.guards import requires
from server.identity import CurrentUser
from server.planning import PlanYearPath

READERS = [requires(Role.CITY_OFFICE, Role.ADMIN, Role.TEAM_LEAD, Role.WARD_POLICE, Role.INSPECTOR)]
WardCode = Annotated[str | None, QueryParameter(max_length=10, pattern=r"^\d{1,10}$")]


@get("/api/v1/plans/{year:int}/indicators", guards=READERS, operation_id="planIndicators", tags=["coverage"],
     description="T1–T11 for the year within the caller's wards: target, value, unit (`ratio` or `count`), met, "
                 "and per ward (`ward=` narrows that list to one ward; `page`/`per_page` give one page of the "
                 "wards in `order`: `code` or `behind`, the wards meeting the fewest targets first).")
async def api_indicators(year: PlanYearPath, db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                         ward: WardCode = None, page: Page = None, per_page: PerPage = None,
                         order: Annotated[IndicatorOrder | None, QueryParameter()] = None) -> IndicatorsOut:
    return await indicators(db, user, year, ward, order=order or IndicatorOrder.CODE, page=page, per_page=per_page)


@get("/indicators", guards=READERS, include_in_schema=False)
async def indicators_page(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    year: Annotated[int | None, QueryParameter(ge=2000, le=2100)] = None,
    page: Annotated[int, QueryParameter(ge=1, le=MAX_PAGE)] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=MAX_PER_PAGE)] = DEFAULT_PER_PAGE,
    order: Annotated[IndicatorOrder, QueryParameter()] = IndicatorOrder.CODE,
) -> Template:
    """The eleven tiles and one page of the wards' table."""
    year = year or await plan_year(db)
    report = await indicators(db, user, year, order=order, page=page, per_page=per_page)
    keep = {"year": year, "order": order.value, "per_page": per_page}

    def page_url(number: int) -> str:
        return "/indicators?" + urlencode({**keep, "page": number})

    return Template("indicators.html", context={
        "report": report, "year": year, "plan_gap": await plan_gap(db), "page_url": page_url,
        "per_page_choices": sorted({50, 100, 200, 500, per_page}),
        "wards": report.indicators[0].wards,
        # one lookup per cell (indicator, ward), not a scan of every ward's list for each cell
        "columns": [i.id for i in report.indicators if i.wards],
        "cells": {(i.id, x.code): x for i in report.indicators for x in i.wards},
        "may_report": user.has(Role.INSPECTOR, Role.TEAM_LEAD, Role.CITY_OFFICE, Role.ADMIN),
    })


routes = [api_indicators, indicators_page]
