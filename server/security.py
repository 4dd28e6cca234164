"""Security headers on every response, with a per-request nonce for the few inline scripts (folium maps).

The Content-Security-Policy allows scripts only from this origin or carrying the request's nonce: no
``unsafe-inline`` scripts, no third-party origins but the configured tile server for images.
"""

from __future__ import annotations

import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from jinja2 import pass_context
from litestar.types import ASGIApp, Message, Receive, Scope, Send

NONCE_KEY = "csp_nonce"
_SCRIPT_TAG = re.compile(r"<script(?=[\s>])", re.IGNORECASE)


def tile_origin(tile_url: str) -> str:
    """``https://tile.example`` from a tile URL template ('' when there is none)."""
    if not tile_url:
        return ""
    parts = urlsplit(tile_url.replace("{s}", "a"))
    host = parts.hostname or ""
    if "{s}" in tile_url:
        host = "*." + host.split(".", 1)[1] if "." in host else host
    return f"{parts.scheme}://{host}" if parts.scheme and host else ""


def policy(nonce: str, tile_url: str) -> str:
    tiles = tile_origin(tile_url)
    return "; ".join([
        "default-src 'self'",
        f"script-src 'self' 'nonce-{nonce}'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{' ' + tiles if tiles else ''}",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "frame-ancestors 'self'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ])


def security_headers_middleware(tile_url: str):  # type: ignore[no-untyped-def]
    """An ASGI middleware factory (Litestar ``middleware=[...]``) that sets the headers and the nonce."""
    fixed = [(name.encode(), value.encode()) for name, value in (
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "SAMEORIGIN"),
        ("permissions-policy", "geolocation=(self), camera=(self), microphone=()"),
        ("cross-origin-opener-policy", "same-origin"),
    )]
    csp_name = b"content-security-policy"
    ours = frozenset({csp_name, *(name for name, _ in fixed)})
    csp_before, csp_after = (part.encode() for part in policy("\0", tile_url).split("\0"))

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            nonce = secrets.token_urlsafe(16)
            scope.setdefault("state", {})[NONCE_KEY] = nonce  # type: ignore[typeddict-item]

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    # built once above; only the nonce changes (a handler's own value of these is replaced)
                    headers = [(k, v) for k, v in message.get("headers", ()) if k.lower() not in ours]
                    headers.append((csp_name, csp_before + nonce.encode() + csp_after))
                    headers.extend(fixed)
                    message["headers"] = headers
                await send(message)

            await app(scope, receive, send_with_headers)

        return middleware

    return factory


def request_nonce(scope: Scope) -> str:
    return scope.get("state", {}).get(NONCE_KEY, "")  # type: ignore[no-any-return]


@pass_context
def csp_nonce(context: Any) -> str:
    """Template global: ``<script nonce="{{ csp_nonce() }}">``."""
    request = context.get("request")
    return request_nonce(request.scope) if request is not None else ""


def with_nonce(html: str, nonce: str) -> str:
    """Give every ``<script>`` of a generated page (folium) the request's nonce."""
    return _SCRIPT_TAG.sub(f'<script nonce="{nonce}"', html)
