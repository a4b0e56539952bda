"""One rate-limit budget per venue account, shared by every process that calls the venue with that account.

The venue counts requests per account (and per IP); so must we, or two
engines on one account each believe they have the whole allowance.
``BudgetServer`` is a Ray actor (``budget-<venue key>``) that owns the
account's ``Budget``; every service on the account reaches it through a
``RayBudget`` under a ``LeasedBudget`` (``tradesys/venue/lease.py``): each
process spends leased blocks of the limits and asks for the next block in
the background, so no Ray call sits on the order path. The venue's own
counts read from a reply are posted without waiting, since the reply's
caller has no use for the answer. Measured in docs/performance.md
(``bench/budget.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping
from concurrent.futures import Future

import ray

from tradesys.actors.base import ActorBase
from tradesys.venue.errors import RateLimited
from tradesys.venue.lease import LeasedBudget
from tradesys.venue.ratelimit import Budget, Lease, RateLimiter

log = logging.getLogger(__name__)
RETRY_SECONDS = 0.1


def budget_actor_name(venue_key: str) -> str:
    return f"budget-{venue_key}"


class BudgetServer(ActorBase):
    def __init__(self, name: str, limits: Mapping[str, tuple[int, float]]):
        super().__init__(name)
        self.budget = Budget.of(limits)
        self.calls = {"reserve": 0, "leases": 0, "waits": 0, "observe": 0, "blocks": 0}
        self.reborn = ray.get_runtime_context().was_current_actor_reconstructed
        if self.reborn:
            # The counts of the account's windows died with the last process: take them as spent until the
            # venue's own counts come back, rather than over-spend what was already used.
            self.budget.assume_full()

    async def reserve(self, costs: Mapping[str, int]) -> tuple[float, bool]:
        self.calls["reserve"] += 1
        wait = self.budget.reserve(costs)
        if wait:
            self.calls["waits"] += 1
        return wait, self.budget.banned

    async def lease(self, least: Mapping[str, int], share: float) -> Lease:
        self.calls["leases"] += 1
        lease = self.budget.lease(least, share)
        if lease.wait:
            self.calls["waits"] += 1
        return lease

    async def observe(self, counts: Mapping[str, int]) -> None:
        self.calls["observe"] += 1
        for name, used in counts.items():
            self.budget.observe(name, used)

    async def block(self, seconds: float, reason: str, banned: bool) -> None:
        self.calls["blocks"] += 1
        self.budget.block(seconds, reason, banned=banned)

    async def configure(self, capacities: Mapping[str, int]) -> None:
        self.budget.configure(capacities)

    def counters(self) -> dict[str, int]:
        return {**self.calls, "probes": self.budget.probes, "assumed_full": len(self.budget.assumed),
                "reborn": int(self.reborn)}

    async def on_start(self) -> dict[str, str]:
        if self.reborn:
            log.warning("restarted: every rate-limit window taken as spent until the venue's counts say otherwise",
                        extra={"fields": {"limits": sorted(self.budget.limits)}})
        return {}


class RayBudget:
    """The client side of a BudgetServer (``tradesys.venue.ratelimit.SharedBudget``). While the server is
    dead or restarting, a reservation waits up to ``restart_wait_s`` for it and is then refused
    (``RateLimited``: nothing was sent); nothing goes out unbudgeted."""

    def __init__(self, handle, *, restart_wait_s: float = 2.0, name: str = ""):
        self.handle = handle
        self.name = name        # its Ray name: a budget re-made on another node is found again by it
        self.restart_wait_s = restart_wait_s
        self.observe_failures = 0
        self.unavailable = 0

    async def reserve(self, costs: Mapping[str, int]) -> tuple[float, bool]:
        return tuple(await self._asked("reserve", dict(costs)))

    async def lease(self, least: Mapping[str, int], share: float) -> Lease:
        return await self._asked("lease", dict(least), share)

    async def _asked(self, method: str, *args):
        deadline = time.monotonic() + self.restart_wait_s
        while True:
            try:
                return await getattr(self.handle, method).remote(*args)
            except (ray.exceptions.RayActorError, ray.exceptions.ActorUnschedulableError) as exc:
                # (Unschedulable: its node is gone, and it is being made again on another one.)
                self.unavailable += 1
                if self.name:
                    with contextlib.suppress(ValueError):     # not (yet) made again: the same handle, later
                        self.handle = await asyncio.to_thread(ray.get_actor, self.name)
                if time.monotonic() >= deadline:
                    raise RateLimited(f"the account's rate-limit budget is not answering ({type(exc).__name__}): "
                                      f"nothing sent", retry_after_s=self.restart_wait_s) from None
                await asyncio.sleep(RETRY_SECONDS)

    async def observe(self, counts: Mapping[str, int]) -> None:
        # Posted, not awaited: the count only corrects the budget for later reservations (it is folded in as
        # a maximum, so arriving after one of them costs nothing but that one's accuracy). A failure is
        # counted and logged when it comes back.
        self.handle.observe.remote(dict(counts)).future().add_done_callback(self._observed)

    def _observed(self, done: Future) -> None:
        error = None if done.cancelled() else done.exception()
        if error is not None:
            # Logged, then counted: this runs on Ray's callback thread, and whoever reads the count may look
            # for the log line at once.
            failures = self.observe_failures + 1
            log.warning("the venue's rate-limit counts were not booked", extra={"fields": {
                "error": f"{type(error).__name__}: {error}", "failures": failures}})
            self.observe_failures = failures

    async def close(self) -> None:
        """Nothing runs in the background here (a posted count's callback runs on Ray's thread)."""

    async def block(self, seconds: float, reason: str, banned: bool) -> None:
        try:
            await self.handle.block.remote(seconds, reason, banned)
        except ray.exceptions.RayActorError as exc:
            # A restarted budget takes every window as spent, which covers a block it never heard of.
            log.warning("the block was not booked: the budget is restarting", extra={"fields": {
                "seconds": seconds, "reason": reason, "error": type(exc).__name__}})

    async def configure(self, capacities: Mapping[str, int]) -> None:
        await self.handle.configure.remote(dict(capacities))


def shared_limiter(venue_key: str, venue: str, *, max_wait_s: float = 2.0) -> RateLimiter:
    """A RateLimiter on the account's BudgetServer, spending leased blocks (``tradesys/venue/lease.py``: no
    Ray call per request); call inside a Ray actor of the same namespace."""
    name = budget_actor_name(venue_key)
    return RateLimiter(LeasedBudget(RayBudget(ray.get_actor(name), name=name)), max_wait_s=max_wait_s, venue=venue)
