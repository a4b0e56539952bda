"""Benchmark: the Binance market server's per-frame path, and the connector's per-order overhead.

1. Depth frames through what the subscriber really does per frame (``_on_message``: decode, the sequence
   check, parse to integer levels, the L2 book) and the market server's publish of the delta through the
   project's ``Publisher`` to a subscriber in another process, stage by stage (``bench/binance_path.py``).
   Two cases: **realistic** frames (``bench/depth_frames.py``: a 1,000-level snapshot a side, 10 to 20
   changed levels a frame, about 490 bytes, prices printed with two decimals on a 0.10 tick, as BTCUSDT's
   are) and the **friendly** frames this benchmark used before (an empty start, 10 levels a side, prices
   with exactly the tick's one decimal). Baselines in the same run, on the same frames: cryptofeed's
   ``BinanceFutures`` message handler with its book, its Decimal conversion and a no-op callback (in its
   own virtualenv, ``bench/cryptofeed_env.py``), and ``json.loads`` into a dict book keyed by ``Decimal``.
2. One order's build + sign + serialise: ``BinanceOMS._order_params`` (filters checked on exact Decimals)
   and ``auth.signed_query`` (urlencode + HMAC), beside the HMAC of the same bytes alone.

    python bench/binance_md.py [--frames 20000] [--orders 20000] [--repeats 5] [--quick]
"""

from __future__ import annotations

import gc
import json
import random
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.binance_path import stages  # noqa: E402
from bench.connector_book import arguments  # noqa: E402
from bench.cryptofeed_env import cryptofeed_python  # noqa: E402
from bench.depth_frames import realistic_stream  # noqa: E402
from exchanges.binance import auth  # noqa: E402
from exchanges.binance.oms import BinanceOMS  # noqa: E402
from tradesys.messages import Instrument, Side, TimeInForce  # noqa: E402
from tradesys.numeric import set_decimal  # noqa: E402
from tradesys.venue.base import OrderSpec  # noqa: E402
from tradesys.venue.grid import Grid  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AIM = 1.5       # issue 19: at least 1.5x cryptofeed's throughput on the realistic frames


def friendly_stream(count: int, levels: int = 10, seed: int = 7) -> tuple[dict, list[bytes]]:
    """The frames this benchmark used first: a contiguous diff stream (``pu`` chained) around a random-walk
    mid from an empty book, prices with exactly the tick's one decimal."""
    rng = random.Random(seed)
    mid, u, frames = 650_000, 9_924_360_000_000, []
    snapshot = {"lastUpdateId": u, "bids": [], "asks": []}
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
    return snapshot, frames


def plain(snapshot: dict, frames: list[bytes]) -> float:
    """json.loads and a dict book keyed by Decimal (the plain exact way), the snapshot loaded first."""
    bids = {Decimal(p): Decimal(q) for p, q in snapshot["bids"]}
    asks = {Decimal(p): Decimal(q) for p, q in snapshot["asks"]}
    last_u = snapshot["lastUpdateId"]
    start = time.perf_counter()
    for frame in frames:
        data = json.loads(frame)["data"]
        if data["pu"] != last_u:
            raise AssertionError("gap")
        last_u = data["u"]
        for side, levels in ((bids, data["b"]), (asks, data["a"])):
            for price, qty in levels:
                size = Decimal(qty)
                if size:
                    side[Decimal(price)] = size
                else:
                    side.pop(Decimal(price), None)
    return time.perf_counter() - start


def cryptofeed(python: Path, snapshot: dict, frames: list[bytes], repeats: int, min_levels: int) -> float:
    """Seconds per frame of cryptofeed's handler on the same frames (best of ``repeats``), in its virtualenv."""
    with tempfile.TemporaryDirectory() as tmp:
        snapshot_path, frames_path = Path(tmp) / "snapshot.json", Path(tmp) / "frames.jsonl"
        snapshot_path.write_text(json.dumps(snapshot))
        frames_path.write_bytes(b"\n".join(frames) + b"\n")
        done = subprocess.run([str(python), str(ROOT / "bench/baselines/cryptofeed_binance.py"), str(snapshot_path),
                               str(frames_path), "--repeat", str(repeats), "--min-levels", str(min_levels)],
                              capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise SystemExit(f"the cryptofeed baseline failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])["us_per_frame"] / 1e6


def book_section(title: str, snapshot: dict, frames: list[bytes], repeats: int, python: Path,
                 min_levels: int) -> None:
    gc.collect()
    count = len(frames)
    print(f"{title}, best of {repeats}", flush=True)
    feed = cryptofeed(python, snapshot, frames, repeats, min_levels)
    base = min(plain(snapshot, frames) for _ in range(repeats)) / count
    ours = stages(snapshot, frames, repeats)
    us = 1e6

    def line(name: str, seconds: float, extra: str = "") -> None:
        print(f"  {name:<62}: {1 / seconds:>9,.0f} frames/s {seconds * us:6.2f} us/frame{extra}", flush=True)

    line("baseline cryptofeed BinanceFutures (its book, Decimal, no-op cb)", feed)
    line("baseline json.loads + Decimal dict book", base)
    line("tradesys subscriber path + publish to another process", ours.published,
         f"  ratio {feed / ours.published:.2f}x cryptofeed (aim {AIM}x), {base / ours.published:.2f}x json+Decimal")
    print(f"    stages, us/frame: decode {ours.decode * us:.2f} | levels to integers "
          f"{(ours.parse - ours.decode) * us:.2f} | book {(ours.book - ours.parse) * us:.2f} | the rest of the "
          f"subscriber's handling {(ours.path - ours.book) * us:.2f} | BookDelta bytes "
          f"{(ours.encoded - ours.path) * us:.2f} | publish {(ours.published - ours.encoded) * us:.2f}"
          f"; delivered {ours.delivered:,} of {count * repeats:,} published", flush=True)


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
    python = cryptofeed_python()
    snapshot, frames = realistic_stream(args.frames)
    size = sum(map(len, frames)) / len(frames)
    book_section(f"Binance depth frames, realistic: {args.frames:,} (a 1,000-level snapshot a side, 10-20 changed "
                 f"levels a frame, {size:.0f} B, prices with two decimals on a 0.10 tick)", snapshot, frames,
                 args.repeats, python, min_levels=900)
    snapshot, frames = friendly_stream(args.frames)
    book_section(f"Binance depth frames, friendly: {args.frames:,} (an empty start, 10 levels a side, prices with "
                 f"the tick's one decimal)", snapshot, frames, args.repeats, python, min_levels=0)
    full, hmac_only = order_overhead(args.orders)
    print(f"Order build + sign + serialise: {args.orders:,} post-only limit orders")
    print(f"  HMAC-SHA256 of the same bytes alone    : {hmac_only:6.2f} us/order")
    print(f"  tradesys filters + params + signature  : {full:6.2f} us/order  ratio {full / hmac_only:.2f}x the HMAC")
    return 0


if __name__ == "__main__":
    sys.exit(main())
