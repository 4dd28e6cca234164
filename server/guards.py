"""Route guards: every route needs a login unless marked public; roles are checked per handler."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from server.auth.models import Role
from server.i18n import gettext as _
from server.identity import CurrentUser

PUBLIC = {"public": True}


async def authenticated(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """App-wide guard: a logged-in user, unless the handler is marked ``opt=PUBLIC``.

    Guards are coroutines on purpose: Litestar runs a plain function guard in a worker thread, a thread
    hop per guard per request."""
    if not handler.opt.get("public") and connection.user is None:
        raise NotAuthorizedException(_("Cần đăng nhập."))


def requires(*roles: Role) -> Guard:
    """A guard that admits users holding any of ``roles``."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
        user: CurrentUser | None = connection.user
        if user is None:
            raise NotAuthorizedException(_("Cần đăng nhập."))
        if not user.has(*roles):
            raise PermissionDeniedException(_("Vai trò của bạn không được làm việc này."))

    guard.__name__ = "requires_" + "_or_".join(r.value for r in roles)
    return guard


STAFF = (Role.INSPECTOR, Role.TEAM_LEAD, Role.WARD_POLICE, Role.CITY_OFFICE, Role.ADMIN)
