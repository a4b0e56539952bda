"""Binance USD-M REST: one method per endpoint we use, each returning the venue's shape (``messages.py``).

Every call passes the rate limiter first (the endpoint's weight and order
count), is signed when the endpoint is (all parameters in the query string,
as the official SDK sends them), and its answer goes through one place:
the venue's counts in the response headers feed the limiter, 429/418 block
it for ``Retry-After``, and any error becomes the shared tree through
``errors.classify``. The clock offset to the venue's ``serverTime`` is
added to every timestamp.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from typing import TypeVar

import msgspec
from yarl import URL

from exchanges.binance import auth
from exchanges.binance import messages as m
from exchanges.binance.auth import Credentials
from exchanges.binance.constants import LIMIT_HEADERS, ORDERS_1M, ORDERS_10S, RECV_WINDOW_MS, WEIGHT_1M
from exchanges.binance.errors import classify
from tradesys.venue.breaker import Breakers
from tradesys.venue.errors import (
    AuthError,
    ExchangeError,
    ProtocolError,
)
from tradesys.venue.http import HttpSession
from tradesys.venue.ratelimit import RateLimiter

log = logging.getLogger(__name__)
T = TypeVar("T")
_error_decoder = msgspec.json.Decoder(m.ErrorBody)


def depth_weight(limit: int) -> int:
    return 2 if limit <= 50 else 5 if limit <= 100 else 10 if limit <= 500 else 20


def decoded(body: bytes, shape: type[T], name: str) -> T:
    """An answer's body as ``shape``, or ProtocolError naming the request."""
    try:
        return msgspec.json.decode(body, type=shape)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise ProtocolError(f"unexpected answer: {exc}", request=name) from exc


class BinanceHttp(HttpSession):
    venue = "binance"

    def __init__(self, base_url: str, credentials: Credentials | None, limiter: RateLimiter, *,
                 recv_window_ms: int = RECV_WINDOW_MS, timeout_s: float = 10.0, breakers: Breakers | None = None):
        super().__init__(limiter, timeout_s, breakers)
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.recv_window_ms = recv_window_ms
        self.clock_offset_ms = 0

    def now_ms(self) -> int:
        """Our clock corrected to the venue's."""
        return int(time.time() * 1000) + self.clock_offset_ms

    # -- the pipeline ------------------------------------------------------------------

    async def request(self, method: str, path: str, params: dict[str, str] | None = None, *,
                      signed: bool = False, key_only: bool = False, weight: int = 1, orders: int = 0,
                      may_execute: bool = False, shape: type[T] = object) -> T:
        """Send one request and decode its answer as ``shape``. Raises the shared error tree."""
        name = f"{method} {path}"
        return await self.guarded(name, lambda: self._request(method, path, params, name, signed, key_only, weight,
                                                              orders, may_execute, shape),
                                  may_execute=may_execute, private=signed or key_only)

    async def _request(self, method: str, path: str, params: dict[str, str] | None, name: str, signed: bool,
                       key_only: bool, weight: int, orders: int, may_execute: bool, shape: type[T]) -> T:
        await self.charge({WEIGHT_1M: weight, ORDERS_10S: orders, ORDERS_1M: orders}, name)
        items = [(k, v) for k, v in (params or {}).items() if v is not None]
        headers = {}
        if signed or key_only:
            if self.credentials is None:
                raise AuthError("no API key configured", request=name)
            headers[auth.API_KEY_HEADER] = self.credentials.api_key
        if signed:
            items += [("recvWindow", str(self.recv_window_ms)), ("timestamp", str(self.now_ms()))]
            query = auth.signed_query(items, self.credentials.api_secret)
        else:
            query = auth.query_string(items)
        url = URL(f"{self.base_url}{path}" + (f"?{query}" if query else ""), encoded=True)
        status, response_headers, body = await self.send(method, url, name=name, may_execute=may_execute,
                                                         headers=headers)
        # Each count looked up by name (the headers are case-insensitive), not every header walked.
        counts = {}
        for header, limit in LIMIT_HEADERS.items():
            value = response_headers.get(header)
            if value is not None and value.isdigit():
                counts[limit] = int(value)
        await self.limiter.observe(counts)
        if status == 200:
            return decoded(body, shape, name)
        raise await self._failure(status, body, response_headers.get("Retry-After"), name, may_execute)

    async def _failure(self, status: int, body: bytes, retry_after: str | None, name: str, may_execute: bool):
        try:
            error = _error_decoder.decode(body)
            code, message = error.code, error.msg
        except (msgspec.DecodeError, msgspec.ValidationError):
            code, message = None, body[:200].decode("utf-8", "replace")
        seconds = float(retry_after) if retry_after and retry_after.isdigit() else 0.0
        failure = classify(status, code, message, request=name, retry_after_s=seconds, may_have_executed=may_execute)
        if code == -1021:   # our timestamp is outside the venue's window: re-measure the clock for the next call
            try:
                await self.sync_clock()
            except ExchangeError as exc:
                log.warning("binance: clock resync after -1021 failed: %s", exc)
        await self.throttled(failure, f"{status} {code}", banned=status == 418)
        return failure

    # -- public ------------------------------------------------------------------------

    async def server_time(self) -> m.ServerTime:
        return await self.request("GET", "/fapi/v1/time", shape=m.ServerTime)

    async def sync_clock(self) -> int:
        """Measure the offset to the venue's clock (half the round trip counted); return it in ms."""
        sent = time.time() * 1000
        answer = await self.server_time()
        received = time.time() * 1000
        self.clock_offset_ms = int(answer.serverTime - (sent + received) / 2)
        return self.clock_offset_ms

    async def exchange_info(self) -> m.ExchangeInfo:
        return await self.request("GET", "/fapi/v1/exchangeInfo", shape=m.ExchangeInfo)

    async def depth(self, symbol: str, limit: int) -> m.DepthSnapshot:
        return await self.request("GET", "/fapi/v1/depth", {"symbol": symbol, "limit": str(limit)},
                                  weight=depth_weight(limit), shape=m.DepthSnapshot)

    # -- orders ------------------------------------------------------------------------

    async def new_order(self, params: dict[str, str]) -> m.Order:
        return await self.request("POST", "/fapi/v1/order", params | {"newOrderRespType": "RESULT"},
                                  signed=True, weight=0, orders=1, may_execute=True, shape=m.Order)

    async def modify_order(self, params: dict[str, str]) -> m.Order:
        return await self.request("PUT", "/fapi/v1/order", params, signed=True, weight=0, orders=1,
                                  may_execute=True, shape=m.Order)

    async def cancel_order(self, symbol: str, client_order_id: str) -> m.Order:
        return await self.request("DELETE", "/fapi/v1/order", {"symbol": symbol,
                                                               "origClientOrderId": client_order_id},
                                  signed=True, may_execute=True, shape=m.Order)

    async def cancel_all(self, symbol: str) -> None:
        await self.request("DELETE", "/fapi/v1/allOpenOrders", {"symbol": symbol}, signed=True,
                           may_execute=True)

    async def batch_orders(self, orders: Sequence[dict[str, str]]) -> list[m.Order | m.ErrorBody]:
        """Up to 5 orders; one answer per order, an order object or an error object."""
        raw = await self.request("POST", "/fapi/v1/batchOrders",
                                 {"batchOrders": json.dumps(list(orders), separators=(",", ":"))},
                                 signed=True, weight=5, orders=5, may_execute=True, shape=list[msgspec.Raw])
        out: list[m.Order | m.ErrorBody] = []
        for item in raw:
            try:
                out.append(msgspec.json.decode(item, type=m.Order))
            except msgspec.ValidationError:
                out.append(decoded(item, m.ErrorBody, "POST /fapi/v1/batchOrders"))
        return out

    async def countdown_cancel_all(self, symbol: str, countdown_ms: int) -> None:
        await self.request("POST", "/fapi/v1/countdownCancelAll",
                           {"symbol": symbol, "countdownTime": str(countdown_ms)}, signed=True, weight=10)

    # -- account -----------------------------------------------------------------------

    async def open_orders(self, symbol: str | None = None) -> list[m.Order]:
        return await self.request("GET", "/fapi/v1/openOrders", {"symbol": symbol}, signed=True,
                                  weight=1 if symbol else 40, shape=list[m.Order])

    async def query_order(self, symbol: str, client_order_id: str | None = None, *,
                          order_id: int | None = None) -> m.Order:
        """One order, by our client order id or the venue's order id."""
        params = {"symbol": symbol, "origClientOrderId": client_order_id,
                  "orderId": str(order_id) if order_id is not None else None}
        return await self.request("GET", "/fapi/v1/order", params, signed=True, shape=m.Order)

    async def all_orders(self, symbol: str, start_ms: int | None = None, limit: int = 1000, *,
                         from_order_id: int | None = None) -> list[m.Order]:
        """Oldest first from ``from_order_id`` or ``start_ms`` (the venue takes one or the other)."""
        params = {"symbol": symbol, "limit": str(limit),
                  "orderId": str(from_order_id) if from_order_id is not None else None,
                  "startTime": str(start_ms) if start_ms and from_order_id is None else None}
        return await self.request("GET", "/fapi/v1/allOrders", params, signed=True, weight=5, shape=list[m.Order])

    async def position_risk(self) -> list[m.PositionRisk]:
        return await self.request("GET", "/fapi/v3/positionRisk", signed=True, weight=5, shape=list[m.PositionRisk])

    async def balances(self) -> list[m.BalanceItem]:
        return await self.request("GET", "/fapi/v3/balance", signed=True, weight=5, shape=list[m.BalanceItem])

    async def user_trades(self, symbol: str, start_ms: int | None = None, limit: int = 1000, *,
                          from_id: int | None = None) -> list[m.UserTrade]:
        """Oldest first from ``from_id`` or ``start_ms``; ``fromId`` cannot go with a time (protocol notes 3.11)."""
        params = {"symbol": symbol, "limit": str(limit), "fromId": str(from_id) if from_id is not None else None,
                  "startTime": str(start_ms) if start_ms and from_id is None else None}
        return await self.request("GET", "/fapi/v1/userTrades", params, signed=True, weight=5,
                                  shape=list[m.UserTrade])

    async def new_listen_key(self) -> str:
        return (await self.request("POST", "/fapi/v1/listenKey", key_only=True, shape=m.ListenKey)).listenKey

    async def keep_listen_key(self) -> None:
        await self.request("PUT", "/fapi/v1/listenKey", key_only=True)

    async def close_listen_key(self) -> None:
        await self.request("DELETE", "/fapi/v1/listenKey", key_only=True)
