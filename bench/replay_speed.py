"""Benchmark: replay throughput, in frames per second through the venue's own parsers.

``python -m tradesys.recording replay`` serves a recording's raw frames again on loopback and the venue's
subscriber (its WebSocket client, the level scanner, the book sync with its gap checks) reads them as it
reads the venue. Here the frames are ``bench/depth_frames.py``'s realistic BTCUSDT depth stream (a
1,000-level snapshot over REST, then ``--frames`` depth frames of 10 to 20 levels), with the exchangeInfo
and subscription answers a Binance connection needs, as a recording holds them; the replay sends them as
fast as the subscriber reads. Measured: from the first depth frame the subscriber delivers to the last, and
that every frame arrived as a delta of one unbroken book.

Baseline, in the same run, on the same frames: their plain decode (orjson, one frame after the other in one
loop: no socket, no book). Ratio: replay frames/s over plain-decode frames/s. Progress to stderr, figures
to stdout.

    python bench/replay_speed.py [--frames 20000] [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402

from bench.depth_frames import realistic_stream  # noqa: E402
from exchanges.binance.simulator.catalog import CATALOG, exchange_info_symbol  # noqa: E402
from tradesys.config import load  # noqa: E402
from tradesys.messages import BookSnapshot  # noqa: E402
from tradesys.recording.books import replayed_states  # noqa: E402
from tradesys.recording.replay import RawEvent  # noqa: E402

HOST = "http://127.0.0.1:1"        # only the path of a recorded URL matters to the replay


class Clocked:
    """A subscriber's handler that keeps no book: it counts the deltas of one unbroken chain, and when the
    first and the last arrived."""

    def __init__(self):
        self.updates = 0
        self.deltas = 0
        self.broken = 0
        self.first = self.last = 0.0
        self._seq = None

    def on_book(self, message, venue_ts: int = 0, recv_ts: int = 0) -> None:
        self.updates += 1
        if isinstance(message, BookSnapshot):
            self._seq = message.venue_seq
            return
        if message.prev_venue_seq != self._seq:
            self.broken += 1
        self._seq = message.venue_seq
        self.deltas += 1
        now = time.perf_counter()
        self.first = self.first or now
        self.last = now

    def on_bbo(self, *_) -> None: ...

    def on_trade(self, *_) -> None: ...

    def on_mark(self, *_) -> None: ...

    def on_status(self, *_) -> None: ...


def events(snapshot: dict, frames: list[bytes]) -> list[RawEvent]:
    info = {"timezone": "UTC", "serverTime": snapshot["E"], "futuresType": "U_MARGINED",
            "rateLimits": [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
                           {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
                           {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300}],
            "exchangeFilters": [],
            "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
            "symbols": [exchange_info_symbol(CATALOG["BTCUSDT"])]}
    t = snapshot["E"] * 1_000_000
    ack = b'{"result": null, "id": 1}'
    out = [RawEvent(t, "binance-rest", f"{HOST}/fapi/v1/exchangeInfo", json.dumps(info).encode()),
           RawEvent(t + 1, "binance-public-0", "ws://127.0.0.1:1/public/stream", ack),
           RawEvent(t + 2, "binance-market-1", "ws://127.0.0.1:1/market/stream", ack),
           RawEvent(t + 3, "binance-rest", f"{HOST}/fapi/v1/depth?symbol=BTCUSDT&limit=1000",
                    json.dumps(snapshot).encode())]
    out += [RawEvent(t + 4 + n, "binance-public-0", "ws://127.0.0.1:1/public/stream", frame)
            for n, frame in enumerate(frames)]
    return out


def plain_decode(frames: list[bytes]) -> float:
    began = time.perf_counter()
    for frame in frames:
        orjson.loads(frame)
    return time.perf_counter() - began


async def replay(config, raw: list[RawEvent]) -> Clocked:
    handler = Clocked()
    await replayed_states(None, config, events=raw, handler=handler, timeout_s=600)
    return handler


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    args = parser.parse_args(argv)
    count, repeats = (2_000, 1) if args.quick else (args.frames, args.repeats)
    snapshot, frames = realistic_stream(count)
    raw = events(snapshot, frames)
    config = load(["exchange=binance", "exchange.binance.symbols=[BTCUSDT]"])[1].exchange["binance"]
    print(f"{count:,} depth frames ({sum(map(len, frames)) / count:.0f} bytes each), best of {repeats}", flush=True)
    base = min(plain_decode(frames) for _ in range(repeats))
    print(f"baseline, plain decode (orjson): {count / base:,.0f} frames/s", flush=True)
    best = None
    for n in range(repeats):
        print(f"replay {n + 1}/{repeats} ...", file=sys.stderr)
        handler = asyncio.run(replay(config, raw))
        if handler.deltas != count or handler.broken:
            print(f"replay delivered {handler.deltas} of {count} deltas, {handler.broken} out of chain", flush=True)
            return 1
        seconds = handler.last - handler.first
        best = seconds if best is None else min(best, seconds)
    rate = (count - 1) / best
    print(f"replay through the Binance subscriber: {rate:,.0f} frames/s, every frame one delta of one book; "
          f"{rate / (count / base):.2f}x the plain decode's rate", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
