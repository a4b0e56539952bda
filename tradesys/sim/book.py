"""One side-by-side L2/L3 order book: price levels with FIFO queues, best prices kept sorted.

Prices are integer mantissas. Each side keeps its prices in an ascending
list (bisect), so the best bid is the last bid price and the best ask the
first ask price; a level is a FIFO deque of resting orders plus its total.
"""

from __future__ import annotations

import bisect
from collections import deque

from tradesys.sim.orders import Side, SimOrder


class Level:
    __slots__ = ("price", "total", "orders")

    def __init__(self, price: int):
        self.price = price
        self.total = 0
        self.orders: deque[SimOrder] = deque()


class OrderBook:
    def __init__(self, symbol: str):
        self.symbol = symbol
        self._levels = {Side.BUY: {}, Side.SELL: {}}
        self._prices = {Side.BUY: [], Side.SELL: []}
        self.changed: dict[tuple[Side, int], int] = {}

    # -- reading ------------------------------------------------------------------------

    def best(self, side: Side) -> Level | None:
        prices = self._prices[side]
        if not prices:
            return None
        return self._levels[side][prices[-1] if side is Side.BUY else prices[0]]

    def best_price(self, side: Side) -> int | None:
        level = self.best(side)
        return None if level is None else level.price

    def levels(self, side: Side, depth: int | None = None) -> list[tuple[int, int]]:
        """(price, total quantity) best first, at most ``depth`` levels."""
        prices = self._prices[side]
        ordered = reversed(prices) if side is Side.BUY else iter(prices)
        out = []
        for price in ordered:
            if depth is not None and len(out) >= depth:
                break
            out.append((price, self._levels[side][price].total))
        return out

    def queue(self, side: Side, price: int):
        """The orders resting at ``price`` on ``side``, front first (empty when there are none)."""
        level = self._levels[side].get(price)
        return level.orders if level is not None else ()

    def is_crossed(self) -> bool:
        bid, ask = self.best_price(Side.BUY), self.best_price(Side.SELL)
        return bid is not None and ask is not None and bid >= ask

    # -- changing ------------------------------------------------------------------------

    def add(self, order: SimOrder) -> None:
        """Queue ``order`` at the back of its price level."""
        levels = self._levels[order.side]
        level = levels.get(order.price)
        if level is None:
            level = levels[order.price] = Level(order.price)
            bisect.insort(self._prices[order.side], order.price)
        level.orders.append(order)
        level.total += order.remaining
        self.changed[(order.side, order.price)] = level.total

    def remove(self, order: SimOrder) -> None:
        """Take a resting order out of its level (cancel, expiry, modify)."""
        level = self._levels[order.side][order.price]
        level.orders.remove(order)
        level.total -= order.remaining
        self._after_change(order.side, level)

    def reduce_front(self, level: Level, side: Side, quantity: int) -> None:
        """Account for a fill of ``quantity`` against the first order of ``level`` (already updated)."""
        level.total -= quantity
        if level.orders and level.orders[0].remaining == 0:
            level.orders.popleft()
        self._after_change(side, level)

    def shrink(self, order: SimOrder, new_remaining: int) -> None:
        """Reduce a resting order's remaining quantity in place (keeps its queue position)."""
        level = self._levels[order.side][order.price]
        level.total += new_remaining - order.remaining
        self._after_change(order.side, level)

    def _after_change(self, side: Side, level: Level) -> None:
        self.changed[(side, level.price)] = level.total
        if not level.orders:
            del self._levels[side][level.price]
            prices = self._prices[side]
            del prices[bisect.bisect_left(prices, level.price)]

    def take_changes(self) -> dict[tuple[Side, int], int]:
        changed, self.changed = self.changed, {}
        return changed
