"""Registry pages: the filtered list, a business's page, create and edit forms with a map to pick the
point. They call the same services as the API (server/registry/routes.py)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import MediaType, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.calendar import parse_day
from server.errors import AppError, FieldError, bad_value, invalid_input, problem_of
from server.formatting import day
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.registry import import_routes
from server.registry.editing import confirm_proposed_point, create_establishment, update_establishment
from server.registry.labels import labels
from server.registry.locating import locator_for
from server.registry.models import EstablishmentStatus, EstablishmentType
from server.registry.routes import editors
from server.registry.schemas import EstablishmentIn, EstablishmentOut, EstablishmentUpdate
from server.registry.services import get_establishment, list_establishments
from server.settings import Settings
from server.wards import list_wards

PAGE_SIZE = 50
FIELDS = ("name", "type", "address", "lat", "lon", "ward", "ward_override_reason", "business_reg_no",
          "security_cert_no", "operating_licence_no", "legal_rep", "phone", "rooms", "workers", "status",
          "opened_on", "closed_on")
NULLABLE = {"lat", "lon", "ward", "ward_override_reason", "business_reg_no", "security_cert_no",
            "operating_licence_no", "rooms", "workers", "opened_on", "closed_on"}


DAYS = ("opened_on", "closed_on")

class RegistryForm(msgspec.Struct):
    name: str = ""
    type: str = ""
    address: str = ""
    lat: str = ""
    lon: str = ""
    ward: str = ""
    ward_override_reason: str = ""
    business_reg_no: str = ""
    security_cert_no: str = ""
    operating_licence_no: str = ""
    legal_rep: str = ""
    phone: str = ""
    rooms: str = ""
    workers: str = ""
    status: str = "active"
    opened_on: str = ""
    closed_on: str = ""
    confirm_duplicate: str = ""


def payload(form: RegistryForm, kind: type[msgspec.Struct]) -> Any:
    """The form's strings as an ``EstablishmentIn``/``EstablishmentUpdate`` (blank → None), or a 422."""
    raw: dict[str, Any] = {}
    for field in FIELDS:
        value = getattr(form, field).strip()
        if field not in kind.__struct_fields__:
            continue
        raw[field] = (None if field in NULLABLE else "") if value == "" else value
    for field in DAYS:  # typed dd/mm/yyyy (a date picker's yyyy-mm-dd is taken too)
        if raw.get(field):
            try:
                raw[field] = parse_day(raw[field]).isoformat()
            except ValueError:
                message = _("Ngày không hợp lệ: hãy gõ theo dạng dd/mm/yyyy.")
                raise AppError(422, "invalid", message, [FieldError(field, "invalid", message)]) from None
    raw["confirm_duplicate"] = bool(form.confirm_duplicate)
    try:
        return msgspec.convert(raw, kind, strict=False)
    except msgspec.ValidationError as exc:
        raise invalid_input(exc, raw) from exc


def form_of(e: EstablishmentOut) -> RegistryForm:
    values = {f: "" if getattr(e, f, None) is None else str(getattr(e, f)) for f in FIELDS if hasattr(e, f)}
    values |= {f: day(getattr(e, f)) for f in DAYS if getattr(e, f, None) is not None}
    values["ward"] = e.ward if e.ward_override_reason else ""
    return RegistryForm(**values)


async def _form_context(db: AsyncSession, user: CurrentUser, request: Request[Any, Any, Any],
                        settings: Settings) -> dict[str, Any]:
    locator = await locator_for(request.app.state, db)
    return {"wards": await list_wards(db, user), "wards_geojson": locator.geojson(), "tile_url": settings.tile_url,
            "labels": labels()}


@get("/registry", include_in_schema=False)
async def registry_page(
    db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser],
    ward: Annotated[str, QueryParameter(max_length=10)] = "",
    type: FromQuery[EstablishmentType | None] = None,
    status: FromQuery[EstablishmentStatus | None] = None,
    q: Annotated[str, QueryParameter(max_length=200)] = "",
    last: Annotated[str, QueryParameter(pattern=r"^(|never|before|since|proposed)$")] = "",
    day: Annotated[str, QueryParameter(max_length=10)] = "",
    page: Annotated[int, QueryParameter(ge=1)] = 1,
) -> Template:
    """The registry, filtered; ``day`` is typed dd/mm/yyyy."""
    try:
        since = parse_day(day) if day else None
    except ValueError:
        raise bad_value("day", day, status=400) from None
    result = await list_establishments(
        db, user, ward=ward or None, type=type, status=status, q=q or None, never_inspected=last == "never",
        inspected_before=since if last == "before" else None, inspected_since=since if last == "since" else None,
        proposed_point=last == "proposed", limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
    )
    filters = {"ward": ward, "type": type or "", "status": status or "", "q": q, "last": last,
               "day": since}
    return Template("registry_list.html", context={
        "result": result, "filters": filters, "page": page, "pages": max(1, -(-result.total // PAGE_SIZE)),
        "wards": await list_wards(db, user), "labels": labels()})


@get("/registry/{establishment_id:int}", include_in_schema=False)
async def establishment_page(
    establishment_id: FromPath[int], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]
) -> Template:
    e = await get_establishment(db, user, establishment_id)
    return Template("registry_detail.html", context={"e": e, "labels": labels()})


@get("/registry/new", guards=editors, include_in_schema=False)
async def new_page(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
                   request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Template:
    context = await _form_context(db, user, request, settings)
    return Template("registry_form.html", context={**context, "form": RegistryForm(), "e": None})


async def _failed(db: AsyncSession, user: CurrentUser, request: Request[Any, Any, Any], settings: Settings,
                  form: RegistryForm, exc: AppError, e: EstablishmentOut | None) -> Template:
    await db.rollback()
    problem = problem_of(exc)
    context = await _form_context(db, user, request, settings)
    return Template("registry_form.html", status_code=problem.status,
                    context={**context, "form": form, "e": e, "problem": problem})


# media_type: a refused form is the page again (a Template), whatever the handler's return annotation says
@post("/registry/new", guards=editors, include_in_schema=False, status_code=303, media_type=MediaType.HTML)
async def create_submit(
    data: URLEncodedBody[RegistryForm], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    request: Request[Any, Any, Any], settings: NamedDependency[Settings],
) -> Any:
    try:
        created = await create_establishment(db, user, await locator_for(request.app.state, db),
                                             payload(data, EstablishmentIn))
    except AppError as exc:
        return await _failed(db, user, request, settings, data, exc, None)
    return Redirect(f"/registry/{created.id}", status_code=303)


@get("/registry/{establishment_id:int}/edit", guards=editors, include_in_schema=False)
async def edit_page(
    establishment_id: FromPath[int], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    request: Request[Any, Any, Any], settings: NamedDependency[Settings],
) -> Template:
    e = await get_establishment(db, user, establishment_id)
    context = await _form_context(db, user, request, settings)
    return Template("registry_form.html", context={**context, "form": form_of(e), "e": e})


@post("/registry/{establishment_id:int}/edit", guards=editors, include_in_schema=False, status_code=303,
      media_type=MediaType.HTML)
async def edit_submit(
    establishment_id: FromPath[int], data: URLEncodedBody[RegistryForm], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], request: Request[Any, Any, Any], settings: NamedDependency[Settings],
) -> Any:
    e = await get_establishment(db, user, establishment_id)
    try:
        await update_establishment(db, user, await locator_for(request.app.state, db), establishment_id,
                                   payload(data, EstablishmentUpdate))
    except AppError as exc:
        return await _failed(db, user, request, settings, data, exc, e)
    return Redirect(f"/registry/{establishment_id}", status_code=303)


@post("/registry/{establishment_id:int}/confirm-point", guards=editors, include_in_schema=False, status_code=303)
async def confirm_point_submit(
    establishment_id: FromPath[int], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    request: Request[Any, Any, Any],
) -> Redirect:
    await confirm_proposed_point(db, user, await locator_for(request.app.state, db), establishment_id)
    return Redirect(f"/registry/{establishment_id}", status_code=303)


routes = [registry_page, establishment_page, new_page, create_submit, edit_page, edit_submit, confirm_point_submit,
          *import_routes.routes]
