"""The Binance market server's per-frame path, stage by stage, for bench/binance_md.py.

What is timed is what the subscriber really does with a depth frame: ``BinanceSubscriber._on_message`` (decode,
the sequence check, parse to integer levels, the L2 book, the delta handed on), on a subscriber primed as
``subscribe`` and ``_snapshot`` leave it (the snapshot loaded, the feed live), its handler publishing the
delta as the market server does, through the project's ``Publisher`` to a ``Subscriber`` in another process
that counts what it receives. Cumulative stages (decode; + levels read; + book; the whole path handing the delta
on; + its BookDelta bytes; + their publish) split the time per frame.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import msgspec

from exchanges.binance import messages as m
from exchanges.binance import parse
from exchanges.binance.subscriber import BinanceSubscriber, DepthSync
from tradesys.bus import Publisher, topics
from tradesys.venue.base import FeedStatus
from tradesys.venue.levels import LevelReader

ROOT = Path(__file__).resolve().parents[1]
PRICE_SCALE, SIZE_SCALE = 1, 3   # BTCUSDT: tick 0.10, step 0.001
SYMBOL = "BTCUSDT"


class _Publishing:
    """The market server's side of the subscriber (its ``on_book``): each delta published on its topic."""

    def __init__(self, publisher: Publisher | None, encode: bool = False):
        self.publisher, self.encode = publisher, encode
        self.topic = topics.md("binance", SYMBOL, "book")
        self.books = 0

    def on_book(self, message, venue_ts: int, recv_ts: int) -> None:
        self.books += 1
        if self.publisher is not None:
            self.publisher.publish_message(self.topic, message, venue_ts, recv_ts)
        elif self.encode:
            message.SerializeToString()

    def on_status(self, symbol, status, reason) -> None:
        pass


def primed(snapshot: dict, handler) -> BinanceSubscriber:
    """A subscriber as subscribe() and a snapshot leave it: the book loaded, the feed live."""
    subscriber = BinanceSubscriber(http=None, ws_public="", ws_market="")
    subscriber.handler = handler
    subscriber.scales[SYMBOL] = (PRICE_SCALE, SIZE_SCALE)
    sync = subscriber.syncs[SYMBOL] = DepthSync(SYMBOL, PRICE_SCALE, SIZE_SCALE)
    raw = msgspec.json.decode(json.dumps(snapshot), type=m.DepthSnapshot)
    sync.on_snapshot(parse.book_snapshot(SYMBOL, raw, PRICE_SCALE, SIZE_SCALE))
    subscriber._status[SYMBOL] = FeedStatus.LIVE
    return subscriber


@dataclass
class Stages:
    """Seconds per frame, cumulative: decode, + levels, + book, the whole path handing the delta on, + the delta's
    BookDelta bytes, + their publish (the bytes written by the publisher)."""
    decode: float
    parse: float
    book: float
    path: float
    encoded: float
    published: float
    delivered: int          # what the other process received of the published deltas


def _decode(frames: list[str]) -> float:
    decode = m.market_decoder.decode
    start = time.perf_counter()
    for frame in frames:
        decode(frame)
    return time.perf_counter() - start


def _parse(frames: list[str]) -> float:
    decode, diff, levels = m.market_decoder.decode, parse.book_diff, LevelReader(PRICE_SCALE, SIZE_SCALE)
    start = time.perf_counter()
    for frame in frames:
        diff(decode(frame).data, levels)
    elapsed = time.perf_counter() - start
    assert levels.exact == 0, "the realistic frames left the fast path"
    return elapsed


def _book(frames: list[str], snapshot: dict) -> float:
    sync = primed(snapshot, _Publishing(None)).syncs[SYMBOL]
    decode, diff, on_diff, levels = m.market_decoder.decode, parse.book_diff, sync.on_diff, sync.levels
    start = time.perf_counter()
    for frame in frames:
        on_diff(diff(decode(frame).data, levels))
    elapsed = time.perf_counter() - start
    assert sync.breaks == 0
    return elapsed


def _path(frames: list[str], snapshot: dict, publisher: Publisher | None, encode: bool = False) -> float:
    handler = _Publishing(publisher, encode)
    subscriber = primed(snapshot, handler)
    on_message, now = subscriber._on_message, time.time_ns
    start = time.perf_counter()
    for frame in frames:
        on_message(frame, now())
    elapsed = time.perf_counter() - start
    assert handler.books == len(frames) and subscriber.counters["gaps"] == 0, subscriber.counters
    return elapsed


def stages(snapshot: dict, frames: list[bytes], repeats: int) -> Stages:
    """Best of ``repeats`` for each stage; the publishing pass's deltas counted by another process."""
    texts = [frame.decode() for frame in frames]
    count = len(texts)
    best = {name: min(run() for _ in range(repeats)) / count for name, run in (
        ("decode", lambda: _decode(texts)), ("parse", lambda: _parse(texts)),
        ("book", lambda: _book(texts, snapshot)), ("path", lambda: _path(texts, snapshot, None)),
        ("encoded", lambda: _path(texts, snapshot, None, encode=True)))}
    publisher = Publisher("bench-binance-md")
    endpoint = publisher.bind()
    reader = subprocess.Popen([sys.executable, __file__, "--count", endpoint, str(count * repeats)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "subscribed"
        time.sleep(0.3)         # time itself: the subscription reaches the publisher (ZeroMQ's slow joiner)
        published = min(_path(texts, snapshot, publisher) for _ in range(repeats)) / count
        delivered = int(reader.communicate(timeout=120)[0].split()[-1])
    finally:
        if reader.poll() is None:
            reader.kill()
        publisher.close()
    return Stages(best["decode"], best["parse"], best["book"], best["path"], best["encoded"], published, delivered)


def _count(endpoint: str, expected: int) -> None:
    """The other process: a SUB socket on the book topic, counting until ``expected`` or 5 s of silence."""
    import zmq

    sock = zmq.Context.instance().socket(zmq.SUB)
    sock.setsockopt(zmq.RCVHWM, 0)                # keep everything: the count is what was delivered
    sock.setsockopt_string(zmq.SUBSCRIBE, topics.md("binance", SYMBOL, "book"))
    sock.connect(endpoint)
    print("subscribed", flush=True)
    # Blocking receives (5 s of silence ends it), copied: the leanest Python reader, so that on a small machine
    # the reader's own CPU takes as little as it can from the publisher it shares the cores with.
    sock.setsockopt(zmq.RCVTIMEO, 5000)
    receive, received = sock.recv, 0              # one frame a message (tradesys/bus/frame.py)
    try:
        while received < expected:
            receive()
            received += 1
    except zmq.Again:
        pass
    sock.close(0)
    print(received, flush=True)


if __name__ == "__main__":
    _count(sys.argv[2], int(sys.argv[3]))
