"""cryptofeed's BinanceFutures depth handler on a frame file: the baseline of bench/binance_md.py.

Runs in its own virtualenv (bench/cryptofeed_env.py makes it: cryptofeed needs websockets >= 14.1, which
the project's environment cannot have beside grvt-pysdk's pin). It never touches the network: the feed's
symbol table is filled from a one-symbol exchangeInfo, and its snapshot request is answered from the
snapshot file, so the first frame seeds the book through cryptofeed's own ``_snapshot``. Then every frame
goes through ``message_handler`` (json with Decimal floats, the update-id check, Decimal prices and sizes
into its ``OrderBook``, ``book_callback`` with the delta) to a no-op callback. Prints one JSON line:
frames, seconds, us per frame (best of ``--repeat``).

    .venv-cryptofeed/bin/python bench/baselines/cryptofeed_binance.py SNAPSHOT FRAMES [--repeat 3] [--min-levels N]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time

from cryptofeed.defines import L2_BOOK
from cryptofeed.exchanges import BinanceFutures
from cryptofeed.symbols import Symbols

EXCHANGE_INFO = {"symbols": [{
    "symbol": "BTCUSDT", "pair": "BTCUSDT", "contractType": "PERPETUAL", "status": "TRADING",
    "baseAsset": "BTC", "quoteAsset": "USDT", "marginAsset": "USDT", "pricePrecision": 2, "quantityPrecision": 3,
    "filters": [{"filterType": "PRICE_FILTER", "tickSize": "0.10", "minPrice": "0.10", "maxPrice": "1000000"},
                {"filterType": "LOT_SIZE", "stepSize": "0.001", "minQty": "0.001", "maxQty": "1000"}]}]}


class SnapshotFromFile:
    """Stands where the feed's HTTP connection does: its depth request answered from the file."""

    def __init__(self, text: str):
        self.text = text

    async def read(self, address: str, **_) -> str:
        return self.text


async def _noop(*_args, **_kwargs) -> None:
    pass


async def run(snapshot: str, frames: list[str], repeat: int, min_levels: int) -> dict:
    syms, info = BinanceFutures._parse_symbol_data(EXCHANGE_INFO)
    Symbols.set(BinanceFutures.id, syms, info)
    best = float("inf")
    for _ in range(repeat):
        feed = BinanceFutures(symbols=["BTC-USDT-PERP"], channels=[L2_BOOK], callbacks={L2_BOOK: _noop})
        feed.http_conn = SnapshotFromFile(snapshot)
        handle = feed.message_handler
        await handle(frames[0], None, time.time())             # the snapshot, then its first frame
        start = time.perf_counter()
        for frame in frames[1:]:
            await handle(frame, None, 0.0)
        best = min(best, time.perf_counter() - start)
        book = feed._l2_book["BTC-USDT-PERP"].book
        assert len(book.bids) >= min_levels and len(book.asks) >= min_levels, "the book was not kept"
    count = len(frames) - 1
    return {"frames": count, "seconds": best, "us_per_frame": best / count * 1e6}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("snapshot")
    parser.add_argument("frames")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--min-levels", type=int, default=0, help="levels a side the book must hold at the end")
    args = parser.parse_args()
    with open(args.snapshot) as f:
        snapshot = f.read()
    with open(args.frames) as f:
        frames = [line for line in f.read().splitlines() if line]
    print(json.dumps(asyncio.run(run(snapshot, frames, args.repeat, args.min_levels))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
