"""What each order's fills have booked in the strategy's ledger, beside what its events say it filled.

An order's event and its fill travel apart: the engine acknowledges an IOC as FILLED from the venue's
reply to the request while the fill itself comes on the venue's private stream, so the final event can
reach the strategy first. A strategy (or the pre-trade limits) reading the ledger at that moment would
see the old position and trade the same quantity again. The gap, the fills in flight, is kept per order
and per symbol, so the position a strategy sees includes what the venue has already reported filled.
"""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from tradesys.messages import Side
from tradesys.strategy.oms import Order


class BookedFills:
    def __init__(self, keep: int):
        self.keep = keep
        self._booked: OrderedDict[str, Decimal] = OrderedDict()    # client order id -> booked by fills
        self._in_flight: dict[str, tuple[str, Decimal]] = {}        # client order id -> (symbol, signed gap)

    def booked(self, client_order_id: str) -> Decimal:
        return self._booked.get(client_order_id, Decimal(0))

    def recovered(self, client_order_id: str, filled: Decimal) -> None:
        """An adopted order: its fills so far are in the recovered ledger."""
        self._remember(client_order_id, filled)
        self._in_flight.pop(client_order_id, None)

    def fill(self, client_order_id: str, quantity: Decimal, order: Order | None) -> None:
        """A fill was booked in the ledger (``order``: the Mini OMS's, None for one it does not know)."""
        self._remember(client_order_id, self.booked(client_order_id) + quantity)
        if order is None:
            self._in_flight.pop(client_order_id, None)
        else:
            self.update(order)

    def update(self, order: Order) -> None:
        """After an event or a fill: the order's gap between reported and booked fills."""
        gap = order.filled - self.booked(order.client_order_id)
        if gap > 0:
            self._in_flight[order.client_order_id] = (order.symbol, gap if order.side == Side.SIDE_BUY else -gap)
        else:
            self._in_flight.pop(order.client_order_id, None)

    def in_flight(self, symbol: str) -> Decimal:
        """The signed quantity the venue reported filled on ``symbol`` that no fill has booked yet."""
        if not self._in_flight:          # nearly always: strategies ask this on every quote
            return Decimal(0)
        return sum((gap for s, gap in self._in_flight.values() if s == symbol), Decimal(0))

    def symbols(self) -> set[str]:
        return {symbol for symbol, _ in self._in_flight.values()}

    def unbooked(self) -> list[str]:
        """The orders whose events reported fills the ledger has not had."""
        return list(self._in_flight)

    def _remember(self, client_order_id: str, quantity: Decimal) -> None:
        self._booked[client_order_id] = quantity
        self._booked.move_to_end(client_order_id)
        if len(self._booked) > self.keep:
            self._booked.popitem(last=False)
