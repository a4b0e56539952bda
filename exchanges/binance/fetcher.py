"""Binance USD-M start-up recovery (protocol notes 10): instruments, open orders, positions, balances, fills."""

from __future__ import annotations

import logging

from exchanges.binance import parse
from exchanges.binance.constants import VENUE
from exchanges.binance.http import BinanceHttp
from tradesys.messages import Balance, BookSnapshot, Fill, Instrument, OrderEvent, Position
from tradesys.numeric import get_decimal
from tradesys.venue.base import IExchangeDataFetcher
from tradesys.venue.errors import ProtocolError, UnknownOrder, UnknownSymbol

log = logging.getLogger(__name__)

HISTORY_PAGE = 1000


class BinanceFetcher(IExchangeDataFetcher):
    venue = VENUE

    def __init__(self, http: BinanceHttp, account: str = "main", *, history_page: int = HISTORY_PAGE):
        self.http = http
        self.account = account
        self.history_page = history_page      # rows a history query asks for (the venue's most: 1000)
        self._scales: dict[str, tuple[int, int]] = {}

    def keep_frames(self, tap) -> None:
        self.http.keep_answers(tap)

    async def server_time_ns(self) -> int:
        return (await self.http.server_time()).serverTime * parse.MS

    async def instruments(self) -> list[Instrument]:
        out = [parse.instrument(info) for info in (await self.http.exchange_info()).symbols]
        self._scales = {i.symbol: (i.price_scale, i.size_scale) for i in out}
        return out

    async def book_snapshot(self, symbol: str, depth: int) -> BookSnapshot:
        if symbol not in self._scales:
            await self.instruments()
        if symbol not in self._scales:
            raise UnknownSymbol(f"{symbol} is not listed", request="GET /fapi/v1/depth")
        return parse.book_snapshot(symbol, await self.http.depth(symbol, depth), *self._scales[symbol])

    async def open_orders(self, symbol: str | None = None) -> list[OrderEvent]:
        return [parse.order_event(order) for order in await self.http.open_orders(symbol)]

    async def order_status(self, symbol: str, client_order_id: str) -> OrderEvent | None:
        """``GET /fapi/v1/order`` by ``origClientOrderId`` (open, or final within the venue's query window)."""
        try:
            return parse.order_event(await self.http.query_order(symbol, client_order_id))
        except UnknownOrder:
            return None

    async def positions(self) -> list[Position]:
        positions = (parse.position(item, self.account) for item in await self.http.position_risk())
        return [p for p in positions if get_decimal(p.quantity) != 0]

    async def balances(self) -> list[Balance]:
        return [parse.balance(item, self.account) for item in await self.http.balances()]

    async def recent_fills(self, symbol: str, since_ns: int = 0) -> list[Fill]:
        """Every fill since ``since_ns`` (within the venue's 7-day window), oldest first, each with its client
        order id. ``userTrades`` pages by trade id (the first page from the time, then ``fromId`` = the last
        id + 1) until a page comes back short; its rows carry only the venue's order id, so the account's
        orders, paged the same way by order id, supply the map."""
        start_ms = since_ns // parse.MS if since_ns else None
        first_id = None if start_ms else 0           # no time: from the oldest the venue keeps

        def page(after):
            return self.http.user_trades(symbol, start_ms, self.history_page,
                                         from_id=first_id if after is None else after.id + 1)

        rows = await self._pages(page, lambda row: row.id)
        if not rows:
            return []
        first = min(row.orderId for row in rows)
        orders = await self._pages(lambda after: self.http.all_orders(
            symbol, None, self.history_page, from_order_id=first if after is None else after.orderId + 1),
            lambda order: order.orderId)
        client_ids = {order.orderId: order.clientOrderId for order in orders}
        for order_id in sorted({row.orderId for row in rows} - client_ids.keys()):
            # Not in the pages (the venue's window for allOrders ends at its clock's now): asked for alone.
            try:
                client_ids[order_id] = (await self.http.query_order(symbol, order_id=order_id)).clientOrderId
            except UnknownOrder:
                log.warning("binance: the order of a fill is unknown to the venue: the fill stays unattributed",
                            extra={"fields": {"symbol": symbol, "order_id": order_id}})
        fills = []
        for row in rows:
            fill = parse.user_trade_fill(row)
            fill.client_order_id = client_ids.get(row.orderId, "")
            fills.append(fill)
        return fills

    async def _pages(self, fetch, key) -> list:
        """``fetch(last row or None)`` page after page, until one comes back short; a page that does not move
        past the one before (``key``: a row's id) is the venue's error, not a reason to loop."""
        rows, last = [], None
        while True:
            page = await fetch(last)
            if page and last is not None and key(page[-1]) <= key(last):
                raise ProtocolError(f"history paging did not advance past {key(last)}", request="history")
            rows.extend(page)
            if len(page) < self.history_page:
                return rows
            last = page[-1]

    async def close(self) -> None:
        await self.http.close()
