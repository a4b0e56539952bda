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
from dataclasses import dataclass, field

from tradesys.actors.base import ActorBase, Directory, serve_bus
from tradesys.bus import Subscriber, topics
from tradesys.bus.orders import OrderServer
from tradesys.config.schema import RiskConfig, VenueConfig
from tradesys.messages import RiskCommand
from tradesys.risk import GateLimits, KillSwitch, RiskGate
from tradesys.risk.killswitch import command
from tradesys.services.account import connect_account
from tradesys.services.engine.kill import KillDesk
from tradesys.services.engine.market import MarketWatch
from tradesys.services.engine.requests import RequestDesk
from tradesys.services.engine.stream import AccountStream
from tradesys.services.raw import RawTap
from tradesys.venue.ids import ClientOrderIds
from tradesys.venue.registry import get_venue

log = logging.getLogger(__name__)
READY_TIMEOUT = 10.0     # how long an order query waits for a (re)starting engine to reconcile


@dataclass(frozen=True)
class EngineSettings:
    key: str                                   # exchange.<key>
    config: VenueConfig = field(repr=False)
    risk: RiskConfig = field(default_factory=RiskConfig)
    strategies: tuple[str, ...] = ()           # strategy ids allowed to trade here
    api_key: str = field(default="", repr=False)
    api_secret: str = field(default="", repr=False)
    # Publish the frames of its venue connections (order entry, account stream, recovery queries) as they
    # arrived (raw.<venue>.<connection>), for the recorder; credentials withheld (services/raw.py).
    raw_frames: bool = False


def engine_actor_name(venue_key: str) -> str:
    return f"engine-{venue_key}"


class TradingEngine(ActorBase):
    """The host of an engine's parts (``tradesys.services.engine``): it connects the venue, wires them,
    and answers the farm over Ray."""

    def __init__(self, name: str, settings: EngineSettings):
        super().__init__(name)
        self.settings = settings
        self.venue = settings.config.venue
        self.kill_switch = KillSwitch(self.venue)
        self.gate = RiskGate(GateLimits.from_config(settings.risk), self.kill_switch)
        self.server: OrderServer | None = None
        self.oms = self.pms = self.fetcher = None
        self.accepting = False
        self._ready = asyncio.Event()
        self._market: Subscriber | None = None
        self.account = AccountStream(self.venue, settings.strategies, self._publish, self.spawn)
        self.kill = KillDesk(self.kill_switch, self.account, dict(get_venue(self.venue).client_order_ids),
                             self.spawn, self._fault, self._say)
        self.market = MarketWatch(self.venue, tuple(settings.config.symbols), self.kill_switch,
                                  settings.risk.halt_on_stale_book_seconds, self.kill.on_risk, self._issue,
                                  self.account.down_for)
        self.requests: RequestDesk | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def on_start(self) -> dict[str, str]:
        self.server = OrderServer(self.name, host=self.context.bus_host, port=self.port_of("orders"))
        self.requests = RequestDesk(self.name, self.settings.strategies, self.server, self.account, self.market,
                                    self.gate, self.kill, self.spawn, lambda: self.accepting,
                                    self._ready.is_set)
        return {"orders": self.server.bind()}

    async def on_wire(self, directory: Directory) -> None:
        config = self.settings.config
        parts = connect_account(self.settings, directory, roles=("oms", "pms", "fetcher"))
        self.own_connection(parts)
        self.oms, self.pms, self.fetcher = parts.oms, parts.pms, parts.fetcher
        if self.settings.raw_frames:
            tap = RawTap(self.publisher, self.venue, self.account.count, private=True)
            self.oms.keep_frames(tap)
            self.fetcher.keep_frames(tap)
            self.account.on_raw = tap
        self.account.fetcher = self.requests.fetcher = self.fetcher
        self.kill.oms = self.requests.oms = self.oms
        await self.oms.start()
        self.account.instruments = {i.symbol: i for i in await self.fetcher.instruments() if i.symbol in config.symbols}
        await self.account.reconcile()
        await self.pms.start(self.account)
        self._listen_market(directory)
        self.server.serve(self.requests.on_request)
        self.accepting = True
        self._ready.set()
        log.info("engine ready", extra={"fields": {"adopted": self.account.count["adopted"],
                                                   "symbols": list(config.symbols)}})

    async def on_stop(self) -> None:
        self.accepting = False
        if self.oms is not None:
            await self.kill.cancel_owned("stop")
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

    def _listen_market(self, directory: Directory) -> None:
        self._market = self.subscribed(Subscriber(self.market.prefixes(), name=f"{self.name}-market"))
        self.market.begin()
        for name, endpoints in directory.items():
            if "pub" in endpoints and name != self.name:
                self._market.connect(endpoints["pub"])
        serve_bus(self, self._market, lambda _, message: self.market.on_message(message))
        self.spawn(self.market.watch_books(), "stale-books")

    def _publish(self, topic: str, message, venue_ts: int = 0, recv_ts: int = 0) -> None:
        self.publisher.publish_message(topic, message, venue_ts, recv_ts)

    def _issue(self, action: int, reason: str) -> None:
        """A kill-switch command of this engine's own: applied here and published to the venue's strategies."""
        message = command(action, reason, venue=self.venue, issued_by=self.name)
        self.kill.on_risk(message)
        self.publisher.publish_message(topics.risk(self.venue), message)

    def _fault(self) -> None:
        self.errors += 1

    def _say(self, detail: str) -> None:
        self.detail = detail

    # -- what the farm reads and asks (Ray; never per tick) ----------------------------

    def counters(self) -> dict[str, int]:
        counters = {**self.account.count, **self.kill.count, **(self.requests.count if self.requests else {})}
        counters["open_orders"] = self.account.orders.live_count()
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

    async def ready(self, timeout: float = 60.0) -> bool:
        """Wait until the engine has reconciled and takes requests (strategies call this before trading)."""
        try:
            await asyncio.wait_for(self._ready.wait(), timeout)
        except TimeoutError:
            return False
        return True

    async def _reconciled(self) -> None:
        """A restarted engine answers for orders only once it has read the venue's: before that, "never saw
        it" would be a lie that makes a strategy drop an order that rests at the venue."""
        if not await self.ready(READY_TIMEOUT):
            raise RuntimeError(f"{self.name} has not reconciled with the venue yet")

    async def open_orders(self, strategy_id: str) -> list[bytes]:
        """The live orders of one strategy, as serialised OrderEvents (a restarted Mini OMS adopts them)."""
        await self._reconciled()
        return [o.last.SerializeToString() for _, o in self.account.orders.live()
                if o.strategy_id == strategy_id and o.last is not None]

    async def order_states(self, strategy_id: str, client_order_ids: list[str]) -> dict[str, bytes | None]:
        """The last event of each named order of the strategy; None for an order this engine never saw."""
        await self._reconciled()
        out = {}
        for cid in client_order_ids:
            order = self.account.orders.get(cid)
            ok = order is not None and order.strategy_id == strategy_id and order.last is not None
            out[cid] = order.last.SerializeToString() if ok else None
        return out

    async def venue_order(self, strategy_id: str, client_order_id: str,
                          symbol: str) -> tuple[bytes | None, list[bytes]]:
        """An order of ``strategy_id`` that this engine never saw (an engine before it placed it): the venue's
        word on it and its fills since the run started, serialised (an OrderEvent or None, Fills), so that a
        Mini OMS settles it with what it filled while no engine was there to say so."""
        await self._reconciled()
        if ClientOrderIds.owner(client_order_id) != strategy_id or symbol not in self.account.instruments:
            return None, []
        event = await self.fetcher.order_status(symbol, client_order_id)
        if event is None:
            return None, []
        event.strategy_id = strategy_id
        fills = [f for f in await self.fetcher.recent_fills(symbol, self.context.run_started_ns)
                 if f.client_order_id == client_order_id]
        for fill in fills:
            fill.strategy_id = strategy_id
        log.info("an order settled from the venue", extra={"fields": {
            "client_order_id": client_order_id, "fills": len(fills)}})
        return event.SerializeToString(), [f.SerializeToString() for f in fills]

    async def cancel_strategy(self, strategy_id: str) -> int:
        """Cancel every live order of ``strategy_id`` (the launcher lost that strategy for good); return how
        many it had."""
        await self._reconciled()
        live = sum(1 for _, o in self.account.orders.live() if o.strategy_id == strategy_id)
        failed = await self.kill.cancel_where(lambda order: order.strategy_id == strategy_id)
        log.warning("cancelled a lost strategy's orders", extra={"fields": {
            "strategy": strategy_id, "orders": live, "failed": failed}})
        return live

    def instrument_list(self) -> list[bytes]:
        return [i.SerializeToString() for i in self.account.instruments.values()]

    async def risk(self, command: bytes) -> str:
        """Apply a serialised RiskCommand (from the launcher or a test); return the mode afterwards."""
        self.kill.on_risk(RiskCommand.FromString(command))
        if self.kill.flattening is not None:
            await asyncio.shield(self.kill.flattening)
        return self.kill_switch.mode.name.lower()

    def snapshot(self) -> dict:
        return {"positions": {s: str(q) for s, q in self.account.positions.items()},
                "open": {cid: o.strategy_id for cid, o in self.account.orders.live()},
                "mids": {s: str(m) for s, m in self.market.mids.items()},   # the gate's reference prices
                "mode": self.kill_switch.mode.name.lower(), "accepting": self.accepting}
