"""An L2 order book in exact integers, fast enough for the per-message path.

Prices are integer mantissas at the book's ``price_scale`` (for a tick of
0.10 at scale 1, one unit is one tick) and sizes at ``size_scale``: the
venue's strings are read straight into ints (``tradesys.numeric.parse_scaled``)
and never become floats or Decimals here. Each side is a dict price -> size
with its best price kept incrementally. Removing the best level looks for the
next one a unit at a time from where it was (``NEXT_BEST_STEPS`` units: the
next level of a live book is a tick or a few away), and scans the side only
when none is that near. Levels are absolute: a size of 0 removes the level.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from tradesys.numeric import from_scaled

NEXT_BEST_STEPS = 64     # price units walked from a removed best before the side is scanned


def _next_bid(bids: dict[int, int], top: int) -> int | None:
    """The highest bid at or below ``top``, which no bid is above."""
    for price in range(top, top - NEXT_BEST_STEPS, -1):
        if price in bids:
            return price
    return max(bids) if bids else None


def _next_ask(asks: dict[int, int], bottom: int) -> int | None:
    """The lowest ask at or above ``bottom``, which no ask is below."""
    for price in range(bottom, bottom + NEXT_BEST_STEPS):
        if price in asks:
            return price
    return min(asks) if asks else None


class L2Book:
    __slots__ = ("symbol", "price_scale", "size_scale", "bids", "asks", "best_bid", "best_ask", "seq")

    def __init__(self, symbol: str, price_scale: int, size_scale: int):
        self.symbol, self.price_scale, self.size_scale = symbol, price_scale, size_scale
        self.bids: dict[int, int] = {}
        self.asks: dict[int, int] = {}
        self.best_bid: int | None = None
        self.best_ask: int | None = None
        self.seq = 0   # the venue's update id of the state held

    def clear(self) -> None:
        self.bids.clear()
        self.asks.clear()
        self.best_bid = self.best_ask = None
        self.seq = 0

    def load(self, bids: Iterable[tuple[int, int]], asks: Iterable[tuple[int, int]], seq: int) -> None:
        """Replace the whole book (a snapshot); zero sizes are skipped."""
        self.bids = {p: q for p, q in bids if q}
        self.asks = {p: q for p, q in asks if q}
        self.best_bid = max(self.bids) if self.bids else None
        self.best_ask = min(self.asks) if self.asks else None
        self.seq = seq

    def set_top(self, bid: int, bid_size: int, ask: int, ask_size: int, seq: int) -> None:
        """Replace the whole book by one level a side (a size of 0: that side is empty)."""
        self.bids = {bid: bid_size} if bid_size else {}
        self.asks = {ask: ask_size} if ask_size else {}
        self.best_bid = bid if bid_size else None
        self.best_ask = ask if ask_size else None
        self.seq = seq

    def set_bid(self, price: int, size: int) -> None:
        """Set one bid level to an absolute size; 0 removes it."""
        bids = self.bids
        if size:
            bids[price] = size
            if self.best_bid is None or price > self.best_bid:
                self.best_bid = price
        elif bids.pop(price, None) is not None and price == self.best_bid:
            self.best_bid = _next_bid(bids, price)

    def set_ask(self, price: int, size: int) -> None:
        asks = self.asks
        if size:
            asks[price] = size
            if self.best_ask is None or price < self.best_ask:
                self.best_ask = price
        elif asks.pop(price, None) is not None and price == self.best_ask:
            self.best_ask = _next_ask(asks, price)

    def apply(self, bid_prices: Iterable[int], bid_sizes: Iterable[int], ask_prices: Iterable[int],
              ask_sizes: Iterable[int], seq: int) -> None:
        """Apply one delta given as parallel arrays (the bus's BookDelta layout)."""
        # set_bid / set_ask inlined (this runs for every level of every message). ``best`` stays the
        # highest bid that was or was added (no live bid is above it); removing it marks the side for one
        # search down from there at the end instead of one per removal (asks: the mirror).
        bids, best, stale = self.bids, self.best_bid, False
        for price, size in zip(bid_prices, bid_sizes):
            if size:
                bids[price] = size
                if best is None or price > best:
                    best = price
            elif bids.pop(price, None) is not None and price == best:
                stale = True
        self.best_bid = _next_bid(bids, best) if stale else best
        asks, best, stale = self.asks, self.best_ask, False
        for price, size in zip(ask_prices, ask_sizes):
            if size:
                asks[price] = size
                if best is None or price < best:
                    best = price
            elif asks.pop(price, None) is not None and price == best:
                stale = True
        self.best_ask = _next_ask(asks, best) if stale else best
        self.seq = seq

    # -- reading -----------------------------------------------------------------------

    def top(self, depth: int) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
        """The best ``depth`` levels of each side as (price, size) pairs, best first (sorts: not for the
        per-message path)."""
        bid_prices, bid_sizes, ask_prices, ask_sizes = self.arrays(depth)
        return list(zip(bid_prices, bid_sizes)), list(zip(ask_prices, ask_sizes))

    def arrays(self, depth: int | None = None) -> tuple[list[int], list[int], list[int], list[int]]:
        """Bid prices, bid sizes, ask prices, ask sizes, best first: the bus's BookSnapshot layout."""
        bids = sorted(self.bids.items(), reverse=True)
        asks = sorted(self.asks.items())
        if depth is not None:
            bids, asks = bids[:depth], asks[:depth]
        return [p for p, _ in bids], [q for _, q in bids], [p for p, _ in asks], [q for _, q in asks]

    def touch(self) -> tuple[int | None, int, int | None, int]:
        """Best bid, its size, best ask, its size (None and 0 for an empty side)."""
        bid, ask = self.best_bid, self.best_ask
        return bid, self.bids[bid] if bid is not None else 0, ask, self.asks[ask] if ask is not None else 0

    def is_crossed(self) -> bool:
        return self.best_bid is not None and self.best_ask is not None and self.best_bid >= self.best_ask

    def price(self, mantissa: int) -> Decimal:
        return from_scaled(mantissa, self.price_scale)

    def size(self, mantissa: int) -> Decimal:
        return from_scaled(mantissa, self.size_scale)

    def mid(self) -> Decimal | None:
        """The exact mid price, or None when a side is empty."""
        if self.best_bid is None or self.best_ask is None:
            return None
        return from_scaled(self.best_bid + self.best_ask, self.price_scale) / 2

    def same_levels(self, other: L2Book, depth: int | None = None) -> bool:
        """True when both books hold the same levels (the top ``depth`` of each side, or all)."""
        if depth is None:
            return self.bids == other.bids and self.asks == other.asks
        return self.top(depth) == other.top(depth)

    def __len__(self) -> int:
        return len(self.bids) + len(self.asks)

    def __repr__(self) -> str:
        return (f"L2Book({self.symbol}, seq={self.seq}, {len(self.bids)} bids, {len(self.asks)} asks, "
                f"best {self.best_bid}/{self.best_ask})")
