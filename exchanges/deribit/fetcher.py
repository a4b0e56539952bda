"""Deribit start-up recovery over HTTP (signed per request): instruments, book, open orders, positions,
balances, fills. Currencies are those of the listed instruments' settlement."""

from __future__ import annotations

from exchanges.deribit import parse
from exchanges.deribit.constants import VENUE
from exchanges.deribit.http import DeribitApi
from tradesys.messages import Balance, BookSnapshot, Fill, Instrument, OrderEvent, Position
from tradesys.numeric import get_decimal
from tradesys.venue.base import IExchangeDataFetcher
from tradesys.venue.errors import ProtocolError, UnknownSymbol

HISTORY_PAGE = 1000


class DeribitFetcher(IExchangeDataFetcher):
    venue = VENUE

    def __init__(self, api: DeribitApi, account: str = "main", *, history_page: int = HISTORY_PAGE):
        self.api = api
        self.account = account
        self.history_page = history_page      # trades a history query asks for (the venue's most: 1000)
        self._instruments: dict[str, Instrument] = {}

    async def _known(self) -> dict[str, Instrument]:
        if not self._instruments:
            await self.instruments()
        return self._instruments

    async def _currencies(self) -> list[str]:
        return sorted({i.settle for i in (await self._known()).values()})

    def keep_frames(self, tap) -> None:
        self.api.transport.keep_answers(tap)

    async def server_time_ns(self) -> int:
        return await self.api.get_time() * parse.MS

    async def instruments(self) -> list[Instrument]:
        out = [parse.instrument(info) for info in await self.api.get_instruments()]
        self._instruments = {i.symbol: i for i in out}
        return out

    async def book_snapshot(self, symbol: str, depth: int) -> BookSnapshot:
        instrument = (await self._known()).get(symbol)
        if instrument is None:
            raise UnknownSymbol(f"{symbol} is not listed", request="public/get_order_book")
        book = await self.api.get_order_book(symbol, depth)
        return parse.order_book_snapshot(book, instrument.price_scale, instrument.size_scale)

    async def open_orders(self, symbol: str | None = None) -> list[OrderEvent]:
        if symbol is not None:
            orders = await self.api.open_orders_by_instrument(symbol)
        else:
            orders = [o for c in await self._currencies() for o in await self.api.open_orders_by_currency(c)]
        return [parse.order_event(o) for o in orders]

    async def order_status(self, symbol: str, client_order_id: str) -> OrderEvent | None:
        """``private/get_order_state_by_label`` (our client order id is the order's label) in the instrument's
        currency; labels are not unique at the venue, so the newest order of the label on ``symbol``."""
        instrument = (await self._known()).get(symbol)
        if instrument is None:
            raise UnknownSymbol(f"{symbol} is not listed", request="private/get_order_state_by_label")
        orders = [o for o in await self.api.order_state_by_label(instrument.settle, client_order_id)
                  if o.instrument_name == symbol]
        if not orders:
            return None
        return parse.order_event(max(orders, key=lambda o: o.creation_timestamp))

    async def positions(self) -> list[Position]:
        out = []
        for currency in await self._currencies():
            for item in await self.api.positions(currency):
                position = parse.position(item, self.account)
                if get_decimal(position.quantity) != 0:
                    out.append(position)
        return out

    async def balances(self) -> list[Balance]:
        return [parse.balance(await self.api.account_summary(c), self.account) for c in await self._currencies()]

    async def recent_fills(self, symbol: str, since_ns: int = 0) -> list[Fill]:
        """Every fill since ``since_ns``, oldest first, each with its label: pages from the time, then from
        the instrument's trade sequence after the last one, while the venue says it ``has_more``."""
        start_ms = since_ns // parse.MS if since_ns else None
        fills, start_seq = [], None
        while True:
            page = await self.api.user_trades_by_instrument(symbol, self.history_page, start_ms=start_ms,
                                                            start_seq=start_seq)
            fills.extend(parse.fill(t) for t in page.trades if t.timestamp * parse.MS >= since_ns)
            if not page.has_more or not page.trades:
                return fills
            after = page.trades[-1].trade_seq + 1
            if start_seq is not None and after <= start_seq:
                raise ProtocolError(f"history paging did not advance past trade_seq {start_seq}", request="history")
            start_seq = after

    async def close(self) -> None:
        close = getattr(self.api.transport, "close", None)
        if close is not None:
            await close()
