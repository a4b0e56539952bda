"""The fault matrix's slow-strategy row: a strategy whose event loop blocks for 2 s costs only itself.

Three copies of the sample market maker share one venue's market server and engine; one is stalled
(``ActorBase.stall``: its loop blocked, as by a callback that computes too long). The others keep reading
the book and trading through the stall; the stalled one counts its stall, catches up from its bus queue
(whatever that queue could not hold would be counted as missed, never silently lost), and trades on. Real
Ray actors, real ZeroMQ, the Binance simulator on loopback."""

from __future__ import annotations

import asyncio
import time

import pytest

from tests.integration.reconcile import assert_every_fill_reconciles
from tests.integration.test_restarts import counters
from tests.integration.venues import VENUES
from tradesys.aio import wait_until
from tradesys.launcher.farm import Farm

pytestmark = pytest.mark.integration
STALL_S = 2.0
SLOW, OTHERS = "mm_btc_1", ("mm_btc_2", "mm_btc_3")


async def _quoting(farm: Farm, names) -> bool:
    owners = set((await farm.call("engine-binance", "snapshot"))["open"].values())
    return set(names) <= owners


async def test_a_strategy_that_blocks_its_loop_for_two_seconds_costs_only_itself(ray_cluster, tmp_path):
    spec = VENUES["binance"]
    names = (SLOW, *OTHERS)
    async with Farm(tmp_path / "run", "exchange=binance", "strategy=[mm_btc]", "strategy.mm_btc.instances=3",
                    "strategy.mm_btc.params.half_spread_bps=0.05", "strategy.mm_btc.params.requote_bps=0.05") as farm:
        await wait_until(lambda: _quoting(farm, names), "all three quoting", timeout=60, every=0.5)
        before = {name: await counters(farm, name) for name in names}

        await farm.call(SLOW, "stall", STALL_S)
        stalled_at = time.monotonic()
        await asyncio.sleep(STALL_S / 2)     # time itself: the middle of the stall
        during = {name: await counters(farm, name) for name in OTHERS}
        assert time.monotonic() - stalled_at < STALL_S, "the check meant for the stall's middle came after it"
        for name in OTHERS:                  # they read the book and heard their orders while it was blocked
            assert during[name]["book_updates"] > before[name]["book_updates"], name

        after = await wait_until(lambda: counters(farm, SLOW), "the stalled strategy answers again", timeout=30,
                                 every=0.25)
        assert after["loop_stalls"] >= 1 and after["loop_lag_max_ms"] >= STALL_S * 1000 * 0.9, after
        # Its queue held the 2 s of market data: read late, in order, nothing dropped; a drop would be counted
        # (``missed``) and would cost the book until the next snapshot (``book_drops``).
        assert after["book_updates"] > before[SLOW]["book_updates"]
        assert after["missed"] == after["gaps"] == 0 and after["book_drops"] == 0, after
        await wait_until(lambda: _fills_after(farm, SLOW, after["fills"]), "the stalled strategy trades again",
                         timeout=60, every=0.5)
        summaries = await farm.stop_trading()
        account = await farm.call("sim-binance", "account_state")

    assert farm.launcher.restarts == {} and not farm.launcher.failures   # 2 s is not a hang: nobody restarted
    for name in OTHERS:       # no stall, and every delta they got followed their book: nothing out of sync
        counters_ = summaries[name]["counters"]
        assert counters_["loop_stalls"] == 0 and counters_["book_drops"] == counters_["gaps"] == 0, name
    assert summaries["market-binance"]["counters"]["loop_stalls"] == 0
    assert summaries["engine-binance"]["counters"]["loop_stalls"] == 0
    assert_every_fill_reconciles(summaries, account, venue_key="binance", owners=names, printed=spec.printed,
                                 tolerance=spec.tolerance, ours=spec.ours)
    for state in account.values():
        assert len(state["orders"]) == len(set(state["orders"]))          # no order sent twice
    print(f"fault-matrix slow strategy: binance {SLOW} blocked {STALL_S:.0f}s, caught up "
          f"{after['book_updates'] - before[SLOW]['book_updates']} book updates, missed {after['missed']}; "
          f"the others read {min(during[n]['book_updates'] - before[n]['book_updates'] for n in OTHERS)}+ "
          f"updates during it")


async def _fills_after(farm: Farm, name: str, past: int) -> bool:
    return (await counters(farm, name))["fills"] > past
