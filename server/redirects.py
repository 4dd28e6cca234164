"""Post/redirect/get for HTML forms: run the action, or come back with the error and nothing saved."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import msgspec
from litestar.response import Redirect
from sqlalchemy.ext.asyncio import AsyncSession

from server.errors import AppError


def safe_next(target: str) -> str:
    """Only local paths: no scheme, no host, no protocol-relative ``//``, no backslash tricks, and no control
    characters at all (a browser drops TAB, CR and LF from a URL, so ``/<TAB>/evil.example`` is ``//evil...``)."""
    if (not target.startswith("/") or target.startswith("//") or "\\" in target
            or any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target)):
        return "/"
    return target


def problem_text(exc: AppError) -> str:
    """An error as sentences in the user's language: the field messages (each once), else the detail."""
    return " ".join(dict.fromkeys(e.message for e in exc.errors)) or exc.detail


async def post_redirect(db: AsyncSession, target: str, action: Callable[[], Awaitable[object]],
                        done: str | None = None) -> Redirect:
    """Run ``action`` and go to ``done`` (default ``target``); bad input rolls back and redirects to ``target``
    with ``?error=``. A 404 stays a 404."""
    try:
        await action()
    except msgspec.ValidationError as exc:
        return Redirect(target, query_params={"error": str(exc)}, status_code=303)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        await db.rollback()
        return Redirect(target, query_params={"error": problem_text(exc)}, status_code=303)
    return Redirect(done or target, status_code=303)
