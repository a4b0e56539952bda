"""Deribit's methods, one function each, over either transport: a ``RpcSession`` (WebSocket) or
``HttpTransport`` (HTTP GET with the query, signed per request with the ``deri-hmac-sha256`` header).

``DeribitApi`` returns the venue's shapes (``messages.py``); every call goes
through the transport's ``call(method, params, may_execute=...)``, so rate
limits, signing and error classification live in one place per transport.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import msgspec
from yarl import URL

from exchanges.deribit import auth
from exchanges.deribit import messages as m
from exchanges.deribit.constants import MATCHING_1S, MATCHING_METHODS, REQUESTS_1S, UNMETERED_METHODS
from exchanges.deribit.errors import classify
from tradesys.venue.breaker import Breakers
from tradesys.venue.errors import ProtocolError, VenueUnavailable
from tradesys.venue.http import HttpSession
from tradesys.venue.ratelimit import RateLimiter


def _query_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class HttpTransport(HttpSession):
    """JSON-RPC over HTTP GET: public calls plain, private ones signed (no token to keep)."""

    venue = "deribit http"

    def __init__(self, rest_url: str, credentials: auth.Credentials | None, limiter: RateLimiter | None, *,
                 timeout_s: float = 10.0, breakers: Breakers | None = None):
        super().__init__(limiter, timeout_s, breakers)
        self.rest_url = rest_url.rstrip("/")
        self.credentials = credentials

    async def call(self, method: str, params: dict | None = None, *, may_execute: bool = False) -> msgspec.Raw:
        return await self.guarded(method, lambda: self._call(method, params, may_execute), may_execute=may_execute,
                                  private=method.startswith("private/"))

    async def _call(self, method: str, params: dict | None, may_execute: bool) -> msgspec.Raw:
        if method not in UNMETERED_METHODS:
            await self.charge({MATCHING_1S if method in MATCHING_METHODS else REQUESTS_1S: 1}, method)
        query = urlencode([(k, _query_value(v)) for k, v in (params or {}).items() if v is not None])
        url = f"{self.rest_url}/{method}" + (f"?{query}" if query else "")
        headers = {}
        if method.startswith("private/"):
            if self.credentials is None:
                raise classify(13009, "unauthorized", "no credentials configured", request=method)
            uri = URL(url, encoded=True).path_qs
            headers["Authorization"] = auth.http_header(self.credentials, int(time.time() * 1000), "GET", uri)
        status, _, body = await self.send("GET", URL(url, encoded=True), name=method, may_execute=may_execute,
                                          headers=headers)
        try:
            frame = m.envelope_decoder.decode(body)
        except (msgspec.ValidationError, msgspec.DecodeError):
            if status >= 500:
                raise VenueUnavailable(f"deribit http {status}", request=method) from None
            raise ProtocolError(f"deribit http {status}: not JSON-RPC: {body[:200]!r}", request=method) from None
        if frame.error is not None:
            error = classify(frame.error.code, frame.error.message, frame.error.data, request=method)
            await self.throttled(error, f"{method}: {frame.error.message}")
            raise error
        if not frame.result:
            raise ProtocolError("deribit http: neither result nor error", request=method)
        return frame.result


class DeribitApi:
    """One method per venue method we use; ``transport`` is a RpcSession or an HttpTransport."""

    def __init__(self, transport):
        self.transport = transport

    async def _call(self, method: str, params: dict | None = None, shape=None, *, may_execute: bool = False):
        params = {k: v for k, v in (params or {}).items() if v is not None}   # an unset option is not sent
        raw = await self.transport.call(method, params, may_execute=may_execute)
        if shape is None:
            return json.loads(bytes(raw))
        try:
            return m.decode(raw, shape)
        except (msgspec.ValidationError, msgspec.DecodeError) as exc:
            raise ProtocolError(f"unexpected {method} result: {exc}", request=method) from None

    # -- public ------------------------------------------------------------------------

    async def get_time(self) -> int:
        return await self._call("public/get_time", shape=int)

    async def get_instruments(self, currency: str = "any", kind: str = "future") -> list[m.InstrumentInfo]:
        return await self._call("public/get_instruments", {"currency": currency, "kind": kind},
                                list[m.InstrumentInfo])

    async def get_order_book(self, instrument: str, depth: int) -> m.OrderBook:
        return await self._call("public/get_order_book", {"instrument_name": instrument, "depth": depth},
                                m.OrderBook)

    async def subscribe(self, channels: list[str], *, private: bool = False) -> list[str]:
        method = "private/subscribe" if private else "public/subscribe"
        return await self._call(method, {"channels": channels}, list[str])

    async def unsubscribe(self, channels: list[str], *, private: bool = False) -> list[str]:
        method = "private/unsubscribe" if private else "public/unsubscribe"
        return await self._call(method, {"channels": channels}, list[str])

    # -- orders ------------------------------------------------------------------------

    async def place(self, direction: str, params: dict) -> m.OrderReply:
        return await self._call(f"private/{direction}", params, m.OrderReply, may_execute=True)

    async def edit(self, params: dict) -> m.OrderReply:
        return await self._call("private/edit", params, m.OrderReply, may_execute=True)

    async def cancel(self, order_id: str) -> m.Order:
        return await self._call("private/cancel", {"order_id": order_id}, m.Order, may_execute=True)

    async def cancel_all_by_instrument(self, instrument: str) -> int:
        return await self._call("private/cancel_all_by_instrument", {"instrument_name": instrument}, int,
                                may_execute=True)

    async def cancel_by_label(self, label: str) -> int:
        return await self._call("private/cancel_by_label", {"label": label}, int, may_execute=True)

    async def open_orders_by_instrument(self, instrument: str) -> list[m.Order]:
        return await self._call("private/get_open_orders_by_instrument", {"instrument_name": instrument},
                                list[m.Order])

    async def open_orders_by_currency(self, currency: str) -> list[m.Order]:
        return await self._call("private/get_open_orders_by_currency", {"currency": currency}, list[m.Order])

    async def order_state(self, order_id: str) -> m.Order:
        return await self._call("private/get_order_state", {"order_id": order_id}, m.Order)

    async def order_state_by_label(self, currency: str, label: str) -> list[m.Order]:
        return await self._call("private/get_order_state_by_label", {"currency": currency, "label": label},
                                list[m.Order])

    async def user_trades_by_instrument(self, instrument: str, count: int = 1000, *, start_ms: int | None = None,
                                        start_seq: int | None = None) -> m.UserTrades:
        """Oldest first, from ``start_seq`` (the instrument's trade sequence) and ``start_ms``."""
        return await self._call("private/get_user_trades_by_instrument",
                                {"instrument_name": instrument, "count": count, "sorting": "asc",
                                 "start_timestamp": start_ms, "start_seq": start_seq}, m.UserTrades)

    # -- account -----------------------------------------------------------------------

    async def positions(self, currency: str) -> list[m.PositionItem]:
        return await self._call("private/get_positions", {"currency": currency, "kind": "future"},
                                list[m.PositionItem])

    async def account_summary(self, currency: str) -> m.AccountSummary:
        return await self._call("private/get_account_summary", {"currency": currency}, m.AccountSummary)
