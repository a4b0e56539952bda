"""The Binance USD-M simulator: a SimExchange with its synthetic market, served over HTTP on loopback.

``BinanceSimulator.start()`` binds (port 0: an OS-chosen port) and starts
the market; ``stop()`` ends both. The clock is the wall clock plus a
configurable skew (a fault switch).
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import time

from aiohttp import web

from exchanges.binance import auth
from exchanges.binance.auth import Credentials
from exchanges.binance.simulator.catalog import CATALOG, DEFAULT_SYMBOLS
from exchanges.binance.simulator.faults import Faults, fault_control
from exchanges.binance.simulator.limits import RateLimits
from exchanges.binance.simulator.rest import RestApi
from exchanges.binance.simulator.streams import StreamHub
from exchanges.binance.simulator.user import UserStreams
from exchanges.binance.simulator.wsapi import WsApi
from tradesys.aio import cancel_and_wait
from tradesys.sim.exchange import SimExchange
from tradesys.sim.market import SyntheticMarket, select_entries

log = logging.getLogger(__name__)
ACCOUNT = "main"


class BinanceSimulator:
    def __init__(self, *, symbols: tuple[str, ...] = DEFAULT_SYMBOLS, seed: int = 7,
                 credentials: Credentials | None = None, balance: str = "100000", step_seconds: float = 0.1,
                 faults: dict | None = None, funding_interval_s: float | None = None):
        self.symbols = tuple(symbols)
        self.catalog = select_entries(CATALOG, self.symbols, funding_interval_s)
        self.credentials = credentials or Credentials.generate()
        if self.credentials.ed25519_public_key is not None:
            try:
                auth.load_ed25519_public_key(self.credentials.ed25519_public_key)
            except ValueError as exc:
                raise ValueError(f"the Ed25519 public key is not usable: {exc}") from None
        self.clock_skew_ms = 0
        self.faults = Faults()
        self.fault_control = fault_control(self)
        self._initial_faults = dict(faults or {})
        self.step_seconds = step_seconds
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
        self.users = UserStreams(self)
        self.ws_api = WsApi(self)
        self.account = ACCOUNT
        self._runner: web.AppRunner | None = None
        self._market_task: asyncio.Task | None = None
        self._countdown_task: asyncio.Task | None = None
        self.urls: dict[str, str] = {}
        self.client_settings: dict[str, str] = {}   # nothing a client needs beyond URLs and keys

    def now_ns(self) -> int:
        return time.time_ns() + self.clock_skew_ms * 1_000_000

    def now_ms(self) -> int:
        return self.now_ns() // 1_000_000

    def stats(self) -> dict[str, int]:
        """Connections and messages served, for the simulator actor's heartbeat."""
        streams, users = self.streams.counters, self.users.counters
        return {"connections": streams["connections"] + users["connections"],
                "messages": streams["frames"] + users["events"]}

    @staticmethod
    def client_id_of(order) -> str:
        """The client's own id of an order (Binance: clientOrderId)."""
        return order.client_order_id

    def account_of(self, api_key: str) -> str | None:
        return ACCOUNT if secrets.compare_digest(api_key, self.credentials.api_key) else None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> dict[str, str]:
        """Serve on host:port and run the market; return the URLs by role."""
        self.market.start(self.now_ns())
        app = web.Application(client_max_size=1 << 20)
        await self.fault_control.apply(self._initial_faults)  # a bad switch fails the start, clearly
        app.add_routes(self.fault_control.routes())
        app.add_routes(self.ws_api.routes())
        app.add_routes(self.users.routes())
        app.add_routes(self.streams.routes())
        app.add_routes(self.rest.routes())  # last: its catch-all answers unknown paths
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        site = web.SockSite(self._runner, sock)
        await site.start()
        address = f"{host}:{sock.getsockname()[1]}"
        # One server plays every host: the spot host's /sapi paths never collide with /fapi.
        self.urls = {"rest": f"http://{address}", "rest spot": f"http://{address}",
                     "ws public": f"ws://{address}/public",
                     "ws market": f"ws://{address}/market", "ws private": f"ws://{address}/private",
                     "ws api": f"ws://{address}/ws-fapi/v1", "control": f"http://{address}/_sim/faults"}
        await self.streams.start()
        await self.users.start()
        self._market_task = asyncio.create_task(self.market.run(self.step_seconds, self.now_ns),
                                                name="binance-sim-market")
        self._countdown_task = asyncio.create_task(self._watch_countdowns(), name="binance-sim-countdowns")
        return self.urls

    async def stop(self) -> None:
        for conn in list(self.ws_api.connections):
            await conn.ws.close()
        await cancel_and_wait(self._countdown_task)
        self._countdown_task = None
        await self.users.stop()
        await self.streams.stop()
        await cancel_and_wait(self._market_task)
        self._market_task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def pause_market(self) -> None:
        """Stop the synthetic flow (the book then changes only by clients' orders)."""
        if self._market_task is not None:
            self._market_task.cancel()
            self._market_task = None

    async def _watch_countdowns(self) -> None:
        """The venue checks countdownCancelAll deadlines about every 10 ms."""
        while True:
            await asyncio.sleep(0.01)
            now = self.now_ms()
            for key in [k for k, deadline in self.countdowns.items() if deadline <= now]:
                account, symbol = key
                del self.countdowns[key]
                self.exchange.cancel_all(account, symbol)
                log.info("countdownCancelAll lapsed: orders cancelled", extra={"fields": {"symbol": symbol}})
