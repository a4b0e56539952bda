"""What a subscriber keeps per book feed, shared by the venues whose books resync by subscribing again:
each symbol's ``FeedStatus`` (told to the handler once per change; a stale book reported once), and the
one resync task a symbol may have at a time."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from tradesys.aio import cancel_and_wait
from tradesys.venue.base import FeedStatus

log = logging.getLogger(__name__)


class FeedStatuses:
    def __init__(self, venue: str, stale_after_s: float):
        self.venue = venue
        self.stale_after_s = stale_after_s
        self.handler = None                 # the MarketDataHandler told of every change
        self.stale = 0                      # times a live book went silent
        self._status: dict[str, FeedStatus] = {}

    def of(self, symbol: str) -> FeedStatus:
        return self._status.get(symbol, FeedStatus.SYNCING)

    def set(self, symbol: str, status: FeedStatus, reason: str) -> None:
        if self._status.get(symbol) is status:
            return
        self._status[symbol] = status
        log.info("%s: %s book %s: %s", self.venue, symbol, status.value, reason)
        self.handler.on_status(symbol, status, reason)

    def on_stale(self, symbol: str) -> None:
        """The staleness watchdog's callback."""
        self.stale += 1
        if self._status.get(symbol) is FeedStatus.LIVE:
            self.set(symbol, FeedStatus.STALE, f"no book update for {self.stale_after_s} s")


class Resyncs:
    """At most one resync task per symbol; every one cancelled at stop."""

    def __init__(self, venue: str):
        self.venue = venue
        self.started = 0
        self._tasks: dict[str, asyncio.Task] = {}

    def start(self, symbol: str, resync: Callable[[], Awaitable[None]]) -> bool:
        """Start ``resync()`` for ``symbol`` unless one is running; True when it started."""
        task = self._tasks.get(symbol)
        if task is not None and not task.done():
            return False
        self.started += 1
        self._tasks[symbol] = asyncio.create_task(resync(), name=f"{self.venue}-resync-{symbol}")
        return True

    async def stop(self) -> None:
        for task in list(self._tasks.values()):
            await cancel_and_wait(task)
        self._tasks.clear()
