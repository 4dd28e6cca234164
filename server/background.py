"""Background loops the app runs beside its requests (webhook delivery, audit checkpoints): started as tasks
when the app starts, cancelled when it stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Any


def loop_hooks(name: str, enabled: Callable[[Any], bool], run: Callable[[Any], Awaitable[None]],
               ) -> tuple[Callable[[Any], Awaitable[None]], Callable[[Any], Awaitable[None]]]:
    """The app's start and stop hooks for one loop: ``run(app)`` as a task named ``name`` when
    ``enabled(app)``; cancelled at shut-down (what it was doing is picked up again on the next start)."""

    async def start(app: Any) -> None:
        if enabled(app):
            setattr(app.state, name, asyncio.get_running_loop().create_task(run(app), name=f"kiemtra-{name}"))

    async def stop(app: Any) -> None:
        task = getattr(app.state, name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return start, stop
