"""Post/redirect/get for HTML forms: run the action, or come back with the error and nothing saved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import AppError


def safe_next(target: str) -> str:
    """Only local paths: no scheme, no host, no protocol-relative ``//``, no backslash tricks."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target or "\n" in target:
        return "/"
    return target


async def post_redirect(db: AsyncSession, target: str, action: Callable[[], Awaitable[object]]) -> Redirect:
    """Run ``action``; bad input rolls back and redirects to ``target`` with ``?error=``. A 404 stays a 404."""
    try:
        await action()
    except msgspec.ValidationError as exc:
        return Redirect(target, query_params={"error": str(exc)}, status_code=303)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        await db.rollback()
        detail = "; ".join(e.message for e in exc.errors) or exc.detail
        return Redirect(target, query_params={"error": detail}, status_code=303)
    return Redirect(target, status_code=303)
