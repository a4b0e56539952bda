"""GRVT public market data: books kept in sync by their sequence numbers, BBO and marks, trades.

``BookChain`` is the continuity rule of docs/protocols/grvt.md 6 for one
instrument, without I/O: after a (re)subscription the book waits for its
snapshot (sequence number 0, in one or more payloads); the deltas after it
count from the subscription's ``first_sequence_number`` by one; a number
skipped is a ``SequenceGap``: the book is cleared and nothing is published
until a new snapshot. The venue starts a
selector over with a snapshot when it is subscribed again, so a gap
resubscribes that one selector.

``GrvtSubscriber`` runs one ``StreamSession`` on the market-data socket:
``v1.book.d`` (``<instrument>@100``), ``v1.ticker.s`` (``@500``: the touch,
the mark and the funding rate) and ``v1.trade`` (``@50``). A reconnect
subscribes them all again, and every book starts from a fresh snapshot. A
staleness watchdog per book reports a silent feed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence

import msgspec

from exchanges.grvt import messages as m
from exchanges.grvt import parse
from exchanges.grvt.constants import (
    BOOK_RATE_MS,
    BOOK_STREAM,
    TICKER_RATE_MS,
    TICKER_STREAM,
    TRADE_LIMIT,
    TRADE_STREAM,
    VENUE,
)
from exchanges.grvt.http import GrvtApi
from exchanges.grvt.levels import GrvtLevels
from exchanges.grvt.rpc import StreamSession
from tradesys.messages import BookSnapshot, LevelsDelta
from tradesys.venue.base import FeedStatus, IExchangeSubscriber, MarketDataHandler, StreamKind
from tradesys.venue.book import L2Book
from tradesys.venue.errors import ExchangeError, SequenceGap, UnknownSymbol
from tradesys.venue.feeds import FeedStatuses, Resyncs
from tradesys.venue.ws import StreamWatchdog

log = logging.getLogger(__name__)


class BookChain:
    """One instrument's book from its snapshot-then-deltas stream (no I/O), by the spec's rules
    (``WSSubscribeResult``): every snapshot payload has sequence number 0, deltas count 1, 2, ... from the
    subscription's ``first_sequence_number``, each exactly one more than the last; a repeat is ignored.
    A snapshot may come in several payloads (``num_snapshots``): the book goes live with the last one."""

    def __init__(self, symbol: str, price_scale: int, size_scale: int):
        self.book = L2Book(symbol, price_scale, size_scale)
        self.levels = GrvtLevels(price_scale, size_scale)
        self.live = False
        self.first: int | None = None        # the first delta's sequence number, from the subscribe reply
        self.expected = 1                    # snapshot payloads to come
        self.received = 0
        self.breaks = 0
        self.skipped = 0                     # deltas before a snapshot (an old subscription's)
        self.duplicates = 0

    def reset(self) -> None:
        self.book.clear()
        self.live = False
        self.received = 0

    def expect_snapshot(self, first: int | None, snapshots: int = 1) -> None:
        self.reset()
        self.first, self.expected = first, max(1, snapshots)

    def on_frame(self, frame: m.Frame, book: m.BookFeed | m.Book) -> BookSnapshot | LevelsDelta | None:
        """Apply one frame; return what to publish, None while the snapshot is not complete.
        Raises SequenceGap when a delta skips a number (the book is reset)."""
        seq = parse.sequence(frame.sequence_number)
        if seq == 0:
            return self._on_snapshot(book)
        if not self.live:
            self.skipped += 1
            return None
        last = self.book.seq
        if last >= 0 and seq <= last:
            self.duplicates += 1            # "duplicate sequence numbers are possible due to network retries"
            return None
        if last >= 0 and seq != last + 1:
            self.breaks += 1
            self.reset()
            raise SequenceGap(f"{book.instrument}: sequence number {seq} after {last}")
        prev = last if last >= 0 else parse.sequence(frame.prev_sequence_number)
        scales = self.book.price_scale, self.book.size_scale
        arrays = parse.book_arrays(book, *scales, self.levels)
        # The book from the lists (reading a message's repeated fields back costs twice as much), then the delta.
        self.book.apply(*arrays, seq)
        return parse.book_delta(book, seq, prev, *scales, arrays=arrays)

    def _on_snapshot(self, book: m.BookFeed | m.Book) -> BookSnapshot | None:
        piece = parse.book_snapshot(book, 0, self.book.price_scale, self.book.size_scale, self.levels)
        if self.live or self.received == 0:      # a new snapshot (the venue's, or after our subscribe)
            if self.live:
                self.expected = 1
            self.book.load(zip(piece.bid_prices, piece.bid_sizes), zip(piece.ask_prices, piece.ask_sizes), 0)
            self.live = False
        else:                                     # another payload of the same snapshot: more levels
            self.book.apply(piece.bid_prices, piece.bid_sizes, piece.ask_prices, piece.ask_sizes, 0)
        self.received += 1
        if self.received < self.expected:
            return None
        # The next delta is the subscription's first; without one (a snapshot we did not ask for), any.
        self.book.seq = self.first - 1 if self.first else -1
        whole = self.received == 1          # the usual case: the one payload is the snapshot as published
        self.live, self.received, self.first = True, 0, None
        if whole:
            piece.venue_seq = max(self.book.seq, 0)
            return piece
        bid_prices, bid_sizes, ask_prices, ask_sizes = self.book.arrays()
        return BookSnapshot(venue=VENUE, symbol=self.book.symbol, price_scale=self.book.price_scale,
                            size_scale=self.book.size_scale, venue_seq=max(self.book.seq, 0), bid_prices=bid_prices,
                            bid_sizes=bid_sizes, ask_prices=ask_prices, ask_sizes=ask_sizes)


class GrvtSubscriber(IExchangeSubscriber):
    venue = VENUE

    def __init__(self, api: GrvtApi, session: StreamSession, *, stale_after_s: float = 10.0,
                 book_rate_ms: int = BOOK_RATE_MS):
        self.api = api                 # market-data REST: instruments at start
        self.session = session
        self.stale_after_s = stale_after_s
        self.book_rate_ms = book_rate_ms
        self.handler: MarketDataHandler | None = None
        self.scales: dict[str, tuple[int, int]] = {}
        self.chains: dict[str, BookChain] = {}
        self.statuses = FeedStatuses(VENUE, stale_after_s)
        self._resyncs = Resyncs(VENUE)
        self._watchdog = StreamWatchdog(self.statuses.on_stale)
        self._counters = {"messages": 0, "malformed": 0, "gaps": 0, "skipped": 0}
        session.on_feed = self._on_feed
        session.on_subscribed = self._on_subscribed
        session.on_lost = self._on_lost

    # -- the interface -----------------------------------------------------------------

    async def start(self, handler: MarketDataHandler) -> None:
        self.handler = self.statuses.handler = handler
        tap = getattr(handler, "on_raw", None)
        self.api.on_raw = tap               # the instrument list: a replay serves it again before the streams
        for info in await self.api.instruments():
            instrument = parse.instrument(info)
            self.scales[instrument.symbol] = (instrument.price_scale, instrument.size_scale)
        await self._watchdog.start()
        self.session.ws.on_raw = tap
        await self.session.start()

    async def subscribe(self, symbols: Sequence[str], kinds: Collection[StreamKind]) -> None:
        unknown = [s for s in symbols if s not in self.scales]
        if unknown:
            raise UnknownSymbol(f"not listed by the venue: {', '.join(unknown)}", request="subscribe")
        if StreamKind.BOOK in kinds:
            for symbol in symbols:
                if symbol not in self.chains:
                    self.chains[symbol] = BookChain(symbol, *self.scales[symbol])
                    self._watchdog.watch(symbol, self.stale_after_s)
            await self.session.subscribe(BOOK_STREAM, [f"{s}@{self.book_rate_ms}" for s in symbols])
        if StreamKind.BBO in kinds or StreamKind.MARK in kinds:
            await self.session.subscribe(TICKER_STREAM, [f"{s}@{TICKER_RATE_MS}" for s in symbols])
        if StreamKind.TRADES in kinds:
            await self.session.subscribe(TRADE_STREAM, [f"{s}@{TRADE_LIMIT}" for s in symbols])

    async def stop(self) -> None:
        await self._resyncs.stop()
        await self.session.stop()
        await self._watchdog.stop()
        await self.api.close()

    def status(self, symbol: str) -> FeedStatus:
        return self.statuses.of(symbol)

    def book(self, symbol: str) -> L2Book | None:
        chain = self.chains.get(symbol)
        return chain.book if chain is not None and self.status(symbol) is FeedStatus.LIVE else None

    @property
    def counters(self) -> dict[str, int]:
        return {**self._counters, "reconnects": self.session.reconnects, "resyncs": self._resyncs.started,
                "stale": self.statuses.stale,
                "skipped": sum(c.skipped for c in self.chains.values()),
                "duplicates": sum(c.duplicates for c in self.chains.values()),
                "subscribe_refused": self.session.counters["refused"]}

    # -- session -----------------------------------------------------------------------

    def _on_subscribed(self, stream: str, starts: dict[str, tuple[int, int]]) -> None:
        if stream != BOOK_STREAM:
            return
        for selector, (first, snapshots) in starts.items():
            chain = self.chains.get(selector.partition("@")[0])
            if chain is not None:
                chain.expect_snapshot(first, snapshots)

    def _on_lost(self, reason: str) -> None:
        for symbol, chain in self.chains.items():
            chain.reset()
            self.statuses.set(symbol, FeedStatus.DISCONNECTED, reason)

    # -- feeds (the hot path) ----------------------------------------------------------

    def _on_feed(self, frame: m.Frame, recv_ns: int) -> None:
        self._counters["messages"] += 1
        stream = frame.stream
        try:
            if stream == BOOK_STREAM:
                self._on_book(frame, m.book_feed_decoder.decode(frame.feed), recv_ns)
            elif stream == TICKER_STREAM:
                ticker = m.ticker_decoder.decode(frame.feed)
                venue_ns = parse.sequence(ticker.event_time)
                bbo = parse.bbo(ticker)
                if bbo is not None:
                    self.handler.on_bbo(bbo, venue_ns, recv_ns)
                mark = parse.mark_price(ticker)
                if mark is not None:
                    self.handler.on_mark(mark, venue_ns, recv_ns)
            elif stream == TRADE_STREAM:
                item = m.trade_decoder.decode(frame.feed)
                self.handler.on_trade(parse.trade(item), parse.sequence(item.event_time), recv_ns)
        except (msgspec.ValidationError, msgspec.DecodeError, ExchangeError, ValueError) as exc:   # ValueError: a
            # number that is not one, or too big for our messages
            self._counters["malformed"] += 1
            log.warning("grvt: unreadable %s frame dropped: %s", stream, exc)

    def _on_book(self, frame: m.Frame, book: m.BookFeed, recv_ns: int) -> None:
        symbol = book.instrument
        chain = self.chains.get(symbol)
        if chain is None:
            return
        was_live = chain.live
        try:
            out = chain.on_frame(frame, book)
        except SequenceGap as gap:
            self._counters["gaps"] += 1
            self.statuses.set(symbol, FeedStatus.RESYNCING, str(gap))
            self._resync(symbol)
            return
        if out is None:
            return
        venue_ns = parse.sequence(book.event_time)
        self._watchdog.touch(symbol)
        if not was_live:
            self.statuses.set(symbol, FeedStatus.LIVE, "snapshot")
        elif self.statuses.of(symbol) is FeedStatus.STALE:
            self.statuses.set(symbol, FeedStatus.LIVE, "updates resumed")
        self.handler.on_book(out, venue_ns, recv_ns)

    # -- resync ------------------------------------------------------------------------

    def _resync(self, symbol: str) -> None:
        self._resyncs.start(symbol, lambda: self._resubscribe(symbol))

    async def _resubscribe(self, symbol: str) -> None:
        delay = 0.2
        while True:
            try:
                await self.session.resubscribe(BOOK_STREAM, f"{symbol}@{self.book_rate_ms}")
                return
            except ExchangeError as exc:     # not connected: the reconnect subscribes afresh anyway
                log.warning("grvt: resubscribing %s failed: %s", symbol, exc)
                if not self.session.connected:
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
