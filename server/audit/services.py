"""Writing and verifying the hash-chained audit log.

Every event stores ``hash = sha256(prev_hash + canonical_json(event))``. Writers are serialised (a
PostgreSQL advisory lock; SQLite takes its write lock at BEGIN) so the chain never forks. The event is
linked by the database in the statement that inserts it (it reads the head and hashes), so the head is
never read in one statement and used in another.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import msgspec
from sqlalchemy import String, bindparam, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.audit.actions import Action
from server.audit.models import AuditEvent
from server.db import sha256_hex, utcnow

GENESIS = "0" * 64
_CHAIN_LOCK = 7_271_001
_FIELDS = ("at", "actor_id", "action", "target_type", "target_id", "before", "after")


def _jsonable(value: Any) -> Any:
    return None if value is None else msgspec.to_builtins(value)


def canonical(event: Mapping[str, Any]) -> bytes:
    """The bytes an event's hash covers: every field but the hashes, keys sorted."""
    body = {name: event[name] for name in _FIELDS}
    body["at"] = event["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return msgspec.json.encode(body, order="sorted")


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical({n: getattr(event, n) for n in _FIELDS})).hexdigest()


_LOCK = text("SELECT pg_advisory_xact_lock(:k)")
_audit = AuditEvent.__table__.c
_HEAD = (select(func.coalesce(select(_audit.hash).order_by(_audit.id.desc()).limit(1).scalar_subquery(),
                              literal(GENESIS, String)).label("prev"))
         .subquery("head"))
#: The event, linked to the chain's head: ``hash = sha256(prev_hash || canonical)`` in SQL. Run for several
#: events at once (executemany), each links to the one before it.
_INSERT_LINKED = AuditEvent.__table__.insert().from_select(
    [*_FIELDS, "prev_hash", "hash"],
    select(*(bindparam(name, type_=_audit[name].type) for name in _FIELDS), _HEAD.c.prev,
           sha256_hex(_HEAD.c.prev + bindparam("canonical", type_=String))),
)


def new_event(actor_id: int | None, action: Action, target_type: str, target_id: object, before: Any = None,
              after: Any = None) -> dict[str, Any]:
    """An audit event, not yet written (``append`` writes it)."""
    return {"at": utcnow(), "actor_id": actor_id, "action": action.value, "target_type": target_type,
            "target_id": str(target_id), "before": _jsonable(before), "after": _jsonable(after)}


async def append(conn: AsyncConnection, events: list[dict[str, Any]]) -> None:
    """Append ``events`` to the chain, in order, in the connection's transaction."""
    if conn.dialect.name == "postgresql":
        await conn.execute(_LOCK, {"k": _CHAIN_LOCK})
    await conn.execute(_INSERT_LINKED, [{**e, "canonical": canonical(e).decode()} for e in events])


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
    await session.flush()  # the caller's pending changes go first
    await append(await session.connection(), [new_event(actor_id, action, target_type, target_id, before, after)])


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

