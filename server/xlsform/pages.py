"""The city office's XLSForm page: export every checklist, upload a new version, preview it as the phone
shows it, publish it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from litestar import MediaType, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import AppError
from server.identity import CurrentUser
from server.inspections import checklist_template, current_forms
from server.people import directory
from server.redirects import post_redirect
from server.xlsform import services
from server.xlsform.routes import EDITORS, MAX_UPLOAD, XLSFormUpload


async def _page(db: AsyncSession, **context: Any) -> dict[str, Any]:
    forms = (await current_forms(db)).latest()
    return {"forms": forms, "titles": {form.id: form.title for form in forms},
            "imports": await services.list_imports(db), "people": await directory(db), "report": None,
            "error": None, **context}


@get("/forms/xlsform", guards=EDITORS, include_in_schema=False)
async def xlsform_page(db: NamedDependency[AsyncSession], error: FromQuery[str | None] = None) -> Template:
    return Template("xlsform.html", context=await _page(db, error=error))


@post("/forms/xlsform", guards=EDITORS, include_in_schema=False, request_max_body_size=MAX_UPLOAD, status_code=303,
      media_type=MediaType.HTML)
async def xlsform_upload(data: MultipartBody[XLSFormUpload], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> Any:
    """A taken file goes to its preview; a refused one comes back with the report (422, nothing written)."""
    content = await data.file.read()
    try:
        row = await services.import_xlsform(db, user, data.file.filename or "xlsform.xlsx", content)
    except AppError as refused:
        await db.rollback()
        return Template("xlsform.html", status_code=422, context=await _page(db, report=refused,
                                                                             filename=data.file.filename))
    return Redirect(f"/forms/xlsform/{row.id}", status_code=303)


@get("/forms/xlsform/{import_id:int}", guards=EDITORS, include_in_schema=False)
async def preview_page(import_id: FromPath[int], db: NamedDependency[AsyncSession],
                       error: FromQuery[str | None] = None) -> Template:
    definition = services.definition_of(await services.get_import(db, import_id))
    return Template("xlsform_preview.html", context={
        "row": await services.view(db, import_id), "form": definition, "people": await directory(db),
        "error": error})


@get("/forms/xlsform/{import_id:int}/phone", guards=EDITORS, include_in_schema=False)
async def preview_phone(import_id: FromPath[int], db: NamedDependency[AsyncSession]) -> Template:
    """The draft as the phone's checklist, with no business in it (shown inside the preview page)."""
    definition = services.definition_of(await services.get_import(db, import_id))
    blank = SimpleNamespace(id=0, name="", type=definition.establishment_types[0], address="", lat=None, lon=None)
    return checklist_template(blank, definition)


@post("/forms/xlsform/{import_id:int}/publish", guards=EDITORS, include_in_schema=False, status_code=303)
async def publish_page(import_id: FromPath[int], db: NamedDependency[AsyncSession],
                       user: NamedDependency[CurrentUser]) -> Redirect:
    return await post_redirect(db, f"/forms/xlsform/{import_id}", lambda: services.publish(db, user, import_id))


routes = [xlsform_page, xlsform_upload, preview_page, preview_phone, publish_page]
