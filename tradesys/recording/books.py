"""A recorded run's books rebuilt two ways and compared level for level: from the book messages the run
published, and from the venue's raw frames replayed through the venue's own subscriber (``replay.py``)."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from tradesys.messages import BookSnapshot
from tradesys.recording.reader import messages, read_recording
from tradesys.recording.replay import RawEvent, ReplayServer, raw_events
from tradesys.venue.base import StreamKind, get_venue
from tradesys.venue.book import L2Book
from tradesys.venue.ratelimit import Budget, LocalBudget, RateLimiter

KINDS = (StreamKind.BOOK, StreamKind.BBO, StreamKind.TRADES, StreamKind.MARK)


class BookStates:
    """Each symbol's book, kept from snapshots and the deltas that follow them, and a digest of the whole book
    at every update id it reached. A delta that does not follow its book drops it until the next snapshot.
    Takes a subscriber's deliveries (``MarketDataHandler``) or recorded messages (``on_book``)."""

    def __init__(self):
        self.books: dict[str, L2Book] = {}
        self.digests: dict[str, dict[int, int]] = defaultdict(dict)     # symbol -> venue seq -> digest
        self.updates = 0

    def on_book(self, message, venue_ts: int = 0, recv_ts: int = 0) -> None:
        symbol = message.symbol
        if isinstance(message, BookSnapshot):
            book = self.books[symbol] = L2Book(symbol, message.price_scale, message.size_scale)
            book.load(zip(message.bid_prices, message.bid_sizes), zip(message.ask_prices, message.ask_sizes),
                      message.venue_seq)
        else:
            book = self.books.get(symbol)
            if book is None or message.prev_venue_seq != book.seq:
                self.books.pop(symbol, None)
                return
            book.apply(list(message.bid_prices), list(message.bid_sizes), list(message.ask_prices),
                       list(message.ask_sizes), message.venue_seq)
        self.digests[symbol][book.seq] = hash(tuple(map(tuple, book.arrays())))
        self.updates += 1

    def on_bbo(self, *_) -> None: ...

    def on_trade(self, *_) -> None: ...

    def on_mark(self, *_) -> None: ...

    def on_status(self, *_) -> None: ...


def published_states(root: Path | str, venue: str) -> BookStates:
    """The books as the run's strategies rebuilt them from the recorded book messages."""
    states = BookStates()
    tables = [read_recording(root, kind=kind, venue=venue) for kind in ("book_snapshot", "book_delta")]
    table = pa.concat_tables(tables)
    table = table.sort_by([("topic", "ascending"), ("session", "ascending"), ("seq", "ascending")])
    for _, _, message in messages(table):
        states.on_book(message)
    return states


async def replayed_states(root: Path | str | None, config, *, events: list[RawEvent] | None = None,
                          handler: BookStates | None = None, timeout_s: float = 60.0,
                          quiet_s: float = 0.5) -> BookStates:
    """The books the venue's subscriber builds from the recording's raw frames (or ``events``), served again
    on loopback, delivered to ``handler`` (a new ``BookStates`` by default) and returned with it.
    ``config``: the venue's configuration as the run had it (its symbols and streams)."""
    spec = get_venue(config.venue)
    server = ReplayServer(events if events is not None else raw_events(root, spec.name))
    host = await server.start()
    states = handler if handler is not None else BookStates()
    endpoints = (spec.replay_endpoints(host, config) if spec.replay_endpoints is not None
                 else spec.sim_endpoints({"rest": f"http://{host}"}))
    connect = spec.replay_connect or spec.connect
    parts = connect(config, None, RateLimiter(LocalBudget(Budget.of(spec.rate_limits)), venue=spec.name),
                    endpoints, roles=("subscriber",))
    try:
        await parts.subscriber.start(states)
        await parts.subscriber.subscribe(list(config.symbols), KINDS)
        await asyncio.wait_for(server.done.wait(), timeout_s)
        last, since = states.updates, time.monotonic()
        while time.monotonic() - since < quiet_s:       # what was sent last is still being read
            await asyncio.sleep(quiet_s / 5)
            if states.updates != last:
                last, since = states.updates, time.monotonic()
    finally:
        await parts.subscriber.stop()
        await server.stop()
    return states


@dataclass
class Comparison:
    """Per symbol: the update ids both reached, and those where the books differ."""

    compared: dict[str, int] = field(default_factory=dict)
    differ: dict[str, list[int]] = field(default_factory=dict)

    @property
    def identical(self) -> bool:
        return bool(self.compared) and all(self.compared.values()) and not any(self.differ.values())


def compare(published: BookStates, replayed: BookStates) -> Comparison:
    result = Comparison()
    for symbol, digests in published.digests.items():
        other = replayed.digests.get(symbol, {})
        common = sorted(digests.keys() & other.keys())
        result.compared[symbol] = len(common)
        result.differ[symbol] = [seq for seq in common if digests[seq] != other[seq]]
    return result
