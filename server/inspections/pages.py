"""Pages of the inspectors' phones (today's visits, nearby, the checklist), the printable record and the
list; the service worker at the root so that it may control every phone page. The checklist's
JavaScript-off post is a submission: ``server.submissions.routes``."""

from __future__ import annotations

import uuid as uuidlib
from pathlib import Path
from typing import Annotated, Any

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from forms import registry
from server import i18n
from server.auth.models import Role
from server.calendar import local_now
from server.errors import FieldError
from server.guards import PUBLIC, STAFF, requires
from server.identity import CurrentUser
from server.inspections import attachments, phone, reading
from server.inspections.models import ReviewState
from server.inspections.record import answer_text, record_context
from server.inspections.services import get_inspection
from server.labels import bilingual
from server.planning import todays_visits
from server.wards import list_wards

STATIC = Path(__file__).parents[1] / "static"
SUBMITTERS = [requires(Role.INSPECTOR, Role.TEAM_LEAD)]
READERS = [requires(*STAFF)]



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


def checklist_template(establishment: Any, form: Any, *, values: Any = None, errors: list[FieldError] | None = None,
               status: int = 200) -> Template:
    public = registry.to_public(form, include_verification=False)
    return Template("checklist.html", status_code=status, context={
        "e": establishment, "form": public, "label": bilingual, "values": values, "errors": errors or [],
        "error_paths": {e.path for e in errors or []}, "uuid": str(uuidlib.uuid4()),
        "now_local": local_now().strftime("%Y-%m-%dT%H:%M"),
    })


@get("/phone/check/{establishment_id:int}", guards=SUBMITTERS, include_in_schema=False)
async def checklist_page(establishment_id: FromPath[int], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> Template:
    establishment = await phone.establishment_for_check(db, user, establishment_id)
    return checklist_template(establishment, await phone.form_for(db, establishment))


class PostedValues:
    """Posted values for re-rendering a refused form (``get`` one, ``getall`` several)."""

    def __init__(self, data: Any) -> None:
        self.data = data

    def get(self, key: str) -> str:
        value = self.data.get(phone.FIELD + key)
        return value if isinstance(value, str) else ""

    def getall(self, key: str) -> list[str]:
        return [v for v in self.data.getall(phone.FIELD + key, []) if isinstance(v, str)]


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
                                                 "wards": await list_wards(db, user),
                                                 "states": list(ReviewState)})


@get("/inspections/{uuid:str}", guards=READERS, include_in_schema=False)
async def record_page(uuid: FromPath[str], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                      saved: Annotated[str, QueryParameter(max_length=1)] = "") -> Template:
    inspection = await get_inspection(db, user, uuid)
    context = await record_context(db, inspection)
    context.update(label=bilingual, answer_text=answer_text, lang=i18n.language.get(), saved=bool(saved),
                   may_attach=attachments.may_attach(user, inspection),
                   sees_verification=user.has(*reading.VERIFICATION_ROLES),
                   sees_proposal=user.has(Role.TEAM_LEAD, Role.CITY_OFFICE, Role.ADMIN))
    return Template("record.html", context=context)


@get("/sw.js", opt=PUBLIC, include_in_schema=False, media_type="text/javascript")
async def service_worker() -> Response[bytes]:
    """The service worker, served from the root so that its scope covers /phone."""
    return Response((STATIC / "sw.js").read_bytes(), media_type="text/javascript",
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"})


routes = [phone_home, checklist_page, inspections_page, record_page, service_worker]
