"""The client's address, taking ``X-Forwarded-For`` only from the proxies named in
``KIEMTRA_TRUSTED_PROXIES``.

The login lockout and the public tip limit count per client address. Any client can write
``X-Forwarded-For``, so the header counts only when the connection comes from a trusted proxy; then the
client is the right-most address in the header that is not itself a trusted proxy (each proxy appends the
address it got the request from; anything to the left of that could be invented by the client). With no
trusted proxies (the default) the header is ignored and the connection's peer is the client. From a trusted
proxy, ``X-Forwarded-Proto`` also gives the scheme (so the session cookie is ``Secure`` behind TLS); the
proxy must pass the ``Host`` header on (nginx: ``proxy_set_header Host $host``), which the cross-site check
compares with ``Origin``.
``kiemtra run`` starts uvicorn without its own proxy-header handling; when uvicorn is started by hand, pass
``--no-proxy-headers`` so that uvicorn does not rewrite the address first.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from litestar.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[Network, ...]:
    """``"10.0.0.1, 192.168.0.0/16"`` → networks; raises ``ValueError`` on a malformed entry."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


def _trusted(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str, forwarded_for: str | None, networks: tuple[Network, ...]) -> str:
    """The client's address: ``peer`` unless it is a trusted proxy that says whom it forwards for."""
    if not networks or not forwarded_for or not _trusted(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: keep the proxy's address rather than invent one
    return hops[0] if hops else peer


def trusted_proxies_middleware(trusted_proxies: str):  # type: ignore[no-untyped-def]
    """An ASGI middleware factory (Litestar ``middleware=[...]``) that sets ``scope["client"]``."""
    networks = parse_networks(trusted_proxies)

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if networks and scope["type"] == "http" and scope.get("client"):
                host, port = scope["client"]  # type: ignore[misc]
                if _trusted(host, networks):
                    forwarded = b", ".join(v for k, v in scope["headers"] if k == b"x-forwarded-for")
                    scope["client"] = (client_address(host, forwarded.decode("latin-1") or None, networks), port)
                    proto = next((v for k, v in scope["headers"] if k == b"x-forwarded-proto"), b"")
                    scheme = proto.decode("latin-1").split(",")[0].strip().lower()
                    if scheme in ("http", "https"):
                        scope["scheme"] = scheme  # the Secure cookie flag follows the client's scheme
            await app(scope, receive, send)

        return middleware

    return factory
