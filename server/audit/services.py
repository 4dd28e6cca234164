"""Writing and verifying the hash-chained audit log.

Every event stores ``hash = sha256(prev_hash + canonical_json(event))``. Writers are serialised (a
PostgreSQL advisory lock; SQLite takes its write lock at BEGIN) so the chain never forks. The event is
linked by the database in the statement that inserts it (it reads the head and hashes), so the head is
never read in one statement and used in another.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import String, bindparam, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from server.audit.actions import Action
from server.audit.checkpoints import PREFIX, Checkpoint, Log, read_log
from server.audit.models import AuditEvent
from server.db import sha256_hex, utcnow
from server.settings import Settings

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


def chain_hash(prev_hash: str, event: Any) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical({n: getattr(event, n) for n in _FIELDS})).hexdigest()


def _link(prev_hash: str, at: datetime, actor_id: int | None, action: str, target_type: str, target_id: str,
          before: Any, after: Any) -> str:
    """``chain_hash`` for the columns of a row, without building the event (the check's hot loop)."""
    stamp = at.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"
    body = {"action": action, "actor_id": actor_id, "after": after, "at": stamp, "before": before,
            "target_id": target_id, "target_type": target_type}
    return hashlib.sha256(prev_hash.encode() + msgspec.json.encode(body, order="sorted")).hexdigest()


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
    #: When the first wrong event was recorded (for a deleted one: the event before it): the log is not to be
    #: trusted from then on.
    since: datetime | None = None
    #: The signed checkpoint that vouched for the first wrong event (it was intact when this was signed).
    anchored_at: datetime | None = None
    #: Checkpoints read from the log, and events after the newest one (protected by the chain's links only).
    checkpoints: int = 0
    unanchored: int = 0


_ROWS = select(_audit.id, *(_audit[name] for name in _FIELDS), _audit.prev_hash, _audit.hash)


async def _batches(session: AsyncSession, batch: int = 10_000) -> AsyncIterator[Any]:
    """Every event in id order, as plain tuples, a batch at a time (constant memory)."""
    last = 0
    while True:
        rows = (await session.execute(_ROWS.where(_audit.id > last).order_by(_audit.id).limit(batch))).tuples().all()
        if not rows:
            return
        yield rows
        last = rows[-1][0]


def _expected(log: Log) -> Iterator[tuple[int, str, Checkpoint, bool]]:
    """(event id, hash prefix, its checkpoint, is the checkpoint's head) of every anchored event."""
    for checkpoint in log.checkpoints:
        for event_id, prefix in checkpoint.covered():
            yield event_id, prefix, checkpoint, event_id == checkpoint.seq


async def verify(session: AsyncSession, settings: Settings | None = None) -> Verdict:
    """Walk the chain in id order against its links and, when there is a checkpoint log, against the signed
    checkpoints; report the first event that is wrong (edited, deleted, inserted, re-hashed, cut off)."""
    log = read_log(settings) if settings is not None else Log()
    if log.problem:
        return Verdict(False, 0, None, f"checkpoint log, line {log.line}: {log.problem}" if log.line
                       else log.problem, checkpoints=len(log.checkpoints))
    expected = _expected(log)
    want = next(expected, None)
    prev, checked, before_at = GENESIS, 0, None
    anchored = 0

    def broken(event_id: int, reason: str, since: datetime | None, checkpoint: Checkpoint | None) -> Verdict:
        return Verdict(False, checked, event_id, reason, since, checkpoint.time if checkpoint else None,
                       len(log.checkpoints))

    async for rows in _batches(session):
        for event_id, at, actor_id, action, target_type, target_id, before, after, prev_hash, digest in rows:
            if want is not None and want[0] < event_id:
                return broken(want[0], f"missing: deleted after checkpoint #{want[2].seq} recorded it", before_at,
                              want[2])
            checkpoint = want[2] if want is not None else None
            if want is not None and want[0] > event_id:
                return broken(event_id, "not in the signed checkpoints: inserted into an anchored stretch", at,
                              checkpoint)
            if prev_hash != prev:
                return broken(event_id, "prev_hash does not match the previous event", at, checkpoint)
            if _link(prev, at, actor_id, action, target_type, target_id, before, after) != digest:
                return broken(event_id, "content does not match its hash", at, checkpoint)
            if want is not None:
                if digest[:PREFIX] != want[1] or (want[3] and digest != want[2].hash):
                    return broken(event_id, f"differs from the signed checkpoint #{want[2].seq}: edited, replaced or "
                                  "re-hashed after it was signed", at, checkpoint)
                anchored += 1
                want = next(expected, None)
            prev, before_at = digest, at
            checked += 1
    if want is not None:
        head = log.checkpoints[-1]
        return broken(want[0], f"missing: the chain was cut off (checkpoint #{head.seq} recorded events up to "
                      f"#{head.seq})", before_at, want[2])
    return Verdict(True, checked, checkpoints=len(log.checkpoints), unanchored=checked - anchored)
