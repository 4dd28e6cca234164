"""Sending the outbox: signed POSTs, one pass (CLI) or a loop (the app's lifespan task)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from datetime import datetime

import httpx
from sqlalchemy.ext.asyncio import async_sessionmaker

from server.background import loop_hooks
from server.settings import Settings
from server.webhooks.services import Claimed, claim, settle

log = logging.getLogger("kiemtra.webhooks")
TIMEOUT_S = 10.0


def signature(secret: str, body: bytes) -> str:
    """The ``X-Kiemtra-Signature`` header: ``sha256=`` + hex HMAC-SHA256 of the exact body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def send(client: httpx.AsyncClient, settings: Settings, item: Claimed) -> tuple[int | None, str]:
    body = item.body.encode()
    headers = {"Content-Type": "application/json", "User-Agent": "kiemtra-webhooks/1",
               "X-Kiemtra-Event": item.event, "X-Kiemtra-Delivery": item.event_id,
               "X-Kiemtra-Signature": signature(settings.webhook_secret, body)}
    try:
        response = await client.post(item.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return response.status_code, "" if response.is_success else f"HTTP {response.status_code}"


async def deliver_due(sessionmaker: async_sessionmaker, settings: Settings, now: datetime | None = None,
                      client: httpx.AsyncClient | None = None) -> int:
    """Send every row due at ``now`` (in leased batches); returns how many attempts were made."""
    own = client is None
    client = client or httpx.AsyncClient(timeout=TIMEOUT_S)
    attempts = 0
    try:
        while batch := await claim(sessionmaker, now):
            for item in batch:
                status, error = await send(client, settings, item)
                await settle(sessionmaker, settings, item, status, error, now)
                attempts += 1
    finally:
        if own:
            await client.aclose()
    return attempts


async def run_loop(sessionmaker: async_sessionmaker, settings: Settings) -> None:
    """Deliver forever, waking every ``webhook_interval_seconds``; errors are logged, never fatal."""
    async with httpx.AsyncClient(timeout=TIMEOUT_S) as client:
        while True:
            try:
                await deliver_due(sessionmaker, settings, client=client)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook delivery pass failed")
            await asyncio.sleep(settings.webhook_interval_seconds)


#: App start-up and shut-down hooks: the delivery loop, when receivers are configured (rows a cancelled
#: loop had leased are sent again after the lease).
start, stop = loop_hooks(
    "webhooks", lambda app: bool(app.state.settings.webhooks and app.state.settings.webhook_interval_seconds > 0),
    lambda app: run_loop(app.state.sessionmaker, app.state.settings))
