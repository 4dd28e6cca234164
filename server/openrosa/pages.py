"""Device tokens for ODK Collect: an admin issues one for a user's device (shown once, as a QR code that
Collect scans to configure itself) and revokes it. The API and the page call the same services."""

from __future__ import annotations

from typing import Any

import msgspec
import segno
from litestar import MediaType, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import Role, User, UserRole
from server.errors import AppError
from server.guards import requires
from server.identity import CurrentUser
from server.openrosa import tokens
from server.openrosa.models import DeviceToken
from server.openrosa.schemas import DeviceTokenIn, DeviceTokenOut
from server.people import directory
from server.redirects import post_redirect, problem_text

ADMINS = [requires(Role.ADMIN)]


def _out(row: DeviceToken, username: str, server_url: str | None = None) -> DeviceTokenOut:
    settings = tokens.collect_settings(server_url, "Kiểm tra liên ngành") if server_url else None
    return DeviceTokenOut(id=row.id, username=username, name=row.name, issued_at=row.issued_at,
                          revoked_at=row.revoked_at, server_url=server_url, collect_settings=settings)


async def _issue(request: Request[Any, Any, Any], db: AsyncSession, admin: CurrentUser,
                 data: DeviceTokenIn) -> DeviceTokenOut:
    row, token = await tokens.issue(db, admin, data.username, data.name)
    return _out(row, data.username, f"{str(request.base_url).rstrip('/')}/key/{token}")


@post("/api/v1/device-tokens", guards=ADMINS, operation_id="issueDeviceToken", tags=["openrosa"],
      description="A token for one device of a user (inspector or team lead). The answer holds, once, the server "
                  "URL ODK Collect uses (`/key/{token}`) and `collect_settings`, the text of its QR code.")
async def api_issue(request: Request[Any, Any, Any], data: JSONBody[DeviceTokenIn], db: NamedDependency[AsyncSession],
                    user: NamedDependency[CurrentUser]) -> Response[DeviceTokenOut]:
    return Response(await _issue(request, db, user, data), status_code=201)


@get("/api/v1/device-tokens", guards=ADMINS, operation_id="listDeviceTokens", tags=["openrosa"])
async def api_tokens(db: NamedDependency[AsyncSession]) -> list[DeviceTokenOut]:
    return [_out(row, username) for row, username in await tokens.listing(db)]


@delete("/api/v1/device-tokens/{token_id:int}", guards=ADMINS, operation_id="revokeDeviceToken",
        tags=["openrosa"], status_code=204)
async def api_revoke(token_id: FromPath[int], db: NamedDependency[AsyncSession],
                     user: NamedDependency[CurrentUser]) -> None:
    await tokens.revoke(db, user, token_id)


async def _page(db: AsyncSession, **context: Any) -> dict[str, Any]:
    submitters = (await db.execute(select(User.username, User.full_name).join(UserRole, UserRole.user_id == User.id)
                                   .where(UserRole.role.in_([Role.INSPECTOR.value, Role.TEAM_LEAD.value]),
                                          User.active.is_(True)).distinct().order_by(User.full_name))).all()
    return {"tokens": [_out(row, username) for row, username in await tokens.listing(db)],
            "submitters": submitters, "people": await directory(db), "issued": None, "qr": None, "error": None,
            **context}


class DeviceForm(msgspec.Struct):
    username: str
    name: str = ""


@get("/admin/devices", guards=ADMINS, include_in_schema=False)
async def devices_page(db: NamedDependency[AsyncSession], error: FromQuery[str | None] = None) -> Template:
    return Template("devices.html", context=await _page(db, error=error))


@post("/admin/devices", guards=ADMINS, include_in_schema=False, status_code=200, media_type=MediaType.HTML)
async def devices_issue(request: Request[Any, Any, Any], data: URLEncodedBody[DeviceForm],
                        db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Any:
    """The token is shown on this answer only (a QR code for ODK Collect), never again."""
    try:
        issued = await _issue(request, db, user, DeviceTokenIn(username=data.username, name=data.name))
    except AppError as error:
        await db.rollback()
        return Redirect("/admin/devices", query_params={"error": problem_text(error)}, status_code=303)
    assert issued.collect_settings is not None
    qr = segno.make(issued.collect_settings, error="l").svg_data_uri(scale=4, border=2)
    return Template("devices.html", context=await _page(db, issued=issued, qr=qr))


@post("/admin/devices/{token_id:int}/revoke", guards=ADMINS, include_in_schema=False, status_code=303)
async def devices_revoke(token_id: FromPath[int], db: NamedDependency[AsyncSession],
                         user: NamedDependency[CurrentUser]) -> Redirect:
    return await post_redirect(db, "/admin/devices", lambda: tokens.revoke(db, user, token_id))


routes = [api_issue, api_tokens, api_revoke, devices_page, devices_issue, devices_revoke]
