"""Deribit public market data: books kept in sync by their ``change_id`` chains, BBO, trades, marks.

``BookChain`` is the continuity rule of docs/protocols/deribit.md 6 for one
instrument, without I/O: a ``snapshot`` notification loads the book; every
``change`` must carry ``prev_change_id`` equal to the last ``change_id``
applied, else it is a ``SequenceGap``: the book is cleared and nothing is
published until a new snapshot. The venue sends a new snapshot when the
channel is subscribed again, so a gap resubscribes that one channel.

``DeribitSubscriber`` runs one ``RpcSession`` for all instruments
(``book.<i>.<interval>``, ``ticker.<i>.<interval>`` for BBO and marks,
``trades.<i>.<interval>``; the interval ``100ms``, or ``raw`` for every change
on a signed-in session), subscribed in the session's ``on_ready``: a reconnect
resubscribes, and every book starts from a fresh snapshot. A staleness
watchdog per book reports a silent feed. Futures and perpetuals are listed at
start; options (thousands of them) only when a symbol asked for is not a
future.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Sequence

import msgspec

from exchanges.deribit import messages as m
from exchanges.deribit import parse
from exchanges.deribit.constants import BOOK_INTERVAL, VENUE
from exchanges.deribit.http import DeribitApi
from exchanges.deribit.levels import DeribitLevels
from exchanges.deribit.rpc import RpcSession
from tradesys.messages import BookSnapshot, LevelsDelta
from tradesys.venue.base import FeedStatus, IExchangeSubscriber, MarketDataHandler, StreamKind
from tradesys.venue.book import L2Book
from tradesys.venue.errors import ExchangeError, SequenceGap, UnknownSymbol
from tradesys.venue.feeds import FeedStatuses, Resyncs
from tradesys.venue.ws import StreamWatchdog

log = logging.getLogger(__name__)


class BookChain:
    """One instrument's book from its snapshot-then-changes channel (no I/O)."""

    def __init__(self, symbol: str, price_scale: int, size_scale: int):
        self.book = L2Book(symbol, price_scale, size_scale)
        self.levels = DeribitLevels(price_scale, size_scale)
        self.live = False
        self.breaks = 0

    def reset(self) -> None:
        self.book.clear()
        self.live = False

    def on_snapshot(self, note: m.BookNotification) -> BookSnapshot:
        snapshot = parse.book_snapshot(note, self.levels)
        self.book.load(zip(snapshot.bid_prices, snapshot.bid_sizes), zip(snapshot.ask_prices, snapshot.ask_sizes),
                       snapshot.venue_seq)
        self.live = True
        return snapshot

    def on_change(self, note: m.BookNotification) -> LevelsDelta | None:
        """Apply one change; return it to publish, None while waiting for a snapshot.
        Raises SequenceGap when it does not follow the last change (the book is reset)."""
        if not self.live:
            return None
        if note.prev_change_id != self.book.seq:
            self.breaks += 1
            expected = self.book.seq
            self.reset()
            raise SequenceGap(f"{note.instrument_name}: prev_change_id {note.prev_change_id} does not follow "
                              f"change_id {expected}")
        arrays = parse.book_levels(note, self.levels)
        # The book from the lists (reading a message's repeated fields back costs twice as much), then the delta.
        self.book.apply(*arrays, note.change_id)
        return parse.book_delta(note, self.levels, arrays)


class DeribitSubscriber(IExchangeSubscriber):
    venue = VENUE

    def __init__(self, api: DeribitApi, ws_url: str, *, stale_after_s: float = 10.0, heartbeat_s: float = 30.0,
                 session: RpcSession | None = None, interval: str = BOOK_INTERVAL):
        self.api = api               # HTTP: instruments at start
        self.ws_url = ws_url
        self.stale_after_s = stale_after_s
        self.interval = interval      # of the book, ticker and trades channels alike
        self.handler: MarketDataHandler | None = None
        self.scales: dict[str, tuple[int, int]] = {}
        self._options_listed = False          # options are listed once a symbol is not a future
        self.chains: dict[str, BookChain] = {}
        self._channels: list[str] = []
        self.statuses = FeedStatuses(VENUE, stale_after_s)
        self._session = session or RpcSession("deribit-public", ws_url, heartbeat_s=heartbeat_s)
        self._session.on_notification = self._on_notification
        self._session.on_ready = self._on_ready
        self._session.on_lost = self._on_lost
        self._ws_api = DeribitApi(self._session)
        self._resyncs = Resyncs(VENUE)
        self._watchdog = StreamWatchdog(self.statuses.on_stale)
        self._counters = {"messages": 0, "malformed": 0, "gaps": 0, "reconnects": 0,
                          "subscribe_refused": 0}

    # -- the interface -----------------------------------------------------------------

    async def start(self, handler: MarketDataHandler) -> None:
        self.handler = self.statuses.handler = handler
        tap = getattr(handler, "on_raw", None)
        self._session.ws.on_raw = tap
        if hasattr(self.api.transport, "on_raw"):       # the instrument list over HTTP
            self.api.transport.on_raw = tap
        await self._list("future")
        await self._watchdog.start()
        await self._session.start()

    async def _list(self, kind: str) -> None:
        for info in await self.api.get_instruments(kind=kind):
            instrument = parse.instrument(info)
            self.scales[instrument.symbol] = (instrument.price_scale, instrument.size_scale)

    async def subscribe(self, symbols: Sequence[str], kinds: Collection[StreamKind]) -> None:
        unknown = [s for s in symbols if s not in self.scales]
        if unknown and not self._options_listed:
            await self._list("option")
            self._options_listed = True
            unknown = [s for s in symbols if s not in self.scales]
        if unknown:
            raise UnknownSymbol(f"not listed by the venue: {', '.join(unknown)}", request="subscribe")
        added = []
        for symbol in symbols:
            wanted = []
            if StreamKind.BOOK in kinds:
                wanted.append(f"book.{symbol}.{self.interval}")
                if symbol not in self.chains:
                    self.chains[symbol] = BookChain(symbol, *self.scales[symbol])
                    self._watchdog.watch(symbol, self.stale_after_s)
            if StreamKind.BBO in kinds or StreamKind.MARK in kinds:
                wanted.append(f"ticker.{symbol}.{self.interval}")
            if StreamKind.TRADES in kinds:
                wanted.append(f"trades.{symbol}.{self.interval}")
            for channel in wanted:
                if channel not in self._channels:
                    self._channels.append(channel)
                    added.append(channel)
        if added and self._session.ready.is_set():
            await self._subscribe(added)

    async def stop(self) -> None:
        await self._resyncs.stop()
        await self._session.stop()
        await self._watchdog.stop()
        close = getattr(self.api.transport, "close", None)
        if close is not None:
            await close()

    def status(self, symbol: str) -> FeedStatus:
        return self.statuses.of(symbol)

    def book(self, symbol: str) -> L2Book | None:
        chain = self.chains.get(symbol)
        return chain.book if chain is not None and self.status(symbol) is FeedStatus.LIVE else None

    @property
    def counters(self) -> dict[str, int]:
        return {**self._counters, "reconnects": self._session.reconnects, "resyncs": self._resyncs.started,
                "stale": self.statuses.stale}

    # -- session -----------------------------------------------------------------------

    async def _on_ready(self, session: RpcSession) -> None:
        if self._channels:
            await self._subscribe(list(self._channels))

    async def _subscribe(self, channels: list[str]) -> None:
        done = set(await self._ws_api.subscribe(channels, private=self._session.credentials is not None))
        refused = [c for c in channels if c not in done]
        if refused:
            self._counters["subscribe_refused"] += len(refused)
            log.error("deribit: channels not subscribed: %s", ", ".join(refused))

    def _on_lost(self, reason: str) -> None:
        for symbol, chain in self.chains.items():
            chain.reset()
            self.statuses.set(symbol, FeedStatus.DISCONNECTED, reason)

    # -- notifications (the hot path) --------------------------------------------------

    def _on_notification(self, channel: str, data: msgspec.Raw, recv_ns: int) -> None:
        self._counters["messages"] += 1
        kind = channel.split(".", 1)[0]
        try:
            if kind == "book":
                self._on_book(m.book_decoder.decode(data), recv_ns)
            elif kind == "ticker":
                ticker = m.ticker_decoder.decode(data)
                venue_ns = ticker.timestamp * parse.MS
                bbo = parse.bbo(ticker)
                if bbo is not None:
                    self.handler.on_bbo(bbo, venue_ns, recv_ns)
                mark = parse.mark_price(ticker)
                if mark is not None:
                    self.handler.on_mark(mark, venue_ns, recv_ns)
            elif kind == "trades":
                for item in m.trades_decoder.decode(data):
                    self.handler.on_trade(parse.trade(item), item.timestamp * parse.MS, recv_ns)
        except (msgspec.ValidationError, msgspec.DecodeError, ExchangeError, ValueError) as exc:   # ValueError: a
            # number that is not one, or too big for our messages
            self._counters["malformed"] += 1
            log.warning("deribit: unreadable %s notification: %s", channel, exc)

    def _on_book(self, note: m.BookNotification, recv_ns: int) -> None:
        symbol = note.instrument_name
        chain = self.chains.get(symbol)
        if chain is None:
            return
        venue_ns = note.timestamp * parse.MS
        if note.type == "snapshot":
            self._watchdog.touch(symbol)
            snapshot = chain.on_snapshot(note)
            self.statuses.set(symbol, FeedStatus.LIVE, "snapshot")
            self.handler.on_book(snapshot, venue_ns, recv_ns)
            return
        if self._watchdog.touch(symbol) and chain.live:
            self.statuses.set(symbol, FeedStatus.LIVE, "updates resumed")
        try:
            delta = chain.on_change(note)
        except SequenceGap as gap:
            self._counters["gaps"] += 1
            self.statuses.set(symbol, FeedStatus.RESYNCING, str(gap))
            self._resync(symbol)
            return
        if delta is not None and self.statuses.of(symbol) is FeedStatus.LIVE:
            self.handler.on_book(delta, venue_ns, recv_ns)

    # -- resync ------------------------------------------------------------------------

    def _resync(self, symbol: str) -> None:
        """Subscribe the book channel again: the venue answers with a fresh snapshot."""
        self._resyncs.start(symbol, lambda: self._resubscribe(symbol))

    async def _resubscribe(self, symbol: str) -> None:
        channel = f"book.{symbol}.{self.interval}"
        delay = 0.2
        while True:
            try:
                await self._ws_api.unsubscribe([channel], private=self._session.credentials is not None)
                await self._subscribe([channel])
                return
            except ExchangeError as exc:
                log.warning("deribit: resubscribing %s failed: %s", channel, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
