"""The submission path over HTTP: the phone's idempotent PUT and the checklist's JavaScript-off form post.
Both end in ``server.submissions.submit``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import msgspec
from litestar import Request, Response, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.errors import AppError, FieldError, problem_of
from server.guards import requires
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import (
    InspectionIn,
    InspectionOut,
    PostedValues,
    answers_from_form,
    attach,
    body_from_form,
    checklist_template,
    establishment_for_check,
    form_for,
    get_inspection,
    parse_uuid,
    uploaded_photos,
)
from server.inspections.models import Inspection
from server.settings import Settings
from server.submissions.services import submit

_MSGSPEC_PATH = re.compile(r" - at `\$\.?(.*)`$")
SUBMITTERS = [requires(Role.INSPECTOR, Role.TEAM_LEAD)]
#: A plain form post may carry several camera photos of up to 10 MB each.
FORM_POST_MAX_BYTES = 64 * 1024 * 1024


def decode_body(raw: bytes) -> InspectionIn:
    """Decode the PUT body with msgspec; a bad field is a 422 naming its path (``location.lat``)."""
    try:
        return msgspec.json.decode(raw, type=InspectionIn)
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = _MSGSPEC_PATH.search(message)
        path = match.group(1) if match else "body"
        path = re.sub(r"\[(\d+)\]", r".\1", path) or "body"
        raise AppError(422, "invalid", _("Dữ liệu gửi lên không hợp lệ."),
                       [FieldError(path, "wrong_type", _MSGSPEC_PATH.sub("", message))]) from None
    except msgspec.DecodeError as exc:
        raise AppError(422, "invalid", _("Nội dung gửi lên không phải là JSON."),
                       [FieldError("body", "wrong_type", str(exc))]) from None


def device_time(request: Request[Any, Any, Any]) -> datetime | None:
    """The phone's clock when it sent the request (``X-Device-Time``, ISO 8601 with offset)."""
    value = request.headers.get("x-device-time")
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise AppError(422, "invalid", _("Tiêu đề X-Device-Time không hợp lệ."),
                       [FieldError("headers.x-device-time", "wrong_type",
                                   _("Hãy gửi thời điểm theo ISO 8601 kèm múi giờ, ví dụ 2023-05-01T21:30:00+07:00."))])
    return parsed


@put("/api/v1/inspections/{uuid:str}", guards=SUBMITTERS, operation_id="submitInspection", tags=["inspections"],
     description="Idempotent create: 201 new, 200 the same body again, 409 another body under this UUID, 422 "
                 "invalid (with field paths). Body: InspectionIn. Optional header X-Device-Time (the phone's "
                 "clock when sending) for the clock-skew flag.")
async def api_submit(
    uuid: FromPath[str], request: Request[CurrentUser, Any, Any], db: NamedDependency[AsyncSession],
) -> Response[InspectionOut]:
    # The user (the guard admitted one) and the settings come from the request, not as dependencies:
    # Litestar resolves two or more dependencies in a task group, three tasks on the busiest request.
    user, settings = request.user, request.app.state.settings
    key = parse_uuid(uuid)
    body = decode_body(await request.body())
    out, created = await submit(db, user, key, body, settings, device_now=device_time(request))
    return Response(out, status_code=201 if created else 200)


@post("/phone/check/{establishment_id:int}", guards=SUBMITTERS, include_in_schema=False, status_code=303,
      request_max_body_size=FORM_POST_MAX_BYTES)
async def checklist_submit(
    establishment_id: FromPath[int], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> Response[Any]:
    """The checklist without JavaScript: a plain form post (no GPS), saved, then post/redirect/get."""
    establishment = await establishment_for_check(db, user, establishment_id)
    data = await request.form()
    version = data.get("_form_version")
    form = await form_for(db, establishment, str(data.get("_form_id") or ""),
                          int(version) if isinstance(version, str) and version.isdigit() else None)
    shas, photos, errors = uploaded_photos(form, data)
    answers = answers_from_form(form, data, shas)
    notes = data.get("notes")
    try:
        key = parse_uuid(str(data.get("_uuid") or ""))  # made when the page was rendered: a repost is the same
        existing = await db.scalar(select(Inspection).where(Inspection.uuid == key))
        if existing is not None and existing.inspector_id == user.id:  # the same form posted twice
            return Redirect(f"/inspections/{key}", status_code=303)
        if errors:
            raise AppError(422, "invalid", _("Có ảnh không hợp lệ."), errors)
        body = body_from_form(establishment, form, answers, notes if isinstance(notes, str) else "")
        await submit(db, user, key, body, settings)
    except AppError as exc:
        if exc.status_code != 422:
            raise
        await db.rollback()  # nothing of a refused post is kept; reload what the page shows
        establishment = await establishment_for_check(db, user, establishment_id)
        problem = problem_of(exc)
        return checklist_template(establishment, form, values=PostedValues(data), errors=problem.errors, status=422)
    inspection = await get_inspection(db, user, key)
    for photo in photos:
        await attach(db, user, inspection, photo, settings.blobs)
    return Redirect(f"/inspections/{key}", query_params={"saved": "1"}, status_code=303)


routes = [api_submit, checklist_submit]
