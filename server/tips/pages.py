"""Tip pages: the list (and overdue list), staff entry, one tip with its workflow, the on-time ratio, the CSV
export, and the public report form. They call the same services as the JSON API."""

from __future__ import annotations

import csv
import io
from typing import Any

from litestar import MediaType, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import plan_gap, plan_year
from server.cells import neutralise
from server.errors import AppError, problem_of
from server.guards import PUBLIC, requires
from server.identity import CurrentUser
from server.people import directory
from server.settings import Settings
from server.tips import labels, ontime, public, services
from server.tips.choices import inspection_choices
from server.tips.forms import ActionForm, TipForm, convert
from server.tips.routes import Year
from server.tips.schemas import ACTION_NAMES, TipActionIn, TipIn
from server.wards import list_wards

staff = [requires(*services.INTAKE_ROLES)]
EXPORT_FIELDS = ("id", "received_at", "channel", "source", "anonymous", "ward", "ward_name", "establishment_id",
                 "establishment_name", "address", "category", "subject", "urgency", "status", "handler", "outcome",
                 "resolved_at", "next_due_at", "next_due_step", "overdue", "missed_deadline")


def _ctx(**extra: Any) -> dict[str, Any]:
    return {"L": labels, **extra}


@get("/tips", guards=staff, include_in_schema=False)
async def tips_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                    overdue: FromQuery[bool | None] = None, mine: FromQuery[bool] = False,
                    offset: FromQuery[int] = 0) -> Template:
    page = await services.list_tips(db, user, overdue=overdue, mine=mine, limit=100, offset=max(0, offset))
    return Template("tips.html", context=_ctx(page=page, overdue=overdue, mine=mine,
                                               may_enter=user.has(*services.INTAKE_ROLES)))


@get("/tips/export.csv", guards=[requires(*services.READERS)], include_in_schema=False)
async def tips_export(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                      overdue: FromQuery[bool | None] = None) -> Response[str]:
    """Every tip in scope, without the reporter (an export never carries the reporter's identity)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(EXPORT_FIELDS)
    offset = 0
    while True:
        page = await services.list_tips(db, user, overdue=overdue, limit=500, offset=offset)
        for tip in page.items:
            writer.writerow([_cell(getattr(tip, f)) for f in EXPORT_FIELDS])
        offset += 500
        if offset >= page.total:
            break
    return Response(buf.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="tips.csv"'})


def _cell(value: Any) -> Any:
    """A spreadsheet never runs a cell as a formula (``server.cells``)."""
    return neutralise(value)


async def _new_form(db: AsyncSession, user: CurrentUser, settings: Settings, form: TipForm | None = None,
                    error: Any = None, status: int = 200) -> Template:
    return Template("tip_new.html", status_code=status, context=_ctx(
        form=form or TipForm(), error=error, wards=await list_wards(db, user), tile_url=settings.tile_url))


@get("/tips/new", guards=staff, include_in_schema=False)
async def tip_new_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                       settings: NamedDependency[Settings], establishment: FromQuery[str] = "") -> Template:
    return await _new_form(db, user, settings, TipForm(establishment_id=establishment))


@post("/tips/new", guards=staff, include_in_schema=False, status_code=303)
async def tip_new_submit(data: URLEncodedBody[TipForm], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser], settings: NamedDependency[Settings]) -> Response[Any]:
    try:
        tip = await services.create_tip(db, user, convert(data, TipIn), settings.clock_skew_minutes)
    except AppError as exc:
        await db.rollback()
        return await _new_form(db, user, settings, data, problem_of(exc), exc.status_code)
    return Redirect(f"/tips/{tip.id}", status_code=303)


async def _tip_page(db: AsyncSession, user: CurrentUser, tip_id: int, **extra: Any) -> Template:
    tip = await services.get_tip(db, user, tip_id)
    raw = await services.load_tip(db, user, tip_id)
    status = extra.pop("status", 200)
    return Template("tip.html", status_code=status, context=_ctx(
        tip=tip, manager=services.is_manager(user, raw), holder=raw.handler_id == user.id,
        actions=ACTION_NAMES, people=await directory(db), wards=await list_wards(db, user),
        inspections=await inspection_choices(db, user, raw.establishment_id), **extra))


@get("/tips/{tip_id:int}", guards=staff, include_in_schema=False)
async def tip_page(tip_id: FromPath[int], db: NamedDependency[AsyncSession],
                   user: NamedDependency[CurrentUser]) -> Template:
    return await _tip_page(db, user, tip_id)


@post("/tips/{tip_id:int}/actions", guards=staff, include_in_schema=False, status_code=303)
async def tip_act(tip_id: FromPath[int], data: URLEncodedBody[ActionForm], db: NamedDependency[AsyncSession],
                  user: NamedDependency[CurrentUser]) -> Response[Any]:
    try:
        await services.act(db, user, tip_id, convert(data, TipActionIn))
    except AppError as exc:
        await db.rollback()
        if exc.status_code == 404:
            raise
        return await _tip_page(db, user, tip_id, error=problem_of(exc), status=exc.status_code)
    return Redirect(f"/tips/{tip_id}", status_code=303)


@post("/tips/{tip_id:int}/reporter", guards=staff, include_in_schema=False, status_code=200)
async def tip_reveal(tip_id: FromPath[int], db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser]) -> Template:
    reporter = await services.reveal_reporter(db, user, tip_id)
    return await _tip_page(db, user, tip_id, reporter=reporter)


@get("/tips/on-time", guards=staff, include_in_schema=False)
async def on_time_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                       year: Year = None) -> Template:
    year = year or await plan_year(db)
    report = await ontime.on_time(db, user, year)
    return Template("tips_ontime.html", context=_ctx(report=report, months=range(1, 13), year=year,
                                                     plan_gap=await plan_gap(db)))


# --- the public form: no login, no tracking, CSRF only ---


@get("/report", opt=PUBLIC, include_in_schema=False)
async def report_page(db: NamedDependency[AsyncSession]) -> Template:
    return Template("report.html", context={"form": public.PublicTipForm(), "wards": await _public_wards(db),
                                            "limits": public.LIMITS})


async def _public_wards(db: AsyncSession) -> list[Any]:
    everyone = CurrentUser(0, "", "", frozenset(), None, "vi", "")
    return await list_wards(db, everyone)


@post("/report", opt=PUBLIC, include_in_schema=False, request_max_body_size=public.MAX_BODY_BYTES,
      status_code=200)
async def report_submit(data: URLEncodedBody[public.PublicTipForm], request: Request[Any, Any, Any],
                        db: NamedDependency[AsyncSession], settings: NamedDependency[Settings]) -> Template:
    address = request.client.host if request.client else ""
    await public.count_post(db, public.client_key(settings.secret_key, address))
    errors = public.validate(data)
    if errors:
        await db.commit()  # the post counts against the limit even when it is refused
        return Template("report.html", status_code=422, media_type=MediaType.HTML, context={
            "form": data, "wards": await _public_wards(db), "errors": {e.path: e.message for e in errors},
            "limits": public.LIMITS})
    await public.submit(db, data)
    return Template("report_thanks.html")


routes = [tips_page, tips_export, tip_new_page, tip_new_submit, tip_page, tip_act, tip_reveal, on_time_page,
          report_page, report_submit]
