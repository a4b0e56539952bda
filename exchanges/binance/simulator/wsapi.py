"""The Binance USD-M WebSocket API (``/ws-fapi/v1``): REST's order and market methods as RPC frames.

Each request ``{"id", "method", "params"}`` is answered on the same socket
with ``{"id", "status", "result" | "error", "rateLimits"}``; ``status`` is
the HTTP status REST would give. Signed methods carry ``apiKey``,
``timestamp`` and a ``signature`` over the params sorted by name (the
venue's rule for this API); the handlers and errors are REST's own.

``session.logon`` is refused: the venue accepts only Ed25519 keys for it,
and the simulator's keys are HMAC. Sign each request instead (the venue
accepts that with HMAC keys).
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from exchanges.binance import auth
from exchanges.binance.simulator import rejects
from exchanges.binance.simulator.account_api import AccountApi
from exchanges.binance.simulator.market_data import MarketData
from exchanges.binance.simulator.params import Call
from exchanges.binance.simulator.rejects import ApiError
from exchanges.binance.simulator.streams import Connection, run_connection
from exchanges.binance.simulator.trading import Trading
from tradesys.sim.errors import SimReject

if TYPE_CHECKING:
    from exchanges.binance.simulator.server import BinanceSimulator

log = logging.getLogger(__name__)
PATH = "/ws-fapi/v1"
# The venue's exact reply to an HMAC key on session.logon is not documented: the documented -1002.
LOGON_REFUSED = ApiError(401, -1002, "You are not authorized to execute this request.")


class WsApi:
    def __init__(self, sim: BinanceSimulator):
        self.sim = sim
        market, trading, account = MarketData(sim), Trading(sim), AccountApi(sim)
        # method -> (handler, signed, IP weight, order count)
        self.methods: dict[str, tuple[Callable[[Call], object], bool, int, int]] = {
            "order.place": (trading.new_order, True, 0, 1),
            "order.modify": (trading.modify_order, True, 0, 1),
            "order.cancel": (trading.cancel_order, True, 1, 0),
            "order.status": (trading.query_order, True, 1, 0),
            "account.position": (lambda call: account.position_risk(call, v2=False), True, 5, 0),
            "account.balance": (account.balance, True, 5, 0),
            "userDataStream.start": (account.new_listen_key, False, 1, 0),
            "userDataStream.ping": (account.keep_listen_key, False, 1, 0),
            "userDataStream.stop": (account.close_listen_key, False, 1, 0),
            "depth": (market.depth, False, 2, 0),
            "ticker.book": (market.book_ticker, False, 2, 0),
            "ticker.price": (market.ticker_price, False, 1, 0),
        }
        self.connections: set[Connection] = set()

    def routes(self) -> list[web.RouteDef]:
        return [web.get(PATH, self._serve)]

    async def _serve(self, request: web.Request):
        self.sim.limits.charge(request.remote or "127.0.0.1", 5, self.sim.now_ms())  # the handshake costs 5
        ws = web.WebSocketResponse(heartbeat=180.0, max_msg_size=1 << 16)
        await ws.prepare(request)
        conn = Connection(ws, "api", False, 10_000)
        self.connections.add(conn)
        ip = request.remote or "127.0.0.1"
        try:
            await run_connection(conn, lambda text: self.answer(text, ip), 86_400, {},
                                 lambda: self.sim.faults.delay_ms)
        finally:
            self.connections.discard(conn)
        return ws

    def answer(self, text: str, ip: str = "127.0.0.1") -> str:
        """The reply frame to one request frame (never raises)."""
        try:
            request = json.loads(text)
        except ValueError:
            return json.dumps({"id": None, "status": 400,
                               "error": {"code": -1000, "msg": "Invalid JSON request."}})
        if not isinstance(request, dict):
            return json.dumps({"id": None, "status": 400, "error": {"code": -1000, "msg": "Invalid request."}})
        request_id = request.get("id")
        try:
            result = self._call(request, ip)
            body = {"id": request_id, "status": 200, "result": result}
        except ApiError as error:
            body = {"id": request_id, "status": error.status, "error": error.body()}
        except SimReject as reject:
            error = rejects.from_reject(reject.code, detail=reject.detail)
            body = {"id": request_id, "status": error.status, "error": error.body()}
        except Exception:  # a simulator bug answers like the venue's unknown error, and is logged
            log.exception("simulator WS API request failed")
            body = {"id": request_id, "status": 500,
                    "error": {"code": -1000, "msg": "An unknown error occured while processing the request."}}
        body["rateLimits"] = self._rate_limits(ip)
        return json.dumps(body)

    def _call(self, request: dict, ip: str):
        method = request.get("method")
        params = request.get("params", {})
        if not isinstance(params, dict):
            raise rejects.mandatory("params")
        if method == "session.logon":
            raise LOGON_REFUSED
        if method not in self.methods:
            raise ApiError(400, -1000, f"Unknown method: {method}")
        handler, signed, weight, orders = self.methods[method]
        sim = self.sim
        now = sim.now_ms()
        sim.limits.charge(ip, weight, now)
        strings = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in params.items()}
        api_key = strings.get("apiKey", "")
        account = None
        if signed or method.startswith("userDataStream."):  # market-data methods need no key
            if not api_key:
                raise rejects.BAD_API_KEY_FORMAT
            account = sim.account_of(api_key)
            if account is None:
                raise rejects.BAD_API_KEY
        if signed:
            if "timestamp" not in strings:
                raise rejects.mandatory("timestamp")
            expected = auth.sign(sim.credentials.api_secret, auth.ws_payload(params))
            if not hmac.compare_digest(expected, str(params.get("signature", "")).lower()):
                raise rejects.BAD_SIGNATURE
            timestamp = int(strings["timestamp"])
            window = int(strings.get("recvWindow", 5000))
            if timestamp >= now + 1000:
                raise rejects.too_early(timestamp - now)
            if now - timestamp > window:
                raise rejects.OUTSIDE_WINDOW
        if orders:
            sim.limits.count_orders(account, orders, now)
        return handler(Call(strings, account, api_key))

    def _rate_limits(self, ip: str) -> list[dict]:
        now = self.sim.now_ms()
        limits = self.sim.limits
        used_10s, used_1m = limits.count_orders(self.sim.account, 0, now)
        return [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                 "limit": limits.ip_weight_per_minute, "count": limits.used_weight(ip, now)},
                {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": limits.orders_per_10s,
                 "count": used_10s},
                {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
                 "limit": limits.orders_per_minute, "count": used_1m}]
