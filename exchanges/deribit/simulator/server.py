"""The Deribit simulator: a SimExchange with its synthetic market, served as JSON-RPC over WebSocket
(``/ws/api/v2``) and HTTP (``/api/v2/<method>``, GET with a query or POST with a body) on loopback.

``DeribitSimulator.start()`` binds (port 0: an OS-chosen port) and starts the
market; ``stop()`` ends both. One account, with a wallet per currency (BTC,
ETH, USDC). Each WebSocket connection owns its subscriptions, its token
(scope ``connection``), its heartbeat and its cancel-on-disconnect switch.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import itertools
import logging
import time
from decimal import Decimal

from aiohttp import WSMsgType, web

from exchanges.deribit import auth as deribit_auth
from exchanges.deribit.auth import Credentials
from exchanges.deribit.simulator import rpc
from exchanges.deribit.simulator.catalog import CATALOG, CURRENCIES, DEFAULT_SYMBOLS, MATCHING
from exchanges.deribit.simulator.connection import Connection
from exchanges.deribit.simulator.errors import TOO_MANY_REQUESTS
from exchanges.deribit.simulator.faults import fault_control
from exchanges.deribit.simulator.limits import CreditLimits
from exchanges.deribit.simulator.market_data import PUBLIC, Call
from exchanges.deribit.simulator.render import DayStats, OrderMeta
from exchanges.deribit.simulator.sessions import Sessions
from exchanges.deribit.simulator.streams import ChannelHub
from exchanges.deribit.simulator.trading import PRIVATE
from tradesys.aio import cancel_and_wait
from tradesys.sim.accounts import Account
from tradesys.sim.exchange import ExchangeEvent, SimExchange
from tradesys.sim.faults import LOST_ANSWER
from tradesys.sim.host import SimHost
from tradesys.sim.market import SyntheticMarket, select_entries
from tradesys.sim.orders import Side

log = logging.getLogger(__name__)
ACCOUNT = "main"
METHODS = {**PUBLIC, **PRIVATE}
WS_PATH = "/ws/api/v2"
MAX_FRAME = 1 << 20
ORDER_METHODS = frozenset({"private/buy", "private/sell"})   # new orders: what lose_order_answers acts on


class DeribitSimulator(SimHost):
    venue = "deribit"
    tick_seconds = 0.05      # the channels' 100 ms batches and the tickers' folds

    def __init__(self, *, symbols: tuple[str, ...] = DEFAULT_SYMBOLS, seed: int = 7,
                 credentials: Credentials | None = None, balance: str = "100000", step_seconds: float = 0.1,
                 faults: dict | None = None, funding_interval_s: float | None = None, token_ttl_s: int = 900,
                 min_heartbeat_s: float = 10.0, limits: CreditLimits | None = None, testnet: bool = True):
        super().__init__(step_seconds=step_seconds, faults=faults)
        self.symbols = tuple(symbols)
        self.catalog = select_entries(CATALOG, self.symbols, funding_interval_s)
        self.credentials = credentials or Credentials.generate()
        self.fault_control = fault_control(self)
        self.testnet = testnet
        self.min_heartbeat_s = min_heartbeat_s
        self.exchange = SimExchange([e.instrument for e in self.catalog.values()], seed=seed, clock=self.now_ns,
                                    first_order_id=30_000_000_000 + seed * 1000, **MATCHING)
        self.market = SyntheticMarket(self.exchange, {s: e.market for s, e in self.catalog.items()}, seed=seed)
        self.exchange.add_account(ACCOUNT, self._balances(Decimal(balance)), leverage=10)
        self.account = ACCOUNT
        self.user_id = 1                       # the account's numeric id (get_account_summaries, extended)
        self.started_ms = int(time.time() * 1000)   # the account's creation time
        self.sessions = Sessions(self.credentials, ACCOUNT, ttl_s=token_ttl_s)
        self.limits = limits or CreditLimits()
        self.connections: set[Connection] = set()
        self.cod_accounts: set[str] = set()
        self.counters = {"connections": 0, "requests": 0, "errors": 0, "rate_limited": 0, "heartbeats_missed": 0,
                         "cancelled_on_disconnect": 0}
        self._meta: dict[tuple[str, int], OrderMeta] = {}
        self._capturing: list[list[ExchangeEvent]] = []
        self.exchange.listeners.append(self._capture_event)
        self.channels = ChannelHub(self)
        self._ids = itertools.count(1)
        self._tasks: set[asyncio.Task] = set()
        self.day_stats = DayStats()                  # the tickers' 24-hour statistics, folded once a second

    def _balances(self, usd: Decimal) -> dict[str, Decimal]:
        """USDC ``usd``; each coin the same worth at its start price (8 decimals)."""
        starts = {e.instrument.settle: e.market.start_price for e in CATALOG.values() if e.instrument.inverse}
        return {c: (usd if c == "USDC" else (usd / starts.get(c, Decimal(1))).quantize(Decimal("1e-8")))
                for c in CURRENCIES}

    # -- bookkeeping -----------------------------------------------------------------------

    def meta(self, symbol: str, order_id: int) -> OrderMeta:
        return self._meta.get((symbol, order_id)) or OrderMeta()

    def remember(self, symbol: str, order_id: int, meta: OrderMeta) -> None:
        self._meta[(symbol, order_id)] = meta
        if len(self._meta) > 200_000:  # forget the oldest half; the exchange keeps 10,000 a symbol
            for key in list(self._meta)[:100_000]:
                del self._meta[key]

    def forget(self, symbol: str, order_id: int) -> None:
        self._meta.pop((symbol, order_id), None)

    @contextlib.contextmanager
    def capture(self):
        """Collect the exchange events a request causes (for its ``trades``)."""
        events: list[ExchangeEvent] = []
        self._capturing.append(events)
        try:
            yield events
        finally:
            self._capturing.remove(events)

    def _capture_event(self, event: ExchangeEvent) -> None:
        for events in self._capturing:
            events.append(event)

    def marks_of(self, account: Account) -> dict[str, Decimal]:
        return {s: self.exchange.mark_price(s, fallback=p.entry_price) for s, p in account.positions.items()}

    def open_orders_margin(self, account_id: str, symbol: str) -> Decimal:
        instrument = self.exchange.instruments[symbol]
        account = self.exchange.accounts[account_id]
        return sum((instrument.notional(o.price, o.remaining) / account.leverage_of(symbol)
                    for o in self.exchange.engines[symbol].open_orders(account_id) if not o.reduce_only), Decimal(0))

    def last_price(self, symbol: str) -> Decimal | None:
        trades = self.exchange.public_trades[symbol]
        return self.exchange.instruments[symbol].price(trades[-1].price) if trades else None

    def open_interest(self, symbol: str) -> Decimal:
        return sum((abs(a.positions[symbol].quantity) for a in self.exchange.accounts.values()
                    if not a.house and symbol in a.positions), Decimal(0))

    def stats(self) -> dict[str, int]:
        """Connections and requests served, for the simulator actor's heartbeat."""
        return {"connections": self.counters["connections"], "messages": self.counters["requests"],
                "cancelled_on_disconnect": self.counters["cancelled_on_disconnect"]}

    def client_id_of(self, order) -> str:
        """The client's own id of an order (Deribit: its label)."""
        return self.meta(order.symbol, order.order_id).label

    # -- serving ---------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> dict[str, str]:
        """Serve on host:port and run the market; return the URLs by role."""
        await self.open()
        app = web.Application(client_max_size=MAX_FRAME)
        app.add_routes([web.get(WS_PATH, self._serve_ws),
                        web.get("/api/v2/{method:.+}", self._serve_http),
                        web.post("/api/v2/{method:.+}", self._serve_http)])
        address = await self.serve(app, host, port)
        self.urls = {"rest": f"http://{address}/api/v2", "ws": f"ws://{address}{WS_PATH}",
                     "control": await self.serve_control()}
        self.run()
        return self.urls

    async def stop(self) -> None:
        for conn in list(self.connections):
            await conn.ws.close()
        for task in list(self._tasks):
            await cancel_and_wait(task)
        await self.close()

    def tick(self) -> None:
        self.channels.tick()

    # -- dispatch --------------------------------------------------------------------------

    async def handle(self, text: str | bytes, call: Call) -> tuple[bytes | None, rpc.RpcError | None]:
        """Answer one request; return the reply frame (None: no answer, the fault switch lost it) and the
        error."""
        us_in = self.now_ns() // 1000
        self.counters["requests"] += 1
        try:
            request = rpc.parse_request(text)
        except rpc.RpcError as exc:
            return self._reply(rpc.request_id(text), us_in, error=exc), exc
        call.method = request.method
        handler = METHODS.get(request.method)
        error = None
        result = None
        try:
            if handler is None:
                raise rpc.method_not_found()
            key = self._limit_key(call, request.params)
            if not self.limits.allow(key, request.method, self.now_ms()):
                self.counters["rate_limited"] += 1
                raise TOO_MANY_REQUESTS
            result = await handler(call, request.params)
        except rpc.RpcError as exc:
            error = exc
        except Exception:  # a simulator bug: answer like the venue's internal error, keep serving
            log.exception("method failed", extra={"fields": {"method": request.method}})
            error = rpc.RpcError(11094, "internal_server_error")
        if error is not None:
            self.counters["errors"] += 1
        elif request.method in ORDER_METHODS and self.faults.lose_answer():
            log.warning(LOST_ANSWER, extra={"fields": {"method": request.method, "id": request.id}})
            return None, None
        return self._reply(request.id, us_in, result=result, error=error), error

    def _limit_key(self, call: Call, params: dict) -> str:
        if request_is_private(call.method):
            with contextlib.suppress(rpc.RpcError):
                return call.account(params)
        return f"conn-{call.conn.id}" if call.conn is not None else "http-public"

    def _reply(self, rid, us_in: int, *, result=None, error: rpc.RpcError | None = None) -> bytes:
        return rpc.reply(rid, us_in=us_in, us_out=self.now_ns() // 1000, testnet=self.testnet, result=result,
                         error=error)

    async def _serve_ws(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=MAX_FRAME, heartbeat=None)
        await ws.prepare(request)
        conn = Connection(self, next(self._ids), ws)
        self.connections.add(conn)
        self.counters["connections"] += 1
        writer = asyncio.create_task(conn.writer(), name=f"deribit-sim-writer-{conn.id}")
        try:
            async for msg in ws:
                if msg.type is not WSMsgType.TEXT:
                    if msg.type is WSMsgType.ERROR:
                        break
                    continue
                reply, error = await self.handle(msg.data, Call(self, "", conn))
                if reply is not None:
                    conn.send(reply)
                if error is not None and error.code == TOO_MANY_REQUESTS.code:
                    conn.close_soon("too_many_requests")  # the venue terminates the session
        finally:
            self.connections.discard(conn)
            await conn.stop()
            self._after_disconnect(conn)
            if not writer.done():
                conn.send_sentinel()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(asyncio.shield(writer), 1.0)
            await cancel_and_wait(writer)
            if not ws.closed:
                await ws.close()
        return ws

    def _after_disconnect(self, conn: Connection) -> None:
        """Cancel-on-disconnect, then forget the connection's tokens."""
        # Even an expired token still tells whose connection it was.
        account = self.sessions.owner_of(conn.token) if conn.token is not None else None
        if account is not None and (conn.cancel_on_disconnect or account in self.cod_accounts):
            for symbol, engine in self.exchange.engines.items():
                for order in list(engine.open_orders(account)):
                    meta = self.meta(symbol, order.order_id)
                    if account in self.cod_accounts or meta.connection == conn.id:
                        meta.cancel_reason = "cancel_on_disconnect"
                        self.exchange.cancel(account, symbol, order_id=order.order_id)
                        self.counters["cancelled_on_disconnect"] += 1
        self.sessions.drop_connection(conn.id)

    async def _serve_http(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await request.read()
        fault = self.fault_control.next_http_error()
        if fault is not None:
            frame = self._reply(None, self.now_ns() // 1000, error=fault)
            return web.Response(body=frame, status=fault.http_status, content_type="application/json")
        if request.method == "GET":
            params = dict(request.query)
            frame_text = rpc._encode({"jsonrpc": "2.0", "id": None, "method": method, "params": params})
        else:
            frame_text = body
            try:
                parsed = rpc.parse_request(body)
            except rpc.RpcError:
                parsed = None
            if parsed is not None and parsed.method != method:  # the path names the method
                frame_text = rpc._encode({"jsonrpc": "2.0", "id": parsed.id, "method": method,
                                          "params": parsed.params})
        call = Call(self, method, None)
        try:
            call.http_account = self._http_account(request, body)
        except rpc.RpcError as exc:
            frame = self._reply(None, self.now_ns() // 1000, error=exc)
            return web.Response(body=frame, status=exc.http_status, content_type="application/json")
        reply, error = await self.handle(frame_text, call)
        if reply is None:
            request.transport.close()      # executed; the client sees the connection cut
            return web.Response(status=500)
        status = 200 if error is None else error.http_status
        return web.Response(body=reply, status=status, content_type="application/json")

    def _http_account(self, request: web.Request, body: bytes) -> str | None:
        header = request.headers.get("Authorization")
        if not header:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() == "bearer":
            return self.sessions.account_of(value.strip(), self.now_ms(), None)
        if scheme.lower() == "basic":
            try:
                client_id, _, secret = base64.b64decode(value.strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise rpc.RpcError(13004, "invalid_credentials") from None
            return self.sessions.check_basic(client_id, secret)
        fields = deribit_auth.parse_http_header(header)
        if fields is None:
            raise rpc.RpcError(13009, "unauthorized", {"reason": "unknown Authorization scheme"})
        return self.sessions.check_http_signature(fields, request.method, request.path_qs, body, self.now_ms())


def request_is_private(method: str) -> bool:
    return method.startswith("private/")


__all__ = ["ACCOUNT", "Credentials", "DeribitSimulator", "Side"]
