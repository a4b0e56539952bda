"""Benchmark: what a strategy process does per book message, stage by stage, for the "full" and "top" views.

The messages are what a market server publishes for realistic Binance frames (``bench/depth_frames.py``):
its subscriber path turns each frame into a ``BookDelta`` (the "full" view's stream) and, after each, the
touch of its book becomes a top-of-book message when it changed (``market_server.top_message``: the "top"
view's stream). Each is serialised with its header as it travels. Then, in this process, what a strategy
actor does with each, in cumulative passes: the decode (the header and the body, as ``Envelope.message``),
+ the book (``MarketBooks``: the L2 book from every delta, or the top message loaded as the whole book),
+ the callback (the actor's ``_call`` of ``on_book`` on a strategy that counts). Per message, and per depth
frame: the top view's cost spread over every frame, of which only some moved the touch.

    python bench/strategy_path.py [--frames 20000] [--repeats 5] [--quick]
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.binance_path import SYMBOL, primed  # noqa: E402
from bench.depth_frames import realistic_stream  # noqa: E402
from tradesys.messages import KIND_OF, BookSnapshot, Header, decode_body  # noqa: E402
from tradesys.services.market_server import top_message  # noqa: E402
from tradesys.strategy.books import MarketBooks  # noqa: E402


class _Capture:
    """The market server's side: each published delta, and the top message when the touch changed."""

    def __init__(self):
        self.subscriber = None
        self.deltas: list = []
        self.tops: list = []
        self._touch = None

    def on_book(self, message, venue_ts: int, recv_ts: int) -> None:
        self.deltas.append(message)
        book = self.subscriber.syncs[SYMBOL].book
        touch = book.touch()
        if touch != self._touch:
            self._touch = touch
            self.tops.append(top_message("binance", book, touch))

    def on_status(self, symbol, status, reason) -> None:
        pass


def published(frames: list[bytes], snapshot: dict) -> tuple[list, list, object]:
    """The two streams as (header bytes, body bytes) pairs, and the snapshot message that starts the book."""
    capture = _Capture()
    capture.subscriber = subscriber = primed(snapshot, capture)
    start = subscriber.syncs[SYMBOL].book
    bid_prices, bid_sizes, ask_prices, ask_sizes = start.arrays()
    first = BookSnapshot(venue="binance", symbol=SYMBOL, price_scale=start.price_scale, size_scale=start.size_scale,
                         venue_seq=start.seq, bid_prices=bid_prices, bid_sizes=bid_sizes, ask_prices=ask_prices,
                         ask_sizes=ask_sizes)
    for frame in frames:
        subscriber._on_message(frame.decode(), time.time_ns())
    return _wire(capture.deltas, "book"), _wire(capture.tops, "top"), first


def _wire(messages: list, kind: str) -> list[tuple[bytes, bytes]]:
    header = Header(topic=f"md.binance.{SYMBOL}.{kind}", session=1, source="market-binance")
    out = []
    for seq, message in enumerate(messages, 1):
        header.kind, header.seq, header.recv_ts = KIND_OF[type(message)], seq, time.time_ns()
        out.append((header.SerializeToString(), message.SerializeToString()))
    return out


class _Counter:
    """A strategy that only counts its books (as ``book_probe``), called as the actor calls it."""

    def __init__(self):
        self.books = 0

    def on_book(self, symbol, book) -> None:
        self.books += 1

    def on_book_status(self, symbol, live, reason) -> None:
        pass


def _pass(wire: list[tuple[bytes, bytes]], first, view: str, stage: str) -> float:
    """One pass over ``wire`` up to ``stage`` (decode, book, callback); seconds."""
    strategy = _Counter()

    def call(callback: str, *args) -> None:       # StrategyActor._call, as it dispatches
        try:
            getattr(strategy, callback)(*args)
        except ValueError:
            pass

    notify = call if stage == "callback" else (lambda *args: None)
    books = MarketBooks((SYMBOL,), notify)
    if view == "full":
        books.on_message(first, 0)
    apply = books.on_message if view == "full" else books.on_top
    parse = Header.FromString
    start = time.perf_counter()
    if stage == "decode":
        for header, body in wire:
            decode_body(parse(header).kind, body)
    else:
        for header, body in wire:
            head = parse(header)
            apply(decode_body(head.kind, body), head.recv_ts)
    elapsed = time.perf_counter() - start
    if stage == "callback":
        assert strategy.books == len(wire) + (view == "full")
    return elapsed


def measure(wire, first, view: str, repeats: int) -> dict[str, float]:
    gc.collect()
    return {stage: min(_pass(wire, first, view, stage) for _ in range(repeats))
            for stage in ("decode", "book", "callback")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.frames, args.repeats = 2_000, 2
    snapshot, frames = realistic_stream(args.frames)
    deltas, tops, first = published(frames, snapshot)
    print(f"Strategy side, per book message: {len(deltas):,} realistic Binance deltas (a 1,000-level book); the "
          f"touch changed on {len(tops):,} of them; best of {args.repeats}")
    us = 1e6
    rows = {}
    for view, wire in (("full", deltas), ("top", tops)):
        times = measure(wire, first, view, args.repeats)
        rows[view] = times["callback"] / len(frames)
        each = {stage: seconds / len(wire) * us for stage, seconds in times.items()}
        label = "full view (every delta)" if view == "full" else "top view (the top of book)"
        print(f"  {label:<27}: decode "
              f"{each['decode']:5.2f} us | book {each['book'] - each['decode']:5.2f} us | callback "
              f"{each['callback'] - each['book']:5.2f} us | {each['callback']:5.2f} us a message, "
              f"{rows[view] * us:5.2f} us a depth frame", flush=True)
    print(f"  the top view costs {rows['top'] / rows['full']:.2f}x the full view per depth frame")
    return 0


if __name__ == "__main__":
    sys.exit(main())
