"""Coverage: the dashboard, the maps and the per-ward page, the JSON and GeoJSON twins, the XLSX report.

City office and team leads see every ward (team leads of a ward team: theirs); ward police only theirs.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.calendar import local_today, plan_gap, plan_year
from server.coverage import services
from server.coverage.chart import month_chart
from server.coverage.labels import map_text, month_labels, type_labels
from server.coverage.mapping import coverage_geojson, coverage_map, single_ward_map
from server.coverage.report import XLSX, report_filename, year_report
from server.coverage.schemas import CityTeamOut, CoverageOut
from server.errors import not_found
from server.guards import requires
from server.identity import CurrentUser
from server.planning import units_day
from server.registry.models import EstablishmentType
from server.scope import ward_by_code
from server.security import request_nonce, with_nonce
from server.settings import Settings

GEOJSON = "application/geo+json"
READERS = [requires(Role.CITY_OFFICE, Role.WARD_POLICE, Role.TEAM_LEAD)]
Year = Annotated[int | None, QueryParameter(ge=2000, le=2100)]
TypeFilter = Annotated[EstablishmentType | None, QueryParameter()]
Page = Annotated[int | None, QueryParameter(ge=1, le=services.MAX_PAGE, description=(
    "page of the ward list, from 1 (50 wards a page unless per_page; past the last page: no wards); "
    "without page and per_page: every ward"))]
PerPage = Annotated[int | None, QueryParameter(ge=1, le=services.MAX_PER_PAGE, description="wards a page (1-500)")]
Order = Annotated[services.WardOrder | None, QueryParameter(
    description="code: by ward code (the default); gap: wards below their target first, furthest behind first")]


def _nonced(html: Markup, request: Request[Any, Any, Any]) -> Markup:
    """folium's inline scripts carry the request's CSP nonce (server/security.py)."""
    return Markup(with_nonce(str(html), request_nonce(request.scope)))  # noqa: S704 (already-safe map HTML)


async def _year(db: AsyncSession, year: int | None) -> int:
    return year if year is not None else await plan_year(db)


@get("/api/v1/coverage", guards=READERS, operation_id="getCoverage", tags=["coverage"])
async def api_coverage(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser], year: Year = None,
    page: Page = None, per_page: PerPage = None, order: Order = None,
) -> CoverageOut:
    """Every ward unless ``page`` or ``per_page`` is given; the totals are always those of all the wards."""
    report = await services.coverage(db, await _year(db, year), user)
    return services.paged(report, order or services.WardOrder.CODE, page, per_page)


@get("/api/v1/coverage.geojson", guards=READERS, operation_id="getCoverageGeoJSON", tags=["coverage"],
     media_type=GEOJSON, responses={304: ResponseSpec(None, description="Not modified (If-None-Match)")})
async def api_coverage_geojson(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    year: Year = None,
) -> Response[dict[str, Any]]:
    """The same figures per ward as a GeoJSON FeatureCollection, with a strong ETag (304 when unchanged)."""
    year = await _year(db, year)
    report = await services.coverage(db, year, user, with_months=False)
    shapes = await services.ward_shapes(db, [w.code for w in report.wards], year)
    body = msgspec.json.encode(coverage_geojson(report, shapes))
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
    match = request.headers.get("if-none-match", "")
    if etag in [t.strip().removeprefix("W/") for t in match.split(",")] or match.strip() == "*":
        return Response(b"", status_code=304, headers=headers, media_type=GEOJSON)  # type: ignore[arg-type]
    return Response(body, headers=headers, media_type=GEOJSON)  # type: ignore[arg-type]


@get("/coverage", guards=READERS, include_in_schema=False)
async def dashboard(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser], year: Year = None,
    as_of: Annotated[date | None, QueryParameter()] = None,
    page: Annotated[int, QueryParameter(ge=1, le=services.MAX_PAGE)] = 1,
    per_page: Annotated[int, QueryParameter(ge=1, le=services.MAX_PER_PAGE)] = services.DEFAULT_PER_PAGE,
    order: Annotated[services.WardOrder, QueryParameter()] = services.WardOrder.GAP,
) -> Template:
    """The figures of every ward in scope; the table shows one page of wards (below the target first)."""
    year = await _year(db, year)
    report = services.paged(await services.coverage(db, year, user, as_of=as_of), order, page, per_page)
    day = date.fromisoformat(report.as_of)
    today = local_today()
    current = day.month if (as_of is not None or today.year == year) and day < date(year, 12, 31) else None
    chart = month_chart(report.months, report.active, report.target, month_labels(),
                        f"{report.inspected}/{report.active}", current_month=current)
    team = report.city_team
    keep: dict[str, object] = {"year": year}  # what the page links carry besides the page number
    if as_of is not None:
        keep["as_of"] = as_of.isoformat()
    if order is not services.WardOrder.GAP:
        keep["order"] = order.value
    if per_page != services.DEFAULT_PER_PAGE:
        keep["per_page"] = per_page

    def page_url(number: int) -> str:
        return "/coverage?" + urlencode({**keep, "page": number})

    return Template("coverage.html", context={
        "report": report, "wards": report.wards, "chart": chart, "year": year,
        "finished": day >= date(year, 12, 31),
        "team_ratio": min(1.0, team.inspected / team.target) if team.target else 1.0,
        "city_office": user.has(Role.CITY_OFFICE), "page_url": page_url,
        "first": (page - 1) * per_page + 1, "per_page_choices": sorted({50, 100, 200, 500, per_page}),
        "plan_gap": await plan_gap(db, today),
    })


@get("/coverage/map", guards=READERS, include_in_schema=False)
async def map_page(
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    settings: NamedDependency[Settings],
    year: Year = None, type: TypeFilter = None, hide_points: Annotated[bool, QueryParameter()] = False,
) -> Template:
    year = await _year(db, year)
    report = await services.coverage(db, year, user, with_months=False)
    shapes = await services.ward_shapes(db, [w.code for w in report.wards], year)
    geojson = coverage_geojson(report, shapes)
    rows = None if hide_points else await services.establishment_states(db, year, user, type_=type)
    html = coverage_map(geojson, report.wards, rows, settings.tile_url, map_text()) if geojson["features"] else None
    html = _nonced(html, request) if html else None
    return Template("coverage_map.html", context={
        "report": report, "year": year, "map_html": html, "type": type.value if type else "",
        "types": type_labels(), "points": not hide_points, "count": len(rows or []), "plan_gap": await plan_gap(db),
    })


@get("/coverage/wards/{code:str}", guards=READERS, include_in_schema=False)
async def ward_page(
    request: Request[Any, Any, Any], code: FromPath[str], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings], year: Year = None, type: TypeFilter = None,
) -> Template:
    year = await _year(db, year)
    ward = await ward_by_code(db, code, user, await units_day(db, year))
    if ward is None:
        raise not_found("ward")
    scope = frozenset({ward.id})
    figures = (await services.ward_coverage(db, year, scope))[0]
    rows = await services.establishment_states(db, year, scope, type_=type)
    geojson = coverage_geojson(CoverageOut(year=year, target=figures.target, wards=[figures], wards_meeting_target=0,
                                           city_team=CityTeamOut(target=0, inspected=0)),
                               {ward.code: ward.geometry})
    html = _nonced(single_ward_map(geojson, rows, settings.tile_url, map_text()), request)
    todo = [r for r in rows if r["state"] == services.PointState.NOT_INSPECTED]
    return Template("coverage_ward.html", context={
        "ward": figures, "year": year, "map_html": html, "todo": todo, "types": type_labels(),
        "type": type.value if type else "", "shown": len(rows), "plan_gap": await plan_gap(db),
    })


@get("/coverage/report.xlsx", guards=[requires(Role.CITY_OFFICE)], include_in_schema=False)
async def report_xlsx(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                      year: Year = None) -> Response[bytes]:
    year = await _year(db, year)
    body = await year_report(db, user, year)
    return Response(body, media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{report_filename(year)}"'})


routes = [api_coverage, api_coverage_geojson, dashboard, map_page, ward_page, report_xlsx]
