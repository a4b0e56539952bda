"""GRVT start-up recovery over REST: instruments, book, open orders, positions, balances, fills (each with
our client order id again)."""

from __future__ import annotations

import time

from exchanges.grvt import parse
from exchanges.grvt.account import SubAccount
from exchanges.grvt.constants import VENUE
from exchanges.grvt.http import GrvtApi
from exchanges.grvt.ids import ClientIdCodec
from tradesys.messages import Balance, BookSnapshot, Fill, Instrument, OrderEvent, Position
from tradesys.numeric import get_decimal
from tradesys.venue.base import IExchangeDataFetcher
from tradesys.venue.errors import ProtocolError, UnknownOrder, UnknownSymbol

BOOK_DEPTHS = (10, 50, 100, 500)


HISTORY_PAGE = 1000


class GrvtFetcher(IExchangeDataFetcher):
    venue = VENUE

    def __init__(self, api: GrvtApi, codec: ClientIdCodec, *, sub_account: SubAccount | None = None,
                 account: str = "main", history_page: int = HISTORY_PAGE):
        self.api = api
        self.codec = codec
        self.account = account
        self.history_page = history_page      # fills a history query asks for (the venue's most: 1000)
        self._sub_account = sub_account or SubAccount()
        self._instruments: dict[str, Instrument] = {}

    def keep_frames(self, tap) -> None:
        self.api.keep_answers(tap)

    async def sub_account(self) -> str:
        return await self._sub_account.id(self.api)

    async def _known(self) -> dict[str, Instrument]:
        if not self._instruments:
            await self.instruments()
        return self._instruments

    async def settlement(self, symbol: str) -> str:
        instrument = (await self._known()).get(symbol)
        if instrument is None:
            raise UnknownSymbol(f"{symbol} is not listed", request="instruments")
        return instrument.settle

    async def server_time_ns(self) -> int:
        # The venue stamps every answer's ``event_time``: a ticker is the cheapest to ask for.
        symbols = list(await self._known())
        if not symbols:
            return time.time_ns()
        return parse.sequence((await self.api.ticker(symbols[0])).event_time)

    async def instruments(self) -> list[Instrument]:
        out = [parse.instrument(info) for info in await self.api.instruments()]
        self._instruments = {i.symbol: i for i in out}
        return out

    async def book_snapshot(self, symbol: str, depth: int) -> BookSnapshot:
        instrument = (await self._known()).get(symbol)
        if instrument is None:
            raise UnknownSymbol(f"{symbol} is not listed", request="book")
        venue_depth = next((d for d in BOOK_DEPTHS if d >= depth), BOOK_DEPTHS[-1])
        book = await self.api.book(symbol, venue_depth)
        book.bids, book.asks = book.bids[:depth], book.asks[:depth]
        return parse.book_snapshot(book, parse.sequence(book.event_time), instrument.price_scale, instrument.size_scale)

    async def open_orders(self, symbol: str | None = None) -> list[OrderEvent]:
        events = [parse.order_event(o, self.codec) for o in await self.api.open_orders(await self.sub_account())]
        return [e for e in events if symbol is None or e.symbol == symbol]

    async def order_status(self, symbol: str, client_order_id: str) -> OrderEvent | None:
        """``full/v1/order`` by the venue's form of our client order id; 1004 (no such order): None."""
        try:
            order = await self.api.order(await self.sub_account(), self.codec.encode(client_order_id))
        except UnknownOrder:
            return None
        event = parse.order_event(order, self.codec)
        return event if event.symbol == symbol else None

    async def positions(self) -> list[Position]:
        out = []
        for item in await self.api.positions(await self.sub_account()):
            position = parse.position(item, self.account)
            if get_decimal(position.quantity) != 0:
                out.append(position)
        return out

    async def balances(self) -> list[Balance]:
        return parse.balances(await self.api.account_summary(await self.sub_account()), self.account)

    async def recent_fills(self, symbol: str, since_ns: int = 0) -> list[Fill]:
        """Every fill of ``symbol`` since ``since_ns``, oldest first, each with our client order id: the
        sub-account's ``fill_history`` (newest first) followed by its cursor until the venue gives none."""
        sub_account, items, cursor, seen = await self.sub_account(), [], "", set()
        while True:
            page, cursor = await self.api.fill_history(sub_account, since_ns, self.history_page, cursor)
            items.extend(page)
            if not cursor or not page:
                break
            if cursor in seen:
                raise ProtocolError(f"fill_history gave cursor {cursor!r} twice", request="fill_history")
            seen.add(cursor)
        return [parse.fill(f, self.codec) for f in reversed(items)
                if f.instrument == symbol and parse.fill_time_ns(f) >= since_ns]

    async def close(self) -> None:
        await self.api.close()
