"""GRVT public market data: books kept in sync by their sequence numbers, BBO and marks, trades.

``BookChain`` is the continuity rule of docs/protocols/grvt.md 6 for one
instrument, without I/O: after a (re)subscription the book waits for its
snapshot (the message whose ``sequence_number`` is the subscription's first,
or 0); every delta after it must carry ``prev_sequence_number`` equal to the
last ``sequence_number`` applied, else it is a ``SequenceGap``: the book is
cleared and nothing is published until a new snapshot. The venue starts a
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

from exchanges.base import FeedStatus, IExchangeSubscriber, MarketDataHandler, StreamKind
from exchanges.book import L2Book
from exchanges.errors import ExchangeError, SequenceGap, UnknownSymbol
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
from exchanges.grvt.stream import StreamSession
from exchanges.ws import StreamWatchdog
from tradesys.aio import cancel_and_wait
from tradesys.messages import BookDelta, BookSnapshot

log = logging.getLogger(__name__)


class BookChain:
    """One instrument's book from its snapshot-then-deltas stream (no I/O)."""

    def __init__(self, symbol: str, price_scale: int, size_scale: int):
        self.book = L2Book(symbol, price_scale, size_scale)
        self.live = False
        self.first: int | None = None        # the snapshot's sequence number we wait for
        self.breaks = 0
        self.skipped = 0                     # frames before the snapshot (an old subscription's)

    def reset(self) -> None:
        self.book.clear()
        self.live = False

    def expect_snapshot(self, first: int) -> None:
        self.reset()
        self.first = first

    def on_frame(self, frame: m.Frame, book: m.Book) -> BookSnapshot | BookDelta | None:
        """Apply one frame; return what to publish, None while waiting for the snapshot.
        Raises SequenceGap when a delta does not follow the last one applied (the book is reset)."""
        seq = parse.sequence(frame.sequence_number)
        if not self.live:
            if self.first is None or seq not in (self.first, 0):
                self.skipped += 1
                return None
            snapshot = parse.book_snapshot(book, seq, self.book.price_scale, self.book.size_scale)
            self.book.load(zip(snapshot.bid_prices, snapshot.bid_sizes), zip(snapshot.ask_prices, snapshot.ask_sizes),
                           seq)
            self.live, self.first = True, None
            return snapshot
        prev = parse.sequence(frame.prev_sequence_number)
        if prev != self.book.seq:
            self.breaks += 1
            expected = self.book.seq
            self.reset()
            raise SequenceGap(f"{book.instrument}: prev_sequence_number {prev} does not follow {expected}")
        delta = parse.book_delta(book, seq, prev, self.book.price_scale, self.book.size_scale)
        self.book.apply(delta.bid_prices, delta.bid_sizes, delta.ask_prices, delta.ask_sizes, seq)
        return delta


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
        self._status: dict[str, FeedStatus] = {}
        self._resyncing: dict[str, asyncio.Task] = {}
        self._watchdog = StreamWatchdog(self._on_stale)
        self._counters = {"messages": 0, "malformed": 0, "gaps": 0, "resyncs": 0, "stale": 0, "skipped": 0}
        session.on_feed = self._on_feed
        session.on_subscribed = self._on_subscribed
        session.on_lost = self._on_lost

    # -- the interface -----------------------------------------------------------------

    async def start(self, handler: MarketDataHandler) -> None:
        self.handler = handler
        for info in await self.api.instruments():
            instrument = parse.instrument(info)
            self.scales[instrument.symbol] = (instrument.price_scale, instrument.size_scale)
        await self._watchdog.start()
        await self.session.start()

    async def subscribe(self, symbols: Sequence[str], kinds: Collection[StreamKind]) -> None:
        unknown = [s for s in symbols if s not in self.scales]
        if unknown:
            raise UnknownSymbol(f"not listed by the venue: {', '.join(unknown)}", request="subscribe")
        if StreamKind.BOOK in kinds:
            for symbol in symbols:
                if symbol not in self.chains:
                    self.chains[symbol] = BookChain(symbol, *self.scales[symbol])
                    self._status[symbol] = FeedStatus.SYNCING
                    self._watchdog.watch(symbol, self.stale_after_s)
            await self.session.subscribe(BOOK_STREAM, [f"{s}@{self.book_rate_ms}" for s in symbols])
        if StreamKind.BBO in kinds or StreamKind.MARK in kinds:
            await self.session.subscribe(TICKER_STREAM, [f"{s}@{TICKER_RATE_MS}" for s in symbols])
        if StreamKind.TRADES in kinds:
            await self.session.subscribe(TRADE_STREAM, [f"{s}@{TRADE_LIMIT}" for s in symbols])

    async def stop(self) -> None:
        for task in list(self._resyncing.values()):
            await cancel_and_wait(task)
        self._resyncing.clear()
        await self.session.stop()
        await self._watchdog.stop()
        await self.api.close()

    def status(self, symbol: str) -> FeedStatus:
        return self._status.get(symbol, FeedStatus.SYNCING)

    def book(self, symbol: str) -> L2Book | None:
        chain = self.chains.get(symbol)
        return chain.book if chain is not None and self.status(symbol) is FeedStatus.LIVE else None

    @property
    def counters(self) -> dict[str, int]:
        return {**self._counters, "reconnects": self.session.reconnects,
                "skipped": sum(c.skipped for c in self.chains.values()),
                "subscribe_refused": self.session.counters["refused"]}

    # -- session -----------------------------------------------------------------------

    def _on_subscribed(self, stream: str, firsts: dict[str, int]) -> None:
        if stream != BOOK_STREAM:
            return
        for selector, first in firsts.items():
            chain = self.chains.get(selector.partition("@")[0])
            if chain is not None:
                chain.expect_snapshot(first)

    def _on_lost(self, reason: str) -> None:
        for symbol, chain in self.chains.items():
            chain.reset()
            chain.first = None
            self._set_status(symbol, FeedStatus.DISCONNECTED, reason)

    # -- feeds (the hot path) ----------------------------------------------------------

    def _on_feed(self, frame: m.Frame, recv_ns: int) -> None:
        self._counters["messages"] += 1
        stream = frame.stream
        try:
            if stream == BOOK_STREAM:
                self._on_book(frame, m.book_decoder.decode(frame.feed), recv_ns)
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
        except (msgspec.ValidationError, msgspec.DecodeError, ExchangeError) as exc:
            self._counters["malformed"] += 1
            log.warning("grvt: unreadable %s frame dropped: %s", stream, exc)

    def _on_book(self, frame: m.Frame, book: m.Book, recv_ns: int) -> None:
        symbol = book.instrument
        chain = self.chains.get(symbol)
        if chain is None:
            return
        was_live = chain.live
        try:
            out = chain.on_frame(frame, book)
        except SequenceGap as gap:
            self._counters["gaps"] += 1
            self._set_status(symbol, FeedStatus.RESYNCING, str(gap))
            self._resync(symbol)
            return
        if out is None:
            return
        venue_ns = parse.sequence(book.event_time)
        self._watchdog.touch(symbol)
        if not was_live:
            self._set_status(symbol, FeedStatus.LIVE, "snapshot")
        elif self._status.get(symbol) is FeedStatus.STALE:
            self._set_status(symbol, FeedStatus.LIVE, "updates resumed")
        self.handler.on_book(out, venue_ns, recv_ns)

    # -- resync ------------------------------------------------------------------------

    def _resync(self, symbol: str) -> None:
        task = self._resyncing.get(symbol)
        if task is not None and not task.done():
            return
        self._counters["resyncs"] += 1
        self._resyncing[symbol] = asyncio.create_task(self._resubscribe(symbol), name=f"grvt-resync-{symbol}")

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

    # -- status ------------------------------------------------------------------------

    def _on_stale(self, symbol: str) -> None:
        self._counters["stale"] += 1
        if self._status.get(symbol) is FeedStatus.LIVE:
            self._set_status(symbol, FeedStatus.STALE, f"no book update for {self.stale_after_s} s")

    def _set_status(self, symbol: str, status: FeedStatus, reason: str) -> None:
        if self._status.get(symbol) is status:
            return
        self._status[symbol] = status
        log.info("grvt: %s book %s: %s", symbol, status.value, reason)
        self.handler.on_status(symbol, status, reason)
