"""StrategyActor: hosts one strategy with its Mini OMS, pre-trade risk and own ledger.

Wiring (``on_wire``): one SUB to every publisher for the strategy's market
data (``md.<venue>.<symbol>.``), its order lifecycle (``oe.<venue>.<id>``),
its sub-ledger positions (``pos.<venue>.``), inventory (``inv.``) and the
kill switch (``risk.``); one DEALER to its venue's engine. Before the
strategy's ``on_start`` the actor recovers: instruments and this
strategy's open orders come from the engine over Ray and are adopted by
the Mini OMS (so a restarted actor never doubles a resting quote).

Books are rebuilt from the market server's snapshot and deltas; a delta
that does not follow the previous message (bus loss or a resync) drops the
book until the next snapshot, and the strategy hears ``on_book_status``.
Latency from the venue's socket to the strategy's callback and the order
round trip (send -> engine reply after the venue's ack) are kept as
histograms, in the summary and on the heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

import ray

from exchanges.base import get_venue
from exchanges.book import L2Book
from exchanges.ids import ClientOrderIds
from tradesys.actors.base import ActorBase, Directory
from tradesys.bus import Subscriber, topics
from tradesys.bus.errors import BusError
from tradesys.bus.orders import OrderClient
from tradesys.config.schema import StrategyConfig
from tradesys.messages import (
    BookDelta,
    BookSnapshot,
    BookState,
    BookStatus,
    CancelAll,
    Fill,
    Instrument,
    InventoryDelta,
    NewOrder,
    OrderEvent,
    OrderReply,
    OrderRequest,
    OrderType,
    Position,
    RiskCommand,
    Side,
    TimeInForce,
    Trade,
)
from tradesys.metrics import Histogram
from tradesys.numeric import get_decimal, set_decimal
from tradesys.positions import FillKeys, Ledger
from tradesys.risk import KillSwitch, Mode
from tradesys.strategy.base import AbstractStrategy
from tradesys.strategy.booked import BookedFills
from tradesys.strategy.oms import IntentBusy, MiniOMS, Order, State
from tradesys.strategy.risk import PreTradeRejected, StrategyLimits, check_new

log = logging.getLogger(__name__)
KEEP_FILLS = 50_000
RECONCILE_SECONDS = 5.0
STOP_CANCEL_SECONDS = 5.0   # how long a stopping strategy works at leaving nothing live
MARKET_KINDS = ("book", "trade", "status")   # md.<venue>.<symbol>.<kind> a strategy subscribes to


@dataclass(frozen=True)
class StrategySettings:
    strategy_id: str
    venue_key: str                 # exchange.<key>
    venue: str                     # the venue's name (binance, ...), as in topics
    strategy_class: type
    params: object
    config: StrategyConfig = field(repr=False)


class StrategyActor(ActorBase):
    def __init__(self, name: str, settings: StrategySettings):
        super().__init__(name)
        self.settings = settings
        self.strategy_id = settings.strategy_id
        self.venue = settings.venue
        self.symbols = tuple(settings.config.symbols)
        self.limits = StrategyLimits.from_config(settings.config.risk)
        self.oms = MiniOMS(self.strategy_id, timeout_s=settings.config.request_timeout_seconds)
        self.kill_switch = KillSwitch(self.venue, self.strategy_id)
        self.instruments: dict[str, Instrument] = {}
        self.books: dict[str, L2Book] = {}
        self.book_live: dict[str, bool] = {s: False for s in self.symbols}
        self.ledgers: dict[str, Ledger] = {s: Ledger(self.strategy_id, s) for s in self.symbols}
        self.venue_positions: dict[str, Position] = {}
        self.wire_to_strategy = Histogram()
        self.round_trip = Histogram()
        self.strategy: AbstractStrategy | None = None
        self._ids: ClientOrderIds | None = None
        self._amends = True
        self._client: OrderClient | None = None
        self._sub: Subscriber | None = None
        self._engine = None
        self._fills = FillKeys(KEEP_FILLS)
        self._booked = BookedFills(KEEP_FILLS)  # per order: its fills booked beside its events' filled
        self._sent_at: dict[int, int] = {}       # request id -> send time (ns), for the round trip
        self._last_not_sent_log = 0.0
        self.stopping = False
        self.count = {"book_updates": 0, "book_drops": 0, "trades": 0, "order_events": 0, "fills": 0,
                      "duplicate_fills": 0, "positions": 0, "inventory": 0, "requests": 0, "replies_rejected": 0,
                      "pre_trade_rejected": 0, "intent_busy": 0, "not_sent": 0, "timeouts": 0, "callback_errors": 0,
                      "recovered_orders": 0, "reconciled": 0, "modify_as_cancel": 0}

    # -- lifecycle ---------------------------------------------------------------------

    async def on_wire(self, directory: Directory) -> None:
        engine_name = f"engine-{self.settings.venue_key}"
        if engine_name not in directory or "orders" not in directory[engine_name]:
            raise RuntimeError(f"strategy {self.strategy_id}: no trading engine {engine_name} is running")
        self._engine = ray.get_actor(engine_name)
        if not await self._engine.ready.remote():
            raise RuntimeError(f"strategy {self.strategy_id}: {engine_name} did not become ready")
        self.instruments = {i.symbol: i for i in map(Instrument.FromString,
                                                     await self._engine.instrument_list.remote())}
        missing = [s for s in self.symbols if s not in self.instruments]
        if missing:
            raise RuntimeError(f"strategy {self.strategy_id}: {engine_name} does not trade {', '.join(missing)}")
        # Empty until now: give each the rule of its contract (inverse: USD quantities, PnL in the coin).
        self.ledgers = {s: Ledger(self.strategy_id, s, inverse=self.instruments[s].inverse) for s in self.symbols}
        venue_spec = get_venue(self.settings.venue)
        self._amends = venue_spec.amends
        self._ids = ClientOrderIds(self.strategy_id, **venue_spec.client_order_ids)
        self._client = OrderClient(self.strategy_id, timeout=self.settings.config.request_timeout_seconds)
        self._client.connect(directory[engine_name]["orders"])
        await self._client.start()
        # The kinds a strategy is called back for; BBO and marks are not (the book has the touch), and at
        # hundreds a second they would cost every strategy process a decode each.
        prefixes = [topics.md(self.venue, s, kind) for s in self.symbols for kind in MARKET_KINDS]
        prefixes += [topics.oe(self.venue, self.strategy_id), f"pos.{self.venue}.", "inv.", "risk."]
        self._sub = self.subscribed(Subscriber(prefixes, name=f"{self.name}-sub"))
        for name, endpoints in directory.items():
            if "pub" in endpoints and name != self.name:
                self._sub.connect(endpoints["pub"])
        self.strategy = self.settings.strategy_class(self, self.settings.params)
        await self._recover(directory)
        self._call("on_start")
        self.spawn(self._read(), "bus")
        self.spawn(self._timer(), "timer")

    async def on_stop(self) -> None:
        if self.strategy is not None:
            self._call("on_stop")
        self.stopping = True
        if self._client is not None:
            await self._cancel_everything()
            await self._client.close()
        if self._sub is not None:
            self._sub.close()

    async def _recover(self, directory: Directory) -> None:
        """Start from what the farm knows of this strategy (after a restart of this actor, or of the farm):
        its sub-ledgers from the position server, its open orders from the engine. Runs after the bus
        subscription is up, so nothing that happens meanwhile is missed; fills heard twice are known by key."""
        positions = f"positions-{self.settings.venue_key}"
        if positions in directory:
            state = await ray.get_actor(positions).strategy_ledger.remote(self.strategy_id)
            for symbol, fields in state["ledgers"].items():
                self.ledgers[symbol] = Ledger(**fields)
            for key in state["fill_keys"]:
                self._fills.add(key)
        for raw in await self._engine.open_orders.remote(self.strategy_id):
            event = OrderEvent.FromString(raw)
            intent = self.strategy.recovered_intent(event)
            order = self.oms.adopt(event, intent=intent or f"recovered~{event.client_order_id}")
            # Its fills so far are in the recovered ledger: count them as booked.
            self._booked.recovered(event.client_order_id, get_decimal(event.filled_quantity))
            self.count["recovered_orders"] += 1
            if intent is None or "~" in order.intent:
                self.cancel(order.client_order_id)       # not wanted, or a second one for the intent
        if self.count["recovered_orders"] or any(ledger.fills for ledger in self.ledgers.values()):
            log.info("recovered", extra={"fields": {
                "orders": self.count["recovered_orders"],
                "positions": {s: str(ledger.quantity) for s, ledger in self.ledgers.items()}}})

    async def _cancel_everything(self) -> None:
        """Cancel-all through the engine, then cancel what still turns up live (a new order whose placing
        crossed the cancel-all) until nothing is live or the deadline passes. The strategy is no longer
        called (``stopping``), so nothing new is placed meanwhile."""
        request = OrderRequest(strategy_id=self.strategy_id, venue=self.venue, cancel_all=CancelAll())
        try:
            reply = await self._client.request(request, timeout=10.0)
            if not reply.accepted:
                log.warning("cancel-all refused", extra={"fields": {"detail": reply.detail}})
        except BusError as exc:
            log.warning("cancel-all not answered", extra={"fields": {"error": str(exc)}})
            return
        # The cancels' events are on their way over the bus (still being read): let the Mini OMS see them,
        # so the summary states what the venue holds.
        deadline = time.monotonic() + STOP_CANCEL_SECONDS
        while self.oms.live_orders() and time.monotonic() < deadline:
            for order in self.oms.live_orders():
                if order.state in (State.OPEN, State.PARTIALLY_FILLED):
                    self.cancel(order.client_order_id)
            await asyncio.sleep(0.05)
        if self.oms.live_orders():
            log.warning("orders still live in the Mini OMS after cancel-all", extra={"fields": {
                "orders": [o.client_order_id for o in self.oms.live_orders()]}})
        # An order's final event can come before its last fill (a venue answers a cancel on one socket and
        # streams the fill on another): wait for the fills the events reported, so the ledger has them.
        while self._booked.unbooked() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self._booked.unbooked():
            log.warning("fills reported by order events but not received", extra={"fields": {
                "orders": self._booked.unbooked()}})

    def counters(self) -> dict[str, int]:
        counters = dict(self.count)
        counters.update({f"oms_{k}": v for k, v in self.oms.counters.items()})
        counters["open_orders"] = len(self.oms.live_orders())
        counters["wire_to_strategy_p50_us"] = int(self.wire_to_strategy.quantile(0.5) / 1000)
        counters["round_trip_p50_us"] = int(self.round_trip.quantile(0.5) / 1000)
        return counters

    def summary(self) -> dict:
        out = self.status()
        orders = list(self.oms.orders.values())
        out["strategy"] = {
            "strategy_id": self.strategy_id, "venue": self.venue, "kind": self.settings.config.kind,
            "orders": self.oms.counters["new"], "open_orders": len(self.oms.live_orders()),
            "fills": sum(ledger.fills for ledger in self.ledgers.values()),
            "volume": str(sum((ledger.volume for ledger in self.ledgers.values()), Decimal(0))),
            "symbols": {s: ledger.as_dict(self._mid(s)) for s, ledger in self.ledgers.items()},
            "kill_switch": self.kill_switch.mode.name.lower(),
            "latency_ns": {"wire_to_strategy": self.wire_to_strategy.summary(),
                           "order_round_trip": self.round_trip.summary()},
            "rejected_orders": sum(o.state.value == "rejected" for o in orders)}
        return out

    def status(self) -> dict:
        out = super().status()
        out["view"] = self.view()
        out["latency"] = {"wire_to_strategy": self.wire_to_strategy.prometheus(),
                          "order_round_trip": self.round_trip.prometheus()}
        return out

    def view(self) -> dict:
        """Per symbol: the touch, this strategy's live quotes, position and PnL (for the status screen)."""
        rows = {}
        for symbol in self.symbols:
            book = self.books.get(symbol) if self.book_live.get(symbol) else None
            live = self.oms.live_orders(symbol)
            bids = [o.price for o in live if o.side == Side.SIDE_BUY and o.price is not None]
            asks = [o.price for o in live if o.side == Side.SIDE_SELL and o.price is not None]
            ledger = self.ledgers[symbol]
            mid = self._mid(symbol)
            instrument = self.instruments.get(symbol)
            # Money in the settle asset: a coin (inverse contracts) needs more places than a dollar.
            money = ".8f" if ledger.inverse else ".4f"
            currency = instrument.settle if instrument is not None else ""
            rows[symbol] = {
                "bid": str(book.price(book.best_bid)) if book and book.best_bid is not None else "",
                "ask": str(book.price(book.best_ask)) if book and book.best_ask is not None else "",
                "quote_bid": str(max(bids)) if bids else "", "quote_ask": str(min(asks)) if asks else "",
                "position": str(ledger.quantity), "fills": ledger.fills,
                "realized": f"{ledger.realized_pnl:{money}}", "unrealized": f"{ledger.unrealized(mid):{money}}",
                "fees": f"{ledger.fees:{money}}", "currency": currency, "mode": self.kill_switch.mode.name.lower()}
        return rows

    def reset_latency(self) -> None:
        """Start the latency histograms afresh (a benchmark's measurement window)."""
        self.wire_to_strategy = Histogram()
        self.round_trip = Histogram()

    def latency_buckets(self) -> dict[int, int]:
        """The wire-to-strategy histogram's raw buckets, for merging several strategies' (benchmarks)."""
        return dict(self.wire_to_strategy.buckets)

    def ledger_state(self) -> dict:
        """Positions and PnL of this strategy as its own fills built them (for tests and operators)."""
        return {s: ledger.as_dict(self._mid(s)) for s, ledger in self.ledgers.items()}

    def orders_state(self) -> dict:
        return {cid: {"state": o.state.value, "intent": o.intent, "symbol": o.symbol, "detail": o.detail}
                for cid, o in self.oms.orders.items()}

    # -- the bus -----------------------------------------------------------------------

    async def _read(self) -> None:
        while True:
            for envelope in await self._sub.recv_batch(512):
                try:
                    message = envelope.message()
                except Exception:
                    continue       # counted by the subscriber
                self._dispatch(envelope, message)

    def _dispatch(self, envelope, message) -> None:
        if isinstance(message, (BookSnapshot, BookDelta)):
            self._on_book(envelope, message)
        elif isinstance(message, OrderEvent):
            self._on_order_event(message)
        elif isinstance(message, Fill):
            self._on_fill(message)
        elif isinstance(message, BookStatus):
            self._on_book_status(message)
        elif isinstance(message, Trade):
            self.count["trades"] += 1
            self._call("on_trade", message)
        elif isinstance(message, Position):
            if message.strategy_id == self.strategy_id:
                self.count["positions"] += 1
                self.venue_positions[message.symbol] = message
                ledger = self.ledgers.get(message.symbol)
                if ledger is not None and message.HasField("funding"):
                    ledger.funding = get_decimal(message.funding)   # funding is booked by the position server
                self._call("on_position", message)
        elif isinstance(message, InventoryDelta):
            self.count["inventory"] += 1
            self._call("on_inventory", message)
        elif isinstance(message, RiskCommand):
            self._on_risk(message)

    def _on_book(self, envelope, message) -> None:
        symbol = message.symbol
        if isinstance(message, BookSnapshot):
            book = self.books.get(symbol)
            if book is None or book.price_scale != message.price_scale:
                book = self.books[symbol] = L2Book(symbol, message.price_scale, message.size_scale)
            book.load(zip(message.bid_prices, message.bid_sizes), zip(message.ask_prices, message.ask_sizes),
                      message.venue_seq)
            if not self.book_live.get(symbol):
                self.book_live[symbol] = True
                self._call("on_book_status", symbol, True, "snapshot")
        else:
            book = self.books.get(symbol)
            if book is None or not self.book_live.get(symbol):
                return
            if message.prev_venue_seq != book.seq:
                self.count["book_drops"] += 1
                self.book_live[symbol] = False
                self._call("on_book_status", symbol, False, "a delta did not follow the book: waiting for a snapshot")
                return
            book.apply(message.bid_prices, message.bid_sizes, message.ask_prices, message.ask_sizes,
                       message.venue_seq)
        self.count["book_updates"] += 1
        if envelope.header.recv_ts:
            self.wire_to_strategy.add(time.time_ns() - envelope.header.recv_ts)
        self._call("on_book", symbol, book)

    def _on_book_status(self, message: BookStatus) -> None:
        live = message.state == BookState.BOOK_STATE_LIVE
        if not live and self.book_live.get(message.symbol):
            self.book_live[message.symbol] = False
            self._call("on_book_status", message.symbol, False,
                       f"{BookState.Name(message.state).removeprefix('BOOK_STATE_').lower()}: {message.reason}")

    def _on_order_event(self, event: OrderEvent) -> None:
        self.count["order_events"] += 1
        order, _ = self.oms.on_event(event)
        if order is not None:
            self._booked.update(order)       # before the callback: the position it reads includes this fill
            self._call("on_order_event", order, event)

    def _on_fill(self, fill: Fill) -> None:
        if not self._fills.first(fill):
            self.count["duplicate_fills"] += 1
            return
        ledger = self.ledgers.get(fill.symbol)
        if ledger is None:
            instrument = self.instruments.get(fill.symbol)
            ledger = self.ledgers[fill.symbol] = Ledger(self.strategy_id, fill.symbol,
                                                        inverse=instrument is not None and instrument.inverse)
        ledger.apply_fill(fill.side, get_decimal(fill.price), get_decimal(fill.quantity), get_decimal(fill.fee))
        order = self.oms.orders.get(fill.client_order_id)
        self._booked.fill(fill.client_order_id, get_decimal(fill.quantity), order)
        self.count["fills"] += 1
        self._call("on_fill", fill, order)

    def _on_risk(self, command: RiskCommand) -> None:
        mode = self.kill_switch.apply(command)
        if mode is None:
            return
        log.warning("kill switch", extra={"fields": {"mode": mode.name.lower(), "reason": command.reason}})
        self.detail = f"kill switch {mode.name.lower()}: {command.reason}" if mode is not Mode.NORMAL else ""
        if mode is not Mode.NORMAL:
            # Every tier pulls the resting quotes; flatten's closing orders are the engine's job on the
            # account, or this strategy's when the command names it alone.
            self.cancel_all()
        if mode is Mode.FLATTEN and command.strategy_id == self.strategy_id:
            self._close_positions()
        self._call("on_kill_switch", mode.name.lower(), command.reason)

    def _close_positions(self) -> None:
        for symbol in sorted(set(self.ledgers) | self._booked.symbols()):
            position = self.position(symbol)
            if position == 0:
                continue
            side = Side.SIDE_SELL if position > 0 else Side.SIDE_BUY
            quantity = self.round_quantity(symbol, abs(position))
            if quantity > 0:
                try:
                    self.place(symbol, side, None, quantity, intent="flatten", reduce_only=True)
                except (PreTradeRejected, IntentBusy) as exc:
                    log.warning("flatten order not sent", extra={"fields": {"symbol": symbol, "error": str(exc)}})

    async def _timer(self) -> None:
        interval = self.settings.strategy_class.timer_seconds
        next_check = time.monotonic() + RECONCILE_SECONDS
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            overdue = self.oms.overdue(now)
            if overdue:
                self.spawn(self._reconcile([o.client_order_id for o in overdue]), "reconcile")
            elif now >= next_check:
                # Orders the Mini OMS holds open are checked against the engine now and then: one cancelled
                # at the venue while the engine was down (or an event lost) is settled here.
                next_check = now + RECONCILE_SECONDS
                resting = [o.client_order_id for o in self.oms.live_orders() if not o.state.pending]
                if resting:
                    self.spawn(self._reconcile(resting), "reconcile")
            self._call("on_timer", time.time())

    async def _reconcile(self, client_order_ids: list[str]) -> None:
        """Orders whose requests went unanswered: ask the engine what it knows of each."""
        try:
            states = await self._engine.order_states.remote(self.strategy_id, client_order_ids)
        except ray.exceptions.RayActorError as exc:      # the engine is restarting: try again next time
            log.warning("reconcile: engine unavailable", extra={"fields": {"error": str(exc)[:200]}})
            for cid in client_order_ids:
                self.oms.unanswered(cid)
            return
        for cid, raw in states.items():
            self.count["reconciled"] += 1
            if raw is None:
                self.oms.lost(cid, "the engine does not know the order (never received, or gone while it was down)")
                continue
            event = OrderEvent.FromString(raw)
            order, _ = self.oms.on_event(event)
            if order is None or not order.state.pending:
                continue
            # The engine has the order and its state did not settle the request: the request itself was lost
            # (the engine died with it, or its reply did). A new order is there; a cancel or modify never
            # happened, so the order is back as it was and the strategy may ask again.
            if order.state is State.PENDING_NEW:
                self.oms.on_reply(cid, True, venue_order_id=event.venue_order_id)
            else:
                self.oms.on_reply(cid, False, detail="request lost: the engine still has the order as it was")

    def _call(self, callback: str, *args) -> None:
        if self.stopping:
            return        # stopping: the strategy has had its on_stop; it neither hears nor trades any more
        try:
            getattr(self.strategy, callback)(*args)
        except (PreTradeRejected, IntentBusy) as exc:
            log.info("strategy order refused", extra={"fields": {"callback": callback, "error": str(exc)}})
        except Exception:
            self.count["callback_errors"] += 1
            self.errors += 1
            log.exception("strategy callback failed", extra={"fields": {"callback": callback}})

    # -- the StrategyContext -----------------------------------------------------------

    @property
    def trading_allowed(self) -> bool:
        return self.kill_switch.allows_new_orders

    @property
    def reduce_only(self) -> bool:
        return self.kill_switch.reduce_only

    def now(self) -> float:
        return time.time()

    def live(self, symbol: str, intent: str) -> Order | None:
        return self.oms.live(symbol, intent)

    def book(self, symbol: str) -> L2Book | None:
        return self.books.get(symbol) if self.book_live.get(symbol) else None

    def is_live(self, symbol: str) -> bool:
        return bool(self.book_live.get(symbol))

    def instrument(self, symbol: str) -> Instrument:
        return self.instruments[symbol]

    def position(self, symbol: str) -> Decimal:
        """The strategy's position: its ledger, plus what the venue reported filled that no fill has booked yet."""
        ledger = self.ledgers.get(symbol)
        return (ledger.quantity if ledger is not None else Decimal(0)) + self._booked.in_flight(symbol)

    def round_price(self, symbol: str, side: int, price: Decimal) -> Decimal:
        """To the tick: buys down, sells up (a quote never becomes more aggressive by rounding)."""
        tick = get_decimal(self.instruments[symbol].tick_size)
        mode = ROUND_FLOOR if side == Side.SIDE_BUY else ROUND_CEILING
        return ((price / tick).to_integral_value(mode) * tick).quantize(tick)

    def round_quantity(self, symbol: str, quantity: Decimal) -> Decimal:
        lot = get_decimal(self.instruments[symbol].lot_size)
        return ((quantity / lot).to_integral_value(ROUND_FLOOR) * lot).quantize(lot)

    def _mid(self, symbol: str) -> Decimal | None:
        book = self.books.get(symbol)
        return book.mid() if book is not None else None

    def place(self, symbol: str, side: int, price: Decimal | None, quantity: Decimal, *, intent: str,
              post_only: bool = False, ioc: bool = False, reduce_only: bool = False) -> Order:
        if self.stopping:
            raise PreTradeRejected("stopping", f"{self.strategy_id} is stopping")
        if symbol not in self.instruments:
            raise PreTradeRejected("symbol", f"{symbol} is not a symbol of {self.strategy_id}")
        if not self.kill_switch.allows_new_orders and not (self.kill_switch.reduce_only and reduce_only):
            raise PreTradeRejected("kill_switch", f"{self.kill_switch.mode.name.lower()}: {self.kill_switch.reason}")
        resting = sum((o.remaining for o in self.oms.live_orders(symbol) if o.side == side), Decimal(0))
        try:
            check_new(self.limits, side=side, price=price, quantity=quantity, reference=self._mid(symbol),
                      position=self.position(symbol), resting_same_side=resting,
                      open_orders=len(self.oms.live_orders()), reduce_only=reduce_only,
                      inverse=self.instruments[symbol].inverse)
        except PreTradeRejected:
            self.count["pre_trade_rejected"] += 1
            raise
        cid = self._ids.next()
        try:
            order = self.oms.new(cid, symbol, side, price, quantity, intent, time.monotonic())
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

    def cancel(self, client_order_id: str) -> Order | None:
        order = self.oms.cancel(client_order_id, time.monotonic())
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
        if not self._amends:   # the venue cannot amend (GRVT): pull the order; the next quote places anew
            self.count["modify_as_cancel"] += 1
            self.cancel(client_order_id)
            return None
        quantity = current.quantity if quantity is None else quantity
        order = self.oms.modify(client_order_id, price, quantity, time.monotonic())
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

    def _send(self, request: OrderRequest, order: Order) -> None:
        request.request_id = self._client.next_request_id()
        self._sent_at[request.request_id] = time.time_ns()
        self.count["requests"] += 1
        try:
            self._client.submit(request,
                                lambda outcome, rid=request.request_id, o=order: self._outcome(rid, o, outcome))
        except BusError as exc:
            self.count["not_sent"] += 1
            self._sent_at.pop(request.request_id, None)
            self.oms.on_reply(order.client_order_id, False, detail=f"not sent: {exc}")
            now = time.monotonic()
            if now - self._last_not_sent_log >= 1.0:     # once a second while the engine is away
                self._last_not_sent_log = now
                log.warning("order request not sent", extra={"fields": {
                    "client_order_id": order.client_order_id, "error": str(exc),
                    "not_sent_so_far": self.count["not_sent"]}})

    def _outcome(self, request_id: int, order: Order, outcome) -> None:
        sent = self._sent_at.pop(request_id, None)
        if isinstance(outcome, OrderReply):
            if sent is not None:
                self.round_trip.add(time.time_ns() - sent)
            if not outcome.accepted:
                self.count["replies_rejected"] += 1
                log.info("order request rejected", extra={"fields": {
                    "client_order_id": outcome.client_order_id, "detail": outcome.detail}})
            self.oms.on_reply(order.client_order_id, outcome.accepted, outcome.reason, outcome.detail,
                              outcome.venue_order_id)
            self._call("on_order_event", order, None)
        else:
            # No answer in time: the request may have executed. The timer's reconciliation settles it.
            self.count["timeouts"] += 1
            self.oms.unanswered(order.client_order_id)
