"""Dependencies shared by every handler: the transaction and the current user."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.identity import CurrentUser


async def provide_db(db_session: NamedDependency[AsyncSession]) -> AsyncGenerator[AsyncSession, None]:
    """The request's transaction, committed when the handler returns.

    The plugin's ``autocommit_include_redirects`` handler would also commit, but at send time, where a
    failed commit is only logged and the client still gets its 2xx. Committing here makes a failed commit
    an error response, so a 2xx always means the data is stored.
    """
    yield db_session
    await db_session.commit()


def provide_user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = request.user
    if user is None:
        raise NotAuthorizedException("login required")
    return user
