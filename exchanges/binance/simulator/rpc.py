"""The Binance USD-M WebSocket API (``/ws-fapi/v1``): REST's order and market methods as RPC frames.

Each request ``{"id", "method", "params"}`` is answered on the same socket
with ``{"id", "status", "result" | "error", "rateLimits"}``; ``status`` is
the HTTP status REST would give. Signed methods carry ``apiKey``,
``timestamp`` and a ``signature`` over the params sorted by name (the
venue's rule for this API); the handlers and errors are REST's own.

``session.logon`` authenticates the connection with an Ed25519 key (the
only kind the venue accepts for it: ``Credentials.ed25519_public_key``);
afterwards signed methods may omit ``apiKey`` and ``signature``. With only
an HMAC key configured it is refused with -1002, and each request must be
signed (the venue accepts HMAC signatures per request). A request signature
is HMAC hex or, with an Ed25519 key, base64.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from exchanges.binance import auth
from exchanges.binance.simulator import errors
from exchanges.binance.simulator.account_api import AccountApi
from exchanges.binance.simulator.errors import ApiError
from exchanges.binance.simulator.market_data import MarketData
from exchanges.binance.simulator.params import Call, check_timestamp
from exchanges.binance.simulator.streams import Connection, run_connection
from exchanges.binance.simulator.trading import Trading
from tradesys.sim.errors import SimReject
from tradesys.sim.faults import LOST_ANSWER

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue

log = logging.getLogger(__name__)
PATH = "/ws-fapi/v1"
# The venue's exact reply to an HMAC key on session.logon is not documented: the documented -1002.
LOGON_REFUSED = ApiError(401, -1002, "You are not authorized to execute this request.")
_HEX_SIGNATURE = re.compile(r"^[0-9a-fA-F]{64}$")
SESSION_WEIGHT = 2


@dataclass
class Session:
    """One WS API connection's authentication (protocol notes 8, session.*)."""

    connected_since: int
    api_key: str | None = None
    account: str | None = None
    authorized_since: int | None = None

    def status(self, now: int) -> dict:
        return {"apiKey": self.api_key, "authorizedSince": self.authorized_since,
                "connectedSince": self.connected_since, "returnRateLimits": True, "serverTime": now}


class WsApi:
    def __init__(self, sim: BinanceVenue):
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
        session = Session(self.sim.now_ms())
        try:
            await run_connection(conn, lambda text: self.answer(text, ip, session), 86_400, {},
                                 lambda: self.sim.faults.delay_ms)
        finally:
            self.connections.discard(conn)
        return ws

    def answer(self, text: str, ip: str = "127.0.0.1", session: Session | None = None) -> str | None:
        """The reply frame to one request frame (never raises); None: no reply (a lost answer)."""
        try:
            request = json.loads(text)
        except ValueError:
            return json.dumps({"id": None, "status": 400,
                               "error": {"code": -1000, "msg": "Invalid JSON request."}})
        if not isinstance(request, dict):
            return json.dumps({"id": None, "status": 400, "error": {"code": -1000, "msg": "Invalid request."}})
        request_id = request.get("id")
        try:
            result = self._call(request, ip, session or Session(self.sim.now_ms()))
            if request.get("method") == "order.place" and self.sim.faults.lose_answer():
                log.warning(LOST_ANSWER, extra={"fields": {"id": request_id}})
                return None
            body = {"id": request_id, "status": 200, "result": result}
        except ApiError as error:
            body = {"id": request_id, "status": error.status, "error": error.body()}
        except SimReject as reject:
            error = errors.from_reject(reject.code, detail=reject.detail)
            body = {"id": request_id, "status": error.status, "error": error.body()}
        except Exception:  # a simulator bug answers like the venue's unknown error, and is logged
            log.exception("simulator WS API request failed")
            body = {"id": request_id, "status": 500,
                    "error": {"code": -1000, "msg": "An unknown error occured while processing the request."}}
        body["rateLimits"] = self._rate_limits(ip)
        return json.dumps(body)

    def _call(self, request: dict, ip: str, session: Session):
        method = request.get("method")
        params = request.get("params", {})
        if not isinstance(params, dict):
            raise errors.mandatory("params")
        sim = self.sim
        now = sim.now_ms()
        if isinstance(method, str) and method.startswith("session."):
            return self._session(method, params, ip, session, now)
        if method not in self.methods:
            raise ApiError(400, -1000, f"Unknown method: {method}")
        handler, signed, weight, orders = self.methods[method]
        sim.limits.charge(ip, weight, now)
        strings = {k: ("true" if v is True else "false" if v is False else str(v)) for k, v in params.items()}
        # A logged-in session stands for apiKey + signature; an explicit pair overrides it.
        by_session = signed and session.account is not None and "signature" not in params
        api_key = strings.get("apiKey", "") or (session.api_key if by_session else "") or ""
        account = None
        if signed or method.startswith("userDataStream."):  # market-data methods need no key
            if not api_key:
                raise errors.BAD_API_KEY_FORMAT
            account = sim.account_of(api_key)
            if account is None:
                raise errors.BAD_API_KEY
        if signed:
            if not by_session and not self._signature_valid(params):
                raise errors.BAD_SIGNATURE
            check_timestamp(strings, now)
        if orders:
            sim.limits.count_orders(account, orders, now)
        return handler(Call(strings, account, api_key))

    def _session(self, method: str, params: dict, ip: str, session: Session, now: int) -> dict:
        self.sim.limits.charge(ip, SESSION_WEIGHT, now)
        if method == "session.status":
            return session.status(now)
        if method == "session.logout":
            session.api_key = session.account = session.authorized_since = None
            return session.status(now)
        if method != "session.logon":
            raise ApiError(400, -1000, f"Unknown method: {method}")
        public_key = self.sim.credentials.ed25519_public_key
        api_key = str(params.get("apiKey", ""))
        if not api_key:
            raise errors.BAD_API_KEY_FORMAT
        account = self.sim.account_of(api_key)
        if account is None:
            raise errors.BAD_API_KEY
        if public_key is None:
            raise LOGON_REFUSED
        signature = str(params.get("signature", ""))
        if _HEX_SIGNATURE.match(signature) or not auth.verify_ed25519(public_key, auth.ws_payload(params), signature):
            raise errors.BAD_SIGNATURE
        strings = {k: str(v) for k, v in params.items()}
        check_timestamp(strings, now)
        session.api_key, session.account, session.authorized_since = api_key, account, now
        return session.status(now)

    def _signature_valid(self, params: dict) -> bool:
        signature = str(params.get("signature", ""))
        payload = auth.ws_payload(params)
        if _HEX_SIGNATURE.match(signature):
            return hmac.compare_digest(auth.sign(self.sim.credentials.api_secret, payload), signature.lower())
        public_key = self.sim.credentials.ed25519_public_key
        return bool(signature) and public_key is not None and auth.verify_ed25519(public_key, payload, signature)

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
