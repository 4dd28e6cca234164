"""Pages of the inspectors' phones (today's visits, nearby, the checklist, JavaScript-off submission), the
printable record and the list; the service worker at the root so that it may control every phone page."""

from __future__ import annotations

import uuid as uuidlib
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from server import i18n
from server.auth.guards import PUBLIC, STAFF, requires
from server.auth.identity import CurrentUser
from server.auth.models import Role
from server.errors import AppError, FieldError, problem_of
from server.home import todays_visits
from server.inspections import attachments, phone, reading
from server.inspections.models import Inspection, ReviewState
from server.inspections.record import answer_text, record_context
from server.inspections.services import get_inspection, submit
from server.settings import Settings

STATIC = Path(__file__).parents[1] / "static"
SUBMITTERS = [requires(Role.INSPECTOR, Role.TEAM_LEAD)]
READERS = [requires(*STAFF)]
#: A plain form post may carry several camera photos of up to 10 MB each.
FORM_POST_MAX_BYTES = 64 * 1024 * 1024


def _label(label: Any) -> str:
    """A {vi, en} label (dict or struct) in the request's language."""
    if not label:
        return ""
    if not isinstance(label, dict):
        label = {"vi": label.vi, "en": label.en}
    return label.get(i18n.language.get()) or label["vi"]


@get("/phone", guards=SUBMITTERS, include_in_schema=False)
async def phone_home(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    lat: Annotated[float | None, QueryParameter(ge=-90, le=90)] = None,
    lon: Annotated[float | None, QueryParameter(ge=-180, le=180)] = None,
    q: Annotated[str, QueryParameter(max_length=100)] = "",
) -> Template:
    visits = await todays_visits(db, user)
    found: list[dict[str, Any]] = []
    if lat is not None and lon is not None:
        found = await phone.nearby(db, user, lat, lon)
    elif q.strip():
        found = await phone.search(db, user, q)
    return Template("phone.html", context={"visits": visits, "found": found, "lat": lat, "lon": lon, "q": q})


def _checklist(establishment: Any, form: Any, *, values: Any = None, errors: list[FieldError] | None = None,
               status: int = 200) -> Template:
    public = registry.to_public(form, include_verification=False)
    return Template("checklist.html", status_code=status, context={
        "e": establishment, "form": public, "label": _label, "values": values, "errors": errors or [],
        "error_paths": {e.path for e in errors or []}, "uuid": str(uuidlib.uuid4()),
        "now_local": datetime.now(i18n.LOCAL_TZ).strftime("%Y-%m-%dT%H:%M"),
    })


@get("/phone/check/{establishment_id:int}", guards=SUBMITTERS, include_in_schema=False)
async def checklist_page(establishment_id: FromPath[int], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> Template:
    establishment = await phone.establishment_for_check(db, user, establishment_id)
    return _checklist(establishment, phone.form_for(establishment))


class _Values:
    """Posted values for re-rendering a refused form (``get`` one, ``getall`` several)."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def get(self, key: str) -> str:
        value = self.data.get(phone.FIELD + key)
        return value if isinstance(value, str) else ""

    def getall(self, key: str) -> list[str]:
        return [v for v in self.data.getall(phone.FIELD + key, []) if isinstance(v, str)]


@post("/phone/check/{establishment_id:int}", guards=SUBMITTERS, include_in_schema=False, status_code=303,
      request_max_body_size=FORM_POST_MAX_BYTES)
async def checklist_submit(
    establishment_id: FromPath[int], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> Response[Any]:
    """The checklist without JavaScript: a plain form post (no GPS), saved, then post/redirect/get."""
    establishment = await phone.establishment_for_check(db, user, establishment_id)
    data = await request.form()
    key = str(data.get("_uuid") or "")
    try:
        key = str(uuidlib.UUID(key)).lower()
    except ValueError:
        key = str(uuidlib.uuid4())
    existing = await db.scalar(select(Inspection).where(Inspection.uuid == key))
    if existing is not None and existing.inspector_id == user.id:  # the same form posted twice
        return Redirect(f"/inspections/{key}", status_code=303)
    version = data.get("_form_version")
    form = phone.form_for(establishment, str(data.get("_form_id") or ""),
                          int(version) if isinstance(version, str) and version.isdigit() else None)
    shas, photos, errors = phone.uploaded_photos(form, data)
    answers = phone.answers_from_form(form, data, shas)
    notes = data.get("notes")
    try:
        if errors:
            raise AppError(422, "invalid", "invalid photos", errors)
        body = phone.body_from_form(establishment, form, answers, notes if isinstance(notes, str) else "")
        await submit(db, user, key, body, settings)
    except AppError as exc:
        if exc.status_code != 422:
            raise
        await db.rollback()  # nothing of a refused post is kept; reload what the page shows
        establishment = await phone.establishment_for_check(db, user, establishment_id)
        problem = problem_of(exc)
        return _checklist(establishment, form, values=_Values(data), errors=problem.errors, status=422)
    inspection = await get_inspection(db, user, key)
    for photo in photos:
        await attachments.attach(db, user, inspection, photo, settings.data_path)
    return Redirect(f"/inspections/{key}", query_params={"saved": "1"}, status_code=303)


@get("/inspections", guards=READERS, include_in_schema=False)
async def inspections_page(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    ward: Annotated[str | None, QueryParameter(max_length=10, pattern=r"^\d{1,10}$")] = None,
    review_state: Annotated[ReviewState | None, QueryParameter(name="state")] = None,
    offset: Annotated[int, QueryParameter(ge=0)] = 0,
) -> Template:
    state = review_state.value if review_state else None
    page = await reading.list_inspections(db, user, ward=ward, state=state, limit=50, offset=offset)
    return Template("inspections.html", context={"page": page, "ward": ward or "", "state": state or "",
                                                 "states": list(ReviewState)})


@get("/inspections/{uuid:str}", guards=READERS, include_in_schema=False)
async def record_page(uuid: FromPath[str], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                      saved: Annotated[str, QueryParameter(max_length=1)] = "") -> Template:
    inspection = await get_inspection(db, user, reading.parse_uuid(uuid))
    context = await record_context(db, inspection)
    context.update(label=_label, answer_text=answer_text, lang=i18n.language.get(), saved=bool(saved),
                   may_attach=attachments.may_attach(user, inspection),
                   sees_verification=user.has(*reading.VERIFICATION_ROLES),
                   sees_proposal=user.has(Role.TEAM_LEAD, Role.CITY_OFFICE, Role.ADMIN))
    return Template("record.html", context=context)


@get("/sw.js", opt=PUBLIC, include_in_schema=False, media_type="text/javascript")
async def service_worker() -> Response[bytes]:
    """The service worker, served from the root so that its scope covers /phone."""
    return Response((STATIC / "sw.js").read_bytes(), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


routes = [phone_home, checklist_page, checklist_submit, inspections_page, record_page, service_worker]
