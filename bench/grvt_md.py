"""Benchmark: the GRVT connector's per-message path and its per-order signing cost.

1. Book feeds (``v1.book.d`` frames of ``BTC_USDT_Perp@100``: 10 changed
   levels a side as decimal strings, sequence numbers chained, a moving book)
   through frame decode -> feed decode -> parse -> book apply, as the
   subscriber does it (msgspec Structs, ``parse.book_delta`` with exact
   decimal strings, ``BookChain.on_frame`` on the integer L2 book, the
   BookDelta bytes), beside a
   baseline in the same run: ``json.loads`` and a dict book keyed by
   ``Decimal`` prices. Prints frames per second, us per frame and the ratio.
2. One order, signed: ``GrvtOMS.order_payload`` (grid checks, our client
   order id as the venue's number, the EIP-712 message over exact fixed-point
   fields, the signature) and its JSON, beside a bare ``eth-account`` sign of
   the same typed message measured in the same run (``Account.sign_message``
   of ``encode_typed_data``, as the official SDK and ccxt sign), and beside
   the secp256k1 signature alone (``eth-keys`` on the digest, the key parsed
   once): what is left once the typed data is hashed.

    python bench/grvt_md.py [--frames 20000] [--orders 2000] [--quick]
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
from eth_account import Account  # noqa: E402
from eth_account.messages import encode_typed_data  # noqa: E402
from eth_keys import keys  # noqa: E402
from eth_utils import keccak  # noqa: E402

from bench.connector_book import arguments, report_books  # noqa: E402
from exchanges.grvt import messages as m  # noqa: E402
from exchanges.grvt import parse, signing  # noqa: E402
from exchanges.grvt.ids import ID_OPTIONS, ClientIdCodec  # noqa: E402
from exchanges.grvt.oms import GrvtOMS  # noqa: E402
from exchanges.grvt.subscriber import BookChain  # noqa: E402
from tradesys.messages import Side, TimeInForce  # noqa: E402
from tradesys.venue.base import OrderSpec  # noqa: E402
from tradesys.venue.grid import Grid  # noqa: E402
from tradesys.venue.ids import ClientOrderIds  # noqa: E402

PRICE_SCALE, SIZE_SCALE = 1, 3     # BTC_USDT_Perp in the simulator: tick 0.1, sizes in 0.001
KEY = "0x" + "11" * 32             # the signing vectors' throwaway key
CHAIN = 326


def generated_frames(count: int, levels: int = 10, seed: int = 7) -> list[bytes]:
    """A snapshot (sequence 0), then a chained delta stream around a random-walk mid, as the venue sends it."""
    rng = random.Random(seed)
    mid = 650_000                       # in ticks: 65,000.0

    def level(side: str, size: int | None = None) -> dict:
        price = mid - 1 - rng.randint(0, 40) if side == "bid" else mid + 1 + rng.randint(0, 40)
        size = rng.randint(0, 500) if size is None else size
        return {"price": f"{price / 10:.1f}", "size": "0" if not size else f"{size / 1000:.3f}", "num_orders": 1}

    def frame(seq: int, bids: list, asks: list) -> bytes:
        return json.dumps({"stream": "v1.book.d", "selector": "BTC_USDT_Perp@100", "sequence_number": str(seq),
                           "prev_sequence_number": str(max(0, seq - 1)),
                           "feed": {"event_time": "1771263510139000000", "instrument": "BTC_USDT_Perp",
                                    "bids": bids, "asks": asks}}, separators=(",", ":")).encode()

    frames = [frame(0, [{"price": f"{(mid - 1 - i) / 10:.1f}", "size": "1.000", "num_orders": 1} for i in range(41)],
                    [{"price": f"{(mid + 1 + i) / 10:.1f}", "size": "1.000", "num_orders": 1} for i in range(41)])]
    for seq in range(1, count + 1):
        mid += rng.choice((-1, 0, 1))
        frames.append(frame(seq, [level("bid") for _ in range(levels)], [level("ask") for _ in range(levels)]))
    return frames


def ours(frames: list[bytes]) -> float:
    chain = BookChain("BTC_USDT_Perp", PRICE_SCALE, SIZE_SCALE)
    decode_frame, decode_book = m.frame_decoder.decode, m.book_feed_decoder.decode
    chain.expect_snapshot(0)
    first = decode_frame(frames[0])
    chain.on_frame(first, decode_book(first.feed))
    on_frame = chain.on_frame
    start = time.perf_counter()
    for raw in frames[1:]:
        frame = decode_frame(raw)
        on_frame(frame, decode_book(frame.feed)).SerializeToString()   # the BookDelta bytes it publishes
    elapsed = time.perf_counter() - start
    assert chain.breaks == 0 and chain.live and len(chain.book) > 0 and chain.levels.exact == 0
    return elapsed


def baseline(frames: list[bytes]) -> float:
    bids: dict[Decimal, Decimal] = {}
    asks: dict[Decimal, Decimal] = {}
    last = int(json.loads(frames[0])["sequence_number"])
    start = time.perf_counter()
    for raw in frames[1:]:
        message = json.loads(raw)
        if int(message["prev_sequence_number"]) != last:
            raise AssertionError("gap")
        last = int(message["sequence_number"])
        feed = message["feed"]
        for side, levels in ((bids, feed["bids"]), (asks, feed["asks"])):
            for level in levels:
                size = Decimal(level["size"])
                if size:
                    side[Decimal(level["price"])] = size
                else:
                    side.pop(Decimal(level["price"]), None)
        best_bid, best_ask = max(bids, default=None), min(asks, default=None)  # what a reader asks every frame
    elapsed = time.perf_counter() - start
    assert best_bid is not None and best_ask is not None
    return elapsed


def _oms() -> GrvtOMS:
    info = m.Instrument("BTC_USDT_Perp", "0x030501", "BTC", "USDT", "PERPETUAL", 9, "0.1", "0.001", "1")
    oms = GrvtOMS(api=None, signer=signing.Signer(KEY), codec=ClientIdCodec(("mm",)), chain_id=CHAIN,
                  cancel_on_disconnect=False)
    oms.sub_account_id = "2000000000000001"
    oms._specs = {info.instrument: info}
    oms.grids = {info.instrument: Grid(parse.instrument(info))}
    return oms


def order_costs(count: int) -> tuple[float, float, float]:
    """us per order: ours (checks + id + sign + JSON), a bare eth-account sign, the bare signature of the digest."""
    oms = _oms()
    ids = ClientOrderIds("mm", **ID_OPTIONS)
    encode = msgspec.json.Encoder().encode
    specs = [OrderSpec("BTC_USDT_Perp", ids.next(), Side.SIDE_BUY, Decimal("0.002"),
                       price=Decimal(f"65000.{i % 10}"), time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY)
             for i in range(count)]
    start = time.perf_counter()
    for spec in specs:
        encode({"order": oms.order_payload(spec)})
    full = time.perf_counter() - start
    leg = signing.Leg(0x030501, 9, Decimal("0.002"), Decimal("65000.1"), True)
    messages = [signing.order_message(sub_account_id=oms.sub_account_id, is_market=False,
                                      time_in_force="GOOD_TILL_TIME", post_only=True, reduce_only=False, legs=[leg],
                                      nonce=i, expiration_ns=1_800_000_000_000_000_000) for i in range(count)]
    domain = signing.domain(CHAIN)
    start = time.perf_counter()
    for message in messages:
        Account.sign_message(encode_typed_data(domain, signing.ORDER_TYPES, message), private_key=KEY)
    bare = time.perf_counter() - start
    key = keys.PrivateKey(bytes.fromhex(KEY[2:]))
    digests = [keccak(b"\x19" + s.version + s.header + s.body) for s in
               (encode_typed_data(domain, signing.ORDER_TYPES, message) for message in messages)]
    start = time.perf_counter()
    for digest in digests:
        key.sign_msg_hash(digest)
    curve = time.perf_counter() - start
    return full / count * 1e6, bare / count * 1e6, curve / count * 1e6



def main(argv: list[str] | None = None) -> int:
    args = arguments(__doc__.splitlines()[0], argv, orders=2_000, quick_orders=200)
    report_books(f"GRVT book feeds: {args.frames:,} generated (10 levels a side, decimal strings)",
                 generated_frames(args.frames), args.frames, baseline, ours,
                 args.repeats)
    full, bare, curve = order_costs(args.orders)
    print(f"Signed orders: {args.orders:,} post-only limit orders (EIP-712, secp256k1)")
    print(f"  secp256k1 signature of the digest only : {curve:8.1f} us/order")
    print(f"  bare eth-account sign (as the SDK)     : {bare:8.1f} us/order")
    print(f"  tradesys checks + id + sign + JSON     : {full:8.1f} us/order  ratio {full / bare:.2f}x the bare sign, "
          f"{full / curve:.2f}x the signature alone")
    return 0


if __name__ == "__main__":
    sys.exit(main())
