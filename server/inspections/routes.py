"""Inspection API: idempotent submission, photo evidence, reading within scope, form definitions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody, QueryParameter
from litestar.response import File
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.guards import STAFF, requires
from server.auth.identity import CurrentUser
from server.auth.models import Role
from server.errors import AppError, FieldError
from server.inspections import attachments, pages, reading
from server.inspections.models import ReviewState
from server.inspections.reading import parse_uuid
from server.inspections.schemas import AttachmentOut, FormSummary, InspectionIn, InspectionOut, InspectionPage
from server.inspections.services import get_inspection, inspection_out, submit
from server.settings import Settings

_MSGSPEC_PATH = re.compile(r" - at `\$\.?(.*)`$")
SUBMITTERS = [requires(Role.INSPECTOR, Role.TEAM_LEAD)]
READERS = [requires(*STAFF)]


def decode_body(raw: bytes) -> InspectionIn:
    """Decode the PUT body with msgspec; a bad field is a 422 naming its path (``location.lat``)."""
    try:
        return msgspec.json.decode(raw, type=InspectionIn)
    except msgspec.ValidationError as exc:
        message = str(exc)
        match = _MSGSPEC_PATH.search(message)
        path = match.group(1) if match else "body"
        path = re.sub(r"\[(\d+)\]", r".\1", path) or "body"
        raise AppError(422, "invalid", "invalid submission",
                       [FieldError(path, "wrong_type", _MSGSPEC_PATH.sub("", message))]) from None
    except msgspec.DecodeError as exc:
        raise AppError(422, "invalid", "the body is not JSON",
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
        raise AppError(422, "invalid", "bad X-Device-Time header",
                       [FieldError("headers.x-device-time", "wrong_type", "ISO 8601 time with offset expected")])
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


@get("/api/v1/inspections/{uuid:str}", guards=READERS, operation_id="getInspection", tags=["inspections"])
async def api_inspection(uuid: FromPath[str], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> InspectionOut:
    return await inspection_out(db, await get_inspection(db, user, parse_uuid(uuid)))


@get("/api/v1/inspections", guards=READERS, operation_id="listInspections", tags=["inspections"])
async def api_inspections(
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    ward: Annotated[str | None, QueryParameter(max_length=10, pattern=r"^\d{1,10}$")] = None,
    review_state: Annotated[ReviewState | None, QueryParameter(name="state")] = None,
    establishment: Annotated[int | None, QueryParameter(ge=1)] = None,
    limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
    offset: Annotated[int, QueryParameter(ge=0)] = 0,
) -> InspectionPage:
    return await reading.list_inspections(db, user, ward=ward, state=review_state.value if review_state else None,
                                          establishment_id=establishment, limit=limit, offset=offset)


@dataclass
class PhotoUpload:
    file: UploadFile


def attachment_out(uuid: str, row: Any) -> AttachmentOut:
    return AttachmentOut(sha256=row.sha256, content_type=row.content_type, size=row.size, width=row.width,
                         height=row.height, url=f"/api/v1/inspections/{uuid}/attachments/{row.sha256}")


@post("/api/v1/inspections/{uuid:str}/attachments", guards=READERS, operation_id="addAttachment",
      tags=["inspections"], request_max_body_size=attachments.MAX_BYTES + 256 * 1024,
      description="Multipart field `file`: a JPEG, PNG or WebP (by content) of at most 10 MB and 40 megapixels "
                  "that a photo answer of this inspection refers to by sha256. 201 stored, 200 already there.")
async def api_attach(
    uuid: FromPath[str], data: MultipartBody[PhotoUpload], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> Response[AttachmentOut]:
    inspection = await get_inspection(db, user, parse_uuid(uuid))
    photo = attachments.inspect_image(await data.file.read())
    row, created = await attachments.attach(db, user, inspection, photo, settings.data_path)
    return Response(attachment_out(inspection.uuid, row), status_code=201 if created else 200)


@get("/api/v1/inspections/{uuid:str}/attachments/{sha256:str}", guards=READERS, operation_id="getAttachment",
     tags=["inspections"], media_type="application/octet-stream")
async def api_attachment(
    uuid: FromPath[str], sha256: FromPath[str], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> File:
    inspection = await get_inspection(db, user, parse_uuid(uuid))
    row = await attachments.find_attachment(db, inspection, sha256)
    path = attachments.blob_path(settings.data_path, row.sha256)
    if not path.is_file():
        raise AppError(404, "not_found", "the photo is recorded but its file is missing")
    return File(path, media_type=row.content_type, content_disposition_type="inline",
                filename=f"{row.sha256}.{row.content_type.split('/')[1]}",
                headers={"Cache-Control": "private, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})


@get("/api/v1/forms", guards=READERS, operation_id="listForms", tags=["forms"])
async def api_forms() -> list[FormSummary]:
    return reading.list_forms()


@get("/api/v1/forms/{form_id:str}", guards=READERS, operation_id="getForm", tags=["forms"])
async def api_form(
    form_id: FromPath[str], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    version: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> dict[str, Any]:
    return await reading.public_form(db, user, form_id, version)


routes = [api_submit, api_inspection, api_inspections, api_attach, api_attachment, api_forms, api_form,
          *pages.routes]
