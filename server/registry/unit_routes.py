"""Importing a new set of administrative units (admins): ``POST /api/v1/wards/imports`` and its page.

Both take a GeoJSON file, the day the units come into force and an optional mapping (JSON, old code to new
code(s)); both call ``import_units`` and answer its report. The process's cached ward locator is dropped, so
the registry places new businesses in the new units (another worker rebuilds its own when restarted).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import MultipartBody
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role
from server.errors import AppError, FieldError
from server.guards import requires
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.labels import field_label
from server.registry.locating import STATE_KEY
from server.registry.unit_imports import UnitImportReport, import_units

MAX_UPLOAD = 20 * 1024 * 1024
ADMINS = [requires(Role.ADMIN)]


@dataclass
class UnitsUpload:
    file: UploadFile
    valid_from: str = ""
    mapping: str | None = None


def _day(raw: str) -> date:
    """``yyyy-mm-dd`` or ``dd/mm/yyyy``, or a 422 on ``valid_from``."""
    text = (raw or "").strip()
    try:
        if "/" in text:
            d, m, y = (int(x) for x in text.split("/"))
            return date(y, m, d)
        return date.fromisoformat(text)
    except ValueError:
        raise AppError(422, "invalid_date", _("Ngày hiệu lực không hợp lệ."),
                       [FieldError("valid_from", "invalid_date",
                                   _("Hãy nhập ngày theo dạng dd/mm/yyyy hoặc yyyy-mm-dd."))]) from None


async def _import(request: Request[Any, Any, Any], db: AsyncSession, user: CurrentUser,
                  data: UnitsUpload) -> UnitImportReport:
    day = _day(data.valid_from)
    content = await data.file.read()
    if not content:
        raise AppError(422, "invalid_geojson", _("Tệp tải lên trống."),
                       [FieldError("file", "empty_file", _("Hãy chọn một tệp GeoJSON."))])
    report = await import_units(db, user.id, content, day, data.mapping)
    setattr(request.app.state, STATE_KEY, None)
    return report


@post("/api/v1/wards/imports", guards=ADMINS, operation_id="importWards", tags=["wards"], status_code=201,
      request_max_body_size=MAX_UPLOAD,
      description="Multipart: `file` (GeoJSON FeatureCollection: code, name, full_name, kind, optional "
                  "merged_from), `valid_from` (yyyy-mm-dd), optional `mapping` (JSON {old code: new code or "
                  "[codes]}; by default from merged_from by full name, then identical codes). The units in force "
                  "end the day before; businesses move by their point; the report says where each unit's went.")
async def api_import_wards(data: MultipartBody[UnitsUpload], request: Request[Any, Any, Any],
                           db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> UnitImportReport:
    return await _import(request, db, user, data)


@get("/admin/wards/import", guards=ADMINS, include_in_schema=False)
async def import_page() -> Template:
    return Template("ward_import.html", context={"report": None, "errors": [], "form": {}})


def place(path: str) -> str:
    """Where in the upload a problem is, as the admin reads it (``file.features[3].properties.kind`` → the 4th
    unit's property ``kind``): GeoJSON property names stay as they are, they are what the file holds."""
    if unit := re.match(r"file\.features\[(\d+)\](?:\.properties\.(\w+)|\.(geometry))?", path):
        number = int(unit[1]) + 1
        if unit[2]:
            return _("Đơn vị thứ {n}, thuộc tính {name}").format(n=number, name=unit[2])
        if unit[3]:
            return _("Đơn vị thứ {n}, ranh giới").format(n=number)
        return _("Đơn vị thứ {n}").format(n=number)
    if path.startswith("mapping."):
        return _("Bảng chuyển đổi, mã {code}").format(code=path.removeprefix("mapping."))
    return {"file": _("Tệp"), "mapping": _("Bảng chuyển đổi")}.get(path) or field_label(path)


@post("/admin/wards/import", guards=ADMINS, include_in_schema=False, request_max_body_size=MAX_UPLOAD,
      status_code=200)
async def import_post(data: MultipartBody[UnitsUpload], request: Request[Any, Any, Any],
                      db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Template:
    form = {"valid_from": data.valid_from, "mapping": data.mapping or ""}
    try:
        report = await _import(request, db, user, data)
    except AppError as error:
        await db.rollback()
        problems = error.errors or [FieldError("", error.code, str(error.detail))]
        return Template("ward_import.html", context={"report": None, "errors": problems, "form": form,
                                                     "places": {e.path: place(e.path) for e in problems},
                                                     "detail": error.detail}, status_code=error.status_code)
    return Template("ward_import.html", context={"report": report, "errors": [], "form": {}})


routes = [api_import_wards, import_page, import_post]
