"""Follow-up endpoints: record one on an inspection, close it, list those past their deadline."""

from __future__ import annotations

import contextlib
from typing import Any

import msgspec
from litestar import get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import parse_day
from server.guards import requires
from server.identity import CurrentUser
from server.redirects import post_redirect, safe_next
from server.review import followups
from server.review.labels import CONTEXT
from server.review.schemas import FollowUpIn, FollowUpOut, FollowUpUpdate
from server.review.transitions import REVIEWERS
from server.settings import Settings

reviewers = [requires(*REVIEWERS)]


@post("/api/v1/inspections/{uuid:str}/follow-ups", guards=reviewers, operation_id="createFollowUp",
      tags=["review"], status_code=201)
async def api_create(uuid: FromPath[str], data: JSONBody[FollowUpIn], db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser], settings: NamedDependency[Settings]) -> FollowUpOut:
    return await followups.create_follow_up(db, settings, user, uuid, data)


@patch("/api/v1/follow-ups/{follow_up_id:int}", guards=reviewers, operation_id="updateFollowUp", tags=["review"])
async def api_update(follow_up_id: FromPath[int], data: JSONBody[FollowUpUpdate], db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser], settings: NamedDependency[Settings]) -> FollowUpOut:
    return await followups.update_follow_up(db, settings, user, follow_up_id, data)


@get("/api/v1/follow-ups", guards=reviewers, operation_id="listFollowUps", tags=["review"])
async def api_list(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                   overdue: FromQuery[bool] = False) -> list[FollowUpOut]:
    return await followups.list_follow_ups(db, user, overdue=overdue)


@get("/follow-ups", guards=reviewers, include_in_schema=False)
async def list_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Template:
    return Template("review_followups.html", context={
        **CONTEXT,
        "overdue": await followups.list_follow_ups(db, user, overdue=True),
        "recent": await followups.list_follow_ups(db, user, limit=100),
    })


def _form_value(value: str) -> Any:
    return value.strip() or None


@post("/inspections/{uuid:str}/follow-ups", guards=reviewers, include_in_schema=False, status_code=303)
async def create_submit(uuid: FromPath[str], data: URLEncodedBody[dict[str, str]], db: NamedDependency[AsyncSession],
                        user: NamedDependency[CurrentUser], settings: NamedDependency[Settings]) -> Redirect:
    target = f"/inspections/{uuid}/history"
    raw = {k: _form_value(v) for k, v in data.items() if k != "_csrf_token"}
    raw["note"] = raw.get("note") or ""
    raw = {k: v for k, v in raw.items() if v is not None}
    for field in ("decision_date", "deadline"):  # typed dd/mm/yyyy; a wrong one is refused by the struct
        with contextlib.suppress(ValueError, KeyError):
            raw[field] = parse_day(raw[field]).isoformat()
    return await post_redirect(db, target, lambda: followups.create_follow_up(
        db, settings, user, uuid, msgspec.convert(raw, FollowUpIn, strict=False)))


class StatusForm(msgspec.Struct):
    status: str = ""
    note: str = ""
    next: str = "/follow-ups"


@post("/follow-ups/{follow_up_id:int}/status", guards=reviewers, include_in_schema=False, status_code=303)
async def status_submit(follow_up_id: FromPath[int], data: URLEncodedBody[StatusForm],
                        db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                        settings: NamedDependency[Settings]) -> Redirect:
    target = safe_next(data.next)
    if target == "/":  # no (or no safe) place to return to: the follow-up list
        target = "/follow-ups"
    return await post_redirect(db, target, lambda: followups.update_follow_up(
        db, settings, user, follow_up_id,
        msgspec.convert({"status": data.status, "note": data.note}, FollowUpUpdate)))


routes = [api_create, api_update, api_list, list_page, create_submit, status_submit]
