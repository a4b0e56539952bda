"""Binance USD-M start-up recovery (protocol notes 10): instruments, open orders, positions, balances, fills."""

from __future__ import annotations

from exchanges.binance import parse
from exchanges.binance.constants import VENUE
from exchanges.binance.http import BinanceHttp
from tradesys.messages import Balance, BookSnapshot, Fill, Instrument, OrderEvent, Position
from tradesys.numeric import get_decimal
from tradesys.venue.base import IExchangeDataFetcher
from tradesys.venue.errors import UnknownSymbol


class BinanceFetcher(IExchangeDataFetcher):
    venue = VENUE

    def __init__(self, http: BinanceHttp, account: str = "main"):
        self.http = http
        self.account = account
        self._scales: dict[str, tuple[int, int]] = {}

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

    async def positions(self) -> list[Position]:
        positions = (parse.position(item, self.account) for item in await self.http.position_risk())
        return [p for p in positions if get_decimal(p.quantity) != 0]

    async def balances(self) -> list[Balance]:
        return [parse.balance(item, self.account) for item in await self.http.balances()]

    async def recent_fills(self, symbol: str, since_ns: int = 0) -> list[Fill]:
        """Fills since ``since_ns`` (one query window: the venue's last 7 days), each with its client order
        id: ``userTrades`` rows carry only the venue's order id, so the account's orders supply the map."""
        start_ms = since_ns // parse.MS if since_ns else None
        rows = await self.http.user_trades(symbol, start_ms)
        if not rows:
            return []
        orders = await self.http.all_orders(symbol, min(row.time for row in rows))
        client_ids = {order.orderId: order.clientOrderId for order in orders}
        fills = []
        for row in rows:
            fill = parse.user_trade_fill(row)
            fill.client_order_id = client_ids.get(row.orderId, "")
            fills.append(fill)
        return fills

    async def close(self) -> None:
        await self.http.close()
