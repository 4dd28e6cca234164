"""The webhook outbox: enqueue in the caller's transaction, claim due rows with a lease, settle them.

Delivery is at least once: a row is claimed by moving its ``next_attempt_at`` forward (a lease) in a
short transaction (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's write lock otherwise), sent outside
any transaction, then settled. A worker that dies between sending and settling leaves the lease to
expire and the row is sent again with the same ``X-Kiemtra-Delivery`` id, which receivers use to dedup.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.audit import Action, record
from server.db import utcnow
from server.errors import AppError, not_found
from server.i18n import gettext as _
from server.settings import Settings
from server.webhooks.models import DeliveryStatus, WebhookDelivery

BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 6 * 3600
#: How long a claimed row stays invisible to other workers while it is being sent.
LEASE = timedelta(seconds=60)


def backoff(attempts: int) -> timedelta:
    """Delay before the next try after ``attempts`` failed ones: 30 s, 60 s, 2 min, … capped at 6 h."""
    return timedelta(seconds=min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(0, attempts - 1)))


async def enqueue(session: AsyncSession, settings: Settings, actor_id: int | None, event: str,
                  data: dict[str, Any]) -> str | None:
    """Add one outbox row per receiver to the caller's transaction; returns the event id."""
    urls = settings.webhooks
    if not urls:
        return None
    event_id = str(uuid.uuid4())
    now = utcnow()
    payload = {"id": event_id, "event": event, "occurred_at": now.isoformat(), "data": data}
    body = msgspec.json.encode(msgspec.to_builtins(payload), order="sorted").decode()
    session.add_all(WebhookDelivery(event_id=event_id, event=event, url=url, body=body, created_by=actor_id,
                                    next_attempt_at=now, attempts=0, last_error="",
                                    status=DeliveryStatus.PENDING.value) for url in urls)
    await session.flush()
    return event_id


@dataclass(frozen=True)
class Claimed:
    id: int
    event_id: str
    event: str
    url: str
    body: str
    attempts: int


async def claim(sessionmaker: async_sessionmaker, now: datetime | None = None, limit: int = 20) -> list[Claimed]:
    """Lease up to ``limit`` due rows to this worker (committed before anything is sent)."""
    now = now or utcnow()
    async with sessionmaker() as session, session.begin():
        query = (select(WebhookDelivery)
                 .where(WebhookDelivery.status == DeliveryStatus.PENDING.value,
                        WebhookDelivery.next_attempt_at <= now)
                 .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
        if session.bind.dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = (await session.scalars(query)).all()
        for row in rows:
            row.next_attempt_at = now + LEASE
        return [Claimed(r.id, r.event_id, r.event, r.url, r.body, r.attempts) for r in rows]


async def settle(sessionmaker: async_sessionmaker, settings: Settings, claimed: Claimed, status: int | None,
                 error: str, now: datetime | None = None) -> None:
    """Record one attempt: delivered on a 2xx, else scheduled again with backoff or, at the limit, dead."""
    now = now or utcnow()
    async with sessionmaker() as session, session.begin():
        row = await session.get(WebhookDelivery, claimed.id)
        if row is None or row.status != DeliveryStatus.PENDING.value:
            return
        row.attempts += 1
        row.last_status = status
        if status is not None and 200 <= status < 300:
            row.status, row.delivered_at, row.last_error = DeliveryStatus.DELIVERED.value, now, ""
            return
        row.last_error = error[:2000]
        if row.attempts >= settings.webhook_max_attempts:
            row.status = DeliveryStatus.DEAD.value
            await record(session, None, Action.WEBHOOK_DEAD, "webhook", row.id,
                         after={"event_id": row.event_id, "url": row.url, "attempts": row.attempts,
                                "error": row.last_error})
        else:
            row.next_attempt_at = now + backoff(row.attempts)


class DeliveryOut(msgspec.Struct):
    id: int
    event_id: str
    event: str
    url: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


class DeliveryPage(msgspec.Struct):
    items: list[DeliveryOut]
    #: Rows per status, and ``failing``: pending rows that failed at least once.
    counts: dict[str, int]


async def deliveries(session: AsyncSession, problems_only: bool = True, limit: int = 200) -> DeliveryPage:
    """Recent deliveries for the admin, problems (dead or failing) first."""
    query = select(WebhookDelivery)
    if problems_only:
        query = query.where((WebhookDelivery.status == DeliveryStatus.DEAD.value) | (WebhookDelivery.last_error != ""))
        query = query.where(WebhookDelivery.status != DeliveryStatus.DELIVERED.value)
    rows = (await session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit))).all()
    counts = dict((await session.execute(select(WebhookDelivery.status, func.count())
                                         .group_by(WebhookDelivery.status))).tuples().all())
    counts["failing"] = await session.scalar(
        select(func.count()).select_from(WebhookDelivery)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING.value, WebhookDelivery.attempts > 0)) or 0
    items = [DeliveryOut(r.id, r.event_id, r.event, r.url, r.status, r.attempts, r.next_attempt_at,
                         r.last_status, r.last_error, r.created_at, r.delivered_at) for r in rows]
    per_status = {s.value: counts.get(s.value, 0) for s in DeliveryStatus}
    return DeliveryPage(items, per_status | {"failing": counts["failing"]})


async def requeue(session: AsyncSession, actor_id: int, delivery_id: int) -> None:
    """Send a dead (or failing) delivery again now, with a fresh attempt budget."""
    row = await session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise not_found("delivery")
    if row.status == DeliveryStatus.DELIVERED.value:
        raise AppError(409, "already_delivered", _("Lần gửi này đã được giao rồi."))
    before = {"status": row.status, "attempts": row.attempts}
    row.status, row.attempts, row.next_attempt_at = DeliveryStatus.PENDING.value, 0, utcnow()
    await record(session, actor_id, Action.WEBHOOK_REQUEUE, "webhook", row.id, before=before,
                 after={"status": row.status})
