"""Writes that ride on a read but must not slow it: run after the response, off its path.

A footprint or a search history entry is recorded when a customer reads a product or a
listing; the read answers at once and the write goes on in a task of its own. A failed
write is logged and dropped (it is a convenience, never a record anything depends on),
and at most `limit` of them wait at once, so a slow Redis cannot pile them up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger("mall.background")


class BackgroundWrites:
    """Fire-and-forget writes of one process, drained when the process closes."""

    def __init__(self, *, limit: int = 1000) -> None:
        self._limit = limit
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, write: Coroutine[Any, Any, None], *, what: str) -> None:
        """Run WRITE in the background (dropped, with a warning, past the limit)."""
        if len(self._tasks) >= self._limit:
            write.close()
            log.warning("Dropped a background write (%s): %d pending", what, len(self._tasks))
            return
        task = asyncio.create_task(self._run(write, what))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    @staticmethod
    async def _run(write: Coroutine[Any, Any, None], what: str) -> None:
        try:
            await write
        except Exception:  # a lost footprint is not worth a failed request or a crash
            log.warning("Background write failed (%s)", what, exc_info=True)

    async def drain(self, *, grace: float = 5.0) -> None:
        """Let pending writes finish (up to GRACE seconds), then cancel what is left."""
        if not self._tasks:
            return
        pending = list(self._tasks)
        _, late = await asyncio.wait(pending, timeout=grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*late, return_exceptions=True)
