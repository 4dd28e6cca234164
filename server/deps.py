"""Dependencies shared by every handler: the transaction and the current user."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.middleware import request_connection
from server.i18n import gettext as _
from server.identity import CurrentUser


async def provide_db(request: Request[Any, Any, Any]) -> AsyncGenerator[AsyncSession, None]:
    """The request's transaction, on the request's connection, committed when the handler returns.

    Committing here, before the response is built, makes a failed commit an error response: a 2xx always
    means the data is stored (a commit at send time, as the SQLAlchemy plugin's ``autocommit`` handlers
    do it, could only log the failure after the client has its 2xx). A handler that raises rolls back.
    """
    session = AsyncSession(bind=await request_connection(request.scope).get(), expire_on_commit=False)
    try:
        yield session
        await session.commit()
    finally:
        await session.close()


def provide_user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = request.user
    if user is None:
        raise NotAuthorizedException(_("Cần đăng nhập."))
    return user
