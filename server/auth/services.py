"""Logins, sessions and user administration; every write adds its audit event."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import msgspec
from sqlalchemy import String, bindparam, cast, delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.audit import Action, record
from server.auth.models import AuthSession, LoginAttempt, Role, User, UserRole, UserWard
from server.auth.passwords import MIN_LENGTH, hash_password, verify_password
from server.db import utcnow
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.identity import CurrentUser, ward_scope
from server.wards.models import Ward

MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=1)
LOCKOUT = timedelta(minutes=5)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _locked_for(session: AsyncSession, username: str, ip: str) -> int:
    """Seconds left of a lockout: 5 failures within a minute lock (user, address) for 5 minutes."""
    recent = (
        await session.scalars(
            select(LoginAttempt.at)
            .where(LoginAttempt.username == username, LoginAttempt.ip == ip, LoginAttempt.ok.is_(False))
            .order_by(LoginAttempt.at.desc())
            .limit(MAX_FAILURES)
        )
    ).all()
    if len(recent) < MAX_FAILURES or recent[0] - recent[-1] > FAILURE_WINDOW:
        return 0
    left = (recent[0] + LOCKOUT - utcnow()).total_seconds()
    return max(0, int(left) + 1)


async def login(
    session: AsyncSession, username: str, password: str, ip: str, language: str, days: int
) -> str:
    """Check the password and open a session; returns the cookie token. Raises 401 or 429."""
    username = username.strip().lower()
    locked = await _locked_for(session, username, ip)
    if locked:
        error = AppError(429, "too_many_attempts",
                         _("Đăng nhập sai quá nhiều lần; hãy thử lại sau {seconds} giây.").format(seconds=locked))
        error.headers = {"Retry-After": str(locked)}
        raise error
    user = await session.scalar(select(User).where(User.username == username))
    ok = verify_password(user.password_hash if user and user.active else None, password)
    session.add(LoginAttempt(username=username, ip=ip, ok=ok))
    if not ok or user is None:
        await session.flush()
        raise AppError(401, "bad_credentials", _("Tên đăng nhập hoặc mật khẩu không đúng."))
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            token_hash=token_hash(token), user_id=user.id, expires_at=utcnow() + timedelta(days=days),
            ip=ip, language=language,
        )
    )
    await record(session, user.id, Action.SESSION_LOGIN, "user", user.id, after={"ip": ip})
    return token


async def logout(session: AsyncSession, user: CurrentUser) -> None:
    row = await session.get(AuthSession, user.token_hash)
    if row and row.revoked_at is None:
        row.revoked_at = utcnow()
        await record(session, user.id, Action.SESSION_LOGOUT, "user", user.id)


_ROLES = select(func.aggregate_strings(UserRole.role, ",")).where(UserRole.user_id == User.id)
_WARDS = select(func.aggregate_strings(cast(UserWard.ward_id, String), ",")).where(UserWard.user_id == User.id)
#: Built once: it runs on every request.
_SESSION_USER = (
    select(User.id, User.username, User.full_name, AuthSession.token_hash, AuthSession.language,
           AuthSession.expires_at, _ROLES.scalar_subquery(), _WARDS.scalar_subquery())
    .join(AuthSession, AuthSession.user_id == User.id)
    .where(AuthSession.token_hash == bindparam("token_hash"), AuthSession.revoked_at.is_(None),
           User.active.is_(True))
)


async def current_user(session: AsyncSession | AsyncConnection, token: str) -> CurrentUser | None:
    """The user behind a cookie token, or None if the session is unknown, revoked or expired.

    One query: the session, its user and the user's roles and wards.
    """
    row = (await session.execute(_SESSION_USER, {"token_hash": token_hash(token)})).first()
    if row is None or row.expires_at <= utcnow():
        return None
    return make_identity(row.id, row.username, row.full_name, _split(row[6]), {int(w) for w in _split(row[7])},
                         row.token_hash, row.language)


def _split(joined: str | None) -> set[str]:
    return set(joined.split(",")) if joined else set()


def make_identity(user_id: int, username: str, full_name: str, roles: set[str], ward_ids: set[int],
                  token_hash: str = "", language: str = "vi") -> CurrentUser:
    return CurrentUser(id=user_id, username=username, full_name=full_name, roles=frozenset(roles),
                       ward_ids=ward_scope(frozenset(roles), frozenset(ward_ids)), language=language,
                       token_hash=token_hash)


def identity_of(user: User, token_hash: str = "", language: str = "vi") -> CurrentUser:
    return make_identity(user.id, user.username, user.full_name, {r.role for r in user.roles},
                         {w.ward_id for w in user.wards}, token_hash, language)


async def current_user_of(session: AsyncSession, username: str) -> CurrentUser:
    """The identity of a user acting outside HTTP (CLI, demo seed)."""
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise AppError(404, "not_found", _("Không có người dùng {username}.").format(username=username))
    return identity_of(user)


async def set_language(session: AsyncSession, user: CurrentUser, language: str) -> None:
    row = await session.get(AuthSession, user.token_hash)
    if row is not None:
        row.language = language


class UserIn(msgspec.Struct, kw_only=True):
    username: str
    full_name: str
    password: str
    roles: list[Role]
    wards: list[str] = []


class UserUpdate(msgspec.Struct, kw_only=True):
    full_name: str | msgspec.UnsetType = msgspec.UNSET
    roles: list[Role] | msgspec.UnsetType = msgspec.UNSET
    wards: list[str] | msgspec.UnsetType = msgspec.UNSET
    active: bool | msgspec.UnsetType = msgspec.UNSET


class UserOut(msgspec.Struct):
    id: int
    username: str
    full_name: str
    roles: list[str]
    wards: list[str]
    active: bool


async def _ward_ids(session: AsyncSession, codes: list[str]) -> list[int]:
    rows = dict((await session.execute(select(Ward.code, Ward.id).where(Ward.code.in_(codes)))).all())
    unknown = [c for c in codes if c not in rows]
    if unknown:
        message = _("Không có phường, xã mang mã {codes}.").format(codes=", ".join(unknown))
        raise AppError(422, "invalid", message, [FieldError("wards", "unknown_ward", message)])
    return [rows[c] for c in codes]


def _check_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        message = _("Mật khẩu cần ít nhất {n} ký tự.").format(n=MIN_LENGTH)
        raise AppError(422, "invalid", message, [FieldError("password", "too_short", message)])


async def user_out(session: AsyncSession, user: User) -> UserOut:
    codes = (await session.scalars(select(Ward.code).where(Ward.id.in_([w.ward_id for w in user.wards])))).all()
    return UserOut(user.id, user.username, user.full_name, sorted(r.role for r in user.roles), sorted(codes),
                   user.active)


async def create_user(session: AsyncSession, actor_id: int | None, data: UserIn) -> User:
    username = data.username.strip().lower()
    errors = []
    if not username or not username.replace(".", "").replace("_", "").isalnum():
        errors.append(FieldError("username", "invalid",
                                 _("Tên đăng nhập chỉ gồm chữ không dấu, chữ số, dấu chấm và dấu gạch dưới.")))
    if not data.roles:
        errors.append(FieldError("roles", "required", _("Hãy chọn ít nhất một vai trò.")))
    if errors:
        raise AppError(422, "invalid", " ".join(e.message for e in errors), errors)
    _check_password(data.password)
    if await session.scalar(select(User.id).where(User.username == username)):
        raise AppError(409, "username_taken", _("Tên đăng nhập {username} đã có người dùng.").format(username=username))
    ward_ids = await _ward_ids(session, data.wards)
    user = User(username=username, full_name=data.full_name.strip() or username,
                password_hash=hash_password(data.password))
    user.roles = [UserRole(role=str(r)) for r in dict.fromkeys(data.roles)]
    user.wards = [UserWard(ward_id=w) for w in dict.fromkeys(ward_ids)]
    session.add(user)
    await session.flush()
    out = await user_out(session, user)
    await record(session, actor_id, Action.USER_CREATE, "user", user.id, after=out)
    return user


async def update_user(session: AsyncSession, actor_id: int, user_id: int, data: UserUpdate) -> User:
    user = await session.get(User, user_id)
    if user is None:
        raise AppError(404, "not_found", _("Không tìm thấy người dùng."))
    before = await user_out(session, user)
    if data.full_name is not msgspec.UNSET:
        user.full_name = data.full_name.strip() or user.username
    if data.active is not msgspec.UNSET:
        user.active = data.active
    if data.roles is not msgspec.UNSET:
        if not data.roles:
            raise AppError(422, "invalid", _("Thông tin người dùng không hợp lệ."),
                           [FieldError("roles", "required", _("Hãy chọn ít nhất một vai trò."))])
        await session.execute(delete(UserRole).where(UserRole.user_id == user.id))
        user.roles = [UserRole(user_id=user.id, role=str(r)) for r in dict.fromkeys(data.roles)]
    if data.wards is not msgspec.UNSET:
        ids = await _ward_ids(session, data.wards)
        await session.execute(delete(UserWard).where(UserWard.user_id == user.id))
        user.wards = [UserWard(user_id=user.id, ward_id=w) for w in dict.fromkeys(ids)]
    await session.flush()
    await session.refresh(user)
    await record(session, actor_id, Action.USER_UPDATE, "user", user.id, before=before,
                 after=await user_out(session, user))
    return user


async def reset_password(session: AsyncSession, actor_id: int | None, user_id: int, password: str) -> None:
    """Set a new password and revoke every open session of that user."""
    _check_password(password)
    user = await session.get(User, user_id)
    if user is None:
        raise AppError(404, "not_found", _("Không tìm thấy người dùng."))
    user.password_hash = hash_password(password)
    for row in await session.scalars(select(AuthSession).where(AuthSession.user_id == user_id,
                                                               AuthSession.revoked_at.is_(None))):
        row.revoked_at = utcnow()
    await record(session, actor_id, Action.USER_PASSWORD_RESET, "user", user.id)


async def list_users(session: AsyncSession) -> list[UserOut]:
    users = (await session.scalars(select(User).order_by(User.username))).all()
    return [await user_out(session, u) for u in users]
