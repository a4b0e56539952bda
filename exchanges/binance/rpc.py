"""Binance USD-M WebSocket API (``/ws-fapi/v1``) as an order transport: request/response on one socket.

Each request carries its own id and HMAC signature over its params sorted
by name (protocol notes 2.4, 8); the reply with the same id resolves the
caller's future. The rate limiter is the one REST uses (the venue shares the
counters), fed from each reply's ``rateLimits``. A reply that never comes
is ``ExecutionUnknown`` for order entry; a dropped socket fails every
request in flight the same way, so nothing is silently resent.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging

import msgspec

from exchanges.binance import auth
from exchanges.binance import messages as m
from exchanges.binance.auth import Credentials
from exchanges.binance.constants import LIMIT_TYPES, ORDERS_1M, ORDERS_10S, RECV_WINDOW_MS, WEIGHT_1M
from exchanges.binance.errors import classify
from tradesys.venue.errors import ConnectivityError, ExecutionUnknown, ProtocolError, RateLimited
from tradesys.venue.ratelimit import RateLimiter
from tradesys.venue.ws import WsSession

log = logging.getLogger(__name__)


class BinanceWsApi:
    def __init__(self, url: str, credentials: Credentials, limiter: RateLimiter, now_ms, *,
                 recv_window_ms: int = RECV_WINDOW_MS, timeout_s: float = 10.0):
        self.url = url
        self.credentials = credentials
        self.limiter = limiter
        self.now_ms = now_ms
        self.recv_window_ms = recv_window_ms
        self.timeout_s = timeout_s
        self._ids = itertools.count(1)
        self._pending: dict[str, tuple[asyncio.Future, bool]] = {}
        self.session = WsSession("binance-ws-api", url, self._on_reply, on_close=self._on_close)
        self.counters = {"requests": 0, "replies": 0, "unmatched": 0, "malformed": 0}

    async def start(self) -> None:
        await self.session.start()

    async def stop(self) -> None:
        await self.session.stop()
        self._on_close("stopped")

    async def call(self, method: str, params: dict, *, weight: int = 1, orders: int = 0,
                   may_execute: bool = False) -> msgspec.Raw:
        """Send one signed request; return the raw ``result``. Raises the shared error tree."""
        await self.limiter.acquire({WEIGHT_1M: weight, ORDERS_10S: orders, ORDERS_1M: orders}, method)
        request_id = str(next(self._ids))
        signed = {**params, "apiKey": self.credentials.api_key, "recvWindow": self.recv_window_ms,
                  "timestamp": self.now_ms()}
        signed["signature"] = auth.sign(self.credentials.api_secret, auth.ws_payload(signed))
        future = asyncio.get_running_loop().create_future()
        self._pending[request_id] = (future, may_execute)
        try:
            await self.session.send(json.dumps({"id": request_id, "method": method, "params": signed}))
            self.counters["requests"] += 1
            reply: m.WsApiReply = await asyncio.wait_for(future, self.timeout_s)
        except TimeoutError:
            error = ExecutionUnknown if may_execute else ConnectivityError
            raise error(f"no reply within {self.timeout_s} s", request=method) from None
        finally:
            self._pending.pop(request_id, None)
        await self.limiter.observe({LIMIT_TYPES[key]: int(r.get("count", 0)) for r in reply.rateLimits
                                    if (key := (r.get("rateLimitType"), r.get("interval"), r.get("intervalNum")))
                                    in LIMIT_TYPES})
        if reply.status == 200 and reply.error is None:
            return reply.result
        code, message = (reply.error.code, reply.error.msg) if reply.error else (None, "")
        failure = classify(reply.status, code, message, request=method, may_have_executed=may_execute)
        if isinstance(failure, RateLimited):
            await self.limiter.throttled(failure.retry_after_s, f"{reply.status} {code}", banned=reply.status == 418)
        raise failure

    async def call_order(self, method: str, params: dict, **kwargs) -> m.Order:
        raw = await self.call(method, params, **kwargs)
        try:
            return msgspec.json.decode(raw, type=m.Order)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise ProtocolError(f"unexpected order answer: {exc}", request=method) from exc

    # -- the transport the OMS uses (the REST client's twins) ---------------------------

    async def new_order(self, params: dict[str, str]) -> m.Order:
        return await self.call_order("order.place", params | {"newOrderRespType": "RESULT"}, weight=0, orders=1,
                                     may_execute=True)

    async def modify_order(self, params: dict[str, str]) -> m.Order:
        return await self.call_order("order.modify", params, weight=0, orders=1, may_execute=True)

    async def cancel_order(self, symbol: str, client_order_id: str) -> m.Order:
        return await self.call_order("order.cancel", {"symbol": symbol, "origClientOrderId": client_order_id},
                                     may_execute=True)

    # -- replies -----------------------------------------------------------------------

    def _on_reply(self, text: str, recv_ns: int) -> None:
        try:
            reply = m.ws_api_decoder.decode(text)
        except (msgspec.ValidationError, msgspec.DecodeError):
            self.counters["malformed"] += 1
            log.warning("binance ws-api: malformed reply: %.200s", text)
            return
        pending = self._pending.get(str(reply.id)) if reply.id is not None else None
        if pending is None:
            self.counters["unmatched"] += 1   # e.g. a null-id notice that the session's key became invalid
            log.warning("binance ws-api: reply to no request: %.200s", text)
            return
        self.counters["replies"] += 1
        if not pending[0].done():
            pending[0].set_result(reply)

    def _on_close(self, reason: str) -> None:
        for future, may_execute in list(self._pending.values()):
            if not future.done():
                error = ExecutionUnknown if may_execute else ConnectivityError
                future.set_exception(error(f"the WS API socket closed: {reason}", request="ws-api"))
        self._pending.clear()
