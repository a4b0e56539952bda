"""Binance USD-M public market data: books kept in sync with the documented snapshot rule, BBO, trades, marks.

``DepthSync`` is the synchronisation rule of protocol notes 6.2 for one
symbol, without I/O: buffer diffs until a REST snapshot arrives, drop what
the snapshot already holds, require ``pu <= lastUpdateId <= u`` of the first
diff applied (the notes' ``U <= lastUpdateId <= u``, as ccxt applies it), then ``pu == previous u`` for
every diff after it. Anything else is a ``SequenceGap``: the book is
cleared and nothing is published for it until a new snapshot has synced.

Published messages chain: each delta's ``prev_venue_seq`` is the
``venue_seq`` of the message before it for that symbol (the snapshot's, for
the first delta after one), so a consumer can check continuity itself.

``BinanceSubscriber`` runs the sockets: one combined-stream connection per
path (``/public`` for depth and bookTicker, ``/market`` for aggTrade and
markPrice) per 200 streams, subscribed with SUBSCRIBE frames in the
session's ``on_open`` (so a reconnect resubscribes and resyncs every book),
a REST snapshot per symbol through the rate limiter, and a staleness
watchdog per book.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Collection, Sequence

import msgspec

from exchanges.binance import messages as m
from exchanges.binance import parse
from exchanges.binance.constants import DEPTH_SNAPSHOT_LIMIT, DEPTH_SPEED, MAX_STREAMS_PER_CONNECTION, VENUE
from exchanges.binance.http import BinanceHttp
from tradesys.aio import cancel_and_wait
from tradesys.messages import BookSnapshot, LevelsDelta
from tradesys.venue.base import FeedStatus, IExchangeSubscriber, MarketDataHandler, StreamKind
from tradesys.venue.book import L2Book
from tradesys.venue.errors import ExchangeError, SequenceGap, UnknownSymbol
from tradesys.venue.levels import LevelReader
from tradesys.venue.ws import StreamWatchdog, WsSession

log = logging.getLogger(__name__)
MAX_BUFFERED = 5_000   # diffs held while a snapshot is on its way; more means the snapshot is hopeless


class DepthSync:
    """One symbol's book from a snapshot and a diff stream (no I/O)."""

    def __init__(self, symbol: str, price_scale: int, size_scale: int):
        self.book = L2Book(symbol, price_scale, size_scale)
        self.levels = LevelReader(price_scale, size_scale)
        self.live = False
        self._buffer: list[LevelsDelta] = []
        self._first_after = 0      # the snapshot's lastUpdateId, until the first diff has been applied
        self.breaks = 0

    def reset(self) -> None:
        """Forget everything (a gap, a disconnect): buffer again until the next snapshot."""
        self.book.clear()
        self.live = False
        self._buffer.clear()
        self._first_after = 0

    def on_diff(self, delta: LevelsDelta) -> LevelsDelta | None:
        """Take one diff; return it when it was applied to a live book (to publish), None while buffering.
        Raises SequenceGap when it does not follow the book (the book is reset)."""
        if not self.live:
            if len(self._buffer) >= MAX_BUFFERED:
                self.reset()
                raise SequenceGap(f"{self.book.symbol}: {MAX_BUFFERED} diffs buffered without a usable snapshot")
            self._buffer.append(delta)
            return None
        if self._first_after:
            snapshot_id = self._first_after
            if delta.venue_seq < snapshot_id:
                return None   # already in the snapshot
            # The notes' rule is U <= L <= u. Our delta carries pu, not U; pu <= L <= u is the same test
            # for a contiguous stream (ids between pu and U belong to other symbols) and admits pu == L.
            if delta.prev_venue_seq > snapshot_id:
                self._gap(f"first diff after snapshot {snapshot_id} starts past it (pu {delta.prev_venue_seq})")
            self._first_after = 0
            # What we publish chains on our own messages: this delta follows the snapshot we sent.
            delta.prev_venue_seq = self.book.seq
        elif delta.prev_venue_seq != self.book.seq:
            self._gap(f"diff pu {delta.prev_venue_seq} does not follow u {self.book.seq}")
        self.book.apply(delta.bid_prices, delta.bid_sizes, delta.ask_prices, delta.ask_sizes, delta.venue_seq)
        return delta

    def on_snapshot(self, snapshot: BookSnapshot) -> BookSnapshot:
        """Load a REST snapshot and replay the buffered diffs it does not hold; return the book to publish.
        Raises SequenceGap when the buffer does not connect to the snapshot."""
        self.book.load(zip(snapshot.bid_prices, snapshot.bid_sizes), zip(snapshot.ask_prices, snapshot.ask_sizes),
                       snapshot.venue_seq)
        buffered, self._buffer = self._buffer, []
        self.live = True
        self._first_after = snapshot.venue_seq
        for delta in buffered:
            self.on_diff(delta)
        bid_prices, bid_sizes, ask_prices, ask_sizes = self.book.arrays()
        return BookSnapshot(venue=snapshot.venue, symbol=snapshot.symbol, price_scale=snapshot.price_scale,
                            size_scale=snapshot.size_scale, venue_seq=self.book.seq, bid_prices=bid_prices,
                            bid_sizes=bid_sizes, ask_prices=ask_prices, ask_sizes=ask_sizes)

    def _gap(self, why: str):
        self.breaks += 1
        self.reset()
        raise SequenceGap(f"{self.book.symbol}: {why}")


class BinanceSubscriber(IExchangeSubscriber):
    venue = VENUE

    def __init__(self, http: BinanceHttp, ws_public: str, ws_market: str, *, stale_after_s: float = 10.0,
                 snapshot_limit: int = DEPTH_SNAPSHOT_LIMIT, heartbeat_s: float = 30.0, depth_speed: str = DEPTH_SPEED):
        self.http = http
        self.depth_speed = depth_speed
        self.ws_public, self.ws_market = ws_public, ws_market
        self.stale_after_s = stale_after_s
        self.snapshot_limit = snapshot_limit
        self.heartbeat_s = heartbeat_s
        self.handler: MarketDataHandler | None = None
        self.scales: dict[str, tuple[int, int]] = {}
        self.syncs: dict[str, DepthSync] = {}
        self._status: dict[str, FeedStatus] = {}
        self._streams: dict[str, list[str]] = {"public": [], "market": []}
        self._sessions: list[tuple[WsSession, list[str]]] = []
        self._resyncs: dict[str, asyncio.Task] = {}
        self._watchdog = StreamWatchdog(self._on_stale)
        self._counters = {"messages": 0, "malformed": 0, "gaps": 0, "resyncs": 0, "snapshot_errors": 0,
                          "stale": 0, "reconnects": 0, "control_errors": 0}

    # -- the interface -----------------------------------------------------------------

    async def start(self, handler: MarketDataHandler) -> None:
        self.handler = handler
        self.http.on_raw = getattr(handler, "on_raw", None)      # the REST snapshots the streams sync on
        await self.http.start()
        info = await self.http.exchange_info()
        for symbol_info in info.symbols:
            instrument = parse.instrument(symbol_info)
            self.scales[instrument.symbol] = (instrument.price_scale, instrument.size_scale)
        await self._watchdog.start()

    async def subscribe(self, symbols: Sequence[str], kinds: Collection[StreamKind]) -> None:
        unknown = [s for s in symbols if s not in self.scales]
        if unknown:
            raise UnknownSymbol(f"not listed by the venue: {', '.join(unknown)}", request="subscribe")
        added = {"public": [], "market": []}
        for symbol in symbols:
            lower = symbol.lower()
            wanted = []
            if StreamKind.BOOK in kinds:
                wanted.append(("public", f"{lower}@depth@{self.depth_speed}"))
                if symbol not in self.syncs:
                    self.syncs[symbol] = DepthSync(symbol, *self.scales[symbol])
                    self._status[symbol] = FeedStatus.SYNCING
            if StreamKind.BBO in kinds:
                wanted.append(("public", f"{lower}@bookTicker"))
            if StreamKind.TRADES in kinds:
                wanted.append(("market", f"{lower}@aggTrade"))
            if StreamKind.MARK in kinds:
                wanted.append(("market", f"{lower}@markPrice@1s"))
            for path, stream in wanted:
                if stream not in self._streams[path]:
                    self._streams[path].append(stream)
                    added[path].append(stream)
        for path, streams in added.items():
            for start in range(0, len(streams), MAX_STREAMS_PER_CONNECTION):
                await self._open(path, streams[start:start + MAX_STREAMS_PER_CONNECTION])

    async def stop(self) -> None:
        for task in list(self._resyncs.values()):
            await cancel_and_wait(task)
        self._resyncs.clear()
        for session, _ in self._sessions:
            await session.stop()
        self._sessions.clear()
        await self._watchdog.stop()
        await self.http.close()

    def status(self, symbol: str) -> FeedStatus:
        return self._status.get(symbol, FeedStatus.SYNCING)

    def book(self, symbol: str) -> L2Book | None:
        sync = self.syncs.get(symbol)
        return sync.book if sync is not None and self.status(symbol) is FeedStatus.LIVE else None

    @property
    def counters(self) -> dict[str, int]:
        return dict(self._counters)

    # -- connections -------------------------------------------------------------------

    async def _open(self, path: str, streams: list[str]) -> None:
        base = self.ws_public if path == "public" else self.ws_market
        session = WsSession(f"binance-{path}-{len(self._sessions)}", f"{base}/stream", self._on_message,
                            on_open=lambda s: self._on_open(s, streams), heartbeat_s=self.heartbeat_s)
        session.on_close = lambda reason: self._on_close(streams, reason)
        session.on_raw = getattr(self.handler, "on_raw", None)
        self._sessions.append((session, streams))
        await session.start()

    async def _on_open(self, session: WsSession, streams: list[str]) -> None:
        if session.counters["connects"] > 1:
            self._counters["reconnects"] += 1
        # One frame for all streams: the venue allows 10 incoming frames a second per connection.
        await session.send(json.dumps({"method": "SUBSCRIBE", "params": streams, "id": session.counters["connects"]}))
        for stream in streams:
            if "@depth" in stream:
                symbol = stream.split("@", 1)[0].upper()
                self._watchdog.watch(symbol, self.stale_after_s)
                self._resync(symbol, "subscribed")

    def _on_close(self, streams: list[str], reason: str) -> None:
        for stream in streams:
            if "@depth" in stream:
                symbol = stream.split("@", 1)[0].upper()
                self.syncs[symbol].reset()
                self._cancel_resync(symbol)
                self._set_status(symbol, FeedStatus.DISCONNECTED, reason)

    # -- messages (the hot path) -------------------------------------------------------

    def _on_message(self, text: str, recv_ns: int) -> None:
        self._counters["messages"] += 1
        try:
            frame = m.market_decoder.decode(text)
        except (msgspec.ValidationError, msgspec.DecodeError):
            self._control(text)
            return
        event = frame.data
        handler = self.handler
        try:
            if type(event) is m.DepthUpdate:
                self._on_depth(event, recv_ns)
            elif type(event) is m.BookTicker:
                handler.on_bbo(parse.bbo(event), event.T * parse.MS, recv_ns)
            elif type(event) is m.AggTrade:
                handler.on_trade(parse.trade(event), event.T * parse.MS, recv_ns)
            else:
                handler.on_mark(parse.mark_price(event), event.E * parse.MS, recv_ns)
        except (ValueError, ExchangeError) as exc:   # a value we cannot read exactly, or too big for our messages
            self._counters["malformed"] += 1
            log.warning("binance: unreadable %s event: %s", type(event).__name__, exc)

    def _on_depth(self, event: m.DepthUpdate, recv_ns: int) -> None:
        symbol = event.s
        sync = self.syncs.get(symbol)
        if sync is None:
            return
        if self._watchdog.touch(symbol) and sync.live:
            self._set_status(symbol, FeedStatus.LIVE, "updates resumed")
        try:
            delta = sync.on_diff(parse.book_diff(event, sync.levels))
        except SequenceGap as gap:
            self._counters["gaps"] += 1
            self._set_status(symbol, FeedStatus.RESYNCING, str(gap))
            self._resync(symbol, "sequence gap")
            return
        if delta is not None and self._status.get(symbol) is FeedStatus.LIVE:
            self.handler.on_book(delta, event.T * parse.MS, recv_ns)

    def _control(self, text: str) -> None:
        try:
            reply = m.control_decoder.decode(text)
        except (msgspec.ValidationError, msgspec.DecodeError):
            self._counters["malformed"] += 1
            log.warning("binance: malformed market frame: %.200s", text)
            return
        if reply.code is not None:
            self._counters["control_errors"] += 1
            log.error("binance: subscription refused: code %s %s", reply.code, reply.msg)

    # -- resync ------------------------------------------------------------------------

    def _resync(self, symbol: str, why: str) -> None:
        """Fetch a snapshot for ``symbol`` (once at a time); diffs buffer meanwhile."""
        if symbol in self._resyncs and not self._resyncs[symbol].done():
            return
        self._counters["resyncs"] += 1
        self._resyncs[symbol] = asyncio.create_task(self._snapshot(symbol, why), name=f"binance-resync-{symbol}")

    def _cancel_resync(self, symbol: str) -> None:
        task = self._resyncs.pop(symbol, None)
        if task is not None and not task.done():
            task.cancel()

    async def _snapshot(self, symbol: str, why: str) -> None:
        sync = self.syncs[symbol]
        delay = 0.2
        while True:
            await asyncio.sleep(0.05)   # let the first diffs arrive: the snapshot must not be older than them
            try:
                raw = await self.http.depth(symbol, self.snapshot_limit)
                recv_ns = time.time_ns()
                snapshot = sync.on_snapshot(parse.book_snapshot(symbol, raw, *self.scales[symbol]))
            except SequenceGap as gap:
                self._counters["gaps"] += 1
                log.info("binance: %s snapshot did not connect (%s); fetching another", symbol, gap)
            except (ExchangeError, ValueError) as exc:      # ValueError: a number that is not one, or too big
                self._counters["snapshot_errors"] += 1
                log.warning("binance: %s snapshot failed (%s): %s", symbol, why, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            else:
                self._set_status(symbol, FeedStatus.LIVE, f"synced after {why}")
                self.handler.on_book(snapshot, raw.T * parse.MS, recv_ns)
                return

    # -- status ------------------------------------------------------------------------

    def _on_stale(self, symbol: str) -> None:
        self._counters["stale"] += 1
        if self._status.get(symbol) is FeedStatus.LIVE:
            self._set_status(symbol, FeedStatus.STALE, f"no depth update for {self.stale_after_s} s")

    def _set_status(self, symbol: str, status: FeedStatus, reason: str) -> None:
        if self._status.get(symbol) is status:
            return
        self._status[symbol] = status
        log.info("binance: %s book %s: %s", symbol, status.value, reason)
        self.handler.on_status(symbol, status, reason)
