"""Anchoring the audit chain: signed checkpoints written to the log outside the database and sent through the
outbox, so that a copy lives with every webhook receiver too. One pass (CLI, tests) or a loop (the app)."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from sqlalchemy.ext.asyncio import async_sessionmaker

from server.audit import Checkpoint, key_path, write_checkpoint
from server.background import loop_hooks
from server.settings import Settings
from server.webhooks.services import enqueue

log = logging.getLogger("kiemtra.audit")
#: How often the app looks whether a checkpoint is due (every N events, at least hourly).
CHECK_EVERY_S = 60.0
EVENT = "audit.checkpoint"


async def anchor(sessionmaker: async_sessionmaker, settings: Settings, force: bool = False,
                 now: datetime | None = None) -> Checkpoint | None:
    """Write a checkpoint when one is due (``force``: now) and enqueue it for the webhook receivers."""
    async with sessionmaker() as session:
        checkpoint = await write_checkpoint(session, settings, force=force, now=now)
        if checkpoint is not None:
            await enqueue(session, settings, None, EVENT, checkpoint.public())
        await session.commit()
    return checkpoint


async def run_loop(sessionmaker: async_sessionmaker, settings: Settings, interval: float = CHECK_EVERY_S) -> None:
    """Anchor forever; errors are logged, never fatal (the next pass tries again)."""
    while True:
        try:
            await anchor(sessionmaker, settings)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("audit checkpoint failed")
        await asyncio.sleep(interval)


#: App start-up and shut-down hooks: the checkpoint loop, when the signing key exists.
start, stop = loop_hooks("anchor", lambda app: key_path(app.state.settings).is_file(),
                         lambda app: run_loop(app.state.sessionmaker, app.state.settings))
