"""The GRVT simulator: a SimExchange with its synthetic market, served on three loopback ports as the
venue splits its API: the edge (API-key login), market data (REST) and trade data (REST), each ``POST``
with JSON in full (``/full/v1/<route>``) or lite (``/lite/v1/<route>``) names.

One main account with one sub-account and one registered signer: the address of
the private key the simulator is given (``--private-key``), whose EIP-712
order signatures it accepts on one chain (``chain_id``: production's 325 by
default, as a client configured for production signs; 326 for testnet). The cancel-on-disconnect countdown
(``cancel_on_disconnect``) cancels every open order when it lapses.
The WebSocket streams (``streams.py``) are on the market-data and trade-data hosts.
Past ``rate_limits`` calls a second (orders, others) the answer is 429 / 1006.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from decimal import Decimal

from aiohttp import web

from exchanges.grvt import names, signing
from exchanges.grvt.auth import Credentials
from exchanges.grvt.constants import PRODUCTION_CHAIN_ID
from exchanges.grvt.simulator import errors as e
from exchanges.grvt.simulator.account_api import ROUTES as ACCOUNT_ROUTES
from exchanges.grvt.simulator.account_api import AccountApi
from exchanges.grvt.simulator.catalog import CATALOG, DEFAULT_SYMBOLS
from exchanges.grvt.simulator.faults import fault_control
from exchanges.grvt.simulator.limits import RATE_LIMITS, Throttle, kind_of
from exchanges.grvt.simulator.market_data import ROUTES as MARKET_ROUTES
from exchanges.grvt.simulator.market_data import MarketData
from exchanges.grvt.simulator.render import Whole
from exchanges.grvt.simulator.sessions import ACCOUNT_HEADER, COOKIE, Sessions
from exchanges.grvt.simulator.streams import Streams
from exchanges.grvt.simulator.trading import ROUTES as TRADING_ROUTES
from exchanges.grvt.simulator.trading import Trading
from tradesys.sim.exchange import SimExchange
from tradesys.sim.faults import LOST_ANSWER
from tradesys.sim.host import SimHost
from tradesys.sim.market import SyntheticMarket, select_entries

log = logging.getLogger(__name__)
ACCOUNT = "main"
TRADE_ROUTES = {**TRADING_ROUTES, **ACCOUNT_ROUTES}
RECORDS_KEPT = 100_000


class GrvtSimulator(SimHost):
    venue = "grvt"
    tick_seconds = 0.05      # the cancel-on-disconnect countdown, and cancels waiting for their orders

    def __init__(self, *, symbols: tuple[str, ...] = DEFAULT_SYMBOLS, seed: int = 7,
                 credentials: Credentials | None = None, balance: str = "100000", step_seconds: float = 0.1,
                 faults: dict | None = None, funding_interval_s: float | None = None,
                 chain_id: int = PRODUCTION_CHAIN_ID,
                 session_ttl_s: int = 3600, rate_limits: dict[str, int] | None = None):
        super().__init__(step_seconds=step_seconds, faults=faults)
        self.symbols = tuple(symbols)
        self.catalog = select_entries(CATALOG, self.symbols, funding_interval_s)
        self.instrument_index = {name: index for index, name in enumerate(CATALOG)}   # < 16: see render.trade_id
        self.credentials = credentials or Credentials.generate()
        self.signer = signing.address_of(self.credentials.private_key)   # checked by Credentials
        self.chain_id = chain_id
        self.fault_control = fault_control(self)
        self.account = ACCOUNT
        rng = secrets.SystemRandom()
        self.account_id = "0x" + secrets.token_hex(20)
        self.sub_account_id = str(2_000_000_000_000_000 + rng.randrange(10**15))
        self.client_settings = {"chain-id": str(chain_id), "sub-account": self.sub_account_id}
        self.exchange = SimExchange([x.instrument for x in self.catalog.values()], seed=seed, clock=self.now_ns)
        self.market = SyntheticMarket(self.exchange, {s: x.market for s, x in self.catalog.items()}, seed=seed)
        self.exchange.add_account(ACCOUNT, {"USDT": balance}, leverage=10)
        self.sessions = Sessions(self.credentials.api_key, self.account_id, ttl_s=session_ttl_s)
        self.market_data = MarketData(self)
        self.trading = Trading(self)
        self.account_api = AccountApi(self)
        self.countdown_ms: int | None = None
        self.throttle = Throttle(RATE_LIMITS if rate_limits is None else rate_limits)
        self.counters = {"requests": 0, "errors": 0, "orders": 0, "cancelled_by_countdown": 0, "throttled": 0}
        self.streams = Streams(self)

    def marks_of(self, account) -> dict[str, Decimal]:
        return {s: self.exchange.mark_price(s, fallback=p.entry_price) for s, p in account.positions.items()}

    @property
    def connections(self) -> set:
        """The open WebSockets, on both hosts."""
        return self.streams.connections

    def stats(self) -> dict[str, int]:
        return {"connections": len(self.connections), "messages": self.counters["requests"],
                "cancelled_by_countdown": self.counters["cancelled_by_countdown"]}

    def client_id_of(self, order) -> str:
        return order.client_order_id

    def trim_records(self) -> None:
        records = self.trading.records
        while len(records) > RECORDS_KEPT:
            order_id = next(iter(records))
            record = records.pop(order_id)
            if record.engine_id is not None:
                self.trading.by_engine.pop((record.symbol, record.engine_id), None)

    def keep_identity(self, client_settings: dict[str, str]) -> None:
        """The sub-account id of the last life: the same account, fresh (its clients keep the id they hold)."""
        if client_settings.get("sub-account"):
            self.sub_account_id = client_settings["sub-account"]
            self.client_settings["sub-account"] = self.sub_account_id

    # -- serving -----------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> dict[str, str]:
        """Serve the three hosts (the edge on ``port``, the others on free ports); return the URLs by role."""
        await self.open()
        edge = web.Application()
        edge.add_routes([web.post("/auth/api_key/login", self._login),
                         web.post("/auth/wallet/login", self._wallet_login)])
        market = web.Application(client_max_size=1 << 20)
        market.add_routes([web.post("/{dialect:full|lite}/v1/{route}", self._market_rest),
                           *self.streams.routes("market")])
        trade = web.Application(client_max_size=1 << 20)
        trade.add_routes([web.post("/{dialect:full|lite}/v1/{route}", self._trade_rest),
                          *self.streams.routes("trade")])
        for app in (edge, market, trade):    # last: any other path (v2/bulk_orders...) is the venue's 1004
            app.add_routes([web.route("*", "/{tail:.*}", self._unknown)])
        bound = [f"http://{await self.serve(app, host, port if index == 0 else 0)}"
                 for index, app in enumerate((edge, market, trade))]
        ws = [u.replace("http://", "ws://", 1) for u in bound]
        self.urls = {"edge": bound[0], "market data": bound[1], "trade data": bound[2],
                     "ws market data": f"{ws[1]}/ws/full", "ws trade data": f"{ws[2]}/ws/full",
                     "control": await self.serve_control()}
        await self.streams.start()
        self.run()
        return self.urls

    async def stop(self) -> None:
        await self.streams.stop()
        await self.close()

    def tick(self) -> None:
        if self.trading.pending_cancels:
            self.trading.expire_cancels(self.now_ms())
        if self.countdown_ms is not None and self.countdown_ms <= self.now_ms():
            self.countdown_ms = None
            count = self.trading.cancel_everything(ACCOUNT, "CLIENT_CANCEL_ON_DISCONNECT_TRIGGERED")
            self.counters["cancelled_by_countdown"] += count
            log.info("cancel-on-disconnect countdown lapsed", extra={"fields": {"cancelled": count}})

    # -- handlers ----------------------------------------------------------------------

    async def _login(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            return self._error(e.MALFORMED, lite=False)
        granted = self.sessions.login(body.get("api_key") if isinstance(body, dict) else None, self.now_ms())
        if granted is None:
            return self._error(e.UNAUTHENTICATED, lite=False)
        cookie, account_id = granted
        return web.json_response({"status": "success"}, headers={"Set-Cookie": cookie, ACCOUNT_HEADER: account_id})

    async def _wallet_login(self, request: web.Request) -> web.Response:
        """The login with a wallet's signature instead of an API key (ccxt's way in): a ``WalletLogin``
        typed message (signer, nonce, expiration) signed by the account's registered signer."""
        try:
            body = await request.json()
            sig = body["signature"]
            address, nonce, expiration = str(body["address"]), int(sig["nonce"]), int(sig["expiration"])
            chain = sig.get("chain_id")
            message = {"signer": address, "nonce": nonce, "expiration": expiration}
        except (ValueError, KeyError, TypeError):
            return self._error(e.MALFORMED, lite=False)
        if chain not in (None, "") and str(chain) != str(self.chain_id):
            return self._error(e.BAD_CHAIN, lite=False)
        if expiration <= self.now_ns():
            return self._error(e.SIGNATURE_EXPIRED, lite=False)
        try:
            recovered = signing.recover(self.chain_id, message, str(sig.get("r", "")), str(sig.get("s", "")),
                                        int(sig.get("v", 0)), types=signing.WALLET_LOGIN_TYPES)
        except (signing.SigningError, ValueError, TypeError):
            return self._error(e.SIGNATURE_MISMATCH, lite=False)
        if recovered.lower() != address.lower() or recovered.lower() != self.signer.lower():
            return self._error(e.UNAUTHENTICATED, lite=False)
        cookie, account_id = self.sessions.open(self.now_ms())
        return web.json_response({"status": "success"}, headers={"Set-Cookie": cookie, ACCOUNT_HEADER: account_id})

    async def _unknown(self, request: web.Request) -> web.Response:
        return self._error(e.NOT_FOUND, lite=request.path.startswith("/lite/"))

    def _error(self, error: e.ApiError, *, lite: bool) -> web.Response:
        self.counters["errors"] += 1
        return web.json_response(error.body(lite), status=error.status)

    async def _body(self, request: web.Request, gateway: str, route: str) -> tuple[dict, bool, dict]:
        lite = request.match_info["dialect"] == "lite"
        spec = names.rpc(gateway, route)
        try:
            raw = await request.read()
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            raise e.MALFORMED from None
        if not isinstance(body, dict):
            raise e.MALFORMED
        if lite and spec is not None:
            body = names.to_full(spec["request"], body)
        return body, lite, spec or {}

    def _reply(self, result, lite: bool, spec: dict) -> web.Response:
        # Most answers wrap their content in ``result``; a few are the content itself (the spec's structs:
        # get_sub_accounts answers {"sub_account_ids": [...]}).
        whole = isinstance(result, Whole) or not names.wraps_result(spec.get("response") or "")
        payload = dict(result) if whole else {"result": result}
        if lite and spec.get("response"):
            payload = names.to_lite(spec["response"], payload)
        return web.json_response(payload)

    async def _market_rest(self, request: web.Request) -> web.Response:
        return await self._rest(request, "MarketData", MARKET_ROUTES, lambda name, body: getattr(
            self.market_data, name)(body), private=False)

    async def _trade_rest(self, request: web.Request) -> web.Response:
        def call(name: str, body: dict):
            owner = self.account_api if name in ACCOUNT_ROUTES.values() else self.trading
            return getattr(owner, name)(ACCOUNT, body)
        return await self._rest(request, "Trading", TRADE_ROUTES, call, private=True)

    async def _rest(self, request: web.Request, gateway: str, routes: dict, call, *, private: bool) -> web.Response:
        """One REST call: injected faults, the route, the session (trade data), lite names in and out."""
        route = "/" + request.match_info["route"]
        handler = routes.get(route)
        lite = request.match_info["dialect"] == "lite"
        self.counters["requests"] += 1
        injected = self.fault_control.next_http_error()
        if injected is not None:
            return self._error(injected, lite=lite)
        if handler is None:
            return self._error(e.NOT_FOUND, lite=lite)
        if private and self.sessions.account_of(request.cookies.get(COOKIE), request.headers.get(ACCOUNT_HEADER),
                                                self.now_ms()) is None:
            return self._error(e.UNAUTHENTICATED, lite=lite)
        who = ACCOUNT if private else (request.remote or "")
        if not self.throttle.admit(who, kind_of(route), time.monotonic()):
            self.counters["throttled"] += 1
            return self._error(e.RATE_LIMITED, lite=lite)
        try:
            body, lite, spec = await self._body(request, gateway, route)
            if route == "/create_order":
                self.counters["orders"] += 1
            result = call(handler, body)
            if route == "/create_order" and self.faults.lose_answer():
                log.warning(LOST_ANSWER, extra={"fields": {"route": route}})
                request.transport.close()      # executed; the client sees the connection cut
                return web.Response(status=500)
            return self._reply(result, lite, spec)
        except e.ApiError as error:
            return self._error(error, lite=lite)
        except Exception:   # a simulator bug: the venue's internal error, and the server keeps serving
            log.exception("REST handler failed", extra={"fields": {"route": route}})
            return self._error(e.INTERNAL, lite=lite)
