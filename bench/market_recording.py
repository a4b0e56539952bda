"""A recording of a realistic BTCUSDT market for the backtest and sweep benchmarks, deterministic for a seed.

The book is ``bench/depth_frames.py``'s (a 1,000-level snapshot, then depth frames of 10 to 20 level
changes, one every ~100 ms); with it, public trades at the touch (one for every ``trade_every`` frames, the
aggressor drawn at random, a few lots each). Written as the recorder writes a run's market data
(``md.binance.BTCUSDT.book`` snapshots and deltas, ``md.binance.BTCUSDT.trade``), into ``<dir>/recordings``.

    python bench/market_recording.py OUT_DIR [--frames 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.depth_frames import realistic_stream  # noqa: E402
from tradesys.bus.pubsub import Envelope  # noqa: E402
from tradesys.messages import KIND_OF, BookDelta, BookSnapshot, Header, Side, Trade  # noqa: E402
from tradesys.numeric import set_decimal  # noqa: E402
from tradesys.recording.writer import RecordingWriter  # noqa: E402

SYMBOL, PRICE_SCALE, SIZE_SCALE = "BTCUSDT", 2, 3
MS = 1_000_000


def _levels(pairs: list) -> tuple[list[int], list[int]]:
    """Exact mantissas of a frame's [price, size] strings (two and three decimals)."""
    return ([int(p.replace(".", "")) for p, _ in pairs], [int(s.replace(".", "")) for _, s in pairs])


def write(directory: Path, frames: int, *, seed: int = 7, trade_every: int = 3) -> tuple[int, float]:
    """The recording in ``directory / "recordings"``; (messages written, simulated seconds)."""
    snapshot, stream = realistic_stream(frames, seed=seed)
    rng = random.Random(seed + 1)
    writer = RecordingWriter(directory / "recordings", "bench")
    seq = {"book": 0, "trade": 0}
    bids = {p: s for p, s in zip(*_levels(snapshot["bids"]))}
    asks = {p: s for p, s in zip(*_levels(snapshot["asks"]))}

    def add(kind: str, message, when_ns: int) -> None:
        seq[kind] += 1
        header = Header(seq=seq[kind], session=1, kind=KIND_OF[type(message)], source="market-binance",
                        recv_ts=when_ns, publish_ts=when_ns)
        writer.add([Envelope(f"md.binance.{SYMBOL}.{kind}", header, message.SerializeToString(), when_ns)])

    start_ns = snapshot["E"] * MS
    bid_prices, bid_sizes = _levels(snapshot["bids"])
    ask_prices, ask_sizes = _levels(snapshot["asks"])
    add("book", BookSnapshot(venue="binance", symbol=SYMBOL, price_scale=PRICE_SCALE, size_scale=SIZE_SCALE,
                             venue_seq=snapshot["lastUpdateId"], bid_prices=bid_prices, bid_sizes=bid_sizes,
                             ask_prices=ask_prices, ask_sizes=ask_sizes), start_ns)
    written, when_ns = 1, start_ns
    for n, raw in enumerate(stream):
        data = json.loads(raw)["data"]
        when_ns = data["E"] * MS
        bp, bs = _levels(data["b"])
        ap, az = _levels(data["a"])
        add("book", BookDelta(venue="binance", symbol=SYMBOL, price_scale=PRICE_SCALE, size_scale=SIZE_SCALE,
                              venue_seq=data["u"], prev_venue_seq=data["pu"], bid_prices=bp, bid_sizes=bs,
                              ask_prices=ap, ask_sizes=az), when_ns)
        written += 1
        for side, prices, sizes in ((bids, bp, bs), (asks, ap, az)):
            for price, size in zip(prices, sizes):
                if size:
                    side[price] = size
                else:
                    side.pop(price, None)
        if n % trade_every == 0 and bids and asks:
            buy = rng.random() < 0.5
            trade = Trade(venue="binance", symbol=SYMBOL, trade_id=str(n),
                          aggressor=Side.SIDE_BUY if buy else Side.SIDE_SELL)
            price = min(asks) if buy else max(bids)
            set_decimal(trade.price, Decimal(price).scaleb(-PRICE_SCALE))
            set_decimal(trade.quantity, Decimal(rng.randint(1, 40)).scaleb(-SIZE_SCALE))
            add("trade", trade, when_ns + 1)
            written += 1
    writer.close()
    return written, (when_ns - start_ns) / 1e9


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    messages, seconds = write(args.directory, args.frames, seed=args.seed)
    print(f"{messages} messages, {seconds:.0f} simulated seconds in {args.directory / 'recordings'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
