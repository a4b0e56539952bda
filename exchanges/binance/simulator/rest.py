"""The Binance USD-M REST API over the simulated exchange.

Every request goes through one pipeline: rate limits, API key, signature on
the raw bytes received, timestamp window, then the handler. Every refusal is
the venue's JSON error with its HTTP status (``errors.py``); nothing here
raises into aiohttp.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING

from aiohttp import web

from exchanges.binance import auth
from exchanges.binance.simulator import errors
from exchanges.binance.simulator.account_api import AccountApi
from exchanges.binance.simulator.errors import ApiError
from exchanges.binance.simulator.market_data import MarketData
from exchanges.binance.simulator.params import Call, check_timestamp, depth_weight, fail, parse_form
from exchanges.binance.simulator.trading import Trading
from exchanges.binance.simulator.wallet import Wallet
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.faults import LOST_ANSWER

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue

log = logging.getLogger(__name__)


class Security(Enum):
    NONE = "NONE"
    USER_STREAM = "USER_STREAM"   # API key, no signature
    MARKET_DATA = "MARKET_DATA"   # API key, no signature (the spot host's reference data)
    SIGNED = "SIGNED"             # API key, timestamp, signature


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    security: Security
    weight: int | Callable[[dict[str, str]], int]   # IP weight, fixed or from the parameters
    orders: int
    handler: Callable[[Call], object]
    spot: bool = False   # the spot host's /sapi family: its own IP weight and header (limits.py)


class RestApi:
    def __init__(self, sim: BinanceVenue):
        self.sim = sim
        market, trading, account, wallet = MarketData(sim), Trading(sim), AccountApi(sim), Wallet(sim)
        s = Security
        self.table = [
            Route("GET", "/fapi/v1/ping", s.NONE, 1, 0, lambda call: {}),
            Route("GET", "/fapi/v1/time", s.NONE, 1, 0, lambda call: {"serverTime": self.sim.now_ms()}),
            Route("GET", "/fapi/v1/exchangeInfo", s.NONE, 1, 0, market.exchange_info),
            Route("GET", "/fapi/v1/depth", s.NONE, depth_weight, 0, market.depth),
            Route("GET", "/fapi/v1/ticker/bookTicker", s.NONE, 2, 0, market.book_ticker),
            Route("GET", "/fapi/v1/ticker/price", s.NONE, 1, 0, market.ticker_price),
            Route("GET", "/fapi/v1/premiumIndex", s.NONE, 1, 0, market.premium_index),
            Route("GET", "/fapi/v1/trades", s.NONE, 5, 0, market.recent_trades),
            Route("GET", "/fapi/v1/klines", s.NONE, 5, 0, market.klines),
            Route("POST", "/fapi/v1/batchOrders", s.SIGNED, 5, 5, trading.batch_new),
            Route("PUT", "/fapi/v1/batchOrders", s.SIGNED, 5, 5, trading.batch_modify),
            Route("DELETE", "/fapi/v1/batchOrders", s.SIGNED, 1, 0, trading.batch_cancel),
            Route("POST", "/fapi/v1/countdownCancelAll", s.SIGNED, 10, 0, trading.countdown_cancel_all),
            Route("GET", "/fapi/v1/userTrades", s.SIGNED, 5, 0, trading.user_trades),
            Route("POST", "/fapi/v1/order", s.SIGNED, 0, 1, trading.new_order),
            Route("PUT", "/fapi/v1/order", s.SIGNED, 0, 1, trading.modify_order),
            Route("DELETE", "/fapi/v1/order", s.SIGNED, 1, 0, trading.cancel_order),
            Route("GET", "/fapi/v1/order", s.SIGNED, 1, 0, trading.query_order),
            Route("GET", "/fapi/v1/openOrder", s.SIGNED, 1, 0, trading.open_order),
            Route("GET", "/fapi/v1/openOrders", s.SIGNED, 1, 0, trading.open_orders),
            Route("GET", "/fapi/v1/allOrders", s.SIGNED, 5, 0, trading.all_orders),
            Route("DELETE", "/fapi/v1/allOpenOrders", s.SIGNED, 1, 0, trading.cancel_all),
            Route("GET", "/fapi/v2/account", s.SIGNED, 5, 0, lambda call: account.account(call, v2=True)),
            Route("GET", "/fapi/v3/account", s.SIGNED, 5, 0, lambda call: account.account(call, v2=False)),
            Route("GET", "/fapi/v2/balance", s.SIGNED, 5, 0, account.balance),
            Route("GET", "/fapi/v3/balance", s.SIGNED, 5, 0, account.balance),
            Route("GET", "/fapi/v2/positionRisk", s.SIGNED, 5, 0, lambda call: account.position_risk(call, v2=True)),
            Route("GET", "/fapi/v3/positionRisk", s.SIGNED, 5, 0, lambda call: account.position_risk(call, v2=False)),
            Route("GET", "/fapi/v1/commissionRate", s.SIGNED, 20, 0, account.commission_rate),
            Route("GET", "/fapi/v1/leverageBracket", s.SIGNED, 1, 0, account.leverage_bracket),
            Route("POST", "/fapi/v1/leverage", s.SIGNED, 1, 0, account.set_leverage),
            Route("GET", "/fapi/v1/positionSide/dual", s.SIGNED, 30, 0, lambda call: {"dualSidePosition": False}),
            Route("GET", "/fapi/v1/multiAssetsMargin", s.SIGNED, 30, 0, lambda call: {"multiAssetsMargin": False}),
            # The Algo service is not simulated: no algo order can exist, so queries find none.
            Route("POST", "/fapi/v1/algoOrder", s.SIGNED, 0, 1, lambda call: fail(errors.ALGO_NOT_SIMULATED)),
            Route("DELETE", "/fapi/v1/algoOrder", s.SIGNED, 1, 0,
                  lambda call: fail(errors.from_reject(RejectCode.UNKNOWN_ORDER, unknown_order=-2011))),
            Route("GET", "/fapi/v1/algoOrder", s.SIGNED, 1, 0,
                  lambda call: fail(errors.from_reject(RejectCode.UNKNOWN_ORDER))),
            Route("GET", "/fapi/v1/openAlgoOrders", s.SIGNED, 1, 0, lambda call: []),
            Route("GET", "/fapi/v1/allAlgoOrders", s.SIGNED, 5, 0, lambda call: []),
            Route("POST", "/fapi/v1/listenKey", s.USER_STREAM, 1, 0, account.new_listen_key),
            Route("PUT", "/fapi/v1/listenKey", s.USER_STREAM, 1, 0, account.keep_listen_key),
            Route("DELETE", "/fapi/v1/listenKey", s.USER_STREAM, 1, 0, account.close_listen_key),
            Route("GET", "/sapi/v1/capital/config/getall", s.SIGNED, 10, 0, wallet.capital_config_getall,
                  spot=True),
            Route("GET", "/sapi/v1/margin/allPairs", s.MARKET_DATA, 1, 0, wallet.margin_all_pairs, spot=True),
        ]

    def routes(self) -> list[web.RouteDef]:
        defs = [web.route(r.method, r.path, self._endpoint(r)) for r in self.table]
        defs.append(web.route("*", "/{tail:.*}", self._unknown))
        return defs

    # -- pipeline ----------------------------------------------------------------------

    def _endpoint(self, route: Route):
        async def handle(request: web.Request) -> web.Response:
            headers: dict[str, str] = {}
            try:
                call = await self._admit(request, route, headers)
                body = route.handler(call)
                if (route.method, route.path) == ("POST", "/fapi/v1/order") and self.sim.faults.lose_answer():
                    log.warning(LOST_ANSWER, extra={"fields": {"path": route.path}})
                    request.transport.close()      # executed; the client sees the connection cut
                    return web.Response(status=500)
                if route.orders and call.account is not None:
                    used_10s, used_1m = self.sim.limits.count_orders(call.account, 0, self.sim.now_ms())
                    headers["X-MBX-ORDER-COUNT-10S"] = str(used_10s)
                    headers["X-MBX-ORDER-COUNT-1M"] = str(used_1m)
                return web.json_response(body, headers=headers)
            except ApiError as error:
                return self._error(error, headers)
            except SimReject as reject:
                return self._error(errors.from_reject(reject.code, detail=reject.detail), headers)
            except web.HTTPException:
                raise  # aiohttp's own answers (413 body too large...), as the venue's front proxy gives them
            except Exception:  # a simulator bug must not take the server down: the venue's unknown error
                log.exception("simulator REST handler failed", extra={"fields": {"path": request.path}})
                return self._error(ApiError(500, -1000, "An unknown error occured while processing the request."),
                                   headers)
        return handle

    async def _admit(self, request: web.Request, route: Route, headers: dict[str, str]) -> Call:
        sim = self.sim
        injected = sim.fault_control.next_http_error()
        if injected is not None:
            raise injected
        now = sim.now_ms()
        ip = request.remote or "127.0.0.1"
        raw_query = request.rel_url.raw_query_string.encode()
        raw_body = await request.read()
        params = parse_form(raw_body) | parse_form(raw_query)  # the query string wins on a duplicate name
        weight = route.weight(params) if callable(route.weight) else route.weight
        if route.spot:
            headers["X-SAPI-USED-IP-WEIGHT-1M"] = str(sim.limits.charge_sapi(ip, weight, now))
        else:
            headers["X-MBX-USED-WEIGHT-1M"] = str(sim.limits.charge(ip, weight, now))
        api_key = request.headers.get(auth.API_KEY_HEADER, "")
        account = None
        if route.security is not Security.NONE:
            if not api_key:
                raise errors.BAD_API_KEY_FORMAT
            account = sim.account_of(api_key)
            if account is None:
                raise errors.BAD_API_KEY
        if route.security is Security.SIGNED:
            if "timestamp" not in params:
                raise errors.mandatory("timestamp")
            if not auth.verify(sim.credentials.api_secret, raw_query, raw_body):
                raise errors.BAD_SIGNATURE
            check_timestamp(params, now)
        if route.orders and account is not None:
            sim.limits.count_orders(account, route.orders, now)
        return Call(params, account, api_key)

    @staticmethod
    def _error(error: ApiError, headers: dict[str, str]) -> web.Response:
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        return web.json_response(error.body(), status=error.status, headers=headers)

    async def _unknown(self, request: web.Request) -> web.Response:
        # The venue's front end answers a path it does not route with its HTML error page, not JSON.
        return web.Response(status=404, text=errors.NOT_FOUND_PAGE, content_type="text/html")
