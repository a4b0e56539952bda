"""A strategy that measures order round trips: it places a post-only bid far below the touch, cancels it
once the venue has it, and places the next one, ``cycles`` times (``bench/order_rtt.py``).

Every request's round trip (the strategy's send to the engine's reply, which carries the venue's answer) is
what every strategy actor records in its ``order_round_trip`` histogram; the probe adds nothing to it. A cycle
starts on a book update at least ``pause_seconds`` after the last one ended, so the rate stays well inside
the account's order limits: what is timed is the path, never a wait for the rate-limit budget.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradesys.messages import Side
from tradesys.strategy import AbstractStrategy, IntentBusy, PreTradeRejected, State
from tradesys.venue.book import L2Book

BPS = Decimal(10_000)
INTENT = "probe"


@dataclass(frozen=True)
class OrderProbeParams:
    size: Decimal = Decimal("0.01")          # base units per order
    distance_bps: Decimal = Decimal("200")   # below the best bid: it never fills, and is inside the price band
    cycles: int = 100                        # place + cancel pairs, then nothing (0: until stopped)
    pause_seconds: float = 0.05              # between the end of a cycle and the start of the next


class OrderProbe(AbstractStrategy):
    Params = OrderProbeParams

    def __init__(self, ctx, params: OrderProbeParams):
        super().__init__(ctx, params)
        self.done = 0                  # cycles ended (the order cancelled, or refused)
        self._ended_at = float("-inf")
        self._order: str | None = None

    def on_book(self, symbol: str, book: L2Book) -> None:
        params = self.params
        if (self._order is not None or (params.cycles and self.done >= params.cycles) or book.best_bid is None
                or not self.ctx.trading_allowed or self.ctx.now() - self._ended_at < params.pause_seconds):
            return
        price = self.ctx.round_price(symbol, Side.SIDE_BUY, book.price(book.best_bid) * (1 - params.distance_bps / BPS))
        try:
            order = self.ctx.place(symbol, Side.SIDE_BUY, price, self.ctx.round_quantity(symbol, params.size),
                                   intent=INTENT, post_only=True)
        except (PreTradeRejected, IntentBusy):     # a limit or the last order still there: the next book tries
            return
        self._order = order.client_order_id
        self._settled(order)      # refused on the spot: the cycle is over

    def on_order_event(self, order, event) -> None:
        if order.client_order_id == self._order:
            self._settled(order)

    def _settled(self, order) -> None:
        if order.state is State.OPEN:
            self.ctx.cancel(order.client_order_id)
        elif order.state.final:
            self._order = None
            self.done += 1
            self._ended_at = self.ctx.now()
