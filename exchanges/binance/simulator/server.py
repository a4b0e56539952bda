"""The Binance USD-M simulator: a SimExchange with its synthetic market, served over HTTP on loopback.

``BinanceSimulator.start()`` binds (port 0: an OS-chosen port) and starts
the market; ``stop()`` ends both (``tradesys.sim.host``: the clock with its
fault skew, the servers, the market task).
"""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from exchanges.binance import auth
from exchanges.binance.auth import Credentials
from exchanges.binance.simulator.catalog import CATALOG, DEFAULT_SYMBOLS
from exchanges.binance.simulator.faults import fault_control
from exchanges.binance.simulator.limits import RateLimits
from exchanges.binance.simulator.replay import DepthReplay, ReplayError
from exchanges.binance.simulator.rest import RestApi
from exchanges.binance.simulator.rpc import WsApi
from exchanges.binance.simulator.streams import StreamHub
from exchanges.binance.simulator.user import UserStreams
from tradesys.sim.exchange import SimExchange
from tradesys.sim.host import SimHost
from tradesys.sim.market import SyntheticMarket, select_entries

log = logging.getLogger(__name__)
ACCOUNT = "main"


class BinanceSimulator(SimHost):
    venue = "binance"
    tick_seconds = 0.01      # the venue checks countdownCancelAll deadlines about every 10 ms

    def __init__(self, *, symbols: tuple[str, ...] = DEFAULT_SYMBOLS, seed: int = 7,
                 credentials: Credentials | None = None, balance: str = "100000", step_seconds: float = 0.1,
                 faults: dict | None = None, funding_interval_s: float | None = None, replay: str | None = None,
                 replay_rate: float = 1000.0, replay_held: bool = False):
        super().__init__(step_seconds=step_seconds, faults=faults)
        self.symbols = tuple(symbols)
        self.catalog = select_entries(CATALOG, self.symbols, funding_interval_s)
        self.credentials = credentials or Credentials.generate()
        if self.credentials.ed25519_public_key is not None:
            try:
                auth.load_ed25519_public_key(self.credentials.ed25519_public_key)
            except ValueError as exc:
                raise ValueError(f"the Ed25519 public key is not usable: {exc}") from None
        self.fault_control = fault_control(self)
        # Update ids: one sequence across symbols, in the range real ids have reached.
        self.exchange = SimExchange([e.instrument for e in self.catalog.values()], seed=seed, clock=self.now_ns,
                                    first_update_id=9_924_360_000_000 + seed * 1_000_000)
        self.market = SyntheticMarket(self.exchange, {s: e.market for s, e in self.catalog.items()}, seed=seed)
        self.exchange.add_account(ACCOUNT, {"USDT": balance})
        self.limits = RateLimits()
        self.listen_keys: dict[str, int] = {}   # key -> expiry (ms)
        self.countdowns: dict[tuple[str, str], int] = {}  # (account, symbol) -> cancel-all deadline (ms)
        self.rest = RestApi(self)
        self.streams = StreamHub(self)
        if replay is not None:
            self.streams.replay = DepthReplay(replay, replay_rate, held=replay_held)
            if self.streams.replay.symbol not in self.symbols:
                raise ReplayError(f"replay {replay}: its symbol {self.streams.replay.symbol} is not one this "
                                  f"simulator serves ({', '.join(self.symbols)})")
        self.users = UserStreams(self)
        self.ws_api = WsApi(self)
        self.account = ACCOUNT

    def begin_replay(self) -> bool:
        """Start a held replay (``replay_held``); False when it had started. Without a replay: ReplayError."""
        if self.streams.replay is None:
            raise ReplayError("this simulator has no replay to begin (sim_replay is not set)")
        return self.streams.replay.begin(self.streams.replayed)

    def stats(self) -> dict[str, int]:
        """Connections and messages served, for the simulator actor's heartbeat."""
        streams, users = self.streams.counters, self.users.counters
        replay = self.streams.replay.counters() if self.streams.replay is not None else {}
        return {"connections": streams["connections"] + users["connections"],
                "messages": streams["frames"] + users["events"], **replay}

    @staticmethod
    def client_id_of(order) -> str:
        """The client's own id of an order (Binance: clientOrderId)."""
        return order.client_order_id

    def account_of(self, api_key: str) -> str | None:
        return ACCOUNT if secrets.compare_digest(api_key, self.credentials.api_key) else None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> dict[str, str]:
        """Serve on host:port and run the market; return the URLs by role."""
        await self.open()
        app = web.Application(client_max_size=1 << 20)
        app.add_routes(self.ws_api.routes())
        app.add_routes(self.users.routes())
        app.add_routes(self.streams.routes())
        app.add_routes(self.rest.routes())  # last: its catch-all answers unknown paths
        address = await self.serve(app, host, port)
        # One server plays every host: the spot host's /sapi paths never collide with /fapi.
        self.urls = {"rest": f"http://{address}", "rest spot": f"http://{address}",
                     "ws public": f"ws://{address}/public",
                     "ws market": f"ws://{address}/market", "ws private": f"ws://{address}/private",
                     "ws api": f"ws://{address}/ws-fapi/v1", "control": await self.serve_control()}
        await self.streams.start()
        await self.users.start()
        self.run()
        return self.urls

    async def stop(self) -> None:
        for conn in list(self.ws_api.connections):
            await conn.ws.close()
        await self.users.stop()
        await self.streams.stop()
        await self.close()

    def tick(self) -> None:
        """countdownCancelAll deadlines that lapsed: the symbol's orders are cancelled."""
        now = self.now_ms()
        for key in [k for k, deadline in self.countdowns.items() if deadline <= now]:
            account, symbol = key
            del self.countdowns[key]
            self.exchange.cancel_all(account, symbol)
            log.info("countdownCancelAll lapsed: orders cancelled", extra={"fields": {"symbol": symbol}})
