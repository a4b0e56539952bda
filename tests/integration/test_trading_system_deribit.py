"""The trading system end to end on Deribit: its simulator (JSON-RPC over WebSocket and HTTP), the
Deribit connector in every service, and two market makers on the inverse perpetuals (sizes in USD, PnL
in the coin). Real Ray actors, real ZeroMQ sockets, the real simulator on loopback."""

from __future__ import annotations

import os
import signal
from decimal import Decimal

import pytest
import ray

from tests.integration.reconcile import assert_every_fill_reconciles, engine_restarted
from tradesys.aio import wait_until
from tradesys.launcher.farm import Farm

pytestmark = pytest.mark.integration
OWNERS = ("mm_btc_perp", "mm_eth_perp")
TIGHT = tuple(f"strategy.{s}.params.{p}=0.05" for s in OWNERS for p in ("half_spread_bps", "requote_bps"))


def printed(value: Decimal) -> Decimal:
    """Deribit prints money as JSON numbers: the shortest float that reads back as the value."""
    return Decimal(repr(float(value)))


async def _filled(farm: Farm, n: int) -> bool:
    return all([(await farm.call(s, "status"))["counters"]["fills"] >= n for s in OWNERS])


async def test_two_market_makers_trade_inverse_perpetuals_and_every_fill_reconciles(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "exchange=deribit", f"strategy=[{','.join(OWNERS)}]", *TIGHT) as farm:
        await wait_until(lambda: _filled(farm, 2), "both strategies filled twice", timeout=90, every=0.5)
        status = await farm.call("positions-deribit", "summary")
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-deribit", "account_state")
    assert_every_fill_reconciles(summaries, venue, venue_key="deribit", owners=OWNERS, printed=printed,
                                 tolerance=Decimal("1e-15"))
    # Inverse: positions are USD amounts (multiples of the contract), money is in the coin.
    for symbol, contract in (("BTC-PERPETUAL", 10), ("ETH-PERPETUAL", 1)):
        assert Decimal(venue[symbol]["position"]) % contract == 0
    balances = status["ledgers"]["balances"]
    assert set(balances) == {"BTC", "ETH"} and Decimal(balances["BTC"]["total"]) > 0   # the settle coins


async def _engine(farm: Farm) -> dict:
    return await farm.call("engine-deribit", "snapshot")


async def _resting(farm: Farm, n: int) -> bool:
    try:
        return len((await _engine(farm))["open"]) >= n
    except ray.exceptions.RayActorError:
        return False


async def _oms_matches_engine(farm: Farm) -> bool:
    engine = {cid for cid, owner in (await _engine(farm))["open"].items() if owner == "mm_btc_perp"}
    live = {cid for cid, o in (await farm.call("mm_btc_perp", "orders_state")).items()
            if o["state"] in ("open", "partially_filled")}
    return bool(engine) and live == engine


async def test_a_killed_engine_leaves_no_orphan_the_venue_cancels_and_the_new_engine_trades_on(ray_cluster, tmp_path):
    # Quotes 20 bps away: they rest, so the orders of the killed engine are there for the venue to cancel.
    async with Farm(tmp_path / "run", "exchange=deribit", "strategy=[mm_btc_perp]",
                    "strategy.mm_btc_perp.params.half_spread_bps=20") as farm:
        await wait_until(lambda: _resting(farm, 2), "quoting", timeout=60, every=0.5)
        before = await farm.call("engine-deribit", "pid")
        os.kill(before, signal.SIGKILL)    # its order socket closes with the process: cancel-on-disconnect
        await wait_until(lambda: _cancelled_on_disconnect(farm, 2),
                         "the venue cancelled the dead engine's orders", timeout=30, every=0.5)
        await wait_until(lambda: engine_restarted(farm, "engine-deribit", before),
                         "engine restarted and accepting", timeout=60, every=0.5)
        assert (await farm.call("engine-deribit", "status"))["counters"]["reconciles"] >= 1
        await wait_until(lambda: _resting(farm, 2), "quoting through the new engine", timeout=40, every=0.5)
        await wait_until(lambda: _oms_matches_engine(farm), "Mini OMS and engine agree", timeout=30, every=0.5)
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-deribit", "account_state")
    assert all(not v["open"] for v in venue.values())
    assert farm.launcher.restarts == {"engine-deribit": 1} and not farm.launcher.failures
    assert summaries["engine-deribit"]["state"] == "stopped"


async def _cancelled_on_disconnect(farm: Farm, n: int) -> bool:
    return (await farm.call("sim-deribit", "counters"))["cancelled_on_disconnect"] >= n
