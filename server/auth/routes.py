"""Login and logout (API and page), the language switch, and user administration."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, URLEncodedBody
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import i18n
from server.auth import services, teams
from server.auth.middleware import LANGUAGE_COOKIE, SESSION_COOKIE
from server.auth.models import Role
from server.errors import AppError, problem_of
from server.guards import PUBLIC, requires
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.redirects import post_redirect, problem_text, safe_next
from server.settings import Settings
from server.wards.models import Ward


class LoginIn(msgspec.Struct):
    username: str
    password: str


class LoginForm(msgspec.Struct):
    username: str = ""
    password: str = ""
    next: str = "/"


class SessionOut(msgspec.Struct):
    username: str
    full_name: str
    roles: list[str]


class LanguageForm(msgspec.Struct):
    language: str
    next: str = "/"




def _ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


def _set_session_cookie(response: Response[Any], request: Request[Any, Any, Any], token: str, days: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=days * 86400, httponly=True, samesite="lax",
                        secure=request.url.scheme == "https", path="/")


async def _login(db: AsyncSession, request: Request[Any, Any, Any], settings: Settings, username: str,
                 password: str) -> str:
    try:
        return await services.login(db, username, password, _ip(request), i18n.language.get(),
                                    settings.session_days)
    except AppError:
        await db.commit()  # keep the failed attempt: the lockout counts it
        raise


@post("/api/v1/session", opt=PUBLIC, operation_id="login", tags=["auth"], status_code=201)
async def api_login(
    data: JSONBody[LoginIn], request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
    settings: NamedDependency[Settings],
) -> Response[SessionOut]:
    token = await _login(db, request, settings, data.username, data.password)
    user = await services.current_user(db, token)
    assert user is not None
    response = Response(SessionOut(user.username, user.full_name, sorted(user.roles)), status_code=201)
    _set_session_cookie(response, request, token, settings.session_days)
    return response


@delete("/api/v1/session", operation_id="logout", tags=["auth"], status_code=204)
async def api_logout(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Response[None]:
    await services.logout(db, user)
    response: Response[None] = Response(None, status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/login", opt=PUBLIC, include_in_schema=False)
async def login_page(request: Request[Any, Any, Any], next: FromQuery[str] = "/") -> Template:
    if request.user is not None:
        return Template("login.html", context={"next": safe_next(next), "already": True})
    return Template("login.html", context={"next": safe_next(next)})


@post("/login", opt=PUBLIC, include_in_schema=False, status_code=303)
async def login_submit(
    data: URLEncodedBody[LoginForm],
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession], settings: NamedDependency[Settings],
) -> Response[Any]:
    try:
        token = await _login(db, request, settings, data.username, data.password)
    except AppError as exc:
        problem = problem_of(exc)
        return Template("login.html", status_code=problem.status,
                        context={"next": safe_next(data.next), "error": problem.code, "username": data.username})
    response = Redirect(safe_next(data.next), status_code=303)
    _set_session_cookie(response, request, token, settings.session_days)
    return response


@post("/logout", include_in_schema=False, status_code=303)
async def logout_submit(db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser]) -> Redirect:
    await services.logout(db, user)
    response = Redirect("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@post("/language", opt=PUBLIC, include_in_schema=False, status_code=303)
async def switch_language(
    data: URLEncodedBody[LanguageForm],
    request: Request[Any, Any, Any], db: NamedDependency[AsyncSession],
) -> Redirect:
    lang = data.language if data.language in i18n.LANGUAGES else "vi"
    if request.user is not None:
        await services.set_language(db, request.user, lang)
    response = Redirect(safe_next(data.next), status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax", path="/")
    return response


# --- user administration (admin only): JSON API and page share the services ---

admin_only = [requires(Role.ADMIN)]


@get("/api/v1/users", guards=admin_only, operation_id="listUsers", tags=["admin"])
async def api_users(db: NamedDependency[AsyncSession]) -> list[services.UserOut]:
    return await services.list_users(db)


@post("/api/v1/users", guards=admin_only, operation_id="createUser", tags=["admin"], status_code=201)
async def api_create_user(data: JSONBody[services.UserIn], db: NamedDependency[AsyncSession],
                          user: NamedDependency[CurrentUser]) -> services.UserOut:
    created = await services.create_user(db, user.id, data)
    return await services.user_out(db, created)


@patch("/api/v1/users/{user_id:int}", guards=admin_only, operation_id="updateUser", tags=["admin"])
async def api_update_user(
    user_id: FromPath[int], data: JSONBody[services.UserUpdate], db: NamedDependency[AsyncSession],
    user: NamedDependency[CurrentUser],
) -> services.UserOut:
    updated = await services.update_user(db, user.id, user_id, data)
    return await services.user_out(db, updated)


class PasswordIn(msgspec.Struct):
    password: str


@post("/api/v1/users/{user_id:int}/password", guards=admin_only, operation_id="resetPassword", tags=["admin"],
      status_code=204)
async def api_reset_password(user_id: FromPath[int], data: JSONBody[PasswordIn], db: NamedDependency[AsyncSession],
                             user: NamedDependency[CurrentUser]) -> None:
    await services.reset_password(db, user.id, user_id, data.password)


class UserForm(msgspec.Struct):
    username: str = ""
    full_name: str = ""
    password: str = ""
    roles: list[str] | str = []
    #: Ward codes: picked by name (a multiple select) or typed, comma-separated.
    wards: list[str] | str = []
    team: str = ""
    team_lead: str = ""


def _form_list(value: list[str] | str) -> list[str]:
    values = [value] if isinstance(value, str) else value
    return [w.strip() for v in values for w in v.split(",") if w.strip()]


def _form_roles(value: list[str] | str) -> list[Role]:
    values = [value] if isinstance(value, str) else value
    try:
        return [Role(v) for v in values if v]
    except ValueError as exc:
        raise AppError(422, "invalid", _("Vai trò không có trong danh sách.")) from exc


@get("/admin/users", guards=admin_only, include_in_schema=False)
async def users_page(
    db: NamedDependency[AsyncSession], created: FromQuery[str] = "", error: FromQuery[str] = ""
) -> Template:
    wards = (await db.execute(select(Ward.code, Ward.full_name).order_by(Ward.full_name))).all()
    return Template("admin_users.html", context={
        "users": await services.list_users(db), "roles": list(Role), "created": created, "error": error,
        "wards": wards, "ward_names": dict(wards), "teams": await teams.teams(db),
        "memberships": await teams.memberships(db)})


@post("/admin/users", guards=admin_only, include_in_schema=False, status_code=303)
async def users_create(
    data: URLEncodedBody[UserForm],
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
) -> Redirect:
    wards = _form_list(data.wards)
    try:
        created = await services.create_user(
            db, user.id, services.UserIn(username=data.username, full_name=data.full_name,
                                         password=data.password, roles=_form_roles(data.roles), wards=wards))
        if data.team.strip():
            await teams.add_member(db, user.id, created.id, _team_id(data.team), bool(data.team_lead))
    except AppError as exc:
        await db.rollback()
        return Redirect("/admin/users", query_params={"error": problem_text(exc)}, status_code=303)
    return Redirect("/admin/users", query_params={"created": created.username}, status_code=303)


def _team_id(value: str) -> int:
    if not value.strip().isdigit():
        raise AppError(422, "invalid", _("Hãy chọn một đoàn, tổ có trong danh sách."))
    return int(value)


class TeamForm(msgspec.Struct):
    team: str = ""
    team_lead: str = ""


@post("/admin/users/{user_id:int}/team", guards=admin_only, include_in_schema=False, status_code=303)
async def users_team(
    user_id: FromPath[int], data: URLEncodedBody[TeamForm],
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
) -> Redirect:
    """Put a user in a team (member or lead), so that the team's assignments reach their phone."""
    return await post_redirect(db, "/admin/users", lambda: teams.add_member(
        db, user.id, user_id, _team_id(data.team), bool(data.team_lead)))


class ResetForm(msgspec.Struct):
    password: str = ""


@post("/admin/users/{user_id:int}/password", guards=admin_only, include_in_schema=False, status_code=303)
async def users_reset(
    user_id: FromPath[int], data: URLEncodedBody[ResetForm],
    db: NamedDependency[AsyncSession], user: NamedDependency[CurrentUser],
) -> Redirect:
    return await post_redirect(db, "/admin/users", lambda: services.reset_password(db, user.id, user_id,
                                                                                      data.password))


routes = [api_login, api_logout, login_page, login_submit, logout_submit, switch_language, api_users,
          api_create_user, api_update_user, api_reset_password, users_page, users_create, users_reset, users_team]
