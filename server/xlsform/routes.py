"""The form API: every version as JSON, as an XLSForm (`.xlsx`) and as an XForm (`.xml`); XLSForm upload
(a draft of the form's next version) and its publication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, MultipartBody, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.guards import STAFF, requires
from server.identity import CurrentUser
from server.inspections import FormSummary, list_forms, public_form
from server.xlsform import services
from server.xlsform.schemas import FormImportOut

READERS = [requires(*STAFF)]
EDITORS = [requires(Role.CITY_OFFICE, Role.ADMIN)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_UPLOAD = 5 * 1024 * 1024


@dataclass
class XLSFormUpload:
    file: UploadFile


@get("/api/v1/forms", guards=READERS, operation_id="listForms", tags=["forms"])
async def api_forms(db: NamedDependency[AsyncSession]) -> list[FormSummary]:
    return await list_forms(db)


@get("/api/v1/forms/{name:str}", guards=READERS, operation_id="getForm", tags=["forms"],
     description="`{form_id}`: the definition as JSON; `{form_id}.xlsx`: as an XLSForm; `{form_id}.xml`: the "
                 "XForm pyxform makes of that XLSForm (ODK Collect, Enketo). The newest version unless `?version=`.")
async def api_form(
    name: FromPath[str], db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
    version: Annotated[int | None, QueryParameter(ge=1)] = None,
) -> Response[Any]:
    form_id, _, suffix = name.partition(".")
    if suffix == "xlsx":
        content, number = await services.xlsform_of(db, form_id, version)
        return Response(content, media_type=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{form_id}.v{number}.xlsx"'})
    if suffix == "xml":
        xform, number = await services.xform_of(db, form_id, version)
        return Response(xform, media_type="text/xml", headers={
            "Content-Disposition": f'attachment; filename="{form_id}.v{number}.xml"'})
    return Response(await public_form(db, user, name, version))


@post("/api/v1/forms/xlsform", guards=EDITORS, operation_id="importXLSForm", tags=["forms"],
      request_max_body_size=MAX_UPLOAD,
      description="Multipart field `file`: an XLSForm (.xlsx) of an existing checklist (settings `form_id`). 201: a "
                  "draft of that form's next version (publish it with `publish_url`); 422: every problem by sheet, "
                  "row and column (path `sheet[row].column`), nothing written.")
async def api_import(data: MultipartBody[XLSFormUpload], db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser]) -> Response[FormImportOut]:
    content = await data.file.read()
    row = await services.import_xlsform(db, user, data.file.filename or "xlsform.xlsx", content)
    return Response(await services.view(db, row.id), status_code=201)


@get("/api/v1/forms/xlsform/{import_id:int}", guards=EDITORS, operation_id="getXLSFormImport", tags=["forms"])
async def api_import_get(import_id: FromPath[int], db: NamedDependency[AsyncSession]) -> FormImportOut:
    return await services.view(db, import_id)


@post("/api/v1/forms/xlsform/{import_id:int}/publish", guards=EDITORS, operation_id="publishXLSForm",
      tags=["forms"], status_code=200,
      description="Publish a draft: it becomes its form's newest version, the one phones get. 409 when published "
                  "already or when a newer version was published since the upload.")
async def api_publish(import_id: FromPath[int], db: NamedDependency[AsyncSession],
                      user: NamedDependency[CurrentUser]) -> FormImportOut:
    await services.publish(db, user, import_id)
    return await services.view(db, import_id)


routes = [api_forms, api_import, api_import_get, api_publish, api_form]
