"""OpenRosa endpoints (form list, form, manifest, media, submission) for ODK Collect, Enketo, ODK Web Forms.

Each endpoint answers under a device token (`/key/{token}/...`, what ODK Collect is configured with) and,
for a browser client, under the login session (`/formList`, `/submission` ...). A submission is read into the
phone's body and goes through `server.submissions.submit` like the phone's PUT.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Awaitable
from typing import Any
from xml.sax.saxutils import escape

from litestar import Request, Response, get, head, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from forms.registry import FormNotFound, sha256
from forms.spec import FormDefinition
from forms.xlsform import BUSINESSES_CSV, to_xform
from server.auth.models import Role
from server.errors import AppError, not_found
from server.guards import PUBLIC
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections import attach, current_forms, get_inspection, inspect_image, parse_uuid
from server.openrosa.instances import read_instance
from server.openrosa.tokens import user_of_token
from server.redirects import problem_text
from server.registry.models import Establishment, EstablishmentStatus
from server.scope import scoped
from server.submissions import submit

HEADERS = {"X-OpenRosa-Version": "1.0", "X-OpenRosa-Accept-Content-Length": str(30 * 1024 * 1024)}
XML = "text/xml"  # Litestar adds the charset
MAX_SUBMISSION = 30 * 1024 * 1024
#: XForms made once per process for each definition (pyxform takes a few tenths of a second).
_XFORMS: dict[str, str] = {}


def _token(request: Request[Any, Any, Any]) -> str | None:
    """The device token of a `/key/{token}/...` path; None on the login session's paths."""
    return request.path_params.get("token")


async def _user(request: Request[Any, Any, Any], db: AsyncSession) -> CurrentUser:
    """The device's user (token) or the session's; only inspectors and team leads fill checklists."""
    token = _token(request)
    user = await user_of_token(db, token) if token else request.scope.get("user")
    if user is None:
        raise AppError(401, "not_authenticated", _("Cần đăng nhập hoặc mã thiết bị."))
    if not user.has(Role.INSPECTOR, Role.TEAM_LEAD):
        raise AppError(403, "forbidden", _("Chỉ cán bộ kiểm tra và tổ trưởng mới gửi biên bản."))
    return user


def _base(request: Request[Any, Any, Any]) -> str:
    token = _token(request)
    return str(request.base_url).rstrip("/") + (f"/key/{token}" if token else "")


def _xform(form: FormDefinition) -> str:
    key = sha256(form)
    if key not in _XFORMS:
        _XFORMS[key] = to_xform(form, visit=True)
    return _XFORMS[key]


def _md5(data: str | bytes) -> str:
    return "md5:" + hashlib.md5(data.encode() if isinstance(data, str) else data, usedforsecurity=False).hexdigest()


def _xml(body: str, status: int = 200) -> Response[str]:
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, status_code=status, media_type=XML,
                    headers=HEADERS)


def _message(text: str, status: int, nature: str = "") -> Response[str]:
    attribute = f' nature="{nature}"' if nature else ""
    return _xml(f'<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message{attribute}>{escape(text)}'
                "</message></OpenRosaResponse>", status)


async def _form(db: AsyncSession, form_id: str) -> FormDefinition:
    try:
        return (await current_forms(db)).get(form_id)
    except FormNotFound:
        raise not_found("form") from None


async def _form_list(request: Request[Any, Any, Any], db: AsyncSession) -> Response[str]:
    """The OpenRosa form list: the newest version of every checklist."""
    await _user(request, db)
    base, items = _base(request), []
    for form in (await current_forms(db)).latest():
        items.append(f"<xform><formID>{form.id}</formID><name>{escape(form.title.vi)}</name>"
                     f"<version>{form.version}</version><hash>{_md5(_xform(form))}</hash>"
                     f"<downloadUrl>{base}/xforms/{form.id}/form.xml</downloadUrl>"
                     f"<manifestUrl>{base}/xforms/{form.id}/manifest</manifestUrl></xform>")
    return _xml('<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(items) + "</xforms>")


async def _form_xml(request: Request[Any, Any, Any], db: AsyncSession, form_id: str) -> Response[str]:
    await _user(request, db)
    return Response(_xform(await _form(db, form_id)), media_type=XML, headers=HEADERS)


async def _businesses(db: AsyncSession, user: CurrentUser, form: FormDefinition) -> bytes:
    """The user's active businesses of the form's types, as the CSV the form's business question reads."""
    query = scoped(select(Establishment.id, Establishment.name, Establishment.address)
                   .where(Establishment.type.in_(form.establishment_types),
                          Establishment.status == EstablishmentStatus.ACTIVE.value)
                   .order_by(Establishment.name, Establishment.id), Establishment.ward_id, user)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["name", "label"])
    for row in (await db.execute(query)).all():
        writer.writerow([row.id, f"{row.name} — {row.address}" if row.address else row.name])
    return out.getvalue().encode()


async def _manifest(request: Request[Any, Any, Any], db: AsyncSession, form_id: str) -> Response[str]:
    """The form's media: the user's business list (the business is picked from it, offline too)."""
    user = await _user(request, db)
    form = await _form(db, form_id)
    content = await _businesses(db, user, form)
    url = f"{_base(request)}/xforms/{form.id}/{BUSINESSES_CSV}"
    return _xml('<manifest xmlns="http://openrosa.org/xforms/xformsManifest"><mediaFile>'
                f"<filename>{BUSINESSES_CSV}</filename><hash>{_md5(content)}</hash><downloadUrl>{url}</downloadUrl>"
                "</mediaFile></manifest>")


async def _business_csv(request: Request[Any, Any, Any], db: AsyncSession, form_id: str) -> Response[bytes]:
    user = await _user(request, db)
    return Response(await _businesses(db, user, await _form(db, form_id)), media_type="text/csv; charset=utf-8",
                    headers={**HEADERS, "Cache-Control": "no-store"})


async def _head(request: Request[Any, Any, Any], db: AsyncSession) -> Response[None]:
    """What ODK Collect asks before sending: who it is, and how big a request may be."""
    await _user(request, db)
    return Response(None, status_code=204, headers=HEADERS)


async def _submission(request: Request[Any, Any, Any], db: AsyncSession) -> Response[str]:
    """Multipart `xml_submission_file` and photo parts: 201 stored, 202 the same again, 409 another submission
    under this instanceID, 422 invalid; an OpenRosaResponse each time, nothing written on an error."""
    user = await _user(request, db)
    settings = request.app.state.settings
    data = await request.form()
    files: dict[str, bytes] = {}
    xml = None
    for name, value in data.multi_items():
        if isinstance(value, UploadFile):
            content = await value.read()
            if name == "xml_submission_file":
                xml = content
            else:
                files[value.filename or name] = content
    try:
        if xml is None:
            raise AppError(422, "invalid", _("Thiếu phần xml_submission_file."))
        instance = read_instance(xml, files, await current_forms(db))
        photos = {digest: inspect_image(content) for digest, content in instance.photos.items()}
        out, created = await submit(db, user, parse_uuid(instance.uuid), instance.body, settings)
        inspection = await get_inspection(db, user, out.uuid)
        for photo in photos.values():
            await attach(db, user, inspection, photo, settings.blobs)
    except AppError as error:
        await db.rollback()
        return _message(problem_text(error), error.status_code, "submit_failure" if error.status_code < 500 else "")
    return _message(_("Đã nhận biên bản.") if created else _("Biên bản này đã được nhận trước đó."),
                    201 if created else 202, "submit_success")


async def _openrosa(answer: Awaitable[Response[Any]]) -> Response[Any]:
    """An OpenRosa answer, or its refusal as an OpenRosaResponse (never the HTML pages' login redirect)."""
    try:
        return await answer
    except AppError as error:
        response = _message(problem_text(error), error.status_code, "submit_failure")
        if error.status_code == 401:
            response.headers["WWW-Authenticate"] = 'Basic realm="kiemtra"'
        return response


# Each endpoint answers on two paths: the login session's (a browser client) and a device token's (ODK Collect);
# the token is read from the path by `_token`.
Db = NamedDependency[AsyncSession]
Req = Request[Any, Any, Any]
KEY = "/key/{token:str}"
XFORM = "/xforms/{form_id:str}"
OPEN = {"opt": PUBLIC, "include_in_schema": False}


def _paths(path: str) -> list[str]:
    return [path, KEY + path]


@get(_paths("/formList"), **OPEN)
async def form_list(request: Req, db: Db) -> Response[str]:
    return await _openrosa(_form_list(request, db))


@get(_paths(XFORM + "/form.xml"), **OPEN)
async def form_xml(request: Req, db: Db, form_id: FromPath[str]) -> Response[str]:
    return await _openrosa(_form_xml(request, db, form_id))


@get(_paths(XFORM + "/manifest"), **OPEN)
async def manifest(request: Req, db: Db, form_id: FromPath[str]) -> Response[str]:
    return await _openrosa(_manifest(request, db, form_id))


@get(_paths(XFORM + "/" + BUSINESSES_CSV), **OPEN)
async def business_csv(request: Req, db: Db, form_id: FromPath[str]) -> Response[bytes]:
    return await _openrosa(_business_csv(request, db, form_id))


@head(_paths("/submission"), **OPEN, status_code=204)
async def submission_head(request: Req, db: Db) -> Response[None]:
    return await _openrosa(_head(request, db))


@post(_paths("/submission"), **OPEN, request_max_body_size=MAX_SUBMISSION)
async def submission(request: Req, db: Db) -> Response[str]:
    return await _openrosa(_submission(request, db))


routes = [form_list, form_xml, manifest, business_csv, submission_head, submission]
