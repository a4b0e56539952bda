"""The strategies' requests to an engine: each checked (its strategy, the engine's state, the order table,
the risk gate) and refused at once with the reason, or sent to the venue's ``IExchangeOMS`` in an owned
task that replies when the venue has answered."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal

from tradesys.bus.orders import OrderServer, ReceivedRequest
from tradesys.messages import OrderEvent, OrderEventType, OrderReply, OrderType, RejectReason, Side, TimeInForce
from tradesys.numeric import get_decimal
from tradesys.risk import OrderCheck, RiskGate
from tradesys.services.engine.kill import KillDesk
from tradesys.services.engine.market import MarketWatch
from tradesys.services.engine.orders import EngineOrder
from tradesys.services.engine.stream import AccountStream
from tradesys.venue.base import ModifySpec, OrderSpec
from tradesys.venue.errors import ExchangeError, ExecutionUnknown, reject_reason
from tradesys.venue.ids import ClientOrderIds

log = logging.getLogger(__name__)
ET = OrderEventType
R = RejectReason
# Seconds before each look at the venue for an order whose answer was lost (a request can land late).
SETTLE_LOOKS = (0.0, 0.5, 1.0)


class Refused(Exception):
    """A request refused before it reaches the venue: ``reason`` (a RejectReason) and ``detail``."""

    def __init__(self, reason: int, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class RequestDesk:
    """``oms`` and ``fetcher`` are set once the venue is connected; ``accepting()`` says whether new orders
    are taken, ``was_ready()`` whether the engine has been ready (cancels still pass while it stops)."""

    def __init__(self, name: str, strategies: tuple[str, ...], server: OrderServer, account: AccountStream,
                 market: MarketWatch, gate: RiskGate, kill: KillDesk, spawn: Callable,
                 accepting: Callable[[], bool], was_ready: Callable[[], bool]):
        self.name = name
        self.strategies = strategies
        self.server = server
        self.account = account
        self.market = market
        self.gate = gate
        self.kill = kill
        self.spawn = spawn
        self.accepting = accepting
        self.was_ready = was_ready
        self.oms = self.fetcher = None
        self.count = {"requests": 0, "placed": 0, "cancels": 0, "modifies": 0, "rejected_gate": 0,
                      "rejected_venue": 0, "execution_unknown": 0, "settled_placed": 0, "settled_not_placed": 0,
                      "settle_failed": 0}

    def on_request(self, received: ReceivedRequest) -> OrderReply | None:
        """The ROUTER's handler: a refusal now, or None when a task will reply."""
        request = received.request
        self.count["requests"] += 1
        try:
            self._route(received)
        except Refused as refused:
            self.count["rejected_gate"] += 1
            return OrderReply(request_id=request.request_id, client_order_id=request.client_order_id,
                              accepted=False, reason=refused.reason, detail=refused.detail)
        return None

    def _route(self, received: ReceivedRequest) -> None:
        request = received.request
        action = request.WhichOneof("action")
        cid = request.client_order_id
        if request.strategy_id not in self.strategies:
            raise Refused(R.REJECT_REASON_INVALID_REQUEST, f"strategy {request.strategy_id!r} may not trade here")
        # Cancels pass while the engine stops (it is cancelling too); nothing new does.
        if not (self.accepting() or (self.was_ready() and action in ("cancel", "cancel_all"))):
            raise Refused(R.REJECT_REASON_VENUE_UNAVAILABLE, f"engine {self.name} is not accepting orders")
        if action == "cancel_all":
            self.spawn(self._cancel_all(received), f"cancel-all-{request.request_id}")
            return
        if request.symbol not in self.account.instruments:
            raise Refused(R.REJECT_REASON_UNKNOWN_SYMBOL, f"{request.symbol!r} is not traded by {self.name}")
        if action == "new_order":
            self._new(received)
            return
        order = self.account.orders.get(cid)
        if order is None or order.strategy_id != request.strategy_id:
            raise Refused(R.REJECT_REASON_UNKNOWN_ORDER, f"no order {cid!r} of {request.strategy_id}")
        if action == "cancel":
            self.spawn(self._cancel(received, order), f"cancel-{cid}")
        elif action == "modify":
            self._modify(received, order)
        else:
            raise Refused(R.REJECT_REASON_INVALID_REQUEST, f"request {request.request_id} has no action")

    def _new(self, received: ReceivedRequest) -> None:
        request = received.request
        new = request.new_order
        cid = request.client_order_id
        if ClientOrderIds.owner(cid) != request.strategy_id:
            raise Refused(R.REJECT_REASON_INVALID_REQUEST,
                          f"client order id {cid!r} must be {request.strategy_id}-<session>-<n>")
        if cid in self.account.orders:
            raise Refused(R.REJECT_REASON_DUPLICATE_CLIENT_ORDER_ID, f"client order id {cid!r} was used before")
        try:
            price = get_decimal(new.price) if new.type == OrderType.ORDER_TYPE_LIMIT else None
            quantity = get_decimal(new.quantity)
        except Exception as exc:
            raise Refused(R.REJECT_REASON_INVALID_REQUEST, f"bad number: {exc}") from None
        if new.side not in (Side.SIDE_BUY, Side.SIDE_SELL):
            raise Refused(R.REJECT_REASON_INVALID_REQUEST, "side must be buy or sell")
        self._gate(OrderCheck(request.symbol, new.side, quantity, price, new.reduce_only), exclude="")
        order = EngineOrder(request.strategy_id, request.symbol, new.side, price, quantity)
        self.account.orders.remember(cid, order)
        spec = OrderSpec(request.symbol, cid, new.side, quantity, type=new.type, price=price,
                         time_in_force=new.time_in_force or TimeInForce.TIME_IN_FORCE_GTC,
                         reduce_only=new.reduce_only)
        self.spawn(self._place(received, order, spec), f"place-{cid}")

    def _modify(self, received: ReceivedRequest, order: EngineOrder) -> None:
        request = received.request
        change = request.modify
        if order.final or order.price is None:
            raise Refused(R.REJECT_REASON_UNKNOWN_ORDER,
                          f"order {request.client_order_id!r} is not a resting limit order")
        price = get_decimal(change.price) if change.HasField("price") else order.price
        quantity = get_decimal(change.quantity) if change.HasField("quantity") else order.quantity
        self._gate(OrderCheck(order.symbol, order.side, quantity - order.filled, price),
                   exclude=request.client_order_id)
        spec = ModifySpec(order.symbol, request.client_order_id, order.side, price, quantity)
        self.spawn(self._change(received, order, spec), f"modify-{request.client_order_id}")

    def _gate(self, check: OrderCheck, *, exclude: str) -> None:
        instrument = self.account.instruments.get(check.symbol)
        verdict = self.gate.check(check, mid=self.market.mids.get(check.symbol),
                                  book_down_for=self.market.book_down_for(check.symbol),
                                  position=self.account.positions.get(check.symbol, Decimal(0)),
                                  resting_same_side=self.account.orders.resting(check.symbol, check.side,
                                                                                exclude=exclude),
                                  now=time.monotonic(), inverse=instrument is not None and instrument.inverse)
        if verdict is not None:
            raise Refused(*verdict)

    # -- venue calls -------------------------------------------------------------------

    def _reply(self, received: ReceivedRequest, accepted: bool, reason: int = 0, detail: str = "",
               venue_order_id: str = "") -> None:
        self.server.reply(received.identity, OrderReply(
            request_id=received.request.request_id, client_order_id=received.request.client_order_id,
            accepted=accepted, reason=reason, detail=detail, venue_order_id=venue_order_id))

    def _answered(self, received: ReceivedRequest, event: OrderEvent) -> None:
        """The venue's answer: the reply to the strategy first (the order path's last hop), then the event
        into the order table and onto the bus. Both in one step: no request of the strategy's can come in
        between, and the strategy's Mini OMS takes the reply and the event in either order."""
        self._reply(received, True, venue_order_id=event.venue_order_id)
        self.account.apply(event, source="ack")

    def _venue_failed(self, received: ReceivedRequest, exc: ExchangeError, what: str) -> None:
        self.count["rejected_venue"] += 1
        log.info("venue refused", extra={"fields": {"what": what, "error": str(exc),
                                                    "client_order_id": received.request.client_order_id}})
        self._reply(received, False, reject_reason(exc), f"{type(exc).__name__}: {exc}")

    async def _place(self, received: ReceivedRequest, order: EngineOrder, spec: OrderSpec) -> None:
        try:
            event = await self.oms.place(spec)
        except ExecutionUnknown as exc:
            self.count["execution_unknown"] += 1
            await self._settle_unknown(received, order, exc)
            return
        except ExchangeError as exc:
            order.final = True
            self._venue_failed(received, exc, "place")
            return
        self.count["placed"] += 1
        self._answered(received, event)

    async def _settle_unknown(self, received: ReceivedRequest, order: EngineOrder, exc: ExchangeError) -> None:
        """The venue gave no verdict (the answer was lost): ask it for the order by client order id before
        answering the strategy. Found, open or final, it was placed: its state is published and the request
        accepted. Not known after a few looks (a request can land late), it was not placed. Never sent again."""
        cid = received.request.client_order_id
        found, failures = None, []
        for delay in SETTLE_LOOKS:
            await asyncio.sleep(delay)
            try:
                found = await self.fetcher.order_status(order.symbol, cid)
            except ExchangeError as again:
                failures.append(f"{type(again).__name__}: {again}")
                continue
            if found is not None:
                break
        if found is not None:
            self.count["settled_placed"] += 1
            log.info("an order whose answer was lost is at the venue", extra={"fields": {
                "client_order_id": cid, "state": OrderEventType.Name(found.type)}})
            self.account.apply(found, source="reconcile")
            self._reply(received, True, venue_order_id=found.venue_order_id)
            return
        if len(failures) == len(SETTLE_LOOKS):
            # The venue could not be asked: the order stays live in the table, so the stream, a reconciliation or
            # the cancel at stop settles it; the strategy hears that it cannot count on it.
            self.count["settle_failed"] += 1
            log.warning("cannot settle an order whose answer was lost", extra={"fields": {
                "client_order_id": cid, "error": failures[-1]}})
            self._reply(received, False, R.REJECT_REASON_VENUE_UNAVAILABLE,
                        f"no verdict from the venue ({exc}), and asking it failed: {failures[-1]}")
            return
        order.final = True
        self.count["settled_not_placed"] += 1
        self._reply(received, False, R.REJECT_REASON_VENUE_UNAVAILABLE,
                    f"no verdict from the venue ({exc}); the venue does not know the order: not placed")

    async def _cancel(self, received: ReceivedRequest, order: EngineOrder) -> None:
        try:
            event = await self.oms.cancel(order.symbol, received.request.client_order_id)
        except ExchangeError as exc:
            self._venue_failed(received, exc, "cancel")
            return
        self.count["cancels"] += 1
        self._answered(received, event)

    async def _change(self, received: ReceivedRequest, order: EngineOrder, spec: ModifySpec) -> None:
        try:
            event = await self.oms.modify(spec)
        except ExchangeError as exc:
            self._venue_failed(received, exc, "modify")
            return
        self.count["modifies"] += 1
        if event.type == ET.ORDER_EVENT_TYPE_ACCEPTED:
            event.type = ET.ORDER_EVENT_TYPE_MODIFIED
        self._answered(received, event)

    async def _cancel_all(self, received: ReceivedRequest) -> None:
        request = received.request
        failed = await self.kill.cancel_where(lambda o: o.strategy_id == request.strategy_id
                                              and (not request.symbol or o.symbol == request.symbol))
        if failed:
            self._reply(received, False, R.REJECT_REASON_VENUE_UNAVAILABLE, f"{failed} cancel(s) failed")
        else:
            self._reply(received, True)
