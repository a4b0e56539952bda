"""Benchmark: the trading engine's per-request lookup of what already rests on a side.

The risk gate asks it on every order request. The engine keeps up to 20,000
final orders (for ``order_states`` and duplicate ids) beside the few live
ones; ``OrderTable.resting`` walks the live index only. The baseline, in the
same run on the same orders: the walk over the whole table that the engine
made before the index (every order, final ones skipped by a check).

Prints microseconds per lookup for tables holding 1,000 and 20,000 final
orders and ``--live`` live ones (best of 5 timings), and the ratio.

    python bench/order_table.py [--live 10] [--lookups 2000] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tradesys.services.engine.orders import EngineOrder, OrderTable  # noqa: E402

BUY, SELL = 1, 2


def table_of(finals: int, live: int) -> OrderTable:
    """A market maker's table after a long run: orders placed one by one, each oldest live one done."""
    table = OrderTable(keep_final=finals + live)
    resting: list[EngineOrder] = []
    for n in range(finals + live):
        order = EngineOrder("mm", "BTCUSDT", BUY if n % 2 else SELL, Decimal("65000.1"), Decimal("0.010"))
        table.remember(f"mm-1-{n}", order)
        resting.append(order)
        if len(resting) > live:
            resting.pop(0).final = True
        if n % 7 == 0:
            table.resting("BTCUSDT", BUY)     # requests come in between, as they do
    return table


def whole_table_walk(table: OrderTable, symbol: str, side: int) -> Decimal:
    return sum((o.quantity - o.filled for o in table if not o.final and o.symbol == symbol and o.side == side),
               Decimal(0))


def best_us(lookup, lookups: int) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(lookups):
            lookup()
        best = min(best, time.perf_counter() - t0)
    return best / lookups * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--live", type=int, default=10, help="live orders in the table (default 10)")
    parser.add_argument("--lookups", type=int, default=2000, help="lookups per timing (default 2000)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    args = parser.parse_args(argv)
    if args.live < 1:
        parser.error("--live must be at least 1")
    if args.quick:
        args.lookups = 50
    print(f"resting quantity on one side, {args.live} live order(s), best of 5 x {args.lookups} lookups")
    for finals in (1_000, 20_000):
        table = table_of(finals, args.live)
        assert table.resting("BTCUSDT", BUY) == whole_table_walk(table, "BTCUSDT", BUY)
        base = best_us(lambda t=table: whole_table_walk(t, "BTCUSDT", BUY), args.lookups)
        ours = best_us(lambda t=table: t.resting("BTCUSDT", BUY), args.lookups)
        print(f"{finals:>6,} final  whole-table walk (baseline): {base:9.1f} us/lookup")
        print(f"{finals:>6,} final  OrderTable.resting          : {ours:9.1f} us/lookup   ratio {base / ours:.1f}x "
              f"faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
