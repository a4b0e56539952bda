"""StrategyActor: the host of one strategy. It wires the parts and owns none of their work:

- ``books.MarketBooks``: the books, rebuilt from the market server's snapshots and deltas;
- ``holdings.Holdings``: the strategy's ledgers, its fills booked once, the fills in flight;
- ``oms.MiniOMS``: its orders as a state machine;
- ``context.TradingContext``: the order API the strategy calls (``self.ctx``), with its pre-trade limits;
- ``reconcile.Reconciler``: orders settled against the engine on the timer.

Wiring (``on_wire``): one SUB to every publisher for the strategy's market
data (``md.<venue>.<symbol>.``), its order lifecycle (``oe.<venue>.<id>``),
its sub-ledger positions (``pos.<venue>.``), inventory (``inv.``) and the
kill switch (``risk.``); one DEALER to its venue's engine. Before the
strategy's ``on_start`` the actor recovers: instruments and this
strategy's open orders come from the engine over Ray and are adopted by
the Mini OMS (so a restarted actor never doubles a resting quote).

The strategy hears ``on_order_event`` once per change of an order (its
state, filled quantity, price or size), whichever message brings it: the
engine's reply, the venue's event, or a reconciliation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal

import ray

from tradesys.actors.base import ActorBase, Directory, serve_bus
from tradesys.bus import Subscriber, topics
from tradesys.bus.errors import BusError
from tradesys.bus.orders import OrderClient
from tradesys.clock import LIVE_CLOCK, Clock
from tradesys.config.schema import StrategyConfig
from tradesys.messages import (
    ActorState,
    BookDelta,
    BookSnapshot,
    BookStatus,
    BookTop,
    CancelAll,
    Fill,
    Heartbeat,
    Instrument,
    InventoryDelta,
    OrderEvent,
    OrderRequest,
    Position,
    RiskCommand,
    Side,
    Trade,
)
from tradesys.metrics import Histogram
from tradesys.risk import KillSwitch, Mode
from tradesys.strategy.base import AbstractStrategy
from tradesys.strategy.books import MarketBooks
from tradesys.strategy.context import TradingContext, snapshot
from tradesys.strategy.holdings import Holdings
from tradesys.strategy.oms import IntentBusy, MiniOMS, Order, State
from tradesys.strategy.reconcile import Reconciler
from tradesys.strategy.risk import PreTradeRejected, StrategyLimits
from tradesys.strategy.view import view_row
from tradesys.venue.ids import ClientOrderIds
from tradesys.venue.registry import get_venue

log = logging.getLogger(__name__)
STOP_CANCEL_SECONDS = 5.0   # how long a stopping strategy works at leaving nothing live
MARKET_KINDS = ("book", "trade", "status")   # md.<venue>.<symbol>.<kind> a strategy subscribes to
BOOK_VIEWS = ("full", "top")                 # AbstractStrategy.book_view: "top" takes the top topic for "book"


@dataclass(frozen=True)
class StrategySettings:
    strategy_id: str
    venue_key: str                 # exchange.<key>
    venue: str                     # the venue's name (binance, ...), as in topics
    strategy_class: type
    params: object
    config: StrategyConfig = field(repr=False)


class StrategyActor(ActorBase):
    def __init__(self, name: str, settings: StrategySettings, clock: Clock = LIVE_CLOCK):
        super().__init__(name)
        self.clock = clock
        self.settings = settings
        self.strategy_id = settings.strategy_id
        self.venue = settings.venue
        self.symbols = tuple(settings.config.symbols)
        self.oms = MiniOMS(self.strategy_id, timeout_s=settings.config.request_timeout_seconds)
        self.kill_switch = KillSwitch(self.venue, self.strategy_id)
        self.books = MarketBooks(self.symbols, self.callback, clock)
        self.holdings = Holdings(self.strategy_id, self.symbols)
        self.ctx = TradingContext(self.strategy_id, self.venue, self.symbols,
                                  StrategyLimits.from_config(settings.config.risk), self.oms, self.kill_switch,
                                  self.books, self.holdings, self._settled, clock)
        # A fill the reconciler had from the venue is booked as one off the bus, unless it was heard there.
        self.reconciler = Reconciler(self.strategy_id, self.oms, self._settled, time.monotonic(),
                                     lambda fill: self.holdings.fill_keys.seen(fill) or self.dispatch(None, fill))
        self.strategy: AbstractStrategy | None = None
        self._client: OrderClient | None = None
        self._sub: Subscriber | None = None
        self._engine = None
        self._market_server = f"market-{settings.venue_key}"
        self._market_beat = 0.0
        self.count = {"trades": 0, "order_events": 0, "order_callbacks": 0, "inventory": 0, "callback_errors": 0,
                      "recovered_orders": 0}

    @property
    def stopping(self) -> bool:
        return self.ctx.stopping

    # -- lifecycle ---------------------------------------------------------------------

    async def on_moved(self, name: str, old: dict[str, str], new: dict[str, str]) -> None:
        """Its engine came back on another node: a new Ray actor there, a new order socket."""
        if name != self.reconciler.engine_name or self._client is None:
            return
        self._engine = self.reconciler.engine = await asyncio.to_thread(ray.get_actor, name)
        self._client.follow(new["orders"])
        log.warning("following the engine to its new node", extra={"fields": {"orders": new["orders"]}})

    async def on_wire(self, directory: Directory) -> None:
        engine_name = f"engine-{self.settings.venue_key}"
        if engine_name not in directory or "orders" not in directory[engine_name]:
            raise RuntimeError(f"strategy {self.strategy_id}: no trading engine {engine_name} is running")
        self._engine = self.reconciler.engine = ray.get_actor(engine_name)
        self.reconciler.engine_name = engine_name
        if not await self._engine.ready.remote():
            raise RuntimeError(f"strategy {self.strategy_id}: {engine_name} did not become ready")
        instruments = {i.symbol: i for i in map(Instrument.FromString, await self._engine.instrument_list.remote())}
        missing = [s for s in self.symbols if s not in instruments]
        if missing:
            raise RuntimeError(f"strategy {self.strategy_id}: {engine_name} does not trade {', '.join(missing)}")
        self._client = OrderClient(self.strategy_id, timeout=self.settings.config.request_timeout_seconds)
        self._client.connect(directory[engine_name]["orders"])
        await self._client.start()
        self.host(instruments, self._client)
        prefixes = self.market_topics() + [topics.oe(self.venue, self.strategy_id), f"pos.{self.venue}.", "inv.",
                                           "risk.", topics.hb(self._market_server)]
        self._sub = self.subscribed(Subscriber(prefixes, name=f"{self.name}-sub"))
        for name, endpoints in directory.items():
            if "pub" in endpoints and name != self.name:
                self._sub.connect(endpoints["pub"])
        await self._recover(directory)
        self.callback("on_start")
        self._market_beat = time.monotonic()
        serve_bus(self, self._sub, self.dispatch)
        self.spawn(self._timer(), "timer")
        self.spawn(self._watch_market(), "market-watch")

    def host(self, instruments: dict[str, Instrument], client, session: str | None = None) -> None:
        """Give the strategy its instruments and order channel, and create it: ``on_wire`` does this with the
        engine's instruments and a DEALER to it; a backtest with its simulated venue's (``client``: anything
        with ``next_request_id`` and ``submit``, as ``OrderClient``; ``session``: the client order ids' session word,
        drawn at random unless given, as a backtest gives it for the same ids every time)."""
        self.holdings.set_instruments(instruments)
        venue_spec = get_venue(self.settings.venue)
        ids = ClientOrderIds(self.strategy_id, session=session, **venue_spec.client_order_ids)
        self.ctx.connect(instruments, ids, client, venue_spec.amends)
        view = self.settings.strategy_class.book_view
        if view not in BOOK_VIEWS:
            raise ValueError(f"strategy {self.strategy_id}: book_view {view!r}: it is one of {', '.join(BOOK_VIEWS)}")
        self.strategy = self.settings.strategy_class(self.ctx, self.settings.params)

    def market_topics(self) -> list[str]:
        """The market data it is called back for: its symbols' book (or top of book), trades and book status.
        BBO and marks are not (the book has the touch), and at hundreds a second they would cost every
        strategy process a decode each."""
        kinds = ("top" if self.settings.strategy_class.book_view == "top" else "book", *MARKET_KINDS[1:])
        return [topics.md(self.venue, s, kind) for s in self.symbols for kind in kinds]

    async def on_stop(self) -> None:
        if self.strategy is not None:
            self.callback("on_stop")
        self.ctx.stopping = True
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
            ledger = await asyncio.to_thread(ray.get_actor, positions)
            self.holdings.recover(await ledger.strategy_ledger.remote(self.strategy_id))
        for raw in await self._engine.open_orders.remote(self.strategy_id):
            event = OrderEvent.FromString(raw)
            intent = self.strategy.recovered_intent(event)
            order = self.oms.adopt(event, intent=intent or f"recovered~{event.client_order_id}")
            self.holdings.adopted(order)      # its fills so far are in the recovered ledger
            self.count["recovered_orders"] += 1
            if intent is None or "~" in order.intent:
                self.ctx.cancel(order.client_order_id)       # not wanted, or a second one for the intent
        if self.count["recovered_orders"] or self.holdings.fills():
            log.info("recovered", extra={"fields": {
                "orders": self.count["recovered_orders"],
                "positions": {s: str(ledger.quantity) for s, ledger in self.holdings.ledgers.items()}}})

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
                    self.ctx.cancel(order.client_order_id)
            await asyncio.sleep(0.05)
        if self.oms.live_orders():
            log.warning("orders still live in the Mini OMS after cancel-all", extra={"fields": {
                "orders": [o.client_order_id for o in self.oms.live_orders()]}})
        # An order's final event can come before its last fill (a venue answers a cancel on one socket and
        # streams the fill on another): wait for the fills the events reported, so the ledger has them.
        while self.holdings.unbooked() and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if self.holdings.unbooked():
            log.warning("fills reported by order events but not received", extra={"fields": {
                "orders": self.holdings.unbooked()}})

    # -- what the farm reads (Ray) -------------------------------------------------------

    def counters(self) -> dict[str, int]:
        counters = {**self.count, **self.books.count, **self.holdings.count, **self.ctx.count,
                    **self.reconciler.count}
        counters.update({f"oms_{k}": v for k, v in self.oms.counters.items()})
        counters["open_orders"] = len(self.oms.live_orders())
        counters["wire_to_strategy_p50_us"] = int(self.books.wire_to_strategy.quantile(0.5) / 1000)
        counters["round_trip_p50_us"] = int(self.ctx.round_trip.quantile(0.5) / 1000)
        return counters

    def summary(self) -> dict:
        out = self.status()
        out["strategy"] = {
            "strategy_id": self.strategy_id, "venue": self.venue, "kind": self.settings.config.kind,
            "orders": self.oms.counters["new"], "open_orders": len(self.oms.live_orders()),
            "fills": self.holdings.fills(), "volume": str(self.holdings.volume()),
            "symbols": self.ledger_state(),
            "kill_switch": self.kill_switch.mode.name.lower(),
            "latency_ns": {"wire_to_strategy": self.books.wire_to_strategy.summary(),
                           "order_round_trip": self.ctx.round_trip.summary()},
            "rejected_orders": sum(o.state is State.REJECTED for o in self.oms.orders.values())}
        return out

    def status(self) -> dict:
        out = super().status()
        out["view"] = self.view()
        out["latency"] = {"wire_to_strategy": self.books.wire_to_strategy.prometheus(),
                          "order_round_trip": self.ctx.round_trip.prometheus()}
        return out

    def view(self) -> dict:
        """Per symbol: the touch, this strategy's live quotes, position and PnL (for the status screen)."""
        mode = self.kill_switch.mode.name.lower()
        return {symbol: view_row(symbol, self.oms, self.books, self.holdings.ledgers[symbol],
                                 self.ctx.instruments.get(symbol), mode) for symbol in self.symbols}

    def latency_buckets(self, reset: bool = False, which: str = "wire_to_strategy") -> dict[int, int]:
        """A latency histogram's raw buckets (``wire_to_strategy`` or ``order_round_trip``), for merging several
        strategies' (benchmarks); with ``reset``, the latency histograms start afresh after (a benchmark's
        measurement window begins)."""
        histogram = {"wire_to_strategy": self.books.wire_to_strategy, "order_round_trip": self.ctx.round_trip}
        buckets = dict(histogram[which].buckets)
        if reset:
            self.books.wire_to_strategy = Histogram()
            self.ctx.round_trip = Histogram()
        return buckets

    def ledger_state(self) -> dict:
        """Positions and PnL of this strategy as its own fills built them (for tests and operators)."""
        return {s: ledger.as_dict(self.books.mid(s)) for s, ledger in self.holdings.ledgers.items()}

    def orders_state(self) -> dict:
        return {cid: {"state": o.state.value, "intent": o.intent, "symbol": o.symbol, "detail": o.detail}
                for cid, o in self.oms.orders.items()}

    def place(self, symbol: str, side: int, price: Decimal | None, quantity: Decimal, *, intent: str,
              post_only: bool = False, ioc: bool = False, reduce_only: bool = False,
              round_price: bool = False) -> Order:
        """The strategy's ``ctx.place``, for operators and tests (``round_price``: onto the tick first, toward
        the passive side)."""
        if round_price and price is not None:
            price = self.ctx.round_price(symbol, side, price)
        return self.ctx.place(symbol, side, price, quantity, intent=intent, post_only=post_only, ioc=ioc,
                              reduce_only=reduce_only)

    # -- the bus -----------------------------------------------------------------------

    def dispatch(self, envelope, message) -> None:
        """One bus message for this strategy (the subscriber's, or a backtest's, which hands them over itself)."""
        if isinstance(message, (BookSnapshot, BookDelta)):
            self.books.on_session(envelope.header.session)
            self.books.on_message(message, envelope.header.recv_ts)
        elif isinstance(message, BookTop):
            self.books.on_session(envelope.header.session)
            self.books.on_top(message, envelope.header.recv_ts)
        elif isinstance(message, OrderEvent):
            self.count["order_events"] += 1
            order = self.oms.orders.get(message.client_order_id)
            before = snapshot(order) if order is not None else None
            self.oms.on_event(message)
            if order is not None:
                self._settled(order, before, message)
        elif isinstance(message, Fill):
            order = self.oms.orders.get(message.client_order_id)
            if self.holdings.on_fill(message, order):
                self.callback("on_fill", message, order)
        elif isinstance(message, BookStatus):
            self.books.on_session(envelope.header.session)
            self.books.on_status(message)
        elif isinstance(message, Heartbeat) and message.actor == self._market_server:
            self._market_beat = time.monotonic()
            if message.state != ActorState.ACTOR_STATE_RUNNING:
                self.books.drop_all(f"the market server is {ActorState.Name(message.state).lower()}")
        elif isinstance(message, Trade):
            self.count["trades"] += 1
            self.callback("on_trade", message)
        elif isinstance(message, Position):
            if self.holdings.on_position(message):
                self.callback("on_position", message)
        elif isinstance(message, InventoryDelta):
            self.count["inventory"] += 1
            self.callback("on_inventory", message)
        elif isinstance(message, RiskCommand):
            self._on_risk(message)

    def _settled(self, order: Order, before: tuple, event: OrderEvent | None = None) -> None:
        """A reply, event or reconciliation touched ``order``: what it reports filled counts in the
        position at once, and the strategy hears of it if it changed."""
        self.holdings.order_moved(order)       # before the callback: the position it reads includes this fill
        if snapshot(order) != before:
            self.count["order_callbacks"] += 1
            self.callback("on_order_event", order, event)

    def _on_risk(self, command: RiskCommand) -> None:
        mode = self.kill_switch.apply(command)
        if mode is None:
            return
        log.warning("kill switch", extra={"fields": {"mode": mode.name.lower(), "reason": command.reason}})
        self.detail = f"kill switch {mode.name.lower()}: {command.reason}" if mode is not Mode.NORMAL else ""
        if mode is not Mode.NORMAL:
            # Every tier pulls the resting quotes; flatten's closing orders are the engine's job on the
            # account, or this strategy's when the command names it alone.
            self.ctx.cancel_all()
        if mode is Mode.FLATTEN and command.strategy_id == self.strategy_id:
            self._close_positions()
        self.callback("on_kill_switch", mode.name.lower(), command.reason)

    def _close_positions(self) -> None:
        for symbol in self.holdings.symbols():
            position = self.ctx.position(symbol)
            if position == 0:
                continue
            side = Side.SIDE_SELL if position > 0 else Side.SIDE_BUY
            quantity = self.ctx.round_quantity(symbol, abs(position))
            if quantity > 0:
                try:
                    self.ctx.place(symbol, side, None, quantity, intent="flatten", reduce_only=True)
                except (PreTradeRejected, IntentBusy) as exc:
                    log.warning("flatten order not sent", extra={"fields": {"symbol": symbol, "error": str(exc)}})

    async def _watch_market(self) -> None:
        """Books are only as live as their market server: one that stops beating (dead, hung, cut off) takes
        them all down, so the strategy never quotes on a book frozen at the moment it died."""
        every = self.context.heartbeat_seconds
        silent_after = every * self.context.heartbeat_missing_after
        while True:
            await asyncio.sleep(every)
            silent = time.monotonic() - self._market_beat
            if silent > silent_after:
                self.books.drop_all(f"the market server has been silent for {silent:.1f}s")

    async def _timer(self) -> None:
        interval = self.settings.strategy_class.timer_seconds
        while True:
            await asyncio.sleep(interval)
            due = self.reconciler.due(time.monotonic())
            if due:
                self.spawn(self.reconciler.run(due), "reconcile")
            self.callback("on_timer", time.time())

    def callback(self, name: str, *args) -> None:
        """Call the strategy's callback ``name`` (its errors counted and logged, never raised; nothing once
        stopping): the bus's messages, the timer, or a backtest's clock."""
        if self.stopping:
            return        # stopping: the strategy has had its on_stop; it neither hears nor trades any more
        try:
            getattr(self.strategy, name)(*args)
        except (PreTradeRejected, IntentBusy) as exc:
            log.info("strategy order refused", extra={"fields": {"callback": name, "error": str(exc)}})
        except Exception:
            self.count["callback_errors"] += 1
            self.errors += 1
            log.exception("strategy callback failed", extra={"fields": {"callback": name}})
