"""Empty filters are no filters: ``?ward=&state=&offset=50`` reaches every handler as ``?offset=50``."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from litestar.types import ASGIApp, Receive, Scope, Send


def without_empty(query_string: bytes) -> bytes:
    """The query string minus the parameters whose value is empty (or only spaces)."""
    if not query_string:
        return query_string
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
    kept = [(k, v) for k, v in pairs if v.strip()]
    if len(kept) == len(pairs):
        return query_string
    return urlencode(kept, encoding="latin-1").encode("latin-1")


def drop_empty_query_middleware(app: ASGIApp) -> ASGIApp:
    """ASGI middleware (outermost, before anything reads the query) that drops empty query parameters."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            scope["query_string"] = without_empty(scope["query_string"])  # type: ignore[typeddict-unknown-key]
        await app(scope, receive, send)

    return middleware


def query(base: dict[str, Any] | None = None, **changes: Any) -> str:
    """A query string for a link (paging, filters) without the empty parameters: ``?{{ query(filters, page=2) }}``."""
    merged = {**(base or {}), **changes}
    return urlencode({k: v for k, v in merged.items() if v is not None and str(v).strip() != ""}, doseq=True)


def install(env: Any) -> None:
    env.globals["query"] = query
