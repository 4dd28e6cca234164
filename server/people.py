"""People by their full names: a page that holds logins (reviewers, inspectors, audit actors) puts the directory in
its context and shows ``{{ login|person }}`` (the name, the login in a tooltip)."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.auth.models import User

_DIRECTORY = select(User.username, User.full_name)


async def directory(session: AsyncSession) -> dict[str, str]:
    """Login → full name of every user (a city has a few hundred at most)."""
    return {login: name for login, name in (await session.execute(_DIRECTORY)).all()}


@pass_context
def person(context: Any, login: str | None) -> Markup:
    """The full name with the login as its tooltip; the login when the page has no directory or no such user."""
    if not login:
        return Markup("")
    name = (context.get("people") or {}).get(login)
    if not name:
        return escape(login)
    return Markup('<span class="person" title="{}">{}</span>').format(login, name)


def install(env: Any) -> None:
    env.filters["person"] = person
