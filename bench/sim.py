"""Benchmark: the simulator's matching engine and its WebSocket depth fan-out.

1. Matching engine: the same seeded sequence of place / cancel / crossing
   orders through ``tradesys.sim.engine.MatchingEngine`` and through a naive
   list-based book (one sorted Python list per side, linear scans), measured
   in this run; operations per second and the ratio.
2. Depth fan-out: the Binance simulator on loopback, N clients (1 and 8) on
   ``btcusdt@depth@0ms`` (one event per book change), the book driven as fast
   as the engine goes for a fixed time; depth messages per second received
   per client, beside the few hundred a second a real venue sends one client.

    python bench/sim.py [--orders 50000] [--seconds 3] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from exchanges.binance.simulator import BinanceSimulator  # noqa: E402
from tradesys.sim.engine import MatchingEngine  # noqa: E402
from tradesys.sim.errors import SimReject  # noqa: E402
from tradesys.sim.orders import OrderType, Side, SimOrder, TimeInForce  # noqa: E402

VENUE_MESSAGES_PER_SECOND = 500  # a busy symbol's depth diffs to one client, generously


def operations(count: int, seed: int = 1):
    """A seeded mix: 60 % passive limit orders, 25 % cancels, 15 % crossing orders."""
    rng = random.Random(seed)
    ops, live = [], []
    for oid in range(1, count + 1):
        roll = rng.random()
        side = Side.BUY if rng.random() < 0.5 else Side.SELL
        if roll < 0.25 and live:
            ops.append(("cancel", live.pop(rng.randrange(len(live)))))
        elif roll < 0.40:
            price = 10_000 + (60 if side is Side.BUY else -60)
            ops.append(("order", (oid, side, price, rng.randint(1, 20))))
        else:
            price = 10_000 + (-rng.randint(1, 50) if side is Side.BUY else rng.randint(1, 50))
            ops.append(("order", (oid, side, price, rng.randint(1, 20))))
            live.append(oid)
    return ops


class NaiveBook:
    """The baseline: every resting order in one sorted list per side, matched by linear scans."""

    def __init__(self):
        self.bids: list[list] = []   # [-price, seq, oid, qty], best first
        self.asks: list[list] = []   # [price, seq, oid, qty]
        self.seq = 0

    def submit(self, oid, side, price, qty):
        book, opposite = (self.bids, self.asks) if side is Side.BUY else (self.asks, self.bids)
        while qty and opposite:
            best = opposite[0]
            best_price = -best[0] if opposite is self.bids else best[0]
            if (side is Side.BUY and best_price > price) or (side is Side.SELL and best_price < price):
                break
            take = min(qty, best[3])
            qty -= take
            best[3] -= take
            if best[3] == 0:
                opposite.pop(0)
        if qty:
            self.seq += 1
            bisect.insort(book, [-price if side is Side.BUY else price, self.seq, oid, qty])

    def cancel(self, oid):
        for book in (self.bids, self.asks):
            for index, entry in enumerate(book):
                if entry[2] == oid:
                    del book[index]
                    return


def run_engine(ops) -> float:
    engine = MatchingEngine("X")
    start = time.perf_counter()
    for kind, arg in ops:
        if kind == "order":
            oid, side, price, qty = arg
            engine.submit(SimOrder(oid, "", "a" if oid % 2 else "b", "X", side, OrderType.LIMIT, TimeInForce.GTC,
                                   price, qty), 0)
        else:
            try:
                engine.cancel(arg, 0)
            except SimReject:
                pass  # already filled
    return len(ops) / (time.perf_counter() - start)


def run_naive(ops) -> float:
    book = NaiveBook()
    start = time.perf_counter()
    for kind, arg in ops:
        if kind == "order":
            book.submit(*arg)
        else:
            book.cancel(arg)
    return len(ops) / (time.perf_counter() - start)


async def fan_out(subscribers: int, seconds: float) -> tuple[float, float]:
    """Depth messages a second received per client, and book changes a second driven."""
    sim = BinanceSimulator(symbols=("BTCUSDT",), seed=3, step_seconds=3600)  # we drive the book ourselves
    urls = await sim.start()
    exchange, instrument = sim.exchange, sim.exchange.instruments["BTCUSDT"]
    best_bid = exchange.engines["BTCUSDT"].book.best_price(Side.BUY)
    received = [0] * subscribers
    async with aiohttp.ClientSession() as http:
        sockets = [await http.ws_connect(urls["ws public"] + "/ws/btcusdt@depth@0ms") for _ in range(subscribers)]

        async def read(index, ws):
            async for msg in ws:
                if msg.type == aiohttp.WSMsgType.TEXT:
                    received[index] += 1

        readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(sockets)]
        changes, deadline = 0, time.monotonic() + seconds
        rng = random.Random(5)
        while time.monotonic() < deadline:
            for _ in range(20):  # a burst of book changes, then let the sockets drain
                price = best_bid - instrument.tick * rng.randint(5, 200)
                order = exchange.place("main", "BTCUSDT", Side.BUY, OrderType.LIMIT, instrument.min_qty * 10,
                                       price=price)
                exchange.cancel("main", "BTCUSDT", order_id=order.order_id)
                changes += 2
            await asyncio.sleep(0)
        elapsed = seconds
        await asyncio.sleep(0.5)
        for ws in sockets:
            await ws.close()
        for task in readers:
            task.cancel()
    await sim.stop()
    return sum(received) / subscribers / elapsed, changes / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="the simulator's matching engine and depth fan-out")
    parser.add_argument("--orders", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--quick", action="store_true", help="small counts (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.orders, args.seconds = 3_000, 0.5
    ops = operations(args.orders)
    naive, ours = run_naive(ops), run_engine(ops)
    print(f"matching engine: {len(ops):,} operations (60 % passive, 25 % cancel, 15 % crossing), same sequence")
    print(f"  naive list-based book : {naive:>10,.0f} ops/s")
    print(f"  tradesys.sim engine   : {ours:>10,.0f} ops/s   ratio {ours / naive:.2f}x the naive book")
    print(f"depth fan-out: btcusdt@depth@0ms over loopback WebSockets, {args.seconds:g} s a run")
    for subscribers in (1, 8):
        per_client, changes = asyncio.run(fan_out(subscribers, args.seconds))
        print(f"  {subscribers} subscriber(s): {per_client:>9,.0f} depth msgs/s each ({changes:,.0f} book changes/s), "
              f"{per_client / VENUE_MESSAGES_PER_SECOND:.1f}x a venue's {VENUE_MESSAGES_PER_SECOND}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
