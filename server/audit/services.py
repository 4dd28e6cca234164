"""Writing and verifying the hash-chained audit log.

Every event stores ``hash = sha256(prev_hash + canonical_json(event))``. Writers are serialised (a
PostgreSQL advisory lock; SQLite takes its write lock at BEGIN) so the chain never forks.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import msgspec
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.actions import Action
from server.audit.models import AuditEvent
from server.db import utcnow

GENESIS = "0" * 64
_CHAIN_LOCK = 7_271_001


def _jsonable(value: Any) -> Any:
    return None if value is None else msgspec.to_builtins(value)


def canonical(event: AuditEvent) -> bytes:
    """The bytes an event's hash covers: every field but the hashes, keys sorted."""
    at = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    body = {
        "at": at,
        "actor_id": event.actor_id,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "before": event.before,
        "after": event.after,
    }
    return msgspec.json.encode(body, order="sorted")


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_HEAD = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
_INSERT = AuditEvent.__table__.insert()
_COLUMNS = ("at", "actor_id", "action", "target_type", "target_id", "before", "after", "prev_hash", "hash")


async def record(
    session: AsyncSession,
    actor_id: int | None,
    action: Action,
    target_type: str,
    target_id: object,
    before: Any = None,
    after: Any = None,
) -> None:
    """Add one audit event to the caller's transaction (it commits or rolls back with the change)."""
    event = AuditEvent(at=utcnow(), actor_id=actor_id, action=action.value, target_type=target_type,
                       target_id=str(target_id), before=_jsonable(before), after=_jsonable(after))
    await session.flush()  # the caller's pending changes go first
    conn = await session.connection()
    if conn.dialect.name == "postgresql":
        await conn.execute(_LOCK, {"k": _CHAIN_LOCK})
    event.prev_hash = (await conn.execute(_HEAD)).scalar() or GENESIS
    event.hash = chain_hash(event.prev_hash, event)
    await conn.execute(_INSERT, {name: getattr(event, name) for name in _COLUMNS})


@dataclass(frozen=True)
class Verdict:
    ok: bool
    checked: int
    broken_id: int | None = None
    reason: str = ""


async def _events(session: AsyncSession, batch: int = 2000) -> AsyncIterator[AuditEvent]:
    last = 0
    while True:
        rows = (
            await session.scalars(
                select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch)
            )
        ).all()
        if not rows:
            return
        for row in rows:
            yield row
            session.expunge(row)
        last = rows[-1].id


async def verify(session: AsyncSession) -> Verdict:
    """Walk the chain in id order; report the first event whose link or content does not match."""
    prev = GENESIS
    checked = 0
    async for event in _events(session):
        if event.prev_hash != prev:
            return Verdict(False, checked, event.id, "prev_hash does not match the previous event")
        if chain_hash(prev, event) != event.hash:
            return Verdict(False, checked, event.id, "content does not match its hash")
        prev = event.hash
        checked += 1
    return Verdict(True, checked)

