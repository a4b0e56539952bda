"""The trading system end to end on GRVT: its simulator (three hosts, EIP-712 signed orders, session
cookies), the GRVT connector in every service, and two market makers on the USDT perpetuals. Real Ray
actors, real ZeroMQ sockets, the real simulator on loopback."""

from __future__ import annotations

import os
import signal
from decimal import Decimal

import pytest
import ray

from exchanges.grvt.ids import ClientIdCodec
from tests.integration.reconcile import assert_every_fill_reconciles, engine_restarted
from tradesys.aio import wait_until
from tradesys.launcher.farm import Farm

pytestmark = pytest.mark.integration
OWNERS = ("mm_btc_grvt", "mm_eth_grvt")
TIGHT = tuple(f"strategy.{s}.params.{p}=0.05" for s in OWNERS for p in ("half_spread_bps", "requote_bps"))


async def _filled(farm: Farm, n: int) -> bool:
    return all([(await farm.call(s, "status"))["counters"]["fills"] >= n for s in OWNERS])


async def test_two_market_makers_trade_on_grvt_and_every_fill_reconciles(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "exchange=grvt", f"strategy=[{','.join(OWNERS)}]", *TIGHT) as farm:
        await wait_until(lambda: _filled(farm, 2), "both strategies filled twice", timeout=90, every=0.5)
        status = await farm.call("positions-grvt", "summary")
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-grvt", "account_state")
    # The venue keeps our client order ids as its numbers: read them back as the services do. GRVT prints
    # exact decimals; realised PnL may still differ far below a cent, as an average entry price that does not
    # terminate is carried to 34 digits by the venue and to 28 by our ledgers.
    assert_every_fill_reconciles(summaries, venue, venue_key="grvt", owners=OWNERS, printed=lambda v: v,
                                 tolerance=Decimal("1e-15"), ours=ClientIdCodec(OWNERS + ("flatten",)).decode)
    # GRVT cannot amend: every requote was a cancel and a new order, never a modify sent to the venue.
    assert summaries["engine-grvt"]["counters"]["modifies"] == 0
    assert sum(summaries[s]["counters"]["modify_as_cancel"] for s in OWNERS) > 0
    assert Decimal(status["ledgers"]["balances"]["USDT"]["total"]) > 0


async def _engine(farm: Farm) -> dict:
    return await farm.call("engine-grvt", "snapshot")


async def _resting(farm: Farm, n: int) -> bool:
    try:
        return len((await _engine(farm))["open"]) >= n
    except ray.exceptions.RayActorError:
        return False


async def _cancelled_by_countdown(farm: Farm) -> bool:
    return (await farm.call("sim-grvt", "counters"))["cancelled_by_countdown"] >= 1


async def test_a_killed_engine_leaves_no_orphan_the_countdown_cancels_and_the_new_engine_trades_on(
        ray_cluster, tmp_path):
    # Quotes 20 bps away rest; the killed engine stops re-arming the countdown, so the venue cancels them.
    async with Farm(tmp_path / "run", "exchange=grvt", "strategy=[mm_btc_grvt]",
                    "strategy.mm_btc_grvt.params.half_spread_bps=20", "exchange.grvt.cancel_on_disconnect_ms=2000"
                    ) as farm:
        await wait_until(lambda: _resting(farm, 2), "quoting", timeout=60, every=0.5)
        before = await farm.call("engine-grvt", "pid")
        os.kill(before, signal.SIGKILL)
        await wait_until(lambda: _cancelled_by_countdown(farm),
                         "the countdown cancelled the dead engine's orders", timeout=30, every=0.5)
        await wait_until(lambda: engine_restarted(farm, "engine-grvt", before),
                         "engine restarted and accepting", timeout=60, every=0.5)
        assert (await farm.call("engine-grvt", "status"))["counters"]["reconciles"] >= 1
        await wait_until(lambda: _resting(farm, 2), "quoting through the new engine", timeout=40, every=0.5)
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-grvt", "account_state")
    assert all(not v["open"] for v in venue.values())
    assert farm.launcher.restarts == {"engine-grvt": 1} and not farm.launcher.failures
    assert summaries["engine-grvt"]["state"] == "stopped"
