"""TradingEngine[venue]: the one way orders reach a venue account.

Strategies send ``OrderRequest``s over their DEALER to this actor's ROUTER.
Each request passes the venue-side risk gate (``tradesys.risk.gate``: kill
switch, reduce-only, stale book, price band, order and position notional,
order rate) and goes to the venue's ``IExchangeOMS``; the reply says
whether the venue took it. The order's lifecycle (``OrderEvent``) and its
fills (``Fill``) go out on ``oe.<venue>.<strategy>``, attributed by the
owner part of the client order id; events are published only when they
move an order forward (a REST acknowledgement and the stream's NEW say the
same thing once).

Start-up order: instruments and open orders from the fetcher (orders of
our strategies are adopted, others are left alone and counted), then the
private stream, then requests. Stop, and the kill switch's ``flatten``,
cancel every open order this engine owns; ``flatten`` then closes each
position with reduce-only market orders. A book that stops being live for
longer than ``halt_on_stale_book_seconds`` halts the venue (the engine's
own kill-switch command, lifted by it when the books are live again).
Every venue call goes through the account's shared rate-limit budget
(``budget-<venue key>``).

Control over Ray (never per tick): ``open_orders(strategy)`` and
``order_states(strategy, ids)`` for a Mini OMS that recovers or
reconciles, ``instruments()``, ``risk(command)`` for the kill switch from
the launcher, ``snapshot()`` for tests and the summary.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal

from exchanges.base import ModifySpec, OrderSpec, get_venue
from exchanges.errors import ExchangeError, ExecutionUnknown, UnknownOrder, reject_reason
from exchanges.ids import ClientOrderIds
from tradesys.actors.base import ActorBase, Directory
from tradesys.bus import Subscriber, topics
from tradesys.bus.orders import OrderServer, ReceivedRequest
from tradesys.config.schema import RiskConfig, VenueConfig
from tradesys.messages import (
    Bbo,
    BookState,
    BookStatus,
    Fill,
    OrderEvent,
    OrderEventType,
    OrderReply,
    OrderType,
    RejectReason,
    RiskAction,
    RiskCommand,
    Side,
    TimeInForce,
)
from tradesys.numeric import get_decimal
from tradesys.positions import FillKeys
from tradesys.positions.ledger import bbo_mid
from tradesys.risk import GateLimits, KillSwitch, Mode, OrderCheck, RiskGate
from tradesys.risk.killswitch import command
from tradesys.services.account import connect_account
from tradesys.services.engine_orders import EngineOrder, OrderTable

log = logging.getLogger(__name__)
ET = OrderEventType
R = RejectReason
FINAL_EVENTS = frozenset({ET.ORDER_EVENT_TYPE_FILLED, ET.ORDER_EVENT_TYPE_CANCELLED, ET.ORDER_EVENT_TYPE_REJECTED,
                          ET.ORDER_EVENT_TYPE_EXPIRED})
KEEP_FINAL = 20_000       # final orders remembered for order_states() and duplicate ids
KEEP_FILLS = 100_000


@dataclass(frozen=True)
class EngineSettings:
    key: str                                   # exchange.<key>
    config: VenueConfig = field(repr=False)
    risk: RiskConfig = field(default_factory=RiskConfig)
    strategies: tuple[str, ...] = ()           # strategy ids allowed to trade here
    api_key: str = field(default="", repr=False)
    api_secret: str = field(default="", repr=False)


def engine_actor_name(venue_key: str) -> str:
    return f"engine-{venue_key}"


class TradingEngine(ActorBase):
    def __init__(self, name: str, settings: EngineSettings):
        super().__init__(name)
        self.settings = settings
        self.venue = settings.config.venue
        self.kill_switch = KillSwitch(self.venue)
        self.gate = RiskGate(GateLimits.from_config(settings.risk), self.kill_switch)
        self.server: OrderServer | None = None
        self.oms = self.pms = self.fetcher = None
        self.instruments: dict[str, object] = {}
        self.orders = OrderTable(KEEP_FINAL)
        self.positions: dict[str, Decimal] = {}          # symbol -> account position (from fills)
        self._refreshing: asyncio.Task | None = None     # the open-orders refresh after a stream drop
        self.mids: dict[str, Decimal] = {}
        self.book_down_since: dict[str, float] = {}      # symbol -> monotonic time its book stopped being live
        self._seen_live: set[str] = set()                # books that have been live at least once
        self._stale_halt = ""                            # the reason of a halt the stale-book trigger issued
        self.accepting = False
        self._ready = asyncio.Event()
        self._fills_seen = FillKeys(KEEP_FILLS)
        self._market: Subscriber | None = None
        self._flattening: asyncio.Task | None = None
        self.count = {"requests": 0, "placed": 0, "cancels": 0, "modifies": 0, "rejected_gate": 0,
                      "rejected_venue": 0, "execution_unknown": 0, "events": 0, "fills": 0, "duplicate_fills": 0,
                      "foreign_events": 0, "adopted": 0, "cancelled_on_stop": 0, "flatten_orders": 0,
                      "kill_switch_changes": 0, "stream_drops": 0, "reconciles": 0}

    # -- lifecycle ---------------------------------------------------------------------

    async def on_start(self) -> dict[str, str]:
        self.server = OrderServer(self.name, host=self.context.bus_host, port=self.port_of("orders"))
        return {"orders": self.server.bind()}

    async def on_wire(self, directory: Directory) -> None:
        config = self.settings.config
        parts = connect_account(self.settings, directory, roles=("oms", "pms", "fetcher"))
        self.oms, self.pms, self.fetcher = parts.oms, parts.pms, parts.fetcher
        await self.oms.start()
        self.instruments = {i.symbol: i for i in await self.fetcher.instruments() if i.symbol in config.symbols}
        await self._reconcile()
        await self.pms.start(self)
        self._listen_market(directory)
        self.server.serve(self._on_request)
        self.accepting = True
        self._ready.set()
        log.info("engine ready", extra={"fields": {"adopted": self.count["adopted"], "symbols": list(config.symbols)}})

    async def on_stop(self) -> None:
        self.accepting = False
        if self.oms is not None:
            await self._cancel_owned("stop")
        if self.pms is not None:
            await self.pms.stop()
        if self.oms is not None:
            await self.oms.stop()
        if self.fetcher is not None:
            await self.fetcher.close()
        if self._market is not None:
            self._market.close()
        if self.server is not None:
            self.server.close()

    def counters(self) -> dict[str, int]:
        counters = dict(self.count)
        counters["open_orders"] = self.orders.live_count()
        counters["kill_switch"] = int(self.kill_switch.mode)
        for reason, n in self.gate.rejected.items():
            counters[f"gate_{reason}"] = n
        if self.server is not None:
            counters.update({f"router_{k}": v for k, v in self.server.counters.items()})
        return counters

    def summary(self) -> dict:
        out = self.status()
        out["kill_switch"] = {"mode": self.kill_switch.mode.name.lower(), "history": self.kill_switch.history}
        return out

    # -- control over Ray --------------------------------------------------------------

    async def ready(self, timeout: float = 60.0) -> bool:
        """Wait until the engine has reconciled and takes requests (strategies call this before trading)."""
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    def open_orders(self, strategy_id: str) -> list[bytes]:
        """The live orders of one strategy, as serialised OrderEvents (a restarted Mini OMS adopts them)."""
        return [o.last.SerializeToString() for _, o in self.orders.live()
                if o.strategy_id == strategy_id and o.last is not None]

    def order_states(self, strategy_id: str, client_order_ids: list[str]) -> dict[str, bytes | None]:
        """The last event of each named order of the strategy; None for an order this engine never saw."""
        out = {}
        for cid in client_order_ids:
            order = self.orders.get(cid)
            ok = order is not None and order.strategy_id == strategy_id and order.last is not None
            out[cid] = order.last.SerializeToString() if ok else None
        return out

    def instrument_list(self) -> list[bytes]:
        return [i.SerializeToString() for i in self.instruments.values()]

    async def risk(self, command: bytes) -> str:
        """Apply a serialised RiskCommand (from the launcher or a test); return the mode afterwards."""
        self._on_risk(RiskCommand.FromString(command))
        if self._flattening is not None:
            await asyncio.shield(self._flattening)
        return self.kill_switch.mode.name.lower()

    def snapshot(self) -> dict:
        return {"positions": {s: str(q) for s, q in self.positions.items()},
                "open": {cid: o.strategy_id for cid, o in self.orders.live()},
                "mids": {s: str(m) for s, m in self.mids.items()},   # the gate's reference prices
                "mode": self.kill_switch.mode.name.lower(), "accepting": self.accepting}

    # -- start-up reconciliation -------------------------------------------------------

    async def _reconcile(self) -> None:
        """Adopt the venue's open orders that belong to our strategies; take the account's positions."""
        self.count["reconciles"] += 1
        allowed = set(self.settings.strategies)
        for event in await self.fetcher.open_orders(None):
            owner = ClientOrderIds.owner(event.client_order_id)
            if event.symbol not in self.instruments or owner not in allowed:
                self.count["foreign_events"] += 1
                log.warning("open order not ours: left alone", extra={"fields": {
                    "client_order_id": event.client_order_id, "symbol": event.symbol}})
                continue
            event.strategy_id = owner
            order = self._track(event, owner)
            order.last = event
            self.count["adopted"] += 1
        for position in await self.fetcher.positions():
            self.positions[position.symbol] = get_decimal(position.quantity)

    def _track(self, event: OrderEvent, owner: str) -> EngineOrder:
        order = self.orders.get(event.client_order_id)
        if order is None:
            price = get_decimal(event.price) if event.HasField("price") else None
            order = EngineOrder(owner, event.symbol, event.side, price, get_decimal(event.quantity))
            self.orders.remember(event.client_order_id, order)
        return order

    # -- market data for the gate ------------------------------------------------------

    def _listen_market(self, directory: Directory) -> None:
        prefixes = [f"md.{self.venue}.{s}.bbo" for s in self.settings.config.symbols]
        prefixes += [f"md.{self.venue}.{s}.status" for s in self.settings.config.symbols]
        prefixes += [topics.risk(self.venue), topics.risk()]
        self._market = self.subscribed(Subscriber(prefixes, name=f"{self.name}-market"))
        now = time.monotonic()
        for symbol in self.settings.config.symbols:
            self.book_down_since[symbol] = now      # down until the market server says LIVE
        for name, endpoints in directory.items():
            if "pub" in endpoints and name != self.name:
                self._market.connect(endpoints["pub"])
        self.spawn(self._read_market(), "market")
        self.spawn(self._watch_books(), "stale-books")

    async def _read_market(self) -> None:
        while True:
            for envelope in await self._market.recv_batch(256):
                try:
                    message = envelope.message()
                except Exception:
                    continue      # counted by the subscriber's stats as undecodable
                if isinstance(message, Bbo):
                    mid = bbo_mid(message)
                    if mid is not None:
                        self.mids[message.symbol] = mid
                elif isinstance(message, BookStatus):
                    if message.state == BookState.BOOK_STATE_LIVE:
                        self.book_down_since.pop(message.symbol, None)
                        self._seen_live.add(message.symbol)
                    else:
                        self.book_down_since.setdefault(message.symbol, time.monotonic())
                elif isinstance(message, RiskCommand):
                    self._on_risk(message)

    async def _watch_books(self) -> None:
        """The kill switch's stale-book trigger: a book that was live and has not been for longer than
        ``halt_on_stale_book_seconds`` halts the venue; when every book is live again, the halt this trigger
        issued (and only that one) is lifted."""
        limit = self.settings.risk.halt_on_stale_book_seconds
        while True:
            await asyncio.sleep(min(0.5, limit / 2))
            now = time.monotonic()
            stale = sorted(s for s, since in self.book_down_since.items()
                           if s in self._seen_live and now - since > limit)
            if stale and self.kill_switch.mode is Mode.NORMAL:
                self._stale_halt = f"the {', '.join(stale)} book has not been live for more than {limit:g}s"
                self._issue(RiskAction.RISK_ACTION_HALT, self._stale_halt)
            elif not stale and self._stale_halt:
                if self.kill_switch.mode is Mode.HALT and self.kill_switch.reason == self._stale_halt:
                    self._issue(RiskAction.RISK_ACTION_RESUME, "every book is live again")
                self._stale_halt = ""

    def _issue(self, action: int, reason: str) -> None:
        """A kill-switch command of this engine's own: applied here and published to the venue's strategies."""
        message = command(action, reason, venue=self.venue, issued_by=self.name)
        self._on_risk(message)
        self.publisher.publish_message(topics.risk(self.venue), message)

    # -- requests from strategies ------------------------------------------------------

    def _on_request(self, received: ReceivedRequest) -> OrderReply | None:
        request = received.request
        self.count["requests"] += 1
        action = request.WhichOneof("action")
        cid = request.client_order_id

        def refuse(reason: int, detail: str) -> OrderReply:
            self.count["rejected_gate"] += 1
            return OrderReply(request_id=request.request_id, client_order_id=cid, accepted=False, reason=reason,
                              detail=detail)

        if request.strategy_id not in self.settings.strategies:
            return refuse(R.REJECT_REASON_INVALID_REQUEST, f"strategy {request.strategy_id!r} may not trade here")
        # Cancels pass while the engine stops (it is cancelling too); nothing new does.
        if not (self.accepting or (self._ready.is_set() and action in ("cancel", "cancel_all"))):
            return refuse(R.REJECT_REASON_VENUE_UNAVAILABLE, f"engine {self.name} is not accepting orders")
        if action == "cancel_all":
            self.spawn(self._cancel_all(received), f"cancel-all-{request.request_id}")
            return None
        if request.symbol not in self.instruments:
            return refuse(R.REJECT_REASON_UNKNOWN_SYMBOL, f"{request.symbol!r} is not traded by {self.name}")
        if action == "new_order":
            return self._new(received, refuse)
        order = self.orders.get(cid)
        if order is None or order.strategy_id != request.strategy_id:
            return refuse(R.REJECT_REASON_UNKNOWN_ORDER, f"no order {cid!r} of {request.strategy_id}")
        if action == "cancel":
            self.spawn(self._cancel(received, order), f"cancel-{cid}")
            return None
        if action == "modify":
            return self._modify(received, order, refuse)
        return refuse(R.REJECT_REASON_INVALID_REQUEST, f"request {request.request_id} has no action")

    def _new(self, received: ReceivedRequest, refuse) -> OrderReply | None:
        request = received.request
        new = request.new_order
        cid = request.client_order_id
        if ClientOrderIds.owner(cid) != request.strategy_id:
            return refuse(R.REJECT_REASON_INVALID_REQUEST,
                          f"client order id {cid!r} must be {request.strategy_id}-<session>-<n>")
        if cid in self.orders:
            return refuse(R.REJECT_REASON_DUPLICATE_CLIENT_ORDER_ID, f"client order id {cid!r} was used before")
        try:
            price = get_decimal(new.price) if new.type == OrderType.ORDER_TYPE_LIMIT else None
            quantity = get_decimal(new.quantity)
        except Exception as exc:
            return refuse(R.REJECT_REASON_INVALID_REQUEST, f"bad number: {exc}")
        if new.side not in (Side.SIDE_BUY, Side.SIDE_SELL):
            return refuse(R.REJECT_REASON_INVALID_REQUEST, "side must be buy or sell")
        verdict = self._gate(OrderCheck(request.symbol, new.side, quantity, price, new.reduce_only), exclude="")
        if verdict is not None:
            return refuse(*verdict)
        order = EngineOrder(request.strategy_id, request.symbol, new.side, price, quantity)
        self.orders.remember(cid, order)
        spec = OrderSpec(request.symbol, cid, new.side, quantity, type=new.type, price=price,
                         time_in_force=new.time_in_force or TimeInForce.TIME_IN_FORCE_GTC,
                         reduce_only=new.reduce_only)
        self.spawn(self._place(received, order, spec), f"place-{cid}")
        return None

    def _modify(self, received: ReceivedRequest, order: EngineOrder, refuse) -> OrderReply | None:
        request = received.request
        change = request.modify
        if order.final or order.price is None:
            return refuse(R.REJECT_REASON_UNKNOWN_ORDER,
                          f"order {request.client_order_id!r} is not a resting limit order")
        price = get_decimal(change.price) if change.HasField("price") else order.price
        quantity = get_decimal(change.quantity) if change.HasField("quantity") else order.quantity
        verdict = self._gate(OrderCheck(order.symbol, order.side, quantity - order.filled, price),
                             exclude=request.client_order_id)
        if verdict is not None:
            return refuse(*verdict)
        spec = ModifySpec(order.symbol, request.client_order_id, order.side, price, quantity)
        self.spawn(self._change(received, order, spec), f"modify-{request.client_order_id}")
        return None

    def _gate(self, check: OrderCheck, *, exclude: str) -> tuple[int, str] | None:
        resting = self.orders.resting(check.symbol, check.side, exclude=exclude)
        down = self.book_down_since.get(check.symbol)
        return self.gate.check(check, mid=self.mids.get(check.symbol),
                               book_down_for=0.0 if down is None else time.monotonic() - down,
                               position=self.positions.get(check.symbol, Decimal(0)),
                               resting_same_side=resting, now=time.monotonic(),
                               inverse=self._inverse(check.symbol))

    def _inverse(self, symbol: str) -> bool:
        instrument = self.instruments.get(symbol)
        return instrument is not None and instrument.inverse

    # -- venue calls -------------------------------------------------------------------

    def _reply(self, received: ReceivedRequest, accepted: bool, reason: int = 0, detail: str = "",
               venue_order_id: str = "") -> None:
        self.server.reply(received.identity, OrderReply(
            request_id=received.request.request_id, client_order_id=received.request.client_order_id,
            accepted=accepted, reason=reason, detail=detail, venue_order_id=venue_order_id))

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
        self._apply_event(event, source="ack")
        self._reply(received, True, venue_order_id=event.venue_order_id)

    async def _settle_unknown(self, received: ReceivedRequest, order: EngineOrder, exc: ExchangeError) -> None:
        """The venue gave no verdict: ask it whether the order rests before answering the strategy."""
        cid = received.request.client_order_id
        try:
            found = [e for e in await self.fetcher.open_orders(order.symbol) if e.client_order_id == cid]
        except ExchangeError as again:
            log.warning("cannot settle an unknown order",
                        extra={"fields": {"client_order_id": cid, "error": str(again)}})
            found = []
        if found:
            self._apply_event(found[0], source="reconcile")
            self._reply(received, True, venue_order_id=found[0].venue_order_id)
            return
        # Not resting: never placed, or already final (its stream events then still arrive and are published).
        self._reply(received, False, R.REJECT_REASON_VENUE_UNAVAILABLE,
                    f"no verdict from the venue ({exc}); not resting at the venue")

    async def _cancel(self, received: ReceivedRequest, order: EngineOrder) -> None:
        try:
            event = await self.oms.cancel(order.symbol, received.request.client_order_id)
        except ExchangeError as exc:
            self._venue_failed(received, exc, "cancel")
            return
        self.count["cancels"] += 1
        self._apply_event(event, source="ack")
        self._reply(received, True, venue_order_id=event.venue_order_id)

    async def _change(self, received: ReceivedRequest, order: EngineOrder, spec: ModifySpec) -> None:
        try:
            event = await self.oms.modify(spec)
        except ExchangeError as exc:
            self._venue_failed(received, exc, "modify")
            return
        self.count["modifies"] += 1
        if event.type == ET.ORDER_EVENT_TYPE_ACCEPTED:
            event.type = ET.ORDER_EVENT_TYPE_MODIFIED
        self._apply_event(event, source="ack")
        self._reply(received, True, venue_order_id=event.venue_order_id)

    async def _cancel_all(self, received: ReceivedRequest) -> None:
        request = received.request
        failed = await self._cancel_where(lambda o: o.strategy_id == request.strategy_id
                                          and (not request.symbol or o.symbol == request.symbol))
        if failed:
            self._reply(received, False, R.REJECT_REASON_VENUE_UNAVAILABLE, f"{failed} cancel(s) failed")
        else:
            self._reply(received, True)

    async def _cancel_where(self, predicate) -> int:
        """Cancel every live order matching ``predicate``; return how many cancels failed (other than gone)."""
        failed = 0
        for cid, order in self.orders.live():
            if order.final or not predicate(order):
                continue
            try:
                event = await self.oms.cancel(order.symbol, cid)
                self._apply_event(event, source="ack")
            except UnknownOrder:
                pass            # already final at the venue; its events say how
            except ExchangeError as exc:
                failed += 1
                log.warning("cancel failed", extra={"fields": {"client_order_id": cid, "error": str(exc)}})
        return failed

    async def _cancel_owned(self, why: str) -> None:
        before = self.orders.live_count()
        failed = await self._cancel_where(lambda o: True)
        if failed:
            # A last resort on the symbols where a cancel failed: the venue's cancel-all on the account.
            for symbol in {o.symbol for _, o in self.orders.live()}:
                try:
                    await self.oms.cancel_all(symbol)
                except ExchangeError as exc:
                    self.errors += 1
                    log.error("cancel-all failed: orders may remain", extra={"fields": {"symbol": symbol,
                                                                                         "error": str(exc)}})
        self.count["cancelled_on_stop"] += before
        log.info("cancelled owned orders", extra={"fields": {"why": why, "orders": before, "failed": failed}})

    # -- kill switch -------------------------------------------------------------------

    def _on_risk(self, command: RiskCommand) -> None:
        mode = self.kill_switch.apply(command)
        if mode is None:
            return
        self.count["kill_switch_changes"] += 1
        log.warning("kill switch", extra={"fields": {"mode": mode.name.lower(), "reason": command.reason,
                                                     "issued_by": command.issued_by}})
        self.detail = f"kill switch {mode.name.lower()}: {command.reason}" if mode is not Mode.NORMAL else ""
        if mode is Mode.FLATTEN and (self._flattening is None or self._flattening.done()):
            self._flattening = self.spawn(self._flatten(command.reason), "flatten")

    async def _flatten(self, reason: str) -> None:
        await self._cancel_owned(f"flatten: {reason}")
        for symbol, quantity in list(self.positions.items()):
            if quantity == 0 or symbol not in self.instruments:
                continue
            side = Side.SIDE_SELL if quantity > 0 else Side.SIDE_BUY
            _, size = self.oms.round_to_filters(symbol, side, None, abs(quantity))
            if size <= 0:
                continue
            cid = ClientOrderIds("flatten", **get_venue(self.settings.config.venue).client_order_ids).next()
            spec = OrderSpec(symbol, cid, side, size, type=OrderType.ORDER_TYPE_MARKET, reduce_only=True)
            try:
                await self.oms.place(spec)
                self.count["flatten_orders"] += 1
            except ExchangeError as exc:
                self.errors += 1
                log.error("flatten order failed", extra={"fields": {"symbol": symbol, "error": str(exc)}})

    # -- the private stream (AccountHandler) -------------------------------------------

    def on_order_event(self, event: OrderEvent, venue_ts: int, recv_ts: int) -> None:
        self._apply_event(event, source="stream", venue_ts=venue_ts, recv_ts=recv_ts)

    def on_fill(self, fill: Fill, venue_ts: int, recv_ts: int) -> None:
        if not self._fills_seen.first(fill):
            self.count["duplicate_fills"] += 1
            return
        quantity = get_decimal(fill.quantity)
        signed = quantity if fill.side == Side.SIDE_BUY else -quantity
        self.positions[fill.symbol] = self.positions.get(fill.symbol, Decimal(0)) + signed
        owner = self._owner(fill.client_order_id)
        if owner is None:
            self.count["foreign_events"] += 1
            return
        fill.strategy_id = owner
        self.count["fills"] += 1
        self.publisher.publish_message(topics.oe(self.venue, owner), fill, venue_ts, recv_ts)

    def on_position(self, position, venue_ts: int, recv_ts: int) -> None:
        if not position.strategy_id:
            self.positions[position.symbol] = get_decimal(position.quantity)

    def on_balance(self, balance, venue_ts: int, recv_ts: int) -> None:
        pass  # the position server publishes balances

    def on_funding(self, symbol: str, balance, venue_ts: int, recv_ts: int) -> None:
        pass  # the position server books funding

    def on_status(self, connected: bool, reason: str) -> None:
        if not connected:
            self.count["stream_drops"] += 1
            log.warning("private stream down: open orders are read again when it is back",
                        extra={"fields": {"reason": reason}})
        elif self.count["stream_drops"] and (self._refreshing is None or self._refreshing.done()):
            # Back after a drop: what happened to our orders meanwhile is read from the venue (the stream
            # did not bring it). Read at the drop instead, the outage itself would go unseen.
            self._refreshing = self.spawn(self._refresh_open_orders(), "refresh-open-orders")

    async def _refresh_open_orders(self) -> None:
        """After a private-stream drop, once it is back: read the venue's open orders, publish what changed."""
        try:
            resting = {e.client_order_id: e for e in await self.fetcher.open_orders(None)}
        except ExchangeError as exc:
            log.warning("open orders refresh failed", extra={"fields": {"error": str(exc)}})
            return
        self.count["reconciles"] += 1
        for event in resting.values():
            self._apply_event(event, source="reconcile")

    def _owner(self, client_order_id: str) -> str | None:
        order = self.orders.get(client_order_id)
        if order is not None:
            return order.strategy_id
        owner = ClientOrderIds.owner(client_order_id)
        return owner if owner in self.settings.strategies else None

    def _apply_event(self, event: OrderEvent, *, source: str, venue_ts: int = 0, recv_ts: int = 0) -> None:
        """Fold an event into the order table and publish it if it moves the order forward."""
        cid = event.client_order_id
        owner = self._owner(cid)
        if owner is None:
            self.count["foreign_events"] += 1
            return
        order = self._track(event, owner)
        filled = get_decimal(event.filled_quantity) if event.HasField("filled_quantity") else order.filled
        final = event.type in FINAL_EVENTS
        price = get_decimal(event.price) if event.HasField("price") and event.price.mantissa else order.price
        quantity = get_decimal(event.quantity) if event.HasField("quantity") and event.quantity.mantissa \
            else order.quantity
        changed = event.type == ET.ORDER_EVENT_TYPE_MODIFIED and (price, quantity) != (order.price, order.quantity)
        progressed = filled > order.filled or (final and not order.final) or order.last is None or changed
        if order.final and not (filled > order.filled):
            return
        if not progressed:
            return
        order.filled = max(order.filled, filled)
        order.final = order.final or final
        if event.venue_order_id:
            order.venue_order_id = event.venue_order_id
        order.price, order.quantity = price, quantity
        event.strategy_id = owner
        event.venue = self.venue
        order.last = event
        self.count["events"] += 1
        self.publisher.publish_message(topics.oe(self.venue, owner), event, venue_ts, recv_ts)

