"""MarketServer[venue]: one venue's public market data, normalised, on the bus.

Runs the venue's ``IExchangeSubscriber`` for the configured symbols and
publishes what it delivers, unchanged, on ``md.<venue>.<symbol>.<kind>``
with the venue's and our receive timestamps:

- ``book``: ``BookSnapshot`` then ``BookDelta``; a snapshot at every (re)sync, when a stale feed's
  updates resume, and every ``snapshot_seconds`` (stamped with the times of the update it is as of);
  deltas chain on ``prev_venue_seq``.
- ``bbo``: ``Bbo``, every best bid/offer change.
- ``trade``: ``Trade``, every public trade.
- ``mark``: ``MarkPrice``, every mark price update.
- ``status``: ``BookStatus``, every change of a book feed's state, and every ``snapshot_seconds``.

A book is published only while its feed is LIVE (the subscriber guarantees
it); any other state goes out on ``status`` at once so strategies stop
quoting on it. The periodic snapshot lets a strategy that joins late (or
lost messages, which the bus's sequence numbers show) start from a right
book without asking anyone; ``book(symbol)`` returns the current snapshot
over Ray for the same purpose at start.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tradesys import logs
from tradesys.actors.base import ActorBase, Directory
from tradesys.bus import topics
from tradesys.config.schema import Endpoint, VenueConfig
from tradesys.messages import BookSnapshot, BookState, BookStatus, BookTop
from tradesys.services.account import simulator_urls
from tradesys.services.raw import RawTap
from tradesys.venue.base import FeedStatus, StreamKind, get_venue
from tradesys.venue.book import L2Book
from tradesys.venue.ratelimit import Budget, LocalBudget, RateLimiter
from tradesys.venue.registry import VenueSpec

STATES = {FeedStatus.SYNCING: BookState.BOOK_STATE_SYNCING, FeedStatus.LIVE: BookState.BOOK_STATE_LIVE,
          FeedStatus.RESYNCING: BookState.BOOK_STATE_RESYNCING, FeedStatus.STALE: BookState.BOOK_STATE_STALE,
          FeedStatus.DISCONNECTED: BookState.BOOK_STATE_DISCONNECTED}
KINDS = (StreamKind.BOOK, StreamKind.BBO, StreamKind.TRADES, StreamKind.MARK)


@dataclass(frozen=True)
class MarketServerSettings:
    key: str                          # the venue's config key (exchange.<key>)
    config: VenueConfig = field(repr=False)
    snapshot_seconds: float = 5.0
    # Publish each book's touch on md.<venue>.<symbol>.top when it changes (a strategy on the venue reads
    # the "top" view): off when none does, so the book path pays nothing for it.
    publish_top: bool = False
    # Publish every frame of the venue connections as it arrived (raw.<venue>.<connection>), for the recorder:
    # what a replay feeds the same parsers. A frame that carries a credential is withheld (services/raw.py).
    raw_frames: bool = True
    # Only for feeds that need a signed-in session (Deribit's raw book channel); never logged.
    api_key: str | None = field(default=None, repr=False)
    api_secret: str | None = field(default=None, repr=False)


def market_data_limiter(spec: VenueSpec) -> RateLimiter:
    """Market data needs no key: its REST snapshots share one budget in this process, of the venue's limits."""
    return RateLimiter(LocalBudget(Budget.of(spec.rate_limits)), venue=spec.name)


def top_message(venue: str, book: L2Book, touch: tuple[int | None, int, int | None, int]) -> BookTop:
    """The top-of-book message of ``book`` (its ``touch()``): mantissas at the book's scales, as its arrays are;
    an empty side has price and size 0."""
    bid, bid_size, ask, ask_size = touch
    return BookTop(venue=venue, symbol=book.symbol, price_scale=book.price_scale, size_scale=book.size_scale,
                   venue_seq=book.seq, bid_price=bid or 0, bid_size=bid_size, ask_price=ask or 0, ask_size=ask_size)


class MarketServer(ActorBase):
    def __init__(self, name: str, settings: MarketServerSettings):
        super().__init__(name)
        self.settings = settings
        self.venue = settings.config.venue
        self.subscriber = None
        self.published = {"book": 0, "top": 0, "bbo": 0, "trade": 0, "mark": 0, "status": 0, "raw": 0,
                          "raw_withheld": 0}
        self._raw: RawTap | None = None           # the venue connections' frames, for the recorder
        self._tops: dict[str, tuple] = {}    # symbol -> the touch last published on its top topic
        self._topics: dict[tuple[str, str], str] = {}
        self._book_ts: dict[str, tuple[int, int]] = {}   # symbol -> (venue, receive) time of its last update
        self._feeds: dict[str, FeedStatus] = {}          # symbol -> its feed's last status

    # -- lifecycle ---------------------------------------------------------------------

    async def on_wire(self, directory: Directory) -> None:
        if self.subscriber is not None:
            return
        config = self.settings.config
        spec = get_venue(config.venue)
        sim_urls = simulator_urls(directory, self.settings.key)
        if config.endpoint is Endpoint.sim and not sim_urls:
            raise RuntimeError(f"exchange.{self.settings.key}: endpoint sim, but no simulator is running")
        limiter = market_data_limiter(spec)
        credentials = None
        if self.settings.api_key and self.settings.api_secret and spec.credentials is not None:
            logs.register_secret(self.settings.api_secret)
            credentials = spec.credentials(self.settings.api_key, self.settings.api_secret)
        parts = spec.connect(config, credentials, limiter, spec.endpoints_for(config, sim_urls),
                             roles=("subscriber",))
        self.own_connection(parts)
        self.subscriber = parts.subscriber
        await self.subscriber.start(self)
        await self.subscriber.subscribe(list(config.symbols), KINDS)
        self.spawn(self._periodic(), "snapshots")

    async def on_stop(self) -> None:
        if self.subscriber is not None:
            await self.subscriber.stop()

    def counters(self) -> dict[str, int]:
        counters = {f"published_{kind}": n for kind, n in self.published.items()}
        if self.subscriber is not None:
            counters.update(self.subscriber.counters)
            counters["live_books"] = sum(self.subscriber.status(s) is FeedStatus.LIVE
                                         for s in self.settings.config.symbols)
        return counters

    def book(self, symbol: str) -> bytes | None:
        """The current book of ``symbol`` as a serialised BookSnapshot, or None while it is not LIVE."""
        snapshot = self._snapshot(symbol)
        return snapshot.SerializeToString() if snapshot is not None else None

    # -- the subscriber's handler (MarketDataHandler) ----------------------------------

    def _topic(self, symbol: str, kind: str) -> str:
        key = (symbol, kind)
        topic = self._topics.get(key)
        if topic is None:
            topic = self._topics[key] = topics.md(self.venue, symbol, kind)
        return topic

    def on_book(self, message, venue_ts: int, recv_ts: int) -> None:
        self.publisher.publish_message(self._topic(message.symbol, "book"), message, venue_ts, recv_ts)
        self.published["book"] += 1
        self._book_ts[message.symbol] = (venue_ts, recv_ts)
        if self.settings.publish_top:
            if isinstance(message, BookSnapshot):
                # Sent whatever the touch: a strategy that joined late, or whose book was withdrawn (a resync),
                # has it again even when the touch did not move meanwhile.
                self._tops.pop(message.symbol, None)
            self._publish_top(message.symbol, venue_ts, recv_ts)

    def _publish_top(self, symbol: str, venue_ts: int, recv_ts: int) -> None:
        """The book's touch, when it changed: read from the book, which keeps its best prices as it goes."""
        book = self.subscriber.book(symbol)
        if book is None:
            return
        touch = book.touch()
        if touch == self._tops.get(symbol):
            return
        self._tops[symbol] = touch
        self.publisher.publish_message(self._topic(symbol, "top"), top_message(self.venue, book, touch), venue_ts,
                                       recv_ts)
        self.published["top"] += 1

    def on_bbo(self, bbo, venue_ts: int, recv_ts: int) -> None:
        self.publisher.publish_message(self._topic(bbo.symbol, "bbo"), bbo, venue_ts, recv_ts)
        self.published["bbo"] += 1

    def on_trade(self, trade, venue_ts: int, recv_ts: int) -> None:
        self.publisher.publish_message(self._topic(trade.symbol, "trade"), trade, venue_ts, recv_ts)
        self.published["trade"] += 1

    def on_mark(self, mark, venue_ts: int, recv_ts: int) -> None:
        self.publisher.publish_message(self._topic(mark.symbol, "mark"), mark, venue_ts, recv_ts)
        self.published["mark"] += 1

    def on_raw(self, connection: str, stream: str, text: str, recv_ts: int) -> None:
        if self.settings.raw_frames:
            if self._raw is None:
                self._raw = RawTap(self.publisher, self.venue, self.published)
            self._raw(connection, stream, text, recv_ts)

    def on_status(self, symbol: str, status: FeedStatus, reason: str) -> None:
        was, self._feeds[symbol] = self._feeds.get(symbol), status
        self._publish_status(symbol, status, reason)
        if status is FeedStatus.LIVE and was is FeedStatus.STALE:
            # The strategies let the book go while it was stale, and the updates resume on the same book (no
            # resync, so no snapshot of its own): they have it again now, not at the next periodic snapshot.
            snapshot = self._snapshot(symbol)
            if snapshot is not None:
                self.on_book(snapshot, *self._book_ts.get(symbol, (0, 0)))

    # -- internals ---------------------------------------------------------------------

    def _publish_status(self, symbol: str, status: FeedStatus, reason: str) -> None:
        message = BookStatus(venue=self.venue, symbol=symbol, state=STATES[status], reason=reason)
        self.publisher.publish_message(self._topic(symbol, "status"), message)
        self.published["status"] += 1

    def _snapshot(self, symbol: str) -> BookSnapshot | None:
        book = self.subscriber.book(symbol) if self.subscriber is not None else None
        if book is None:
            return None
        bid_prices, bid_sizes, ask_prices, ask_sizes = book.arrays()
        return BookSnapshot(venue=self.venue, symbol=symbol, price_scale=book.price_scale,
                            size_scale=book.size_scale, venue_seq=book.seq, bid_prices=bid_prices,
                            bid_sizes=bid_sizes, ask_prices=ask_prices, ask_sizes=ask_sizes)

    async def _periodic(self) -> None:
        while True:
            await asyncio.sleep(self.settings.snapshot_seconds)
            for symbol in self.settings.config.symbols:
                status = self.subscriber.status(symbol)
                self._publish_status(symbol, status, "periodic")
                snapshot = self._snapshot(symbol)
                if snapshot is not None:
                    # The book as of its last update: that update's venue and receive times.
                    self.on_book(snapshot, *self._book_ts.get(symbol, (0, 0)))
