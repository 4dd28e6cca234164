"""Loads the user behind the session cookie and sets the request's language, write intent and its one
database connection."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Receive, Scope, Send

from server import i18n
from server.auth.services import current_user
from server.db import Access, RequestConnection, access, access_var

SESSION_COOKIE = "kiemtra_session"
LANGUAGE_COOKIE = "kiemtra_lang"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Where the request's ``RequestConnection`` lives in the ASGI scope's state.
CONNECTION_KEY = "kiemtra.db"


def request_connection(scope: Scope) -> RequestConnection:
    return scope["state"][CONNECTION_KEY]  # type: ignore[typeddict-item, no-any-return]


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Give the request its connection (checked out on first use), returned once the response is sent."""
        holder = RequestConnection(scope["app"].state.engine)
        scope.setdefault("state", {})[CONNECTION_KEY] = holder  # type: ignore[typeddict-item]
        try:
            await super().__call__(scope, receive, send)
        finally:
            await holder.release()

    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        access_var.set(Access.READ if connection.scope.get("method", "GET") in SAFE_METHODS else Access.WRITE)
        app_state = connection.app.state
        token = connection.cookies.get(SESSION_COOKIE)
        user = None
        if token:
            conn = await request_connection(connection.scope).get()
            with access(Access.LATEST):  # one statement, no BEGIN
                user = await current_user(conn, token)
            await conn.rollback()  # ends nothing on the server (no BEGIN was sent); the handler begins afresh
        lang = user.language if user else connection.cookies.get(LANGUAGE_COOKIE, app_state.settings.language)
        i18n.language.set(lang if lang in i18n.LANGUAGES else app_state.settings.language)
        return AuthenticationResult(user=user, auth=token if user else None)
