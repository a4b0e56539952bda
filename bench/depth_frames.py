"""Realistic Binance USD-M depth frames for benchmarks, deterministic for a seed.

What makes them realistic (docs/performance.md, "The Binance connector"): the stream starts from a REST
snapshot of ``depth`` levels a side (1,000 by default, the venue's deepest); each combined-stream
``depthUpdate`` frame changes 10 to 20 levels (15 on average, about 490 bytes), most of them near the
touch and some deep in the book, a few as deletions (quantity ``0.000``); the top of the book moves a tick
now and then, taking out the levels it crosses; ``pu`` chains each frame to the one before. Prices are
printed as BTCUSDT's are: two decimals (the symbol's ``pricePrecision``) on a 0.10 tick, so every price
ends in ``0``; quantities with three decimals (its 0.001 step).

    python bench/depth_frames.py OUT_DIR [--frames 20000] [--seed 7]   # writes snapshot.json, frames.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

TICK_CENTS = 10               # 0.10 USDT, in cents: prices are whole cents, printed with two decimals
STREAM = "btcusdt@depth@100ms"


def _price(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def _size(thousandths: int) -> str:
    return f"{thousandths // 1000}.{thousandths % 1000:03d}"


class _Book:
    """The generator's own book, in integer cents and thousandths, so every frame it prints is consistent."""

    def __init__(self, rng: random.Random, depth: int):
        self.rng = rng
        self.depth = depth
        self.bid = 6_500_000 - 6_500_000 % TICK_CENTS          # best bid: 65,000.00
        self.bids = {self.bid - n * TICK_CENTS: rng.randint(1, 5000) for n in range(depth)}
        self.asks = {self.bid + (n + 1) * TICK_CENTS: rng.randint(1, 5000) for n in range(depth)}

    @property
    def ask(self) -> int:
        return self.bid + TICK_CENTS

    def move(self, ticks: int, bids: dict[int, int], asks: dict[int, int]) -> None:
        """The touch moves ``ticks`` (one, up or down): the levels it crosses go, a new level forms."""
        self.bid += ticks * TICK_CENTS
        crossed, taken, own, changes = ((self.asks, asks, self.bids, bids) if ticks > 0
                                        else (self.bids, bids, self.asks, asks))
        for price in [p for p in crossed if (p <= self.bid if ticks > 0 else p >= self.ask)]:
            del crossed[price]
            taken[price] = 0
        edge = self.bid if ticks > 0 else self.ask
        own[edge] = changes[edge] = self.rng.randint(1, 3000)

    def touch_levels(self, count: int, bids: dict[int, int], asks: dict[int, int]) -> None:
        """``count`` more changed levels: mostly within a few dozen ticks of the touch, a fifth removed."""
        while len(bids) + len(asks) < count:
            buy = self.rng.random() < 0.5
            away = min(int(self.rng.expovariate(1 / 12)), self.depth + 50) * TICK_CENTS
            price = self.bid - away if buy else self.ask + away
            side, changes = (self.bids, bids) if buy else (self.asks, asks)
            if price in side and price not in (self.bid, self.ask) and self.rng.random() < 0.2:
                del side[price]
                changes[price] = 0
            else:
                side[price] = changes[price] = self.rng.randint(1, 8000)


def realistic_stream(frames: int, *, seed: int = 7, depth: int = 1000) -> tuple[dict, list[bytes]]:
    """The REST snapshot (``/fapi/v1/depth`` shape) and ``frames`` raw combined-stream frames after it."""
    rng = random.Random(seed)
    book = _Book(rng, depth)
    update_id, ms = 880_000_000_000, 1_771_263_510_000
    snapshot = {"lastUpdateId": update_id, "E": ms, "T": ms - 2,
                "bids": [[_price(p), _size(q)] for p, q in sorted(book.bids.items(), reverse=True)],
                "asks": [[_price(p), _size(q)] for p, q in sorted(book.asks.items())]}
    out = []
    for _ in range(frames):
        bids: dict[int, int] = {}
        asks: dict[int, int] = {}
        draw = rng.random()
        if draw < 0.16:
            book.move(1 if draw < 0.08 else -1, bids, asks)
        book.touch_levels(rng.randint(10, 20), bids, asks)
        first = update_id + rng.randint(1, 40)             # other symbols' updates in between
        last = first + rng.randint(len(bids) + len(asks), 4 * (len(bids) + len(asks)))
        ms += rng.randint(90, 110)
        data = {"e": "depthUpdate", "E": ms, "T": ms - rng.randint(1, 60), "s": "BTCUSDT", "U": first, "u": last,
                "pu": update_id, "b": [[_price(p), _size(q)] for p, q in sorted(bids.items(), reverse=True)],
                "a": [[_price(p), _size(q)] for p, q in sorted(asks.items())]}
        update_id = last
        out.append(json.dumps({"stream": STREAM, "data": data}, separators=(",", ":")).encode())
    return snapshot, out


def write(directory: Path, frames: int, *, seed: int = 7, depth: int = 1000) -> tuple[Path, Path]:
    """``snapshot.json`` and ``frames.jsonl`` (one raw frame a line) in ``directory``."""
    snapshot, stream = realistic_stream(frames, seed=seed, depth=depth)
    directory.mkdir(parents=True, exist_ok=True)
    snapshot_path, frames_path = directory / "snapshot.json", directory / "frames.jsonl"
    snapshot_path.write_text(json.dumps(snapshot, separators=(",", ":")))
    frames_path.write_bytes(b"\n".join(stream) + b"\n")
    return snapshot_path, frames_path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to write snapshot.json and frames.jsonl into")
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--depth", type=int, default=1000, help="levels a side in the snapshot")
    args = parser.parse_args(argv)
    _, frames_path = write(args.out, args.frames, seed=args.seed, depth=args.depth)
    size = frames_path.stat().st_size
    print(f"{args.frames:,} frames, {size / args.frames:.0f} bytes each on average: {frames_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
