"""Rate limits enforced before the venue enforces them, with one budget per account.

``Budget`` is the bookkeeping: fixed windows aligned to the epoch (the way
Binance counts: its 1-minute weight resets on the minute), a cost per
call, the venue's own counts folded in from its response headers, and a
block after a 429/418. It is plain synchronous state with no I/O and no
event loop, so the same object can live in one process (``LocalBudget``) or
behind a Ray actor or any shared store that every process trading on the
account calls: ``RateLimiter`` only needs the three async methods of
``SharedBudget``.

A caller states its costs by limit name (``{"weight_1m": 1, "orders_10s": 1}``);
``RateLimiter.acquire`` waits until all fit, or raises ``RateLimited`` when
the wait would exceed ``max_wait_s`` (an order that would go out seconds
late is better refused).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from tradesys.venue.errors import Banned, RateLimited

# While counts are assumed (``Budget.assume_full``), one request may go this often: its reply brings the
# venue's counts.
PROBE_SECONDS = 1.0


@dataclass(frozen=True)
class Limit:
    name: str           # e.g. weight_1m, orders_10s
    capacity: int       # units per window
    window_s: float


@dataclass(frozen=True)
class Lease:
    """Units of the account's limits granted to one process: ``units`` per limit, spendable for
    ``seconds`` more (the rest of the window they were booked in); or none, and the ``wait`` before
    asking again (``banned``: the account is banned meanwhile)."""
    units: dict[str, int]
    seconds: dict[str, float]
    wait: float
    banned: bool


class Budget:
    """Counts per limit in the current fixed window; thread-compatible, not thread-safe (one owner)."""

    def __init__(self, limits: Iterable[Limit], *, clock: Callable[[], float] = time.time,
                 headroom: float = 1.0):
        # headroom < 1 keeps a margin below the venue's limit (other clients on the same IP).
        self.limits = {limit.name: limit for limit in limits}
        self.clock = clock
        self.headroom = headroom
        self._window: dict[str, int] = {}    # limit -> index of the window counted
        self._used: dict[str, int] = {}
        self.blocked_until = 0.0
        self.block_reason = ""
        self.banned = False
        self._assumed: set[str] = set()      # limits whose current window is taken as full, not counted
        self._probed = -math.inf
        self.probes = 0

    @classmethod
    def of(cls, limits: Mapping[str, tuple[int, float]]) -> Budget:
        """From a venue's declared limits (``VenueSpec.rate_limits``: name -> (capacity, window seconds))."""
        return cls([Limit(name, capacity, window) for name, (capacity, window) in limits.items()])

    def _current(self, name: str, now: float) -> int:
        limit = self.limits[name]
        index = math.floor(now / limit.window_s)
        if self._window.get(name) != index:
            self._window[name], self._used[name] = index, 0
            self._assumed.discard(name)
        return self._used[name]

    @property
    def assumed(self) -> frozenset[str]:
        """The limits whose window is taken as full, not yet counted by the venue."""
        return frozenset(self._assumed)

    def assume_full(self, now: float | None = None) -> None:
        """Forget nothing by assuming the worst: this budget lost its counts (its process restarted), so every
        window is taken as spent until the venue's counts say otherwise (``observe``) or the window ends.
        Meanwhile one request may go every PROBE_SECONDS, so that a reply brings those counts; a probe into a
        window that really is full is refused by the venue (a 429 then blocks the budget)."""
        now = self.clock() if now is None else now
        for name, limit in self.limits.items():
            self._current(name, now)
            self._used[name] = limit.capacity
            self._assumed.add(name)

    def reserve(self, costs: Mapping[str, int], now: float | None = None) -> float:
        """Book ``costs`` if every limit has room and return 0.0; else book nothing and return the seconds
        to wait before trying again. Unknown limit names are not limited."""
        now = self.clock() if now is None else now
        if now < self.blocked_until:
            return self.blocked_until - now
        wait = 0.0
        probing = True          # every limit in the way is only assumed full
        for name, cost in costs.items():
            limit = self.limits.get(name)
            if limit is None or cost <= 0:
                continue
            if self._current(name, now) + cost > limit.capacity * self.headroom:
                wait = max(wait, (math.floor(now / limit.window_s) + 1) * limit.window_s - now)
                probing = probing and name in self._assumed
        if wait and not (probing and now - self._probed >= PROBE_SECONDS):
            return wait
        if wait:
            self._probed, self.probes = now, self.probes + 1
        for name, cost in costs.items():
            if name in self.limits and cost > 0:
                self._used[name] += cost
        return 0.0

    def lease(self, least: Mapping[str, int], share: float, now: float | None = None) -> Lease:
        """Book a block of each limit in ``least`` for a process to spend without asking again: at least
        ``least`` (one request's costs), up to ``share`` of the limit's capacity, what its window has room for.
        Booked here as used, so that what all leases together hold never passes the limit. Nothing is booked
        when ``least`` does not fit (a probe is, while the counts are only assumed): the lease then names
        the wait."""
        now = self.clock() if now is None else now
        wait = self.reserve(least, now)
        if wait:
            return Lease({}, {}, wait, self.banned and now < self.blocked_until)
        units, seconds = {}, {}
        for name, cost in least.items():
            limit = self.limits.get(name)
            if limit is None or cost <= 0:
                continue
            room = int(limit.capacity * self.headroom) - self._used[name]
            more = max(0, min(math.ceil(limit.capacity * share) - cost, room))
            self._used[name] += more
            units[name] = cost + more
            seconds[name] = (math.floor(now / limit.window_s) + 1) * limit.window_s - now
        return Lease(units, seconds, 0.0, False)

    def configure(self, capacities: Mapping[str, int]) -> None:
        """Take the capacities the venue declares (e.g. Binance's exchangeInfo.rateLimits) for known limits."""
        for name, capacity in capacities.items():
            limit = self.limits.get(name)
            if limit is not None and capacity > 0:
                self.limits[name] = Limit(name, capacity, limit.window_s)

    def observe(self, name: str, used: int, now: float | None = None) -> None:
        """Fold in the venue's count for the current window (it also counts others on the same IP/account)."""
        if name not in self.limits:
            return
        now = self.clock() if now is None else now
        current = self._current(name, now)
        if name in self._assumed:        # the venue's word replaces the assumption
            self._assumed.discard(name)
            self._used[name] = used
        else:
            self._used[name] = max(current, used)

    def block(self, seconds: float, reason: str, *, banned: bool = False, now: float | None = None) -> None:
        """Send nothing for ``seconds`` (after a 429 or 418)."""
        now = self.clock() if now is None else now
        if now + seconds > self.blocked_until:
            self.blocked_until, self.block_reason, self.banned = now + seconds, reason, banned

    def used(self, name: str, now: float | None = None) -> int:
        return self._current(name, self.clock() if now is None else now)


class SharedBudget(Protocol):
    """What ``RateLimiter`` needs from a budget, wherever it lives (this process, a Ray actor, ...)."""

    async def reserve(self, costs: Mapping[str, int]) -> tuple[float, bool]:
        """(seconds to wait, banned); (0.0, False) means booked."""

    async def observe(self, counts: Mapping[str, int]) -> None: ...

    async def block(self, seconds: float, reason: str, banned: bool) -> None: ...

    async def configure(self, capacities: Mapping[str, int]) -> None: ...

    async def close(self) -> None:
        """End what the budget runs in the background (nothing, for most)."""


class LocalBudget:
    """A ``Budget`` shared by the connectors of one process."""

    def __init__(self, budget: Budget):
        self.budget = budget

    async def reserve(self, costs: Mapping[str, int]) -> tuple[float, bool]:
        wait = self.budget.reserve(costs)
        return wait, bool(wait) and self.budget.banned and self.budget.clock() < self.budget.blocked_until

    async def observe(self, counts: Mapping[str, int]) -> None:
        for name, used in counts.items():
            self.budget.observe(name, used)

    async def block(self, seconds: float, reason: str, banned: bool) -> None:
        self.budget.block(seconds, reason, banned=banned)

    async def configure(self, capacities: Mapping[str, int]) -> None:
        self.budget.configure(capacities)

    async def close(self) -> None:
        pass


class RateLimiter:
    """The gate in front of every venue call."""

    def __init__(self, budget: SharedBudget, *, max_wait_s: float = 2.0, venue: str = ""):
        self.budget = budget
        self.max_wait_s = max_wait_s
        self.venue = venue
        self.counters = {"acquired": 0, "waited": 0, "refused": 0, "throttled": 0}

    async def acquire(self, costs: Mapping[str, int], request: str = "") -> None:
        """Wait until ``costs`` fit; RateLimited (Banned during a ban) if that takes over ``max_wait_s``."""
        waited = 0.0
        while True:
            wait, banned = await self.budget.reserve(costs)
            if not wait:
                self.counters["acquired"] += 1
                return
            if waited + wait > self.max_wait_s:
                self.counters["refused"] += 1
                error = Banned if banned else RateLimited
                raise error(f"{self.venue} rate limit: next slot in {wait:.3f} s", retry_after_s=wait,
                            request=request)
            self.counters["waited"] += 1
            waited += wait
            await asyncio.sleep(wait)

    async def observe(self, counts: Mapping[str, int]) -> None:
        """The venue's own counts, read from its response headers."""
        if counts:
            await self.budget.observe(counts)

    async def declared(self, capacities: Mapping[str, int]) -> None:
        """The venue's own statement of its limits, replacing the defaults."""
        if capacities:
            await self.budget.configure(capacities)

    async def close(self) -> None:
        """Its budget's background work ends (an actor's stop)."""
        await self.budget.close()

    async def throttled(self, retry_after_s: float, reason: str, *, banned: bool = False) -> None:
        """The venue answered 429 (or 418 when ``banned``): nothing goes out before ``retry_after_s``."""
        self.counters["throttled"] += 1
        await self.budget.block(retry_after_s, reason, banned)
