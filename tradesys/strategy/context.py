"""The context a strategy trades through (``StrategyContext``): its order API over the Mini OMS and the
order channel to its engine, the pre-trade limits and kill switch in front of it, and read access to its
books, instruments and position. Rounding is the instrument grid's (``tradesys.venue.grid``).

Every request is checked here first (the reason raised as ``PreTradeRejected`` or ``IntentBusy``), then
recorded in the Mini OMS and sent; the engine's reply comes back to ``_outcome``. The order round trip
(send -> engine reply after the venue's ack) is kept as a histogram.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from decimal import Decimal

from tradesys.bus.errors import BusError
from tradesys.bus.orders import OrderClient
from tradesys.clock import LIVE_CLOCK, Clock
from tradesys.messages import Instrument, NewOrder, OrderReply, OrderRequest, OrderType, Side, TimeInForce
from tradesys.metrics import Histogram
from tradesys.numeric import set_decimal
from tradesys.risk import KillSwitch
from tradesys.strategy.books import MarketBooks
from tradesys.strategy.holdings import Holdings
from tradesys.strategy.oms import IntentBusy, MiniOMS, Order, State
from tradesys.strategy.risk import PreTradeRejected, StrategyLimits, check_new
from tradesys.venue.book import L2Book
from tradesys.venue.grid import Grid
from tradesys.venue.ids import ClientOrderIds

log = logging.getLogger(__name__)


class TradingContext:
    """``StrategyContext`` for one strategy. ``connect`` gives it the engine's instruments and channel;
    ``settled(order, before)`` is told of every reply, so the host can report the order's change once."""

    def __init__(self, strategy_id: str, venue: str, symbols: tuple[str, ...], limits: StrategyLimits,
                 oms: MiniOMS, kill_switch: KillSwitch, books: MarketBooks, holdings: Holdings,
                 settled: Callable[[Order, tuple], None], clock: Clock = LIVE_CLOCK):
        self.clock = clock
        self.strategy_id = strategy_id
        self.venue = venue
        self.symbols = symbols
        self.limits = limits
        self.oms = oms
        self.kill_switch = kill_switch
        self.books = books
        self.holdings = holdings
        self.settled = settled
        self.instruments: dict[str, Instrument] = {}
        self.grids: dict[str, Grid] = {}
        self.round_trip = Histogram()
        self.stopping = False
        self.amends = True
        self._ids: ClientOrderIds | None = None
        self._client: OrderClient | None = None
        self._sent_at: dict[int, int] = {}       # request id -> send time (ns), for the round trip
        self._last_not_sent_log = 0.0
        self.count = {"requests": 0, "replies": 0, "replies_rejected": 0, "pre_trade_rejected": 0, "intent_busy": 0,
                      "not_sent": 0, "timeouts": 0, "modify_as_cancel": 0}

    def connect(self, instruments: dict[str, Instrument], ids: ClientOrderIds, client: OrderClient,
                amends: bool) -> None:
        self.instruments = instruments
        self.grids = {symbol: Grid(instrument) for symbol, instrument in instruments.items()}
        self._ids = ids
        self._client = client
        self.amends = amends

    # -- what a strategy reads ----------------------------------------------------------

    @property
    def trading_allowed(self) -> bool:
        return self.kill_switch.allows_new_orders

    @property
    def reduce_only(self) -> bool:
        return self.kill_switch.reduce_only

    def now(self) -> float:
        return self.clock.time()

    def live(self, symbol: str, intent: str) -> Order | None:
        return self.oms.live(symbol, intent)

    def book(self, symbol: str) -> L2Book | None:
        return self.books.book(symbol)

    def is_live(self, symbol: str) -> bool:
        return self.books.is_live(symbol)

    def instrument(self, symbol: str) -> Instrument:
        return self.instruments[symbol]

    def position(self, symbol: str) -> Decimal:
        """The strategy's position: its ledger, plus what the venue reported filled that no fill has booked yet."""
        return self.holdings.position(symbol)

    def round_price(self, symbol: str, side: int, price: Decimal) -> Decimal:
        """To the tick: buys down, sells up (a quote never becomes more aggressive by rounding)."""
        return self.grids[symbol].round(side, price, Decimal(0))[0]

    def round_quantity(self, symbol: str, quantity: Decimal) -> Decimal:
        """Down to the lot."""
        return self.grids[symbol].round(Side.SIDE_BUY, None, quantity)[1]

    # -- what a strategy asks -----------------------------------------------------------

    def place(self, symbol: str, side: int, price: Decimal | None, quantity: Decimal, *, intent: str,
              post_only: bool = False, ioc: bool = False, reduce_only: bool = False) -> Order:
        self._check_new(symbol, side, price, quantity, reduce_only)
        cid = self._ids.next()
        try:
            order = self.oms.new(cid, symbol, side, price, quantity, intent, self.clock.monotonic())
        except IntentBusy:
            self.count["intent_busy"] += 1
            raise
        new = NewOrder(side=side, reduce_only=reduce_only,
                       type=OrderType.ORDER_TYPE_LIMIT if price is not None else OrderType.ORDER_TYPE_MARKET,
                       time_in_force=(TimeInForce.TIME_IN_FORCE_POST_ONLY if post_only else
                                      TimeInForce.TIME_IN_FORCE_IOC if ioc or price is None else
                                      TimeInForce.TIME_IN_FORCE_GTC))
        set_decimal(new.quantity, quantity)
        if price is not None:
            set_decimal(new.price, price)
        self._send(OrderRequest(strategy_id=self.strategy_id, venue=self.venue, symbol=symbol,
                                client_order_id=cid, new_order=new), order)
        return order

    def _check_new(self, symbol: str, side: int, price: Decimal | None, quantity: Decimal,
                   reduce_only: bool) -> None:
        if self.stopping:
            raise PreTradeRejected("stopping", f"{self.strategy_id} is stopping")
        if symbol not in self.instruments:
            raise PreTradeRejected("symbol", f"{symbol} is not a symbol of {self.strategy_id}")
        if not self.kill_switch.allows_new_orders and not (self.kill_switch.reduce_only and reduce_only):
            raise PreTradeRejected("kill_switch", f"{self.kill_switch.mode.name.lower()}: {self.kill_switch.reason}")
        resting = sum((o.remaining for o in self.oms.live_orders(symbol) if o.side == side), Decimal(0))
        try:
            check_new(self.limits, side=side, price=price, quantity=quantity, reference=self.books.mid(symbol),
                      position=self.position(symbol), resting_same_side=resting,
                      open_orders=len(self.oms.live_orders()), reduce_only=reduce_only,
                      inverse=self.instruments[symbol].inverse)
        except PreTradeRejected:
            self.count["pre_trade_rejected"] += 1
            raise

    def cancel(self, client_order_id: str) -> Order | None:
        order = self.oms.cancel(client_order_id, self.clock.monotonic())
        if order is not None:
            request = OrderRequest(strategy_id=self.strategy_id, venue=self.venue, symbol=order.symbol,
                                   client_order_id=client_order_id)
            request.cancel.SetInParent()
            self._send(request, order)
        return order

    def modify(self, client_order_id: str, price: Decimal, quantity: Decimal | None = None) -> Order | None:
        current = self.oms.orders.get(client_order_id)
        if current is None:
            return None
        if not self.amends:   # the venue cannot amend (GRVT): pull the order; the next quote places anew
            self.count["modify_as_cancel"] += 1
            self.cancel(client_order_id)
            return None
        quantity = current.quantity if quantity is None else quantity
        order = self.oms.modify(client_order_id, price, quantity, self.clock.monotonic())
        if order is not None:
            request = OrderRequest(strategy_id=self.strategy_id, venue=self.venue, symbol=order.symbol,
                                   client_order_id=client_order_id)
            set_decimal(request.modify.price, price)
            set_decimal(request.modify.quantity, quantity)
            self._send(request, order)
        return order

    def cancel_all(self, symbol: str | None = None) -> None:
        for order in self.oms.live_orders(symbol):
            if order.state is not State.PENDING_NEW:
                self.cancel(order.client_order_id)

    # -- the order channel --------------------------------------------------------------

    def _send(self, request: OrderRequest, order: Order) -> None:
        request.request_id = self._client.next_request_id()
        self._sent_at[request.request_id] = self.clock.time_ns()
        self.count["requests"] += 1
        try:
            self._client.submit(request,
                                lambda outcome, rid=request.request_id, o=order: self._outcome(rid, o, outcome))
        except BusError as exc:
            self.count["not_sent"] += 1
            self._sent_at.pop(request.request_id, None)
            # Refused on the spot: the caller sees it in the order it gets back (no callback while it calls).
            self.oms.on_reply(order.client_order_id, False, detail=f"not sent: {exc}")
            now = self.clock.monotonic()
            if now - self._last_not_sent_log >= 1.0:     # once a second while the engine is away
                self._last_not_sent_log = now
                log.warning("order request not sent", extra={"fields": {
                    "client_order_id": order.client_order_id, "error": str(exc),
                    "not_sent_so_far": self.count["not_sent"]}})

    def _outcome(self, request_id: int, order: Order, outcome) -> None:
        sent = self._sent_at.pop(request_id, None)
        if not isinstance(outcome, OrderReply):
            # No answer in time: the request may have executed. The timer's reconciliation settles it.
            self.count["timeouts"] += 1
            self.oms.unanswered(order.client_order_id)
            return
        if sent is not None:
            self.round_trip.add(self.clock.time_ns() - sent)
        self.count["replies"] += 1
        if not outcome.accepted:
            self.count["replies_rejected"] += 1
            log.info("order request rejected", extra={"fields": {
                "client_order_id": outcome.client_order_id, "detail": outcome.detail}})
        before = snapshot(order)
        self.oms.on_reply(order.client_order_id, outcome.accepted, outcome.reason, outcome.detail,
                          outcome.venue_order_id)
        self.settled(order, before)


def snapshot(order: Order) -> tuple:
    """What a strategy is told about when it changes: the order's state, filled quantity, price and size."""
    return order.state, order.filled, order.price, order.quantity
