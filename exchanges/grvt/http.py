"""GRVT REST, one function per route (docs/protocols/grvt.md 3): ``POST <host>/full/v1/<route>`` with JSON.

``GrvtApi.call`` is the one place a request goes out: the account's budget
(orders and other requests apart; the cancel-on-disconnect countdown never
waits), the session's cookie and account id on trade-data routes, a second
try after a fresh login when the venue answers 401 (the request was refused,
not executed), and every non-2xx answer turned into the shared error tree.
A create or cancel that gets no answer in time is ``ExecutionUnknown``: the
caller settles it against the venue's open orders.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import msgspec

from exchanges.grvt import messages as m
from exchanges.grvt.auth import ApiSession
from exchanges.grvt.constants import ORDER_ROUTES, ORDERS_1S, REQUESTS_1S, UNMETERED_ROUTES
from exchanges.grvt.errors import error_of
from tradesys.venue.breaker import Breakers
from tradesys.venue.errors import ProtocolError
from tradesys.venue.http import HttpSession
from tradesys.venue.ratelimit import RateLimiter


@dataclass(frozen=True)
class Hosts:
    market_data: str
    trade_data: str


class GrvtApi(HttpSession):
    venue = "grvt"

    def __init__(self, hosts: Hosts, session: ApiSession | None, limiter: RateLimiter | None, *,
                 timeout_s: float = 10.0, breakers: Breakers | None = None):
        super().__init__(limiter, timeout_s, breakers)
        self.hosts = hosts
        self.session = session

    async def call(self, route: str, body: dict, *, private: bool, may_execute: bool = False,
                   wrapped: bool = True) -> msgspec.Raw:
        """The ``result`` of one route (raw, for the caller's decoder); the whole answer for the few routes
        whose answer is not wrapped in ``result`` (``wrapped=False``: get_sub_accounts)."""
        return (await self._reply(route, body, private=private, may_execute=may_execute, wrapped=wrapped))[0]

    async def call_page(self, route: str, body: dict, *, private: bool) -> tuple[msgspec.Raw, str]:
        """One page of a paged list: its ``result`` (raw) and the cursor of the page after ("" at the end)."""
        return await self._reply(route, body, private=private, may_execute=False, wrapped=True)

    async def _reply(self, route: str, body: dict, *, private: bool, may_execute: bool,
                     wrapped: bool) -> tuple[msgspec.Raw, str]:
        return await self.guarded(route, lambda: self._exchange(route, body, private, may_execute, wrapped),
                                  may_execute=may_execute, private=private)

    async def _exchange(self, route: str, body: dict, private: bool, may_execute: bool,
                        wrapped: bool) -> tuple[msgspec.Raw, str]:
        if route not in UNMETERED_ROUTES:
            await self.charge({ORDERS_1S if route in ORDER_ROUTES else REQUESTS_1S: 1}, route)
        host = self.hosts.trade_data if private else self.hosts.market_data
        url = f"{host.rstrip('/')}/full/v1/{route}"
        data = json.dumps(body, separators=(",", ":"))
        for attempt in (1, 2):
            headers = {"Content-Type": "application/json"}
            if private:
                if self.session is None:
                    raise ProtocolError("grvt: a private route needs the API key", request=route)
                headers |= await self.session.headers()
            status, _, answer = await self.send("POST", url, name=route, may_execute=may_execute, headers=headers,
                                                data=data, public=not private)
            if status == 401 and private and attempt == 1:
                self.session.refused()      # refused before execution: log in again and send it once more
                continue
            break
        if status != 200:
            error = error_of(status, answer, route)
            await self.throttled(error, f"{route}: {error.venue_message}")
            raise error
        if not wrapped:
            return msgspec.Raw(answer), ""
        try:
            reply = m.result_decoder.decode(answer)
        except (msgspec.ValidationError, msgspec.DecodeError):
            raise ProtocolError(f"grvt {route}: unreadable answer {answer[:200]!r}", request=route) from None
        if not reply.result:
            raise error_of(400, answer, route) if reply.code is not None else ProtocolError(
                f"grvt {route}: answer without a result", request=route)
        return reply.result, reply.next

    # -- market data -------------------------------------------------------------------

    async def instruments(self) -> list[m.Instrument]:
        raw = await self.call("all_instruments", {"is_active": True}, private=False)
        return _decode(m.instruments_decoder, raw, "all_instruments")

    async def book(self, instrument: str, depth: int) -> m.Book:
        raw = await self.call("book", {"instrument": instrument, "depth": depth}, private=False)
        return _decode(m.book_decoder, raw, "book")

    async def ticker(self, instrument: str) -> m.Ticker:
        return _decode(m.ticker_decoder, await self.call("ticker", {"instrument": instrument}, private=False), "ticker")

    # -- trading -----------------------------------------------------------------------

    async def sub_accounts(self) -> list[str]:
        raw = await self.call("get_sub_accounts", {}, private=True, wrapped=False)
        return _decode(m.sub_accounts_decoder, raw, "get_sub_accounts").sub_account_ids

    async def create_order(self, order: dict) -> m.Order:
        raw = await self.call("create_order", {"order": order}, private=True, may_execute=True)
        return _decode(m.order_decoder, raw, "create_order")

    async def cancel_order(self, sub_account_id: str, client_order_id: str) -> bool:
        raw = await self.call("cancel_order", {"sub_account_id": sub_account_id, "client_order_id": client_order_id},
                              private=True, may_execute=True)
        return _decode(m.ack_decoder, raw, "cancel_order").ack

    async def cancel_all_orders(self, sub_account_id: str, *, kind: str | None = None, base: str | None = None,
                                quote: str | None = None) -> bool:
        """Cancel the sub-account's open orders, those of one kind, base and quote when given (spec filters)."""
        body = {"sub_account_id": sub_account_id}
        for name, value in (("kind", kind), ("base", base), ("quote", quote)):
            if value is not None:
                body[name] = [value]
        raw = await self.call("cancel_all_orders", body, private=True, may_execute=True)
        return _decode(m.ack_decoder, raw, "cancel_all_orders").ack

    async def order(self, sub_account_id: str, client_order_id: str) -> m.Order:
        raw = await self.call("order", {"sub_account_id": sub_account_id, "client_order_id": client_order_id},
                              private=True)
        return _decode(m.order_decoder, raw, "order")

    async def open_orders(self, sub_account_id: str) -> list[m.Order]:
        raw = await self.call("open_orders", {"sub_account_id": sub_account_id}, private=True)
        return _decode(m.orders_decoder, raw, "open_orders")

    async def fill_history(self, sub_account_id: str, start_ns: int = 0, limit: int = 1000,
                           cursor: str = "") -> tuple[list[m.Fill], str]:
        """One page of the sub-account's fills, newest first, and the cursor of the next ("" at the end)."""
        body = {"sub_account_id": sub_account_id, "limit": limit}
        if start_ns:
            body["start_time"] = str(start_ns)
        if cursor:
            body["cursor"] = cursor
        raw, after = await self.call_page("fill_history", body, private=True)
        return _decode(m.fills_decoder, raw, "fill_history"), after

    async def positions(self, sub_account_id: str) -> list[m.Position]:
        raw = await self.call("positions", {"sub_account_id": sub_account_id}, private=True)
        return _decode(m.positions_decoder, raw, "positions")

    async def account_summary(self, sub_account_id: str) -> m.AccountSummary:
        raw = await self.call("account_summary", {"sub_account_id": sub_account_id}, private=True)
        return _decode(m.summary_decoder, raw, "account_summary")

    async def cancel_on_disconnect(self, sub_account_id: str, countdown_ms: int) -> bool:
        raw = await self.call("cancel_on_disconnect", {"sub_account_id": sub_account_id,
                                                       "countdown_time": str(countdown_ms)}, private=True)
        return _decode(m.ack_decoder, raw, "cancel_on_disconnect").ack


def _decode(decoder: msgspec.json.Decoder, raw: msgspec.Raw, route: str):
    try:
        return decoder.decode(raw)
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise ProtocolError(f"grvt {route}: unexpected answer: {exc}", request=route) from None
