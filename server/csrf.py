"""CSRF tokens of the HTML forms, bound to the login session.

Before login the token is Litestar's double-submit token (a signed random value in the ``kiemtra_csrf``
cookie, repeated in the form). Once a session exists, the token is derived from it:
``HMAC-SHA256(secret key, "csrf:" + sha256 of the session token)``. A token seen in one session is worthless
in any other, and a cookie planted from a sibling subdomain changes nothing (the cookie is not consulted).
Logging out or a password reset ends the session and with it every token of its pages.
"""

from __future__ import annotations

import hashlib
import hmac
from secrets import compare_digest

from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware._utils import should_bypass_middleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

FORM_FIELD = "_csrf_token"


def session_csrf_token(secret: str, token_hash: str) -> str:
    """The CSRF token of every form shown in the session whose token hashes to ``token_hash``."""
    return hmac.new(secret.encode(), f"csrf:{token_hash}".encode(), hashlib.sha256).hexdigest()


async def _close_uploads(scope: Scope) -> None:
    form = ScopeState.from_scope(scope).form
    if isinstance(form, dict):
        for value in form.values():
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, UploadFile):
                    await item.close()


class SessionCSRFMiddleware(CSRFMiddleware):
    """Litestar's CSRF middleware, but a logged-in request's token must be its session's."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self._check(scope, receive, send)
        except PermissionDeniedException:
            await _close_uploads(scope)  # a refused multipart post leaves no temporary file open
            raise

    async def _check(self, scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user")
        token_hash = getattr(user, "token_hash", "") if user is not None else ""
        if scope["type"] != ScopeType.HTTP or not token_hash or should_bypass_middleware(
            scope=scope, scopes=self.scopes, exclude_opt_key=self.config.exclude_from_csrf_key,
            exclude_path_pattern=self.exclude,
        ):
            await super().__call__(scope, receive, send)
            return
        expected = session_csrf_token(self.config.secret, token_hash)
        state = ScopeState.from_scope(scope)
        if scope["method"] in self.config.safe_methods:
            state.csrf_token = expected
            await self.app(scope, receive, send)
            return
        request = scope["litestar_app"].request_class(scope=scope, receive=receive)
        submitted = request.headers.get(self.config.header_name)
        content_type, _ = request.content_type
        if not submitted and content_type in {RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART}:
            value = (await request.form()).get(FORM_FIELD)
            submitted = value if isinstance(value, str) else None
        if not submitted or not compare_digest(submitted.encode(), expected.encode()):
            raise PermissionDeniedException("CSRF token verification failed")
        state.csrf_token = expected
        await self.app(scope, receive, send)
