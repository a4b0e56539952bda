"""The simulator's rate limits: calls in the last second per account (trade data) or address (market data),
order calls and the others apart; past a limit the answer is 429 / 1006 (docs/protocols/grvt.md 5)."""

from __future__ import annotations

from collections import deque

from exchanges.grvt.constants import ORDER_ROUTES

# Calls a second before 1006: the simulator's tier, above the connector's own budgets.
RATE_LIMITS = {"orders": 50, "others": 100}


def kind_of(route: str) -> str:
    """``orders`` for the routes that create or cancel orders (``/create_order``), ``others`` for the rest."""
    return "orders" if route.lstrip("/") in ORDER_ROUTES else "others"


class Throttle:
    """Calls in the last second per (who, kind); past the kind's limit, refused (the call does not count)."""

    def __init__(self, limits: dict[str, int]):
        self.limits = dict(limits)
        self._calls: dict[tuple[str, str], deque[float]] = {}

    def admit(self, who: str, kind: str, now: float) -> bool:
        limit = self.limits.get(kind)
        if limit is None:
            return True
        calls = self._calls.setdefault((who, kind), deque())
        while calls and calls[0] <= now - 1.0:
            calls.popleft()
        if len(calls) >= limit:
            return False
        calls.append(now)
        return True
