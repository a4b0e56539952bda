"""Fills already booked, so that one heard twice is booked once."""

from __future__ import annotations

from collections import OrderedDict

from tradesys.messages import Fill


class FillKeys:
    """The fills already booked, by (symbol, trade id), the newest ``limit`` of them: a fill heard twice
    (a reconnect, a venue repeat, a recovery) is booked once."""

    def __init__(self, limit: int):
        self.limit = limit
        self._keys: OrderedDict[str, None] = OrderedDict()

    @staticmethod
    def key(fill: Fill) -> str:
        return f"{fill.symbol}:{fill.trade_id}"

    def seen(self, fill: Fill) -> bool:
        """True when this fill was already booked (nothing is remembered)."""
        return self.key(fill) in self._keys

    def first(self, fill: Fill) -> bool:
        """True the first time this fill is seen (and remember it); False for a repeat."""
        key = self.key(fill)
        if key in self._keys:
            return False
        self.add(key)
        return True

    def add(self, key: str) -> None:
        self._keys[key] = None
        if len(self._keys) > self.limit:
            self._keys.popitem(last=False)
