"""Issuing, listing and revoking device tokens, and the user behind a token."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import zlib

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.auth import identity_of
from server.auth.models import User
from server.db import utcnow
from server.errors import AppError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.openrosa.models import DeviceToken


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(session: AsyncSession, admin: CurrentUser, username: str, name: str) -> tuple[DeviceToken, str]:
    """A new token for a user's device; the token itself is returned once and never stored."""
    user_id = await session.scalar(select(User.id).where(User.username == username, User.active.is_(True)))
    if user_id is None:
        raise AppError(422, "invalid", _("Không có người dùng này."))
    token = secrets.token_urlsafe(32)
    row = DeviceToken(user_id=user_id, name=name.strip()[:100] or username, token_hash=_hash(token),
                      issued_by=admin.id)
    session.add(row)
    await session.flush()
    await record(session, admin.id, Action.DEVICE_TOKEN_ISSUE, "device_token", row.id,
                 after={"user": username, "name": row.name})
    return row, token


async def revoke(session: AsyncSession, admin: CurrentUser, token_id: int) -> None:
    row = await session.get(DeviceToken, token_id)
    if row is None:
        raise not_found()
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        await record(session, admin.id, Action.DEVICE_TOKEN_REVOKE, "device_token", row.id)


async def listing(session: AsyncSession) -> list[tuple[DeviceToken, str]]:
    """Every token with its user's login, newest first."""
    rows = await session.execute(select(DeviceToken, User.username).join(User, User.id == DeviceToken.user_id)
                                 .order_by(DeviceToken.id.desc()))
    return [(token, username) for token, username in rows.all()]


async def user_of_token(session: AsyncSession, token: str) -> CurrentUser:
    """The user a device acts for; 401 for an unknown or revoked token (or an inactive user)."""
    row = await session.scalar(select(DeviceToken).where(DeviceToken.token_hash == _hash(token),
                                                         DeviceToken.revoked_at.is_(None)))
    user = None if row is None else await session.get(User, row.user_id)
    if user is None or not user.active:
        raise AppError(401, "not_authenticated", _("Mã thiết bị không hợp lệ hoặc đã bị thu hồi."))
    return identity_of(user)


def collect_settings(server_url: str, project: str) -> str:
    """The settings ODK Collect reads from a QR code: JSON, zlib-compressed, base64."""
    settings = {"general": {"server_url": server_url, "form_update_mode": "match_exactly"},
                "admin": {}, "project": {"name": project, "icon": "K"}}
    return base64.b64encode(zlib.compress(json.dumps(settings).encode())).decode()
