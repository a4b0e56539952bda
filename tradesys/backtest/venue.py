"""The strategies' venue in a backtest: their order requests go to the simulated exchange after the order
latency, and its answers (the reply, then the order's events and fills) come back after it again, as the
engine's reply and the ``oe.*`` messages would live. A fill the recorded market causes reaches the strategy
one order latency after it happened.

Each strategy trades from its own account of the simulated exchange (named by its strategy id), with the
venue's filters, fees and margin rules. A new or modified order passes the engine's risk gate first
(``tradesys.risk.RiskGate``, the run's ``risk`` limits), which sees what a live engine sees of the venue
account: every strategy's position and resting orders on this venue together, and the book's mid; its
refusal is the engine's reply, reason and sentence. The venue's book counts as live throughout, and no
operator is there to move the kill switch.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal

from tradesys.backtest.clock import Scheduler
from tradesys.messages import (
    Fill,
    Liquidity,
    OrderEvent,
    OrderEventType,
    OrderReply,
    OrderRequest,
    OrderType,
    RejectReason,
    TimeInForce,
)
from tradesys.messages import Side as ProtoSide
from tradesys.numeric import PrecisionError, get_decimal, set_decimal
from tradesys.risk import OrderCheck, RiskGate
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.exchange import ExchangeEvent, SimExchange
from tradesys.sim.instruments import SimInstrument
from tradesys.sim.orders import ExecType, OrderStatus, Side, SimOrder
from tradesys.sim.orders import OrderType as SimType
from tradesys.sim.orders import TimeInForce as SimTif

ET = OrderEventType
R = RejectReason
SIDE_OUT = {Side.BUY: ProtoSide.SIDE_BUY, Side.SELL: ProtoSide.SIDE_SELL}
SIDE_IN = {ProtoSide.SIDE_BUY: Side.BUY, ProtoSide.SIDE_SELL: Side.SELL}
TIF_IN = {TimeInForce.TIME_IN_FORCE_GTC: SimTif.GTC, TimeInForce.TIME_IN_FORCE_IOC: SimTif.IOC,
          TimeInForce.TIME_IN_FORCE_POST_ONLY: SimTif.GTX, TimeInForce.TIME_IN_FORCE_UNSPECIFIED: SimTif.GTC}
REASONS = {
    RejectCode.UNKNOWN_SYMBOL: R.REJECT_REASON_UNKNOWN_SYMBOL, RejectCode.UNKNOWN_ORDER: R.REJECT_REASON_UNKNOWN_ORDER,
    RejectCode.DUPLICATE_CLIENT_ORDER_ID: R.REJECT_REASON_DUPLICATE_CLIENT_ORDER_ID,
    RejectCode.POST_ONLY_WOULD_CROSS: R.REJECT_REASON_POST_ONLY_WOULD_CROSS,
    RejectCode.INSUFFICIENT_MARGIN: R.REJECT_REASON_INSUFFICIENT_MARGIN,
    RejectCode.REDUCE_ONLY_REJECTED: R.REJECT_REASON_RISK_LIMIT,
}
for _code in (RejectCode.INVALID_QUANTITY, RejectCode.QUANTITY_BELOW_MIN, RejectCode.QUANTITY_ABOVE_MAX,
              RejectCode.QUANTITY_NOT_ON_STEP, RejectCode.NOTIONAL_BELOW_MIN):
    REASONS[_code] = R.REJECT_REASON_INVALID_QUANTITY
for _code in (RejectCode.PRICE_BELOW_MIN, RejectCode.PRICE_ABOVE_MAX, RejectCode.PRICE_NOT_ON_TICK,
              RejectCode.PRICE_ABOVE_BAND, RejectCode.PRICE_BELOW_BAND):
    REASONS[_code] = R.REJECT_REASON_INVALID_PRICE
EVENT_TYPES = {ExecType.NEW: ET.ORDER_EVENT_TYPE_ACCEPTED, ExecType.CANCELED: ET.ORDER_EVENT_TYPE_CANCELLED,
               ExecType.EXPIRED: ET.ORDER_EVENT_TYPE_EXPIRED, ExecType.AMENDMENT: ET.ORDER_EVENT_TYPE_MODIFIED}
Deliver = Callable[[str, object], None]      # (strategy id, message): hand a message to that strategy


class BacktestOrderClient:
    """What a strategy's context sends through (``OrderClient``'s ``next_request_id`` and ``submit``)."""

    def __init__(self, venue: BacktestVenue, strategy_id: str):
        self.venue = venue
        self.strategy_id = strategy_id
        self._ids = itertools.count(1)

    def next_request_id(self) -> int:
        return next(self._ids)

    def submit(self, request: OrderRequest, on_outcome: Callable, timeout: float | None = None) -> int:
        self.venue.scheduler.after(self.venue.order_latency(), self.venue.arrive, request, on_outcome)
        return request.request_id


class BacktestVenue:
    def __init__(self, name: str, exchange: SimExchange, scheduler: Scheduler, order_latency: Callable[[], int],
                 deliver: Deliver, gate: RiskGate | None = None):
        self.name = name
        self.gate = gate
        self.exchange = exchange
        self.scheduler = scheduler
        self.order_latency = order_latency
        self.deliver = deliver
        self.strategies: dict[str, tuple[str, ...]] = {}      # strategy id (its account) -> its symbols
        self._answering: list | None = None                   # messages of the request being answered
        exchange.listeners.append(self._on_event)
        self.count = {"requests": 0, "rejected": 0, "events": 0, "fills": 0}
        self.rejections: dict[str, int] = {}      # the simulated venue's reject code -> how many
        self.max_inventory: dict[tuple[str, str], Decimal] = {}   # (strategy id, symbol) -> largest |position|

    def open_account(self, strategy_id: str, symbols: tuple[str, ...], balance: Decimal) -> BacktestOrderClient:
        settle = {self.exchange.instruments[s].settle for s in symbols}
        self.exchange.add_account(strategy_id, dict.fromkeys(settle, balance))
        self.strategies[strategy_id] = symbols
        return BacktestOrderClient(self, strategy_id)

    # -- requests ------------------------------------------------------------------------

    def arrive(self, request: OrderRequest, on_outcome: Callable) -> None:
        """``request`` reaches the venue now; its answers leave for the strategy together, reply first."""
        self.count["requests"] += 1
        self._answering = out = []
        try:
            reply = self._handle(request)
        finally:
            self._answering = None
        if not reply.accepted:
            self.count["rejected"] += 1
        self.scheduler.after(self.order_latency(), self._answer, on_outcome, reply, out)

    def _answer(self, on_outcome: Callable, reply: OrderReply, messages: list) -> None:
        on_outcome(reply)
        for strategy_id, message in messages:
            self.deliver(strategy_id, message)

    def _handle(self, request: OrderRequest) -> OrderReply:
        reply = OrderReply(request_id=request.request_id, client_order_id=request.client_order_id, accepted=True)
        account, symbol, cid = request.strategy_id, request.symbol, request.client_order_id
        action = request.WhichOneof("action")
        verdict = self._gated(request, action) if self.gate is not None else None
        if verdict is not None:        # the gate counts it (RiskGate.rejected)
            reply.accepted, reply.reason, reply.detail = False, verdict[0], verdict[1]
            return reply
        try:
            if action == "new_order":
                reply.venue_order_id = str(self._place(account, symbol, cid, request.new_order).order_id)
            elif action == "cancel":
                self.exchange.cancel(account, symbol, client_order_id=cid)
            elif action == "modify":
                order = self.exchange.order(account, symbol, client_order_id=cid)
                instrument = self.exchange.instrument(symbol)
                self.exchange.modify(account, symbol, order.side, _price(instrument, request.modify.price),
                                     _qty(instrument, request.modify.quantity), client_order_id=cid)
            elif action == "cancel_all":
                for each in self.strategies.get(account, ()):
                    self.exchange.cancel_all(account, each)
            else:
                raise SimReject(RejectCode.UNKNOWN_ORDER, "the request names no action")
        except SimReject as exc:
            self.rejections[exc.code.value] = self.rejections.get(exc.code.value, 0) + 1
            reply.accepted = False
            reply.reason = REASONS.get(exc.code, R.REJECT_REASON_VENUE_REJECTED)
            reply.detail = f"simulated venue: {exc}"
        return reply

    def _gated(self, request: OrderRequest, action: str) -> tuple[int, str] | None:
        """The risk gate's verdict on a new or modified order, as the engine asks it (None: it may go)."""
        symbol, cid = request.symbol, request.client_order_id
        if action not in ("new_order", "modify") or symbol not in self.exchange.instruments:
            return None          # cancels are never gated; an unknown symbol is the venue's to refuse
        instrument = self.exchange.instruments[symbol]
        try:
            if action == "new_order":
                new = request.new_order
                price = get_decimal(new.price) if new.type == OrderType.ORDER_TYPE_LIMIT else None
                check, exclude = OrderCheck(symbol, new.side, get_decimal(new.quantity), price, new.reduce_only), ""
            else:
                order = self.exchange.order(request.strategy_id, symbol, client_order_id=cid)
                if order.status.is_final:
                    return None  # filled or gone meanwhile: the venue's refusal (the engine's, live: unknown order)
                change = request.modify
                quantity = get_decimal(change.quantity) if change.HasField("quantity") else instrument.qty(
                    order.quantity)
                price = get_decimal(change.price) if change.HasField("price") else instrument.price(order.price)
                check = OrderCheck(symbol, SIDE_OUT[order.side], quantity - instrument.qty(order.filled), price)
                exclude = cid
        except (SimReject, ValueError, ArithmeticError):
            return None          # the venue says what is wrong with it
        side = SIDE_IN.get(check.side)
        mid = self.exchange.mark_price(symbol, fallback=None)     # no marks in a backtest: the book's mid
        position = resting = Decimal(0)
        for strategy_id in self.strategies:
            held = self.exchange.account(strategy_id).positions.get(symbol)
            position += held.quantity if held is not None else 0
            resting += sum((instrument.qty(o.remaining) for o in self.exchange.engines[symbol].open_orders(strategy_id)
                            if o.side is side and o.client_order_id != exclude), Decimal(0))
        return self.gate.check(check, mid=mid, book_down_for=0.0, position=position, resting_same_side=resting,
                               now=self.scheduler.clock.monotonic(), inverse=instrument.inverse)

    def _place(self, account: str, symbol: str, cid: str, new) -> SimOrder:
        instrument = self.exchange.instrument(symbol)
        side = SIDE_IN.get(new.side)
        if side is None:
            raise SimReject(RejectCode.INVALID_QUANTITY, "side must be buy or sell")
        limit = new.type == OrderType.ORDER_TYPE_LIMIT
        return self.exchange.place(account, symbol, side, SimType.LIMIT if limit else SimType.MARKET,
                                   _qty(instrument, new.quantity),
                                   price=_price(instrument, new.price) if limit else 0,
                                   time_in_force=TIF_IN.get(new.time_in_force, SimTif.GTC), client_order_id=cid,
                                   reduce_only=new.reduce_only)

    # -- what the venue tells the strategies --------------------------------------------

    def _on_event(self, event: ExchangeEvent) -> None:
        instrument = self.exchange.instruments[event.symbol]
        for update in event.result.updates:
            order = update.order
            if order.account not in self.strategies:
                continue
            messages = [self._order_event(instrument, update)]
            if update.fill is not None:
                booking = event.bookings[(order.order_id, update.fill.trade_id)]
                messages.append(self._fill(instrument, update, booking))
                self.count["fills"] += 1
                held = abs(self.exchange.accounts[order.account].positions[order.symbol].quantity)
                key = (order.account, order.symbol)
                self.max_inventory[key] = max(self.max_inventory.get(key, Decimal(0)), held)
            self.count["events"] += 1
            if self._answering is not None:
                self._answering.extend((order.account, m) for m in messages)
            else:
                self.scheduler.after(self.order_latency(), self._tell, order.account, messages)

    def _tell(self, strategy_id: str, messages: list) -> None:
        for message in messages:
            self.deliver(strategy_id, message)

    def _order_event(self, instrument: SimInstrument, update) -> OrderEvent:
        order = update.order
        if update.exec_type is ExecType.TRADE:
            kind = ET.ORDER_EVENT_TYPE_FILLED if order.status is OrderStatus.FILLED else \
                ET.ORDER_EVENT_TYPE_PARTIALLY_FILLED
        else:
            kind = EVENT_TYPES[update.exec_type]
        out = OrderEvent(venue=self.name, strategy_id=order.account, symbol=order.symbol,
                         client_order_id=order.client_order_id, venue_order_id=str(order.order_id), type=kind,
                         side=SIDE_OUT[order.side])
        if order.price:
            set_decimal(out.price, instrument.price(order.price))
        set_decimal(out.quantity, instrument.qty(order.quantity))
        set_decimal(out.filled_quantity, instrument.qty(order.filled))
        if update.fill is not None:
            set_decimal(out.last_fill_price, instrument.price(update.fill.price))
            set_decimal(out.last_fill_quantity, instrument.qty(update.fill.quantity))
        return out

    def _fill(self, instrument: SimInstrument, update, booking) -> Fill:
        order, fill = update.order, update.fill
        out = Fill(venue=self.name, strategy_id=order.account, symbol=order.symbol,
                   client_order_id=order.client_order_id, venue_order_id=str(order.order_id),
                   trade_id=str(fill.trade_id), side=SIDE_OUT[order.side], fee_asset=booking.fee_asset,
                   liquidity=Liquidity.LIQUIDITY_MAKER if fill.is_maker else Liquidity.LIQUIDITY_TAKER)
        set_decimal(out.price, instrument.price(fill.price))
        set_decimal(out.quantity, instrument.qty(fill.quantity))
        set_decimal(out.fee, booking.fee.normalize() if booking.fee else Decimal(0))
        return out


def _price(instrument: SimInstrument, value) -> int:
    try:
        return instrument.price_of(get_decimal(value))
    except (PrecisionError, ValueError):
        raise SimReject(RejectCode.PRICE_NOT_ON_TICK, f"{get_decimal(value)}") from None


def _qty(instrument: SimInstrument, value) -> int:
    try:
        return instrument.qty_of(get_decimal(value))
    except (PrecisionError, ValueError):
        raise SimReject(RejectCode.QUANTITY_NOT_ON_STEP, f"{get_decimal(value)}") from None
