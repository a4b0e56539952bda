"""A strategy's books, rebuilt from its market server's snapshots and deltas.

A delta that does not follow the previous message (bus loss, or a resync
at the market server) drops the book until the next snapshot. A strategy
with the "top" view gets the market server's top-of-book messages instead:
each one is the whole book it keeps (the best bid and ask). the strategy
hears of every change through ``notify("on_book_status", symbol, live,
reason)``. Latency from the venue's socket to here is kept as a histogram.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tradesys.clock import LIVE_CLOCK, Clock
from tradesys.messages import BookDelta, BookSnapshot, BookState, BookStatus, BookTop
from tradesys.metrics import Histogram
from tradesys.venue.book import L2Book


class MarketBooks:
    def __init__(self, symbols: tuple[str, ...], notify: Callable[..., None], clock: Clock = LIVE_CLOCK):
        self.notify = notify
        self.clock = clock
        self.books: dict[str, L2Book] = {}
        self.live: dict[str, bool] = dict.fromkeys(symbols, False)
        self.wire_to_strategy = Histogram()
        # book_updates: every snapshot and delta applied (on_book calls); book_snapshots: the snapshots among them.
        self.count = {"book_updates": 0, "book_snapshots": 0, "book_drops": 0, "market_server_losses": 0}
        self._session: int | None = None      # the market server's publisher session

    def book(self, symbol: str) -> L2Book | None:
        """The book of ``symbol`` while it is live, else None."""
        return self.books.get(symbol) if self.live.get(symbol) else None

    def is_live(self, symbol: str) -> bool:
        return bool(self.live.get(symbol))

    def mid(self, symbol: str) -> Decimal | None:
        """The last known mid, live or not (marks positions)."""
        book = self.books.get(symbol)
        return book.mid() if book is not None else None

    def touch(self, symbol: str) -> tuple[str, str]:
        """Best bid and ask as text, "" where there is none or the book is not live (the status screen)."""
        book = self.book(symbol)
        if book is None:
            return "", ""
        return (str(book.price(book.best_bid)) if book.best_bid is not None else "",
                str(book.price(book.best_ask)) if book.best_ask is not None else "")

    def on_message(self, message: BookSnapshot | BookDelta, recv_ts: int) -> None:
        symbol = message.symbol
        book = self.books.get(symbol)
        if isinstance(message, BookSnapshot):
            if book is None or book.price_scale != message.price_scale:
                book = self.books[symbol] = L2Book(symbol, message.price_scale, message.size_scale)
            book.load(zip(message.bid_prices, message.bid_sizes), zip(message.ask_prices, message.ask_sizes),
                      message.venue_seq)
            self.count["book_snapshots"] += 1
            if not self.live.get(symbol):
                self.live[symbol] = True
                self.notify("on_book_status", symbol, True, "snapshot")
        else:
            if book is None or not self.live.get(symbol):
                return
            if message.prev_venue_seq != book.seq:
                self.count["book_drops"] += 1
                self.live[symbol] = False
                self.notify("on_book_status", symbol, False, "a delta did not follow the book: waiting for a snapshot")
                return
            book.apply(message.bid_prices, message.bid_sizes, message.ask_prices, message.ask_sizes,
                       message.venue_seq)
        self.count["book_updates"] += 1
        if recv_ts:
            self.wire_to_strategy.add(self.clock.time_ns() - recv_ts)
        self.notify("on_book", symbol, book)

    def on_top(self, message: BookTop, recv_ts: int) -> None:
        """The market server's top of book (the "top" view): the book becomes its best bid and ask alone,
        each message replacing the last (it is whole: a lost one costs nothing but itself)."""
        symbol = message.symbol
        book = self.books.get(symbol)
        if book is None or book.price_scale != message.price_scale or book.size_scale != message.size_scale:
            book = self.books[symbol] = L2Book(symbol, message.price_scale, message.size_scale)
        book.set_top(message.bid_price, message.bid_size, message.ask_price, message.ask_size, message.venue_seq)
        if not self.live.get(symbol):
            self.live[symbol] = True
            self.notify("on_book_status", symbol, True, "top of book")
        self.count["book_updates"] += 1
        if recv_ts:
            self.wire_to_strategy.add(self.clock.time_ns() - recv_ts)
        self.notify("on_book", symbol, book)

    def on_session(self, session: int) -> None:
        """The market server's publisher session of the next message: a new one is a restarted market server,
        whose books start afresh (not from where the old ones were)."""
        if self._session is not None and session != self._session:
            self.drop_all("the market server restarted: waiting for its snapshot")
        self._session = session

    def drop_all(self, reason: str) -> None:
        """No book is live any more (its market server went silent or restarted) until its next snapshot."""
        dropped = [symbol for symbol, live in self.live.items() if live]
        if dropped:
            self.count["market_server_losses"] += 1
        for symbol in dropped:
            self.live[symbol] = False
            self.notify("on_book_status", symbol, False, reason)

    def on_status(self, message: BookStatus) -> None:
        """The market server's word on a feed: a book it no longer vouches for stops being live here."""
        if message.state != BookState.BOOK_STATE_LIVE and self.live.get(message.symbol):
            self.live[message.symbol] = False
            state = BookState.Name(message.state).removeprefix("BOOK_STATE_").lower()
            self.notify("on_book_status", message.symbol, False, f"{state}: {message.reason}")
