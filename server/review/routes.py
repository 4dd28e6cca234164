"""Review endpoints: decisions, the queue (page and JSON), an inspection's history, the exports."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Stream, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.db import utcnow
from server.errors import AppError, FieldError, bad_value, invalid_input
from server.guards import STAFF, requires
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import Flag, answer_text, get_inspection, record_context
from server.inspections.models import ReviewState
from server.labels import label
from server.people import directory
from server.redirects import post_redirect
from server.registry.models import EstablishmentType
from server.review import exports, queue, services
from server.review.followup_routes import routes as followup_routes
from server.review.labels import CONTEXT
from server.review.schemas import HistoryOut, QueueFilter, QueuePage, ReviewIn, ReviewOut
from server.review.transitions import COMMENT_REQUIRED, REVIEWERS
from server.scope import scoped
from server.settings import Settings
from server.wards.models import Ward

reviewers = [requires(*REVIEWERS)]
staff = [requires(*STAFF)]
FLAGS = ["any", *(f.value for f in Flag)]


#: The state filter's "every state" (an empty parameter is dropped before the handler, so it needs a value).
ANY_STATE = "all"


def query_filter(
    ward: Annotated[str, QueryParameter(max_length=10)] = "",
    review_state: Annotated[str, QueryParameter(name="state", max_length=20)] = "",
    type: Annotated[str, QueryParameter(max_length=20)] = "",
    violations: Annotated[str, QueryParameter(max_length=5)] = "",
    flag: Annotated[str, QueryParameter(max_length=40)] = "",
    year: Annotated[str, QueryParameter(max_length=4)] = "",
) -> QueueFilter:
    """The reviewer's filters from the query string (empty = any), shared by page, JSON and exports."""
    raw = {"ward": ward, "state": review_state, "type": type, "violations": violations, "flag": flag, "year": year}
    raw = {k: v.strip() for k, v in raw.items() if v.strip()}
    if raw.get("state") == ANY_STATE:
        del raw["state"]
    if "flag" in raw and raw["flag"] not in FLAGS:
        flags = ", ".join(label(f, "flag") for f in FLAGS if f != "any")
        message = _("Dấu hiệu “{value}” không có; hãy chọn một trong: {flags}.").format(value=raw["flag"], flags=flags)
        raise AppError(400, "invalid_request", message, [FieldError("flag", "invalid", message)])
    if "ward" in raw and not raw["ward"].isdigit():
        raise bad_value("ward", raw["ward"], 400, "invalid_request")
    try:
        return msgspec.convert(raw, QueueFilter, strict=False)
    except msgspec.ValidationError as exc:
        raise invalid_input(exc, raw, 400, "invalid_request") from exc


filter_dep = {"filters": Provide(query_filter, sync_to_thread=False)}


@post("/api/v1/inspections/{uuid:str}/review", guards=reviewers, operation_id="reviewInspection",
      tags=["review"], status_code=200)
async def api_review(uuid: FromPath[str], data: JSONBody[ReviewIn], db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser], settings: NamedDependency[Settings]) -> ReviewOut:
    return await services.decide(db, settings, user, uuid, data)


@get("/api/v1/inspections/{uuid:str}/history", guards=staff, operation_id="inspectionHistory", tags=["review"])
async def api_history(uuid: FromPath[str], db: NamedDependency[AsyncSession],
                      user: NamedDependency[CurrentUser]) -> HistoryOut:
    return await services.history(db, user, uuid)


@get("/api/v1/review/queue", guards=reviewers, operation_id="reviewQueue", tags=["review"],
     dependencies=filter_dep)
async def api_queue(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                    filters: NamedDependency[QueueFilter],
                    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
                    offset: Annotated[int, QueryParameter(ge=0)] = 0) -> QueuePage:
    return await queue.queue(db, user, filters, limit, offset)


async def _wards(db: AsyncSession, user: CurrentUser) -> list[Ward]:
    return list((await db.scalars(scoped(select(Ward).order_by(Ward.full_name), Ward.id, user))).all())


@get("/review", guards=reviewers, include_in_schema=False, dependencies=filter_dep)
async def queue_page(request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser], filters: NamedDependency[QueueFilter],
                     offset: Annotated[int, QueryParameter(ge=0)] = 0) -> Template:
    params = {k: v for k, v in request.query_params.items() if k != "offset"}
    if "state" not in params:  # the page opens on what waits for a decision; "Tất cả" (state=all) on every state
        filters = msgspec.structs.replace(filters, state=ReviewState.SUBMITTED)
    params["state"] = filters.state.value if filters.state else ANY_STATE
    page = await queue.queue(db, user, filters, 100, offset)

    def query_with(**changes: object) -> str:
        return urlencode({**params, **{k: str(v) for k, v in changes.items()}})

    return Template("review_queue.html", context={
        **CONTEXT, "page": page, "f": filters, "wards": await _wards(db, user), "states": list(ReviewState),
        "types": list(EstablishmentType), "any_state": ANY_STATE, "flags": FLAGS, "query": urlencode(params),
        "query_with": query_with,
        "people": await directory(db),
    })


def _export(fmt: str):  # type: ignore[no-untyped-def]
    chunks, media_type = exports.FORMATS[fmt]

    async def handler(request: Request[Any, Any, Any], user: NamedDependency[CurrentUser],
                      filters: NamedDependency[QueueFilter]) -> Stream:
        source = exports.pages(request.app.state.sessionmaker, user, filters)
        name = exports.filename(fmt, utcnow())
        return Stream(chunks(source), media_type=media_type,
                      headers={"Content-Disposition": f'attachment; filename="{name}"'})

    handler.__name__ = f"export_{fmt}"
    return get(f"/api/v1/exports/inspections.{fmt}", guards=reviewers, operation_id=f"exportInspections{fmt}",
               tags=["review"], dependencies=filter_dep, media_type=media_type)(handler)


export_routes = [_export(fmt) for fmt in exports.FORMATS]


@get("/inspections/{uuid:str}/history", guards=staff, include_in_schema=False)
async def history_page(uuid: FromPath[str], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                       error: FromQuery[str] = "") -> Template:
    h = await services.history(db, user, uuid)
    return Template("review_history.html", context={
        **CONTEXT, "h": h, "error": error, "comment_required": COMMENT_REQUIRED,
        "can_follow_up": user.has(Role.WARD_POLICE, Role.CITY_OFFICE), "people": await directory(db),
        "rec": await record_context(db, await get_inspection(db, user, uuid)), "answer_text": answer_text,
    })


class ReviewForm(msgspec.Struct):
    decision: str = ""
    comment: str = ""


@post("/inspections/{uuid:str}/review", guards=reviewers, include_in_schema=False, status_code=303)
async def review_submit(uuid: FromPath[str], data: URLEncodedBody[ReviewForm], db: NamedDependency[AsyncSession],
                        user: NamedDependency[CurrentUser], settings: NamedDependency[Settings]) -> Redirect:
    target = f"/inspections/{uuid}/history"
    return await post_redirect(db, target, lambda: services.decide(
        db, settings, user, uuid, msgspec.convert({"decision": data.decision, "comment": data.comment}, ReviewIn)))


routes = [api_review, api_history, api_queue, queue_page, *export_routes, history_page, review_submit,
          *followup_routes]
