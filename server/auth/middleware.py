"""Loads the user behind the session cookie and sets the request's language and write intent."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from server import i18n
from server.auth.services import current_user
from server.db import Access, access, access_var

SESSION_COOKIE = "kiemtra_session"
LANGUAGE_COOKIE = "kiemtra_lang"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        access_var.set(Access.READ if connection.scope.get("method", "GET") in SAFE_METHODS else Access.WRITE)
        app_state = connection.app.state
        token = connection.cookies.get(SESSION_COOKIE)
        user = None
        if token:
            with access(Access.LATEST):  # one statement, on a plain connection (no ORM session needed)
                async with app_state.engine.connect() as conn:
                    user = await current_user(conn, token)
        lang = user.language if user else connection.cookies.get(LANGUAGE_COOKIE, app_state.settings.language)
        i18n.language.set(lang if lang in i18n.LANGUAGES else app_state.settings.language)
        return AuthenticationResult(user=user, auth=token if user else None)
