"""The recorded market inside the simulator's matching engine.

Each recorded level rests in the engine as orders of the house account ``market``, at the recorded
quantity; each recorded trade goes in as an immediate-or-cancel order of the house account ``tape`` at the
trade's price and size. Our strategies' orders rest beside them in the same FIFO queues, so:

- a new order joins the back of its level (everything recorded there is ahead of it);
- a recorded trade at its price fills it only once the quantity ahead is used up, and fills it first when
  it trades through its price;
- a level that shrinks without a trade is split between ahead and behind by the queue model (``queue.py``);
- a recorded level on the other side that crosses our order trades with it at our price.

Our orders have no market impact: the recorded quantities are the market's own, whatever our orders took
(the house's resting total per level is kept apart from ours, and what our fills consume of it comes back
with the next recorded change). A recording made while our own quotes rested in the book still holds them.
"""

from __future__ import annotations

import logging

from tradesys.backtest.queue import QueueModel
from tradesys.messages import BookDelta, BookSnapshot, Trade
from tradesys.messages import Side as ProtoSide
from tradesys.numeric import PrecisionError, get_decimal
from tradesys.sim.exchange import ExchangeEvent, SimExchange
from tradesys.sim.orders import Side, StpMode, TimeInForce

log = logging.getLogger(__name__)
HOUSE = "market"    # the recorded book's liquidity
TAPE = "tape"       # the recorded trades
SIDES = {ProtoSide.SIDE_BUY: Side.BUY, ProtoSide.SIDE_SELL: Side.SELL}


def rescale(mantissa: int, scale: int, to_scale: int) -> int | None:
    """``mantissa`` at ``scale`` as a mantissa at ``to_scale``; None when that would drop digits."""
    if to_scale >= scale:
        return mantissa * 10 ** (to_scale - scale)
    divisor = 10 ** (scale - to_scale)
    return mantissa // divisor if mantissa % divisor == 0 else None


class RecordedLiquidity:
    def __init__(self, exchange: SimExchange, queue: QueueModel):
        self.exchange = exchange
        self.queue = queue
        exchange.add_account(HOUSE, {}, house=True)
        exchange.add_account(TAPE, {}, house=True)
        self.totals: dict[tuple[str, Side, int], int] = {}    # (symbol, side, price) -> the house's quantity there
        exchange.listeners.append(self._on_event)
        self.count = {"levels_changed": 0, "trades": 0, "off_grid": 0, "crossed_levels": 0, "cancels_ahead": 0}

    # -- what the recording says -------------------------------------------------------

    def snapshot(self, message: BookSnapshot) -> None:
        symbol = message.symbol
        wanted = {}
        for side, prices, sizes in ((Side.BUY, message.bid_prices, message.bid_sizes),
                                    (Side.SELL, message.ask_prices, message.ask_sizes)):
            for price, size in zip(prices, sizes):
                key = self._level(symbol, side, price, message.price_scale)
                if key is not None:
                    wanted[key] = self._size(symbol, size, message.size_scale)
        gone = [key for key in self.totals if key[0] == symbol and key not in wanted]
        self._apply(symbol, [(key, 0) for key in gone] + list(wanted.items()))

    def delta(self, message: BookDelta) -> None:
        symbol = message.symbol
        changes = []
        for side, prices, sizes in ((Side.BUY, message.bid_prices, message.bid_sizes),
                                    (Side.SELL, message.ask_prices, message.ask_sizes)):
            for price, size in zip(prices, sizes):
                key = self._level(symbol, side, price, message.price_scale)
                if key is not None:
                    changes.append((key, self._size(symbol, size, message.size_scale)))
        self._apply(symbol, changes)

    def trade(self, message: Trade) -> None:
        side = SIDES.get(message.aggressor)
        instrument = self.exchange.instruments.get(message.symbol)
        if side is None or instrument is None:
            self.count["off_grid"] += 1
            return
        try:
            price = instrument.price_of(get_decimal(message.price))
            quantity = instrument.qty_of(get_decimal(message.quantity))
        except (PrecisionError, ValueError):
            self.count["off_grid"] += 1
            return
        if quantity > 0:
            self.count["trades"] += 1
            self.exchange.inject(TAPE, message.symbol, side, price, quantity, TimeInForce.IOC)

    # -- levels --------------------------------------------------------------------------

    def _level(self, symbol: str, side: Side, price: int, scale: int) -> tuple[str, Side, int] | None:
        instrument = self.exchange.instruments[symbol]
        mantissa = rescale(price, scale, instrument.price_scale)
        if mantissa is None:
            self.count["off_grid"] += 1
            return None
        return symbol, side, mantissa

    def _size(self, symbol: str, size: int, scale: int) -> int:
        instrument = self.exchange.instruments[symbol]
        mantissa = rescale(size, scale, instrument.qty_scale)
        if mantissa is None:            # finer than the venue's lot: the part a lot cannot hold is left out
            self.count["off_grid"] += 1
            mantissa = size // 10 ** (scale - instrument.qty_scale)
        return mantissa

    def _apply(self, symbol: str, changes: list) -> None:
        """Shrinking levels first, then growing ones: a level that moved through our order only trades with
        it once the side it left is gone."""
        grow = []
        for key, quantity in changes:
            current = self.totals.get(key, 0)
            if quantity < current:
                self._reduce(key, current - quantity)
            elif quantity > current:
                grow.append((key, quantity - current))
        for key, more in grow:
            self._add(key, more)
        self.count["levels_changed"] += len(changes)

    def _add(self, key: tuple[str, Side, int], quantity: int) -> None:
        symbol, side, price = key
        engine = self.exchange.engines[symbol]
        if engine.would_cross(side, price):
            # It crosses what rests on the other side: our orders there trade with it (at their price); it
            # stops at the first house order (a recorded book that crosses itself).
            self.exchange.inject(HOUSE, symbol, side, price, quantity, TimeInForce.IOC, StpMode.EXPIRE_TAKER)
            if engine.would_cross(side, price):
                self.count["crossed_levels"] += 1
                return
        queue = engine.book.queue(side, price)
        if queue and queue[-1].account == HOUSE:
            last = queue[-1]
            engine.resize(last.order_id, last.remaining + quantity, self.exchange.clock())
        else:
            self.exchange.inject(HOUSE, symbol, side, price, quantity, TimeInForce.GTC)
        self.totals[key] = self.totals.get(key, 0) + quantity

    def _reduce(self, key: tuple[str, Side, int], quantity: int) -> None:
        symbol, side, price = key
        engine = self.exchange.engines[symbol]
        queue = list(engine.book.queue(side, price))
        mine = next((i for i, order in enumerate(queue) if order.account != HOUSE), None)
        if mine is None:
            self._take(engine, reversed(queue), quantity)
        else:
            ahead, behind = queue[:mine], [o for o in queue[mine:] if o.account == HOUSE]
            from_ahead = self.queue.split(quantity, sum(o.remaining for o in ahead), sum(o.remaining for o in behind))
            self.count["cancels_ahead"] += from_ahead > 0
            self._take(engine, reversed(ahead), from_ahead)
            self._take(engine, reversed(behind), quantity - from_ahead)
        left = self.totals.get(key, 0) - quantity
        if left > 0:
            self.totals[key] = left
        else:
            self.totals.pop(key, None)

    def _take(self, engine, orders, quantity: int) -> None:
        now = self.exchange.clock()
        for order in orders:
            if quantity <= 0:
                return
            if order.account != HOUSE:
                continue
            cut = min(order.remaining, quantity)
            engine.resize(order.order_id, order.remaining - cut, now)
            quantity -= cut

    def _on_event(self, event: ExchangeEvent) -> None:
        """What trades took from the house's resting liquidity (a taker of ours, or the tape)."""
        for update in event.result.updates:
            fill = update.fill
            if fill is not None and fill.is_maker and update.order.account == HOUSE:
                key = (event.symbol, update.order.side, fill.price)
                left = self.totals.get(key, 0) - fill.quantity
                if left > 0:
                    self.totals[key] = left
                else:
                    self.totals.pop(key, None)

