"""Inspection API: idempotent submission, photo evidence, reading within scope, form definitions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody, QueryParameter
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.blobs import BlobMissing
from server.errors import AppError
from server.guards import STAFF, requires
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import attachments, pages, reading, record_pdf, verify
from server.inspections.models import ReviewState
from server.inspections.schemas import AttachmentOut, InspectionOut, InspectionPage
from server.inspections.services import get_inspection, inspection_out
from server.settings import Settings

_MSGSPEC_PATH = re.compile(r" - at `\$\.?(.*)`$")
SUBMITTERS = [requires(Role.INSPECTOR, Role.TEAM_LEAD)]
READERS = [requires(*STAFF)]


@get("/api/v1/inspections/{uuid:str}", guards=READERS, operation_id="getInspection", tags=["inspections"])
async def api_inspection(uuid: FromPath[str], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> InspectionOut:
    return await inspection_out(db, await get_inspection(db, user, uuid))


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
      description="Multipart field `file`: a JPEG, PNG or WebP (by content) of at most 10 MB and 4096 px on the "
                  "longer side that a photo answer of this inspection refers to by sha256. 201 stored, 200 already "
                  "there.")
async def api_attach(
    uuid: FromPath[str], data: MultipartBody[PhotoUpload], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> Response[AttachmentOut]:
    inspection = await get_inspection(db, user, uuid)
    photo = attachments.inspect_image(await data.file.read())
    row, created = await attachments.attach(db, user, inspection, photo, settings.blobs)
    return Response(attachment_out(inspection.uuid, row), status_code=201 if created else 200)


@get("/api/v1/inspections/{uuid:str}/attachments/{sha256:str}", guards=READERS, operation_id="getAttachment",
     tags=["inspections"])  # no route media type: Litestar would put it over the Stream's (the photo's type)
async def api_attachment(
    uuid: FromPath[str], sha256: FromPath[str], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> Stream:
    """The photo's bytes streamed from the blob store (the directory or the bucket), never read whole."""
    inspection = await get_inspection(db, user, uuid)
    row = await attachments.find_attachment(db, inspection, sha256)
    try:
        chunks = await settings.blobs.stream(row.sha256)
    except BlobMissing:
        raise AppError(404, "not_found", _("Ảnh đã được ghi nhận nhưng không tìm thấy tệp ảnh.")) from None
    filename = f"{row.sha256}.{row.content_type.split('/')[1]}"
    return Stream(chunks, media_type=row.content_type, headers={
        "Content-Length": str(row.size), "Content-Disposition": f'inline; filename="{filename}"',
        "Cache-Control": "private, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"})


routes = [api_inspection, api_inspections, api_attach, api_attachment,
          *pages.routes, *record_pdf.routes, *verify.routes]
