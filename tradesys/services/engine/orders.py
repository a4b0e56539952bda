"""The trading engine's order table: every live order, and the newest final ones up to a bound.

The risk gate asks, on every request, how much already rests on the request's side; a long run leaves
tens of thousands of final orders in the table (kept for ``order_states`` and duplicate ids), so the live
ones are indexed apart and only they are walked on the hot path.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from tradesys.messages import OrderEvent


@dataclass(slots=True)
class EngineOrder:
    """What the engine knows of one order it placed or adopted."""

    strategy_id: str
    symbol: str
    side: int
    price: Decimal | None
    quantity: Decimal
    filled: Decimal = Decimal(0)
    final: bool = False
    venue_order_id: str = ""
    last: OrderEvent | None = None       # the last event published for it


class OrderTable:
    def __init__(self, keep_final: int):
        self.keep_final = keep_final
        self._all: OrderedDict[str, EngineOrder] = OrderedDict()
        # A superset of the live orders: whoever marks an order final need not tell the table, the next
        # walk drops it, so no path that finishes an order can leave the index wrong.
        self._live: dict[str, EngineOrder] = {}

    def get(self, client_order_id: str) -> EngineOrder | None:
        return self._all.get(client_order_id)

    def __contains__(self, client_order_id: str) -> bool:
        return client_order_id in self._all

    def __len__(self) -> int:
        return len(self._all)

    def remember(self, client_order_id: str, order: EngineOrder) -> None:
        self._all[client_order_id] = order
        if not order.final:
            self._live[client_order_id] = order
        if len(self._all) > self.keep_final:
            # The oldest final order goes (live ones are never forgotten); it sits near the front.
            oldest = next((cid for cid, o in self._all.items() if o.final), None)
            if oldest is not None:
                del self._all[oldest]

    def live(self) -> list[tuple[str, EngineOrder]]:
        """The live orders (client order id, order), oldest first; a list, so callers may await while walking."""
        live = [(cid, order) for cid, order in self._live.items() if not order.final]
        if len(live) < len(self._live):
            # A new dict, not deletions: a dict keeps the slots of what it once held and walks them all.
            self._live = dict(live)
        return live

    def live_count(self) -> int:
        return len(self.live())

    def resting(self, symbol: str, side: int, *, exclude: str = "") -> Decimal:
        """What the live orders on one side of one symbol still have open, ``exclude`` left out."""
        return sum((o.quantity - o.filled for cid, o in self.live()
                    if o.symbol == symbol and o.side == side and cid != exclude), Decimal(0))

    def __iter__(self) -> Iterator[EngineOrder]:
        return iter(self._all.values())
