"""Checkpoints of the audit chain, signed with an Ed25519 key that lives outside the database.

A checkpoint is one JSON line appended (and fsynced) to the checkpoint log, a file outside the database
(``KIEMTRA_AUDIT_CHECKPOINT_LOG``): the chain's head (``seq``: the last event id, ``hash``), the time, the
ids of the events it covers since the previous checkpoint (as runs) with the first 8 hex digits of each
event's hash (``h``: they locate the first altered event), the hash of the previous line (``prev``: a line
removed from the log shows), the public key's id, and the Ed25519 signature of all of it. Whoever can write
the database but not read the key file cannot make a chain that matches the signed checkpoints: a rewritten
chain (every later hash recomputed), a deleted and re-hashed chain, an edited and re-hashed last row and a
truncated tail all differ from the log. Events written after the newest checkpoint are protected by the
chain's links alone until the next checkpoint (every ``KIEMTRA_AUDIT_CHECKPOINT_EVERY`` events, at least
hourly).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.models import AuditEvent
from server.db import utcnow
from server.settings import Settings

PREFIX = 8  # hex digits of each event's hash kept in the log (4 bytes): enough to say which event differs
HOURLY = timedelta(hours=1)
GENESIS = "0" * 64


class KeyError_(RuntimeError):
    """The signing key is missing, unreadable or already there."""


def key_path(settings: Settings) -> Path:
    return Path(settings.audit_key_file) if settings.audit_key_file else settings.data_path / "audit-signing-key.pem"


def log_path(settings: Settings) -> Path:
    return (Path(settings.audit_checkpoint_log) if settings.audit_checkpoint_log
            else settings.data_path / "audit-checkpoints.jsonl")


def create_key(path: Path) -> str:
    """Make a new Ed25519 key file (mode 0600, never overwritten); returns the public key id."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise KeyError_(f"{path} exists already: a new key would orphan the checkpoints it signed") from exc
    with os.fdopen(fd, "wb") as fh:
        fh.write(pem)
        fh.flush()
        os.fsync(fh.fileno())
    return key_id(key.public_key())


def load_key(path: Path) -> Ed25519PrivateKey | None:
    """The signing key, or None when the file does not exist (checkpoints are then off)."""
    if not path.is_file():
        return None
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyError_(f"{path} is not an Ed25519 key")
    return key


def public_pem(private: Ed25519PrivateKey) -> bytes:
    """The public half, as PEM: what ``KIEMTRA_AUDIT_PUBLIC_KEY_FILE`` holds on a machine that only checks."""
    return private.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo)


def checking_key(settings: Settings) -> tuple[Ed25519PublicKey | None, str]:
    """The key the checkpoints are checked with, or why there is none. A pinned public key
    (``KIEMTRA_AUDIT_PUBLIC_KEY_FILE``) is preferred: a reviewer checks without the signing key, and a
    signing key swapped on the server (with a log re-signed by it) does not match the pinned one."""
    if settings.audit_public_key_file:
        path = Path(settings.audit_public_key_file)
        if not path.is_file():
            return None, f"the public key file {path} does not exist: the checkpoints cannot be checked"
        key = serialization.load_pem_public_key(path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise KeyError_(f"{path} is not an Ed25519 public key")
        return key, ""
    private = load_key(key_path(settings))
    if private is None:
        return None, (f"the checkpoint log exists but the key file {key_path(settings)} does not: the checkpoints "
                      "cannot be checked")
    return private.public_key(), ""


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


class Checkpoint(msgspec.Struct, kw_only=True):
    """One line of the checkpoint log."""

    seq: int
    hash: str
    at: str
    count: int
    ids: list[list[int]]
    h: str
    prev: str
    key: str
    sig: str = ""

    def signed_bytes(self) -> bytes:
        return msgspec.json.encode({f: getattr(self, f) for f in self.__struct_fields__ if f != "sig"},
                                   order="sorted")

    @property
    def time(self) -> datetime:
        return datetime.fromisoformat(self.at)

    def covered(self) -> Iterator[tuple[int, str]]:
        """(event id, hash prefix) of every event this checkpoint covers, in order."""
        k = 0
        for first, last in self.ids:
            for event_id in range(first, last + 1):
                yield event_id, self.h[k * PREFIX:(k + 1) * PREFIX]
                k += 1

    def public(self) -> dict[str, Any]:
        """What the webhook carries (the prefixes stay in the log)."""
        return {"seq": self.seq, "hash": self.hash, "at": self.at, "count": self.count, "prev": self.prev,
                "key": self.key, "sig": self.sig}


def _runs(ids: list[int]) -> list[list[int]]:
    runs: list[list[int]] = []
    for event_id in ids:
        if runs and runs[-1][1] == event_id - 1:
            runs[-1][1] = event_id
        else:
            runs.append([event_id, event_id])
    return runs


def line_hash(line: bytes) -> str:
    return hashlib.sha256(line.rstrip(b"\n")).hexdigest()


def _last_line(fh: Any) -> bytes | None:
    """The last complete line of an open log (read backwards in blocks)."""
    end = fh.seek(0, os.SEEK_END)
    if end == 0:
        return None
    block, data = 65536, b""
    pos = end
    while pos > 0:
        step = min(block, pos)
        pos -= step
        fh.seek(pos)
        data = fh.read(step) + data
        body = data.rstrip(b"\n")
        cut = body.rfind(b"\n")
        if cut >= 0:
            return body[cut + 1:]
    return data.rstrip(b"\n") or None


@contextlib.contextmanager
def _locked_log(path: Path) -> Iterator[Any]:
    """The log opened for appending, under an exclusive lock (several workers may try at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o640)
    with os.fdopen(fd, "r+b") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield fh
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


async def write_checkpoint(session: AsyncSession, settings: Settings, force: bool = False,
                           now: datetime | None = None) -> Checkpoint | None:
    """Append a signed checkpoint of the chain's head when one is due (``KIEMTRA_AUDIT_CHECKPOINT_EVERY``
    new events, or an hour since the last; ``force``: now). None when not due, when the chain is empty or
    when there is no key."""
    key = load_key(key_path(settings))
    if key is None:
        return None
    now = now or utcnow()
    audit = AuditEvent.__table__.c
    with _locked_log(log_path(settings)) as fh:
        last_raw = _last_line(fh)
        last = msgspec.json.decode(last_raw, type=Checkpoint) if last_raw else None
        after = last.seq if last else 0
        rows = (await session.execute(select(audit.id, audit.hash).where(audit.id > after)
                                      .order_by(audit.id))).all()
        count = len(rows)
        if last is None:
            due = bool(rows)
        else:  # every N events, and hourly even when nothing happened (a missing hour shows the anchor stopped)
            due = force or count >= settings.audit_checkpoint_every or now - last.time >= HOURLY
        if not due:
            return None
        head_id, head_hash = (rows[-1].id, rows[-1].hash) if rows else (last.seq, last.hash)  # type: ignore[union-attr]
        total = (last.count if last else 0) + count
        checkpoint = Checkpoint(seq=head_id, hash=head_hash, at=now.astimezone(UTC).isoformat(), count=total,
                                ids=_runs([r.id for r in rows]), h="".join(r.hash[:PREFIX] for r in rows),
                                prev=line_hash(last_raw) if last_raw else GENESIS, key=key_id(key.public_key()))
        checkpoint.sig = base64.b64encode(key.sign(checkpoint.signed_bytes())).decode()
        fh.write(msgspec.json.encode(checkpoint) + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
    return checkpoint


@dataclass
class Log:
    """The checkpoints read back, or why they cannot be trusted."""

    checkpoints: list[Checkpoint] = field(default_factory=list)
    problem: str = ""
    #: The line of the log at fault (1-based), when ``problem`` is about one.
    line: int | None = None


def read_log(settings: Settings) -> Log:
    """Every checkpoint of the log, each signature and link checked; an empty Log when checkpoints are off."""
    path = log_path(settings)
    if not path.is_file():
        return Log()
    public, problem = checking_key(settings)
    if public is None:
        return Log(problem=problem)
    kid = key_id(public)
    found: list[Checkpoint] = []
    prev = GENESIS
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue
            try:
                checkpoint = msgspec.json.decode(raw, type=Checkpoint)
            except msgspec.DecodeError:
                return Log(found, "a line of the checkpoint log is not a checkpoint", number)
            if checkpoint.key != kid:
                return Log(found, "a checkpoint was signed by another key", number)
            try:
                public.verify(base64.b64decode(checkpoint.sig), checkpoint.signed_bytes())
            except (InvalidSignature, ValueError):
                return Log(found, "a checkpoint's signature is wrong (the log was edited)", number)
            if checkpoint.prev != prev:
                return Log(found, "a checkpoint does not follow the line before it (a line was removed)", number)
            found.append(checkpoint)
            prev = line_hash(raw)
    return Log(found)
