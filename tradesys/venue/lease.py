"""Spending an account's rate limits in leased blocks: no call to the account's budget per request.

The account's ``Budget`` lives in one place (a Ray actor, ``tradesys/services/budget.py``) because every
process trading on the account must count against the same limits. Asking it before each request puts a
call to another process on the order path. Instead each process holds a *lease*: a block of each limit it
uses (``LEASE_SHARE`` of the capacity), booked as used by the budget when granted, spendable until the end
of the window it was booked in. A request spends from the lease with no I/O; when a block runs below half,
the next one is asked for in the background, before it runs out. The budget never grants more than a
window's capacity in all, so the processes together never pass the venue's limit; what a lease still holds
when its window ends is not spent (the price: a window's last few units may go unused).

The venue's own counts (its response headers) reach the budget likewise in the background, at most one
hand-over every ``OBSERVE_EVERY_S`` carrying the highest of each count: a hand-over per response was a call
to another process per order after all (a sixth of an engine's CPU in ``bench/order_rtt.py``, in the moment
the strategy's next request arrives).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from tradesys.aio import cancel_and_wait
from tradesys.venue.ratelimit import Lease

log = logging.getLogger(__name__)
LEASE_SHARE = 0.05      # of a limit's capacity per lease: 15 of Binance's 300 orders per 10 s
OBSERVE_EVERY_S = 0.5   # the budget folds the venue's counts in as maxima: a reading this old still corrects it


class LeaseSource(Protocol):
    """The account's budget as a lease holder sees it (``RayBudget``, or a ``Budget`` in tests)."""

    async def lease(self, least: Mapping[str, int], share: float) -> Lease: ...

    async def observe(self, counts: Mapping[str, int]) -> None: ...

    async def block(self, seconds: float, reason: str, banned: bool) -> None: ...

    async def configure(self, capacities: Mapping[str, int]) -> None: ...


class LeasedBudget:
    """A ``SharedBudget`` (``tradesys.venue.ratelimit``) that spends leased blocks of the account's limits."""

    def __init__(self, source: LeaseSource, *, share: float = LEASE_SHARE,
                 observe_every_s: float = OBSERVE_EVERY_S,
                 clock: Callable[[], float] = time.monotonic):
        self.source = source
        self.share = share
        self.observe_every_s = observe_every_s
        self.clock = clock
        self._left: dict[str, int] = {}
        self._until: dict[str, float] = {}        # limit -> when its units stop being spendable (clock)
        self._size: dict[str, int] = {}           # limit -> units of its last lease (the low-water mark: half)
        self._unlimited: set[str] = set()         # names the account's budget does not limit
        self._blocked_until = 0.0
        self._banned = False
        self._asking: asyncio.Task | None = None
        self._observed: dict[str, int] = {}      # the venue's counts not yet handed to the budget
        self._posting: asyncio.Task | None = None
        self._posted_at = float("-inf")          # the event loop's time of the last hand-over
        self.counters = {"leases": 0, "lease_waits": 0, "top_ups": 0, "top_up_failures": 0, "local": 0,
                         "observed": 0, "observe_failures": 0}

    async def reserve(self, costs: Mapping[str, int]) -> tuple[float, bool]:
        now = self.clock()
        if now < self._blocked_until:
            return self._blocked_until - now, self._banned
        costs = {name: cost for name, cost in costs.items() if cost > 0}
        while not self._fits(costs, self.clock()):
            if self._asking is not None and not self._asking.done():
                await asyncio.shield(self._asking)       # a lease under way may be enough
                continue
            self.counters["lease_waits"] += 1
            lease = await self._ask(costs)
            if lease.wait:
                return lease.wait, lease.banned
            costs = {name: cost for name, cost in costs.items() if name not in self._unlimited}
        for name, cost in costs.items():
            if name not in self._unlimited:
                self._left[name] -= cost
        self.counters["local"] += 1
        self._top_up_if_low(costs)
        return 0.0, False

    async def observe(self, counts: Mapping[str, int]) -> None:
        """The venue's own counts, handed to the budget in the background: a request never waits on it (the
        hand-over is a call to another process). Counts that come while one is under way, or within
        ``observe_every_s`` of the last, gather, the highest of each, and go in one call when that time is up."""
        for name, used in counts.items():
            self._observed[name] = max(used, self._observed.get(name, 0))
        if self._observed and (self._posting is None or self._posting.done()):
            self._posting = asyncio.ensure_future(self._post())
            self._posting.add_done_callback(self._posted)

    async def block(self, seconds: float, reason: str, banned: bool) -> None:
        """The venue said 429/418: nothing from here until it ends, and what the leases hold is dropped (the
        venue counts more than the budget knew)."""
        self._blocked_until = max(self._blocked_until, self.clock() + seconds)
        self._banned = banned
        self._left.clear()
        await self.source.block(seconds, reason, banned)

    async def configure(self, capacities: Mapping[str, int]) -> None:
        await self.source.configure(capacities)

    async def close(self) -> None:
        """Cancel the lease and hand-over under way (the owner stops): counts not yet handed over are dropped,
        the next reading from any process of the account carries the venue's count again."""
        for task in (self._asking, self._posting):
            if task is not None and not task.done():      # a finished one's failure was counted when it ended
                await cancel_and_wait(task)
        self._asking = self._posting = None

    def holding(self) -> dict[str, int]:
        """The units each limit's lease still holds now (for status and tests)."""
        now = self.clock()
        return {name: left for name, left in self._left.items() if now < self._until.get(name, 0.0)}

    # -- internals ---------------------------------------------------------------------

    def _fits(self, costs: Mapping[str, int], now: float) -> bool:
        return all(name in self._unlimited or (now < self._until.get(name, 0.0) and self._left.get(name, 0) >= cost)
                   for name, cost in costs.items())

    async def _ask(self, least: Mapping[str, int]) -> Lease:
        """One lease call, its units added; others wait on it rather than asking too."""
        self._asking = asyncio.ensure_future(self._leased(least))
        return await asyncio.shield(self._asking)

    async def _leased(self, least: Mapping[str, int]) -> Lease:
        asked = self.clock()        # the units' time runs from the asking: their end is never overstated
        lease = await self.source.lease(dict(least), self.share)
        self.counters["leases"] += 1
        for name in least:
            if not lease.wait and name not in lease.units:
                self._unlimited.add(name)
        for name, units in lease.units.items():
            if asked >= self._until.get(name, 0.0):
                self._left[name] = 0                 # what the last lease held is spent or gone
            self._left[name] = self._left.get(name, 0) + units
            self._until[name] = asked + lease.seconds[name]
            self._size[name] = units
        return lease

    def _top_up_if_low(self, costs: Mapping[str, int]) -> None:
        low = {name: 1 for name in costs if name not in self._unlimited and self._left[name] * 2 < self._size[name]}
        if low and (self._asking is None or self._asking.done()):
            self.counters["top_ups"] += 1
            self._asking = asyncio.ensure_future(self._leased(low))
            self._asking.add_done_callback(self._topped_up)

    async def _post(self) -> None:
        loop = asyncio.get_running_loop()
        while self._observed:
            wait = self._posted_at + self.observe_every_s - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)      # (the loop's own clock: ``clock`` may be a test's)
            counts, self._observed = self._observed, {}
            self._posted_at = loop.time()
            await self.source.observe(counts)
            self.counters["observed"] += 1

    def _posted(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            # The budget misses one reading; the next response's headers carry the venue's count again.
            self.counters["observe_failures"] += 1
            log.warning("handing the venue's counts to the budget failed", extra={"fields": {
                "error": repr(task.exception())[:300]}})

    def _topped_up(self, task: asyncio.Task) -> None:
        if not task.cancelled() and task.exception() is not None:
            # The request that needs the units asks again itself (and fails there, loudly, if it must).
            self.counters["top_up_failures"] += 1
            log.warning("a lease top-up failed", extra={"fields": {"error": repr(task.exception())[:300]}})
