"""Benchmark: the Binance connector's per-message path and its per-order overhead.

1. Depth frames (combined-stream ``depthUpdate``, the captures' fields, 10
   changed levels a side, a moving book) through decode -> parse -> book
   apply, as the subscriber does it (msgspec Struct, ``parse.book_delta``,
   ``DepthSync.on_diff`` on the integer L2 book), beside a baseline in the
   same run: ``json.loads`` and a dict book keyed by ``Decimal`` prices (the
   plain exact way). Prints frames per second, us per frame and the ratio.
2. One order's build + sign + serialise: ``BinanceOMS._order_params`` (filters
   checked on exact Decimals) and ``auth.signed_query`` (urlencode + HMAC),
   beside the HMAC of the same bytes alone.

    python bench/binance_md.py [--frames 20000] [--orders 20000] [--quick]
"""

from __future__ import annotations

import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.connector_book import arguments, report_books  # noqa: E402
from exchanges.binance import auth, parse  # noqa: E402
from exchanges.binance import messages as m  # noqa: E402
from exchanges.binance.oms import BinanceOMS  # noqa: E402
from exchanges.binance.subscriber import DepthSync  # noqa: E402
from tradesys.messages import BookSnapshot, Instrument, Side, TimeInForce  # noqa: E402
from tradesys.numeric import set_decimal  # noqa: E402
from tradesys.venue.base import OrderSpec  # noqa: E402
from tradesys.venue.grid import Grid  # noqa: E402

PRICE_SCALE, SIZE_SCALE = 1, 3   # BTCUSDT today: tick 0.1, step 0.001


def generated_frames(count: int, levels: int = 10, seed: int = 7) -> list[bytes]:
    """A contiguous diff stream (``pu`` chained) around a random-walk mid, as the venue sends it."""
    rng = random.Random(seed)
    mid, u, frames = 650_000, 9_924_360_000_000, []
    for _ in range(count):
        mid += rng.choice((-1, 0, 1))
        first, u_prev = u + rng.randint(1, 5), u
        u = first + rng.randint(0, 30)
        bids = [[f"{(mid - 1 - rng.randint(0, 40)) / 10:.1f}", f"{rng.randint(0, 5000) / 1000:.3f}"]
                for _ in range(levels)]
        asks = [[f"{(mid + 1 + rng.randint(0, 40)) / 10:.1f}", f"{rng.randint(0, 5000) / 1000:.3f}"]
                for _ in range(levels)]
        data = {"e": "depthUpdate", "E": 1771263510140, "T": 1771263510139, "s": "BTCUSDT", "U": first, "u": u,
                "pu": u_prev, "b": bids, "a": asks}
        frames.append(json.dumps({"stream": "btcusdt@depth@100ms", "data": data}, separators=(",", ":")).encode())
    return frames


def ours(frames: list[bytes]) -> float:
    sync = DepthSync("BTCUSDT", PRICE_SCALE, SIZE_SCALE)
    first = m.market_decoder.decode(frames[0]).data
    sync.on_snapshot(BookSnapshot(venue="binance", symbol="BTCUSDT", price_scale=PRICE_SCALE,
                                  size_scale=SIZE_SCALE, venue_seq=first.pu))
    decode, delta, on_diff = m.market_decoder.decode, parse.book_delta, sync.on_diff
    start = time.perf_counter()
    for frame in frames:
        on_diff(delta(decode(frame).data, PRICE_SCALE, SIZE_SCALE))
    elapsed = time.perf_counter() - start
    assert sync.breaks == 0 and len(sync.book) > 0
    return elapsed


def baseline(frames: list[bytes]) -> float:
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    last_u = None
    start = time.perf_counter()
    for frame in frames:
        data = json.loads(frame)["data"]
        if last_u is not None and data["pu"] != last_u:
            raise AssertionError("gap")
        last_u = data["u"]
        for side, levels in ((bids, data["b"]), (asks, data["a"])):
            for price, qty in levels:
                size = Decimal(qty)
                if size:
                    side[Decimal(price)] = size
                else:
                    side.pop(Decimal(price), None)
        best_bid, best_ask = max(bids, default=None), min(asks, default=None)  # what a reader asks every frame
    elapsed = time.perf_counter() - start
    assert best_bid is not None and best_ask is not None
    return elapsed


def order_overhead(count: int) -> tuple[float, float]:
    instrument = Instrument(symbol="BTCUSDT", price_scale=1, size_scale=3)
    set_decimal(instrument.tick_size, "0.1")
    set_decimal(instrument.lot_size, "0.001")
    set_decimal(instrument.min_quantity, "0.001")
    set_decimal(instrument.min_notional, "5")
    oms = BinanceOMS(http=None, cancel_on_disconnect=False)
    oms.grids = {"BTCUSDT": Grid(instrument)}
    secret = "x" * 64
    specs = [OrderSpec("BTCUSDT", f"mm-abc-{i}", Side.SIDE_BUY, Decimal("0.010"), price=Decimal(f"65000.{i % 10}"),
                       time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY) for i in range(count)]
    start = time.perf_counter()
    queries = [auth.signed_query(list(oms._order_params(spec).items()) + [("timestamp", "1771263510139")], secret)
               for spec in specs]
    full = time.perf_counter() - start
    payloads = [q.rsplit("&signature=", 1)[0] for q in queries]
    start = time.perf_counter()
    for payload in payloads:
        auth.sign(secret, payload)
    hmac_only = time.perf_counter() - start
    return full / count * 1e6, hmac_only / count * 1e6



def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__.splitlines()[0], argv, orders=20_000, quick_orders=2_000)
    report_books(f"Binance depth frames: {args.frames:,} generated (10 levels a side)",
                 generated_frames(args.frames), args.frames, baseline, ours,
                 args.repeats)
    full, hmac_only = order_overhead(args.orders)
    print(f"Order build + sign + serialise: {args.orders:,} post-only limit orders")
    print(f"  HMAC-SHA256 of the same bytes alone    : {hmac_only:6.2f} us/order")
    print(f"  tradesys filters + params + signature  : {full:6.2f} us/order  ratio {full / hmac_only:.2f}x the HMAC")
    return 0


if __name__ == "__main__":
    sys.exit(main())
