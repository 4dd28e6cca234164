"""One gate in front of every handler for what no handler should have to think about.

- **Cross-site writes.** A POST/PUT/PATCH/DELETE whose ``Sec-Fetch-Site`` says another site sent it, or whose
  ``Origin`` is not this host, is refused (403) — API, HTML forms and both logins alike (login CSRF).
  Clients that send neither header (scripts, the phone's service worker replays) are not browsers acting
  for another site.
- **Content types under /api/.** A write there must be ``application/json``, or ``multipart/form-data``
  where the handler declares a multipart body (read from the route table, so a new upload endpoint needs
  nothing here); a request without a body may omit the type. Anything else is 415: a browser can send
  ``text/plain``, form-encoded or multipart bodies to another site without asking it first, never JSON.
- **JSON bodies** are limited in size (413) and nesting depth (400) before any decoder sees them
  (``server.request_limits``).
- **OPTIONS** is answered here (204 with ``Allow``): no guard, session or database is involved.
- **Responses**: pages and files that carry reporters' or inspection data (``NO_STORE``) are never stored by
  a browser or proxy cache; every 429 says when to come back (``Retry-After``).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from litestar.enums import RequestEncodingType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import AppError
from server.i18n import gettext as _
from server.request_limits import MAX_JSON_BYTES, too_deep

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON = "application/json"
MULTIPART = "multipart/form-data"
#: Responses that must not be kept by any cache: tips (pages, API, the reporter reveal) and every export.
NO_STORE = re.compile(r"^/(api/v1/)?tips(/|$|\.)|^/api/v1/exports/|^/coverage/report\.|^/review/export|\.(csv|xlsx)$")
DEFAULT_RETRY_AFTER = b"60"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def cross_site(scope: Scope) -> bool:
    """Whether a browser says another site (or a sibling subdomain) sent this request."""
    fetch_site = _header(scope, b"sec-fetch-site")
    if fetch_site is not None and fetch_site.strip().lower() in ("cross-site", "same-site"):
        return True
    origin = _header(scope, b"origin")
    if origin is None:
        return False
    host = (_header(scope, b"host") or "").strip().lower()
    parts = urlsplit(origin.strip().lower())
    return not (parts.scheme in ("http", "https") and parts.netloc and parts.netloc == host)


def _media_type(scope: Scope) -> str:
    value = _header(scope, b"content-type") or ""
    return value.split(";", 1)[0].strip().lower()


def _has_body(scope: Scope) -> bool:
    length = _header(scope, b"content-length")
    return _header(scope, b"transfer-encoding") is not None or (length is not None and length.strip() != "0")


def declared_media_type(handler: Any) -> str:
    """The body type a handler declares: multipart for uploads, otherwise JSON."""
    data = handler.parsed_fn_signature.parameters.get("data")
    kwarg = data.kwarg_definition if data is not None else None
    if getattr(kwarg, "media_type", None) == RequestEncodingType.MULTI_PART:
        return MULTIPART
    return JSON


def check_api_content_type(scope: Scope) -> None:
    media_type = _media_type(scope)
    if not media_type and not _has_body(scope):
        return
    expected = declared_media_type(scope["route_handler"])
    if media_type != expected:
        raise AppError(415, "unsupported_media_type",
                       _("Yêu cầu này phải gửi với Content-Type: {expected}.").format(expected=expected))


async def read_json_body(scope: Scope, receive: Receive) -> Receive:
    """Read the whole JSON body (at most ``MAX_JSON_BYTES``), check its nesting, and give the handler a
    ``receive`` that replays it."""
    too_large = AppError(413, "too_large", _("Nội dung JSON quá lớn (tối đa {size} MB).").format(
        size=MAX_JSON_BYTES // (1024 * 1024)))
    length = _header(scope, b"content-length")
    if length is not None and length.strip().isdigit() and int(length) > MAX_JSON_BYTES:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return receive  # the client went away; the handler finds out itself
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    if too_deep(body):
        raise AppError(400, "too_deep", _("Dữ liệu JSON lồng nhau quá sâu."))
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replay


@cache
def _allowed_methods(app: Any, path_template: str) -> str:
    for route in app.routes:
        if route.path_format == path_template:
            return ", ".join(sorted(getattr(route, "methods", ()) or {"GET", "HEAD", "OPTIONS"}))
    return "GET, HEAD, OPTIONS"


async def _answer_options(scope: Scope, send: Send) -> None:
    allow = _allowed_methods(scope["app"], scope.get("path_template", ""))  # type: ignore[typeddict-item]
    await send({"type": "http.response.start", "status": 204,
                "headers": [(b"allow", allow.encode()), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": b""})


def request_guard_middleware(app: ASGIApp) -> ASGIApp:
    """The ASGI middleware (Litestar ``middleware=[...]``, after the session middleware so that messages
    are in the user's language)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        method = scope["method"]
        if method == "OPTIONS":
            await _answer_options(scope, send)
            return
        if method in UNSAFE:
            if cross_site(scope):
                raise AppError(403, "cross_site", _("Yêu cầu từ trang web khác bị từ chối."))
            if scope["path"].startswith("/api/"):
                check_api_content_type(scope)
        if _media_type(scope) == JSON and _has_body(scope):
            receive = await read_json_body(scope, receive)
        no_store = NO_STORE.search(scope["path"]) is not None

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status = message["status"]
                if no_store or status == 429:
                    headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                    if status == 429 and not any(k.lower() == b"retry-after" for k, _v in headers):
                        headers.append((b"retry-after", DEFAULT_RETRY_AFTER))
                    message["headers"] = headers
            await send(message)

        await app(scope, receive, send_wrapper)

    return middleware
