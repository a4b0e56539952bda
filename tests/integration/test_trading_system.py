"""The trading system end to end: simulator, market server, engine, position server, two strategy actors.

Real Ray actors, real ZeroMQ sockets, the real Binance simulator on loopback. The strategies quote
close to the touch so that the synthetic flow fills them within seconds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from decimal import Decimal

import pytest

from exchanges.ids import ClientOrderIds
from tests.integration.farm import Farm

pytestmark = pytest.mark.integration
D = Decimal
PRINTED = D("1e-8")      # Binance prints fees and PnL with 8 decimals; its books keep more
TIGHT = ("strategy.mm_btc.params.half_spread_bps=0.05", "strategy.mm_eth.params.half_spread_bps=0.05",
         "strategy.mm_btc.params.requote_bps=0.05", "strategy.mm_eth.params.requote_bps=0.05")


async def fills_of(farm: Farm, strategy: str) -> int:
    return (await farm.call(strategy, "status"))["counters"]["fills"]


async def test_two_strategies_trade_and_every_fill_reconciles(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", *TIGHT) as farm:
        await farm.until("both strategies filled twice", lambda: _both_filled(farm, 2), timeout=90)
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-binance", "account_state")

    # Nothing rests at the venue for the account after the stop.
    assert {s: v["open"] for s, v in venue.items()} == {"BTCUSDT": [], "ETHUSDT": [], }

    # Every fill the simulator made appears exactly once, in the right sub-ledger.
    venue_fills = defaultdict(Counter)
    signed = defaultdict(lambda: D(0))
    fees = defaultdict(lambda: D(0))
    for symbol, state in venue.items():
        for fill in state["fills"]:
            owner = ClientOrderIds.owner(fill["client_order_id"])
            venue_fills[owner][symbol] += 1
            quantity = D(fill["quantity"]) * (1 if fill["side"] == "buy" else -1)
            signed[(owner, symbol)] += quantity
            fees[(owner, symbol)] += D(fill["fee"]).quantize(PRINTED)   # as the venue reports each fee
    ledgers = summaries["positions-binance"]["ledgers"]
    assert set(venue_fills) == {"mm_btc", "mm_eth"}
    for owner, per_symbol in venue_fills.items():
        for symbol, count in per_symbol.items():
            row = ledgers["strategies"][owner][symbol]
            assert row["fills"] == count, (owner, symbol)
            assert D(row["position"]) == signed[(owner, symbol)]
            assert D(row["fees"]) == fees[(owner, symbol)]
    # Each strategy's own ledger (built from its oe.* fills) says the same as the position server's.
    for owner in ("mm_btc", "mm_eth"):
        own = summaries[owner]["strategy"]["symbols"]
        for symbol, row in ledgers["strategies"][owner].items():
            assert (own[symbol]["fills"], own[symbol]["position"], own[symbol]["realized_pnl"], own[symbol]["fees"]) \
                == (row["fills"], row["position"], row["realized_pnl"], row["fees"])
    # The sum of the strategies is the account, as the venue holds it; realised PnL and fees reconcile.
    for symbol, state in venue.items():
        strategies = [rows[symbol] for rows in ledgers["strategies"].values() if symbol in rows]
        assert sum((D(r["position"]) for r in strategies), D(0)) == D(state["position"])
        fills = len(state["fills"])
        assert abs(sum((D(r["fees"]) for r in strategies), D(0)) - D(state["fees"])) <= fills * PRINTED
        account = ledgers["account"][symbol]
        assert D(account["drift"]) == 0 and D(account["venue_position"]) == D(state["position"])
        assert abs(D(account["realized_pnl"]) - D(state["realized_pnl"])) <= fills * PRINTED
    engine = summaries["engine-binance"]
    assert engine["counters"]["open_orders"] == 0 and engine["state"] == "stopped"
    for owner in ("mm_btc", "mm_eth"):
        assert summaries[owner]["state"] == "stopped" and summaries[owner]["strategy"]["open_orders"] == 0


async def _both_filled(farm: Farm, n: int) -> bool:
    return all([await fills_of(farm, s) >= n for s in ("mm_btc", "mm_eth")])
