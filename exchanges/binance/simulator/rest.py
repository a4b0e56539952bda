"""The Binance USD-M REST API over the simulated exchange.

Every request goes through one pipeline: rate limits, API key, signature on
the raw bytes received, timestamp window, then the handler. Every refusal is
the venue's JSON error with its HTTP status (``rejects.py``); nothing here
raises into aiohttp.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from aiohttp import web

from exchanges.binance import auth
from exchanges.binance.simulator import rejects
from exchanges.binance.simulator.catalog import exchange_info_symbol
from exchanges.binance.simulator.render import (
    balance_item,
    money,
    order_object,
    position_v2,
    position_v3,
)
from exchanges.binance.simulator.rejects import ApiError
from tradesys.numeric import PrecisionError
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.orders import OrderType, Side, StpMode, TimeInForce

if TYPE_CHECKING:
    from exchanges.binance.simulator.server import BinanceSimulator

log = logging.getLogger(__name__)

_CLIENT_ID = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")
_DEPTH_LIMITS = {5: 2, 10: 2, 20: 2, 50: 2, 100: 5, 500: 10, 1000: 20}
_CONDITIONAL = {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
_TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK, "GTX": TimeInForce.GTX}


class Security(Enum):
    NONE = "NONE"
    USER_STREAM = "USER_STREAM"   # API key, no signature
    SIGNED = "SIGNED"             # API key, timestamp, signature


@dataclass(frozen=True)
class Call:
    """One request after the pipeline: its parameters and the account it acts for."""

    params: dict[str, str]
    account: str | None
    api_key: str


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    security: Security
    weight: int | Callable[[dict[str, str]], int]   # IP weight, fixed or from the parameters
    orders: int
    handler: Callable[[Call], object]


class RestApi:
    def __init__(self, sim: BinanceSimulator):
        self.sim = sim
        s = Security
        self.table = [
            Route("GET", "/fapi/v1/ping", s.NONE, 1, 0, lambda call: {}),
            Route("GET", "/fapi/v1/time", s.NONE, 1, 0, lambda call: {"serverTime": self.sim.now_ms()}),
            Route("GET", "/fapi/v1/exchangeInfo", s.NONE, 1, 0, self.exchange_info),
            Route("GET", "/fapi/v1/depth", s.NONE, _depth_weight, 0, self.depth),
            Route("GET", "/fapi/v1/ticker/bookTicker", s.NONE, 2, 0, self.book_ticker),
            Route("GET", "/fapi/v1/ticker/price", s.NONE, 1, 0, self.ticker_price),
            Route("GET", "/fapi/v1/premiumIndex", s.NONE, 1, 0, self.premium_index),
            Route("POST", "/fapi/v1/order", s.SIGNED, 0, 1, self.new_order),
            Route("PUT", "/fapi/v1/order", s.SIGNED, 0, 1, self.modify_order),
            Route("DELETE", "/fapi/v1/order", s.SIGNED, 1, 0, self.cancel_order),
            Route("GET", "/fapi/v1/order", s.SIGNED, 1, 0, self.query_order),
            Route("GET", "/fapi/v1/openOrder", s.SIGNED, 1, 0, self.open_order),
            Route("GET", "/fapi/v1/openOrders", s.SIGNED, 1, 0, self.open_orders),
            Route("GET", "/fapi/v1/allOrders", s.SIGNED, 5, 0, self.all_orders),
            Route("DELETE", "/fapi/v1/allOpenOrders", s.SIGNED, 1, 0, self.cancel_all),
            Route("GET", "/fapi/v2/account", s.SIGNED, 5, 0, lambda call: self.account(call, v2=True)),
            Route("GET", "/fapi/v3/account", s.SIGNED, 5, 0, lambda call: self.account(call, v2=False)),
            Route("GET", "/fapi/v2/balance", s.SIGNED, 5, 0, self.balance),
            Route("GET", "/fapi/v3/balance", s.SIGNED, 5, 0, self.balance),
            Route("GET", "/fapi/v2/positionRisk", s.SIGNED, 5, 0, lambda call: self.position_risk(call, v2=True)),
            Route("GET", "/fapi/v3/positionRisk", s.SIGNED, 5, 0, lambda call: self.position_risk(call, v2=False)),
            Route("GET", "/fapi/v1/commissionRate", s.SIGNED, 20, 0, self.commission_rate),
            Route("GET", "/fapi/v1/leverageBracket", s.SIGNED, 1, 0, self.leverage_bracket),
            Route("POST", "/fapi/v1/leverage", s.SIGNED, 1, 0, self.set_leverage),
            Route("GET", "/fapi/v1/positionSide/dual", s.SIGNED, 30, 0, lambda call: {"dualSidePosition": False}),
            Route("GET", "/fapi/v1/multiAssetsMargin", s.SIGNED, 30, 0, lambda call: {"multiAssetsMargin": False}),
            Route("POST", "/fapi/v1/listenKey", s.USER_STREAM, 1, 0, self.new_listen_key),
            Route("PUT", "/fapi/v1/listenKey", s.USER_STREAM, 1, 0, self.keep_listen_key),
            Route("DELETE", "/fapi/v1/listenKey", s.USER_STREAM, 1, 0, self.close_listen_key),
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
                if route.orders and call.account is not None:
                    used_10s, used_1m = self.sim.limits.count_orders(call.account, 0, self.sim.now_ms())
                    headers["X-MBX-ORDER-COUNT-10S"] = str(used_10s)
                    headers["X-MBX-ORDER-COUNT-1M"] = str(used_1m)
                return web.json_response(body, headers=headers)
            except ApiError as error:
                return self._error(error, headers)
            except SimReject as reject:
                return self._error(rejects.from_reject(reject.code, detail=reject.detail), headers)
            except Exception:  # a simulator bug must not take the server down: the venue's unknown error
                log.exception("simulator REST handler failed", extra={"fields": {"path": request.path}})
                return self._error(ApiError(500, -1000, "An unknown error occured while processing the request."),
                                   headers)
        return handle

    async def _admit(self, request: web.Request, route: Route, headers: dict[str, str]) -> Call:
        sim = self.sim
        now = sim.now_ms()
        ip = request.remote or "127.0.0.1"
        raw_query = request.rel_url.raw_query_string.encode()
        raw_body = await request.read()
        params = _parse(raw_body) | _parse(raw_query)  # the query string wins on a duplicate name
        weight = route.weight(params) if callable(route.weight) else route.weight
        headers["X-MBX-USED-WEIGHT-1M"] = str(sim.limits.charge(ip, weight, now))
        api_key = request.headers.get(auth.API_KEY_HEADER, "")
        account = None
        if route.security is not Security.NONE:
            if not api_key:
                raise rejects.BAD_API_KEY_FORMAT
            account = sim.account_of(api_key)
            if account is None:
                raise rejects.BAD_API_KEY
        if route.security is Security.SIGNED:
            if "timestamp" not in params:
                raise rejects.mandatory("timestamp")
            if not auth.verify(sim.credentials.api_secret, raw_query, raw_body):
                raise rejects.BAD_SIGNATURE
            timestamp = _int(params, "timestamp")
            window = _int(params, "recvWindow") if "recvWindow" in params else 5000
            if timestamp >= now + 1000:
                raise rejects.too_early(timestamp - now)
            if now - timestamp > window:
                raise rejects.OUTSIDE_WINDOW
        if route.orders and account is not None:
            sim.limits.count_orders(account, route.orders, now)
        return Call(params, account, api_key)

    @staticmethod
    def _error(error: ApiError, headers: dict[str, str]) -> web.Response:
        if error.retry_after is not None:
            headers["Retry-After"] = str(error.retry_after)
        return web.json_response(error.body(), status=error.status, headers=headers)

    async def _unknown(self, request: web.Request) -> web.Response:
        return self._error(rejects.NOT_FOUND, {})

    # -- market data -------------------------------------------------------------------

    def _instrument(self, params: dict[str, str]):
        symbol = params.get("symbol")
        if not symbol:
            raise rejects.mandatory("symbol")
        if symbol not in self.sim.catalog:
            raise rejects.from_reject(RejectCode.UNKNOWN_SYMBOL)
        return self.sim.exchange.instrument(symbol)

    def exchange_info(self, call: Call) -> dict:
        return {"timezone": "UTC", "serverTime": self.sim.now_ms(), "futuresType": "U_MARGINED",
                "rateLimits": [
                    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                     "limit": self.sim.limits.ip_weight_per_minute},
                    {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
                     "limit": self.sim.limits.orders_per_minute},
                    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
                     "limit": self.sim.limits.orders_per_10s}],
                "exchangeFilters": [],
                "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
                "symbols": [exchange_info_symbol(e) for e in self.sim.catalog.values()]}

    def depth(self, call: Call) -> dict:
        instrument = self._instrument(call.params)
        raw = call.params.get("limit", "500")
        limit = int(raw) if raw.isdigit() else -1
        if limit not in _DEPTH_LIMITS:
            raise rejects.depth_limit(raw)
        engine = self.sim.exchange.engines[instrument.symbol]
        now = self.sim.now_ms()
        side = lambda s: [[instrument.price_text(p), instrument.qty_text(q)]  # noqa: E731
                          for p, q in engine.book.levels(s, limit)]
        return {"lastUpdateId": engine.update_id, "E": now, "T": now, "bids": side(Side.BUY),
                "asks": side(Side.SELL)}

    def _symbols(self, params: dict[str, str]):
        if "symbol" in params:
            return [self._instrument(params)], False
        return [self.sim.exchange.instrument(s) for s in self.sim.symbols], True

    def book_ticker(self, call: Call):
        instruments, many = self._symbols(call.params)
        now = self.sim.now_ms()
        out = []
        for i in instruments:
            book = self.sim.exchange.engines[i.symbol].book
            bid, ask = book.best(Side.BUY), book.best(Side.SELL)
            out.append({"symbol": i.symbol,
                        "bidPrice": i.price_text(bid.price) if bid else "0",
                        "bidQty": i.qty_text(bid.total) if bid else "0",
                        "askPrice": i.price_text(ask.price) if ask else "0",
                        "askQty": i.qty_text(ask.total) if ask else "0", "time": now})
        return out if many else out[0]

    def ticker_price(self, call: Call):
        instruments, many = self._symbols(call.params)
        out = [{"symbol": i.symbol, "price": f"{self.sim.exchange.mark_price(i.symbol):f}", "time": self.sim.now_ms()}
               for i in instruments]
        return out if many else out[0]

    def premium_index(self, call: Call):
        instruments, many = self._symbols(call.params)
        now = self.sim.now_ms()
        out = []
        for i in instruments:
            mark = money(self.sim.exchange.mark_price(i.symbol))
            settings = self.sim.catalog[i.symbol].market
            interval = int(settings.funding_interval_s * 1000)
            out.append({"symbol": i.symbol, "markPrice": mark, "indexPrice": mark, "estimatedSettlePrice": mark,
                        "lastFundingRate": f"{settings.funding_rate:f}", "interestRate": "0.00010000",
                        "nextFundingTime": now - now % interval + interval, "time": now})
        return out if many else out[0]

    # -- orders ------------------------------------------------------------------------

    def new_order(self, call: Call) -> dict:
        p = call.params
        instrument = self._instrument(p)
        side = _side(p)
        kind = p.get("type") or _raise(rejects.mandatory("type"))
        if kind in _CONDITIONAL:
            raise rejects.ALGO_ONLY
        if kind not in ("LIMIT", "MARKET"):
            raise rejects.INVALID_ORDER_TYPE
        order_type = OrderType(kind)
        if p.get("positionSide", "BOTH") != "BOTH":
            raise rejects.POSITION_SIDE
        quantity = _decimal_param(p, "quantity", instrument.qty_of)
        price = 0
        tif = TimeInForce.GTC
        if order_type is OrderType.LIMIT:
            price = _decimal_param(p, "price", instrument.price_of)
            tif_text = p.get("timeInForce") or _raise(rejects.mandatory("timeInForce"))
            tif = _TIF.get(tif_text) or _raise(rejects.invalid("timeInForce"))
        client_id = p.get("newClientOrderId") or None
        if client_id is not None and not _CLIENT_ID.match(client_id):
            raise rejects.BAD_CLIENT_ORDER_ID
        stp_text = p.get("selfTradePreventionMode")
        try:
            stp = StpMode(stp_text) if stp_text else None
        except ValueError:
            raise rejects.BAD_STP from None
        respond = p.get("newOrderRespType", "ACK")
        if respond not in ("ACK", "RESULT"):
            raise rejects.invalid("newOrderRespType")
        order = self.sim.exchange.place(call.account, instrument.symbol, side, order_type, quantity, price=price,
                                        time_in_force=tif, client_order_id=client_id,
                                        reduce_only=_bool(p, "reduceOnly"), stp_mode=stp)
        body = order_object(order, instrument)
        if respond == "ACK":  # the venue's ACK shows the order as accepted, whatever matching did since
            body.update(status="NEW", executedQty=instrument.qty_text(0), cumQty=instrument.qty_text(0),
                        cumQuote="0", avgPrice="0.00")
        return body

    def modify_order(self, call: Call) -> dict:
        p = call.params
        instrument = self._instrument(p)
        side = _side(p)
        quantity = _decimal_param(p, "quantity", instrument.qty_of)
        price = _decimal_param(p, "price", instrument.price_of)
        order_id, client_id = _order_ref(p)
        order = self.sim.exchange.modify(call.account, instrument.symbol, side, price, quantity, order_id=order_id,
                                         client_order_id=client_id)
        body = order_object(order, instrument)
        body.update(pair=instrument.symbol, cumBase=body["executedQty"])
        return body

    def cancel_order(self, call: Call) -> dict:
        instrument = self._instrument(call.params)
        order_id, client_id = _order_ref(call.params)
        try:
            order = self.sim.exchange.cancel(call.account, instrument.symbol, order_id=order_id,
                                             client_order_id=client_id)
        except SimReject as reject:
            raise rejects.from_reject(reject.code, unknown_order=-2011) from None
        return order_object(order, instrument)

    def query_order(self, call: Call) -> dict:
        instrument = self._instrument(call.params)
        order_id, client_id = _order_ref(call.params)
        order = self.sim.exchange.order(call.account, instrument.symbol, order_id=order_id, client_order_id=client_id)
        return order_object(order, instrument, with_time=True)

    def open_order(self, call: Call) -> dict:
        body = self.query_order(call)
        if body["status"] not in ("NEW", "PARTIALLY_FILLED"):
            raise rejects.from_reject(RejectCode.UNKNOWN_ORDER)
        return body

    def open_orders(self, call: Call) -> list:
        instruments, _ = self._symbols(call.params)
        return [order_object(o, i, with_time=True) for i in instruments
                for o in self.sim.exchange.engines[i.symbol].open_orders(call.account)]

    def all_orders(self, call: Call) -> list:
        instrument = self._instrument(call.params)
        limit = min(_int(call.params, "limit") if "limit" in call.params else 500, 1000)
        orders = self.sim.exchange.orders(call.account, instrument.symbol)[-limit:]
        return [order_object(o, instrument, with_time=True) for o in orders]

    def cancel_all(self, call: Call) -> dict:
        instrument = self._instrument(call.params)
        self.sim.exchange.cancel_all(call.account, instrument.symbol)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    # -- account -----------------------------------------------------------------------

    def _marks(self) -> dict[str, Decimal]:
        return {s: self.sim.exchange.mark_price(s) for s in self.sim.symbols}

    def _order_margin(self, account: str) -> Decimal:
        exchange = self.sim.exchange
        acct = exchange.accounts[account]
        return sum((exchange.instruments[o.symbol].notional(o.price, o.remaining) / acct.leverage_of(o.symbol)
                    for e in exchange.engines.values() for o in e.open_orders(account) if not o.reduce_only),
                   Decimal(0))

    def account(self, call: Call, v2: bool) -> dict:
        exchange = self.sim.exchange
        acct = exchange.accounts[call.account]
        marks = self._marks()
        now = self.sim.now_ms()
        wallet = acct.wallet.get("USDT", Decimal(0))
        unrealized = acct.unrealized_pnl(marks)
        position_margin = acct.position_margin(marks)
        order_margin = self._order_margin(call.account)
        available = acct.available("USDT", marks, order_margin)
        asset = {"asset": "USDT", "walletBalance": money(wallet), "unrealizedProfit": money(unrealized),
                 "marginBalance": money(wallet + unrealized), "maintMargin": money(position_margin / 10),
                 "initialMargin": money(position_margin + order_margin),
                 "positionInitialMargin": money(position_margin), "openOrderInitialMargin": money(order_margin),
                 "crossWalletBalance": money(wallet), "crossUnPnl": money(unrealized),
                 "availableBalance": money(available), "maxWithdrawAmount": money(available), "updateTime": now}
        positions = []
        for symbol in self.sim.symbols:
            position = acct.positions.get(symbol)
            has_orders = bool(exchange.engines[symbol].open_orders(call.account))
            if not v2 and not (position and position.quantity) and not has_orders:
                continue  # v3 lists only symbols with a position or open orders
            quantity = position.quantity if position else Decimal(0)
            notional = quantity * marks[symbol]
            item = {"symbol": symbol, "positionSide": "BOTH", "positionAmt": f"{quantity:f}",
                    "unrealizedProfit": money(position.unrealized_pnl(marks[symbol]) if position else Decimal(0)),
                    "isolatedMargin": "0", "notional": money(notional), "isolatedWallet": "0",
                    "initialMargin": money(abs(notional) / acct.leverage_of(symbol)), "maintMargin": "0",
                    "updateTime": now}
            if v2:
                item.update(leverage=str(acct.leverage_of(symbol)), isolated=False,
                            entryPrice=f"{position.entry_price:f}" if position else "0.0", maxNotional="100000000",
                            bidNotional="0", askNotional="0", positionInitialMargin=item["initialMargin"],
                            openOrderInitialMargin="0")
            positions.append(item)
        body = {"totalInitialMargin": money(position_margin + order_margin),
                "totalMaintMargin": money(position_margin / 10), "totalWalletBalance": money(wallet),
                "totalUnrealizedProfit": money(unrealized), "totalMarginBalance": money(wallet + unrealized),
                "totalPositionInitialMargin": money(position_margin),
                "totalOpenOrderInitialMargin": money(order_margin), "totalCrossWalletBalance": money(wallet),
                "totalCrossUnPnl": money(unrealized), "availableBalance": money(available),
                "maxWithdrawAmount": money(available), "assets": [asset], "positions": positions}
        if v2:
            asset["marginAvailable"] = True
            body.update(feeTier=0, feeBurn=False, canTrade=True, canDeposit=True, canWithdraw=True, updateTime=0,
                        multiAssetsMargin=False, tradeGroupId=-1)
        return body

    def balance(self, call: Call) -> list:
        acct = self.sim.exchange.accounts[call.account]
        marks = self._marks()
        available = acct.available("USDT", marks, self._order_margin(call.account))
        return [balance_item(acct, "USDT", available, acct.unrealized_pnl(marks), self.sim.now_ms())]

    def position_risk(self, call: Call, v2: bool) -> list:
        exchange = self.sim.exchange
        acct = exchange.accounts[call.account]
        instruments, _ = self._symbols(call.params)
        now = self.sim.now_ms()
        out = []
        for i in instruments:
            position = acct.position(i.symbol)
            has_orders = bool(exchange.engines[i.symbol].open_orders(call.account))
            if not v2 and not position.quantity and not has_orders:
                continue
            render = position_v2 if v2 else position_v3
            out.append(render(position, i, exchange.mark_price(i.symbol, position.entry_price),
                              acct.leverage_of(i.symbol), now))
        return out

    def commission_rate(self, call: Call) -> dict:
        i = self._instrument(call.params)
        return {"symbol": i.symbol, "makerCommissionRate": f"{i.maker_fee:f}",
                "takerCommissionRate": f"{i.taker_fee:f}"}

    def leverage_bracket(self, call: Call):
        instruments, many = self._symbols(call.params)
        out = [{"symbol": i.symbol, "notionalCoef": 1.0,
                "brackets": [{"bracket": 1, "initialLeverage": 125, "notionalCap": 50000, "notionalFloor": 0,
                              "maintMarginRatio": 0.004, "cum": 0.0}]} for i in instruments]
        return out if many else out[0]

    def set_leverage(self, call: Call) -> dict:
        i = self._instrument(call.params)
        leverage = _int(call.params, "leverage")
        if not 1 <= leverage <= 125:
            raise rejects.invalid("leverage")
        self.sim.exchange.accounts[call.account].leverage[i.symbol] = leverage
        return {"leverage": leverage, "maxNotionalValue": "50000", "symbol": i.symbol}

    # -- listen keys -------------------------------------------------------------------

    def new_listen_key(self, call: Call) -> dict:
        now = self.sim.now_ms()
        live = [k for k, expiry in self.sim.listen_keys.items() if expiry > now]
        key = live[0] if live else secrets.token_urlsafe(48)[:64]
        self.sim.listen_keys[key] = now + 3_600_000  # an active key is returned again and extended
        return {"listenKey": key}

    def keep_listen_key(self, call: Call) -> dict:
        now = self.sim.now_ms()
        live = [k for k, expiry in self.sim.listen_keys.items() if expiry > now]
        if not live:
            raise rejects.LISTEN_KEY
        self.sim.listen_keys[live[0]] = now + 3_600_000
        return {"listenKey": live[0]}

    def close_listen_key(self, call: Call) -> dict:
        self.sim.listen_keys.clear()
        return {}


# -- parameter parsing ---------------------------------------------------------------------

def _depth_weight(params: dict[str, str]) -> int:
    raw = params.get("limit", "500")
    return _DEPTH_LIMITS.get(int(raw) if raw.isdigit() else 0, 2)


def _parse(raw: bytes) -> dict[str, str]:
    if not raw:
        return {}
    return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))


def _raise(error: ApiError):
    raise error


def _int(params: dict[str, str], name: str) -> int:
    try:
        return int(params[name])
    except (KeyError, ValueError):
        raise rejects.mandatory(name) from None


def _bool(params: dict[str, str], name: str) -> bool:
    value = params.get(name, "false").lower()
    if value not in ("true", "false"):
        raise rejects.invalid(name)
    return value == "true"


def _side(params: dict[str, str]) -> Side:
    value = params.get("side")
    if not value:
        raise rejects.mandatory("side")
    if value not in ("BUY", "SELL"):
        raise rejects.INVALID_SIDE
    return Side(value)


def _decimal_param(params: dict[str, str], name: str, convert) -> int:
    text = params.get(name)
    if not text:
        raise rejects.mandatory(name)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise rejects.mandatory(name) from None
    if not value.is_finite():
        raise rejects.mandatory(name)
    try:
        return convert(value)
    except PrecisionError:
        raise rejects.BAD_PRECISION from None


def _order_ref(params: dict[str, str]) -> tuple[int | None, str | None]:
    if params.get("orderId"):
        return _int(params, "orderId"), None
    client_id = params.get("origClientOrderId")
    if not client_id:
        raise rejects.mandatory("orderId")
    return None, client_id
