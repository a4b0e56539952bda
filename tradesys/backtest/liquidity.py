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
        # symbol -> side -> price -> the house's quantity resting there (the recorded level's)
        self.levels: dict[str, dict[Side, dict[int, int]]] = {
            symbol: {Side.BUY: {}, Side.SELL: {}} for symbol in exchange.instruments}
        exchange.listeners.append(self._on_event)
        self.count = {"levels_changed": 0, "trades": 0, "off_grid": 0, "crossed_levels": 0, "cancels_ahead": 0}

    def quantity(self, symbol: str, side: Side, price: int) -> int:
        """The recorded quantity resting at ``price`` (0: no level)."""
        return self.levels[symbol][side].get(price, 0)

    # -- what the recording says -------------------------------------------------------

    def snapshot(self, message: BookSnapshot) -> None:
        symbol = message.symbol
        if symbol not in self.levels:
            self.count["off_grid"] += 1
            return
        wanted = self._changes(message)
        for side, levels in self.levels[symbol].items():
            named = {price for each, price, _ in wanted if each is side}
            wanted += [(side, price, 0) for price in levels if price not in named]
        self._apply(symbol, wanted)

    def delta(self, message: BookDelta) -> None:
        if message.symbol not in self.levels:
            self.count["off_grid"] += 1
            return
        self._apply(message.symbol, self._changes(message))

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

    def _changes(self, message) -> list[tuple[Side, int, int]]:
        """(side, price, quantity) of every level a book message names, at the instrument's scales."""
        instrument = self.exchange.instruments[message.symbol]
        same = message.price_scale == instrument.price_scale and message.size_scale == instrument.qty_scale
        out = []
        for side, prices, sizes in ((Side.BUY, message.bid_prices, message.bid_sizes),
                                    (Side.SELL, message.ask_prices, message.ask_sizes)):
            if same:
                out += [(side, price, size) for price, size in zip(prices, sizes)]
                continue
            for price, size in zip(prices, sizes):
                mantissa = rescale(price, message.price_scale, instrument.price_scale)
                if mantissa is None:
                    self.count["off_grid"] += 1
                    continue
                amount = rescale(size, message.size_scale, instrument.qty_scale)
                if amount is None:      # finer than the venue's lot: the part a lot cannot hold is left out
                    self.count["off_grid"] += 1
                    amount = size // 10 ** (message.size_scale - instrument.qty_scale)
                out.append((side, mantissa, amount))
        return out

    def _apply(self, symbol: str, changes: list[tuple[Side, int, int]]) -> None:
        """Shrinking levels first, then growing ones: a level that moved through our order only trades with
        it once the side it left is gone."""
        grow = []
        levels = self.levels[symbol]
        for side, price, quantity in changes:
            current = levels[side].get(price, 0)
            if quantity < current:
                self._reduce(symbol, side, price, current - quantity)
            elif quantity > current:
                grow.append((side, price, quantity - current))
        for side, price, more in grow:
            self._add(symbol, side, price, more)
        self.count["levels_changed"] += len(changes)

    def _add(self, symbol: str, side: Side, price: int, quantity: int) -> None:
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
            self.exchange.rest(HOUSE, symbol, side, price, quantity)
        levels = self.levels[symbol][side]
        levels[price] = levels.get(price, 0) + quantity

    def _reduce(self, symbol: str, side: Side, price: int, quantity: int) -> None:
        engine = self.exchange.engines[symbol]
        queue = engine.book.queue(side, price)
        mine = next((i for i, order in enumerate(queue) if order.account != HOUSE), None)
        if mine is None:
            self._take(engine, list(reversed(queue)), quantity)
        else:
            queue = list(queue)
            ahead, behind = queue[:mine], [o for o in queue[mine:] if o.account == HOUSE]
            from_ahead = self.queue.split(quantity, sum(o.remaining for o in ahead), sum(o.remaining for o in behind))
            self.count["cancels_ahead"] += from_ahead > 0
            self._take(engine, list(reversed(ahead)), from_ahead)
            self._take(engine, list(reversed(behind)), quantity - from_ahead)
        self._less(symbol, side, price, quantity)

    def _less(self, symbol: str, side: Side, price: int, quantity: int) -> None:
        levels = self.levels[symbol][side]
        left = levels.get(price, 0) - quantity
        if left > 0:
            levels[price] = left
        else:
            levels.pop(price, None)

    def _take(self, engine, orders: list, quantity: int) -> None:
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
                self._less(event.symbol, update.order.side, fill.price, fill.quantity)
