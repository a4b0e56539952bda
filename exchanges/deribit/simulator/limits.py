"""Deribit's credit-based rate limits: leaky buckets per account, one for matching-engine requests.

Default tier (docs/protocols/deribit.md 5): a non-matching request costs 500
credits from a pool of 50,000 refilled at 10,000 a second. Matching-engine
requests (buy, sell, edit, cancel*) draw from their own pool; the simulator's
default is a market maker's tier (burst 200, 100 a second) because the
venue's default tier (burst 20, 5 a second) is below what a quoting strategy
on two instruments needs; both are settable. An empty pool answers 10028 and
the session (WebSocket) is closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MATCHING_METHODS = frozenset({"private/buy", "private/sell", "private/edit", "private/cancel", "private/cancel_all",
                              "private/cancel_all_by_instrument", "private/cancel_all_by_currency",
                              "private/cancel_by_label"})
FREE_METHODS = frozenset({"public/test", "public/auth", "public/get_time", "public/hello"})


@dataclass
class CreditPool:
    capacity: float
    refill_per_s: float
    credits: float = -1.0
    at_ms: int = 0

    def take(self, cost: float, now_ms: int) -> bool:
        if self.credits < 0:
            self.credits, self.at_ms = self.capacity, now_ms
        self.credits = min(self.capacity, self.credits + (now_ms - self.at_ms) / 1000 * self.refill_per_s)
        self.at_ms = now_ms
        if self.credits < cost:
            return False
        self.credits -= cost
        return True


@dataclass
class CreditLimits:
    cost: int = 500
    capacity: int = 50_000
    refill_per_s: int = 10_000
    matching_burst: int = 200
    matching_per_s: int = 100
    _pools: dict[tuple[str, str], CreditPool] = field(default_factory=dict)

    def allow(self, key: str, method: str, now_ms: int) -> bool:
        """Charge one request of ``key`` (an account, or a connection for public calls); False when over."""
        if method in FREE_METHODS:
            return True
        if method in MATCHING_METHODS:
            pool = self._pools.setdefault((key, "matching"), CreditPool(self.matching_burst, self.matching_per_s))
            return pool.take(1, now_ms)
        pool = self._pools.setdefault((key, "other"), CreditPool(self.capacity, self.refill_per_s))
        return pool.take(self.cost, now_ms)
