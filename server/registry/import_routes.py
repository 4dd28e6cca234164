"""Import handlers: upload → report (nothing written) → commit (all rows or none), as API and pages.

The page shows real progress: the upload's bytes (XMLHttpRequest upload events), then the rows checked,
read from the report endpoint's ``?stream=1`` NDJSON lines ``{"done": n, "total": m}`` ending with
``{"report": {...}}``. The commit is one plain request (its 2xx means committed).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, MultipartBody
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Access, access_var
from server.errors import AppError
from server.identity import CurrentUser
from server.registry.imports import ImportReport, ImportResult, commit_import, finish, load_upload, store_upload
from server.registry.labels import labels
from server.registry.locating import WardLocator, locator_for
from server.registry.routes import editors
from server.registry.tables import Geocoder, Scan, run_scan, scan, template_xlsx
from server.registry.upload_limits import check_upload
from server.settings import Settings

MAX_UPLOAD = 20 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Upload:
    file: UploadFile


def geocoder_for(state: Any, settings: Settings) -> Geocoder | None:
    """``state.geocoder`` when set (tests put a fake there), else Nominatim at KIEMTRA_GEOCODER_URL, else None."""
    if getattr(state, "geocoder", None) is not None:
        return state.geocoder
    if not settings.geocoder_url:
        return None
    from geopy.extra.rate_limiter import RateLimiter
    from geopy.geocoders import Nominatim

    url = urlsplit(settings.geocoder_url)
    nominatim = Nominatim(domain=url.netloc + url.path.rstrip("/"), scheme=url.scheme or "https",
                          user_agent="kiemtra-import", timeout=10)

    class Limited:
        geocode = RateLimiter(nominatim.geocode, min_delay_seconds=1.0)

    state.geocoder = Limited()
    return state.geocoder


async def _scan(data: bytes, name: str, locator: WardLocator, geocoder: Geocoder | None) -> Scan:
    return await asyncio.to_thread(run_scan, scan(data, name, locator, geocoder))


async def _report(request: Request[Any, Any, Any], db: AsyncSession, user: CurrentUser, settings: Settings,
                  name: str, data: bytes) -> ImportReport:
    token = await store_upload(db, user.id, name, data)
    locator = await locator_for(request.app.state, db)
    result = await _scan(data, name, locator, geocoder_for(request.app.state, settings))
    report, _ = await finish(db, user.ward_ids, token, name, result)
    return report


def _step(gen: Generator[tuple[int, int], None, Scan]) -> tuple[tuple[int, int] | None, Scan | None]:
    try:
        return next(gen), None
    except StopIteration as stop:
        return None, stop.value


async def _stream(request: Request[Any, Any, Any], user: CurrentUser, settings: Settings, name: str,
                  data: bytes, token: str) -> AsyncGenerator[bytes, None]:
    access_var.set(Access.READ)  # no SQLite write lock while the rows are checked
    async with request.app.state.sessionmaker() as session:
        locator = await locator_for(request.app.state, session)
        gen = scan(data, name, locator, geocoder_for(request.app.state, settings))
        while True:
            progress, result = await asyncio.to_thread(_step, gen)
            if result is not None:
                break
            assert progress is not None
            yield msgspec.json.encode({"done": progress[0], "total": progress[1]}) + b"\n"
        report, _ = await finish(session, user.ward_ids, token, name, result)
        await session.rollback()
    yield msgspec.json.encode({"report": report}) + b"\n"


@post("/api/v1/imports/establishments", guards=editors, operation_id="checkImport", tags=["registry"],
      request_max_body_size=MAX_UPLOAD, status_code=200,
      description="Multipart field `file` (.xlsx or .csv with the template's headers). Checks every row and "
                  "writes nothing; `?stream=1` answers NDJSON progress lines, then {\"report\": ...}.")
async def api_check_import(
    data: MultipartBody[Upload], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings], stream: FromQuery[bool] = False,
) -> Any:
    content = await data.file.read()
    check_upload(content)
    if stream:
        token = await store_upload(db, user.id, data.file.filename or "upload", content)
        return Stream(_stream(request, user, settings, data.file.filename or "upload", content, token),
                      media_type="application/x-ndjson")
    return await _report(request, db, user, settings, data.file.filename or "upload", content)


async def _commit(request: Request[Any, Any, Any], db: AsyncSession, user: CurrentUser, settings: Settings,
                  token: str) -> ImportResult:
    name, content = await load_upload(db, user.id, token)
    result = await _scan(content, name, await locator_for(request.app.state, db),
                         geocoder_for(request.app.state, settings))
    return await commit_import(db, user.id, user.ward_ids, token, name, result)


@post("/api/v1/imports/establishments/{token:str}/commit", guards=editors, operation_id="commitImport",
      tags=["registry"], status_code=200)
async def api_commit_import(
    token: FromPath[str], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> ImportResult:
    return await _commit(request, db, user, settings, token)


@get("/registry/import/template.xlsx", guards=editors, include_in_schema=False)
async def import_template() -> Response[bytes]:
    return Response(template_xlsx(), media_type=XLSX,
                    headers={"content-disposition": 'attachment; filename="mau-nhap-co-so.xlsx"'})


@get("/registry/import", guards=editors, include_in_schema=False)
async def import_page(created: FromQuery[int | None] = None, updated: FromQuery[int | None] = None) -> Template:
    return Template("registry_import.html", context={"report": None, "created": created, "updated": updated,
                                                             "labels": labels()})


@post("/registry/import", guards=editors, include_in_schema=False, request_max_body_size=MAX_UPLOAD, status_code=200)
async def import_upload(
    data: MultipartBody[Upload], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> Template:
    content = await data.file.read()
    check_upload(content)
    report = await _report(request, db, user, settings, data.file.filename or "upload", content)
    return Template("registry_import.html", context={"report": report, "labels": labels()},
                    status_code=200 if report.ok else 422)


@post("/registry/import/{token:str}/commit", guards=editors, include_in_schema=False, status_code=303)
async def import_commit(
    token: FromPath[str], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser], settings: NamedDependency[Settings],
) -> Any:
    try:
        result = await _commit(request, db, user, settings, token)
    except AppError:
        await db.rollback()
        raise
    return Redirect("/registry/import", query_params={"created": str(result.created), "updated": str(result.updated)},
                    status_code=303)


routes = [api_check_import, api_commit_import, import_template, import_page, import_upload, import_commit]
