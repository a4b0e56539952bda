"""Benchmark: the Deribit connector's per-message path and its per-order overhead.

1. Book notifications (JSON-RPC ``subscription`` frames of ``book.BTC-PERPETUAL.100ms``:
   10 changed levels a side, ``change_id`` chained, a moving book) through
   envelope decode -> notification decode -> parse -> book apply, as the
   subscriber does it (msgspec Structs, ``parse.book_delta`` with the grid
   check, ``BookChain.on_change`` on the integer L2 book, the BookDelta bytes), beside a baseline
   in the same run: ``json.loads`` and a dict book keyed by ``Decimal``
   prices. Prints frames per second, us per frame and the ratio.
2. One order's checks + JSON-RPC request: ``DeribitOMS._params`` (grid
   checked on exact Decimals, amounts and prices as exact JSON numbers) and
   the encoded request, beside ``json.dumps`` of the same request built by
   hand. Deribit signs the session, not each order: there is no per-order HMAC.

    python bench/deribit_md.py [--frames 20000] [--orders 20000] [--quick]
"""

from __future__ import annotations

import json
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import msgspec  # noqa: E402

from bench.connector_book import arguments, report_books  # noqa: E402
from exchanges.deribit import messages as m  # noqa: E402
from exchanges.deribit.oms import DeribitOMS  # noqa: E402
from exchanges.deribit.subscriber import BookChain  # noqa: E402
from tradesys.messages import Instrument, Side, TimeInForce  # noqa: E402
from tradesys.numeric import set_decimal  # noqa: E402
from tradesys.venue.base import OrderSpec  # noqa: E402
from tradesys.venue.grid import Grid  # noqa: E402

PRICE_SCALE, SIZE_SCALE = 1, 0   # BTC-PERPETUAL: tick 0.5, amounts in whole USD (multiples of 10)
CHANNEL = "book.BTC-PERPETUAL.100ms"


def generated_frames(count: int, levels: int = 10, seed: int = 7) -> list[bytes]:
    """A snapshot, then a chained change stream around a random-walk mid, as the venue sends it."""
    rng = random.Random(seed)
    mid, change_id, frames = 130_000, 35_000_000_000, []   # in half dollars: 65,000.0

    def level(action_pool, side):
        price = (mid - 1 - rng.randint(0, 40)) if side == "bid" else (mid + 1 + rng.randint(0, 40))
        amount = rng.randint(0, 500) * 10
        action = "delete" if amount == 0 else rng.choice(action_pool)
        return [action, price / 2, float(amount)]

    snapshot = {"type": "snapshot", "change_id": change_id, "timestamp": 1771263510139,
                "instrument_name": "BTC-PERPETUAL",
                "bids": [["new", (mid - 1 - i) / 2, 1000.0] for i in range(41)],
                "asks": [["new", (mid + 1 + i) / 2, 1000.0] for i in range(41)]}
    frames.append(snapshot)
    for _ in range(count):
        mid += rng.choice((-1, 0, 1))
        prev, change_id = change_id, change_id + rng.randint(1, 30)
        frames.append({"type": "change", "change_id": change_id, "prev_change_id": prev, "timestamp": 1771263510139,
                       "instrument_name": "BTC-PERPETUAL",
                       "bids": [level(("new", "change"), "bid") for _ in range(levels)],
                       "asks": [level(("new", "change"), "ask") for _ in range(levels)]})
    return [json.dumps({"jsonrpc": "2.0", "method": "subscription", "params": {"channel": CHANNEL, "data": data}},
                       separators=(",", ":")).encode() for data in frames]


def ours(frames: list[bytes]) -> float:
    chain = BookChain("BTC-PERPETUAL", PRICE_SCALE, SIZE_SCALE)
    envelope, book = m.envelope_decoder.decode, m.book_decoder.decode
    chain.on_snapshot(book(envelope(frames[0]).params.data))
    on_change = chain.on_change
    start = time.perf_counter()
    for frame in frames[1:]:
        on_change(book(envelope(frame).params.data)).SerializeToString()   # the BookDelta bytes it publishes
    elapsed = time.perf_counter() - start
    assert chain.breaks == 0 and len(chain.book) > 0
    return elapsed


def baseline(frames: list[bytes]) -> float:
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    last = json.loads(frames[0])["params"]["data"]["change_id"]
    start = time.perf_counter()
    for frame in frames[1:]:
        data = json.loads(frame)["params"]["data"]
        if data["prev_change_id"] != last:
            raise AssertionError("gap")
        last = data["change_id"]
        for side, levels in ((bids, data["bids"]), (asks, data["asks"])):
            for action, price, amount in levels:
                if action == "delete":
                    side.pop(Decimal(repr(price)), None)
                else:
                    side[Decimal(repr(price))] = Decimal(repr(amount))
        best_bid, best_ask = max(bids, default=None), min(asks, default=None)  # what a reader asks every frame
    elapsed = time.perf_counter() - start
    assert best_bid is not None and best_ask is not None
    return elapsed


def order_overhead(count: int) -> tuple[float, float]:
    instrument = Instrument(symbol="BTC-PERPETUAL", price_scale=1, size_scale=0)
    set_decimal(instrument.tick_size, "0.5")
    set_decimal(instrument.lot_size, "10")
    set_decimal(instrument.min_quantity, "10")
    oms = DeribitOMS(api=None, session=None)
    oms.grids = {"BTC-PERPETUAL": Grid(instrument)}
    encode = msgspec.json.Encoder().encode
    specs = [OrderSpec("BTC-PERPETUAL", f"mm-abc-{i}", Side.SIDE_BUY, Decimal("100"),
                       price=Decimal(f"65000.{5 if i % 2 else 0}"), time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY)
             for i in range(count)]
    start = time.perf_counter()
    for i, spec in enumerate(specs):
        encode({"jsonrpc": "2.0", "id": i, "method": "private/buy", "params": oms._params(spec)}).decode()
    full = time.perf_counter() - start
    hand = [{"instrument_name": "BTC-PERPETUAL", "amount": 100, "label": s.client_order_id, "type": "limit",
             "price": float(s.price), "time_in_force": "good_til_cancelled", "post_only": True,
             "reject_post_only": True} for s in specs]
    start = time.perf_counter()
    for i, params in enumerate(hand):
        json.dumps({"jsonrpc": "2.0", "id": i, "method": "private/buy", "params": params})
    plain = time.perf_counter() - start
    return full / count * 1e6, plain / count * 1e6



def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__.splitlines()[0], argv, orders=20_000, quick_orders=2_000)
    report_books(f"Deribit book notifications: {args.frames:,} generated (10 levels a side)",
                 generated_frames(args.frames), args.frames, baseline, ours,
                 args.repeats)
    full, plain = order_overhead(args.orders)
    print(f"Order checks + JSON-RPC request: {args.orders:,} post-only limit orders (no per-order signature)")
    print(f"  json.dumps of a hand-built request     : {plain:6.2f} us/order")
    print(f"  tradesys grid checks + params + encode : {full:6.2f} us/order  ratio {full / plain:.2f}x json.dumps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
