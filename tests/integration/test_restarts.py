"""Every kind of actor killed with SIGKILL comes back: the launcher restarts it within its budget, and it
recovers what it owns (books, ledgers, rate-limit counts, the recording) from the venue and the bus.

Real Ray actors, real ZeroMQ, the real simulator on loopback; each process is killed as an operator's
``kill -9`` would."""

from __future__ import annotations

import asyncio
import os
import signal
from decimal import Decimal

import pytest
import ray

from tests.integration.reconcile import assert_every_fill_reconciles, restarted
from tradesys.aio import wait_until
from tradesys.launcher.farm import Farm
from tradesys.messages import Side
from tradesys.recording.reader import read_recording

pytestmark = pytest.mark.integration
D = Decimal
PRINTED = D("1e-8")
TIGHT_BTC = ("strategy.mm_btc.params.half_spread_bps=0.05", "strategy.mm_btc.params.requote_bps=0.05")


async def kill(farm: Farm, name: str) -> int:
    """SIGKILL the actor's process; return its pid."""
    pid = await farm.call(name, "pid")
    os.kill(pid, signal.SIGKILL)
    return pid


async def counters(farm: Farm, name: str) -> dict:
    return (await farm.call(name, "status"))["counters"]


async def quoting(farm: Farm, strategy: str) -> bool:
    try:
        return sum(1 for owner in (await farm.call("engine-binance", "snapshot"))["open"].values()
                   if owner == strategy) >= 1
    except ray.exceptions.RayActorError:
        return False


async def fills_grow(farm: Farm, strategy: str, past: int) -> bool:
    return (await counters(farm, strategy))["fills"] > past


async def rebuilt(farm: Farm, strategy: str) -> bool:
    """The position server's ledger of ``strategy`` holds every fill the strategy's own ledger holds."""
    try:
        ledger = (await farm.call("positions-binance", "strategy_ledger", strategy))["ledgers"].get("BTCUSDT", {})
        own = (await farm.call(strategy, "ledger_state"))["BTCUSDT"]
    except ray.exceptions.RayActorError:
        return False
    return ledger.get("fills") == own["fills"] and ledger.get("quantity") == D(own["position"])


async def test_every_service_killed_in_turn_comes_back_and_no_fill_is_lost(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "strategy=[mm_btc]", *TIGHT_BTC, "recording.enabled=true",
                    "recording.max_batch_seconds=0.5") as farm:
        await wait_until(lambda: fills_grow(farm, "mm_btc", 1), "two fills", timeout=90, every=0.5)

        # The market server: the strategy's books go down at once (a new publisher session, or silence), and
        # live again from the new process's snapshots; it quotes again.
        pid = await kill(farm, "market-binance")
        await wait_until(lambda: restarted(farm, "market-binance", pid), "market server back", timeout=60, every=0.5)
        await wait_until(lambda: quoting(farm, "mm_btc"), "quoting on the new books", timeout=40, every=0.5)
        strategy = await counters(farm, "mm_btc")
        assert strategy["market_server_losses"] >= 1
        assert (await counters(farm, "market-binance"))["live_books"] == len(farm.app.exchange["binance"].symbols)

        # The position server: it rebuilds every ledger from the venue's fills since the run started.
        fills = (await counters(farm, "mm_btc"))["fills"]
        pid = await kill(farm, "positions-binance")
        await wait_until(lambda: restarted(farm, "positions-binance", pid), "position server back", timeout=60,
                         every=0.5)
        assert (await counters(farm, "positions-binance"))["rebuilt_fills"] >= fills
        await wait_until(lambda: rebuilt(farm, "mm_btc"), "ledgers rebuilt", timeout=30, every=0.5)

        # The budget: it comes back taking every window as spent, probes, and trading goes on.
        pid = await kill(farm, "budget-binance")
        await wait_until(lambda: restarted(farm, "budget-binance", pid), "budget back", timeout=60, every=0.5)
        fills = (await counters(farm, "mm_btc"))["fills"]
        await wait_until(lambda: fills_grow(farm, "mm_btc", fills), "fills after the budget's restart",
                         timeout=90, every=0.5)
        budget = await counters(farm, "budget-binance")
        assert budget["probes"] >= 1, budget

        # The recorder: a new file, and the messages it missed counted per topic.
        await asyncio.sleep(1.5)      # time itself: the first life writes some batches
        pid = await kill(farm, "recorder")
        await wait_until(lambda: restarted(farm, "recorder", pid), "recorder back", timeout=60, every=0.5)
        fills = (await counters(farm, "mm_btc"))["fills"]
        await wait_until(lambda: fills_grow(farm, "mm_btc", fills), "a fill after the recorder's restart",
                         timeout=90, every=0.5)
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-binance", "account_state")

    assert farm.launcher.restarts == {"market-binance": 1, "positions-binance": 1, "budget-binance": 1,
                                      "recorder": 1}
    assert not farm.launcher.failures and not farm.launcher.supervisor.lost
    assert_every_fill_reconciles(summaries, venue, venue_key="binance", owners=("mm_btc",),
                                 printed=lambda d: d.quantize(PRINTED), tolerance=PRINTED)
    _assert_recording_covers_the_engine_heartbeats(farm, summaries["recorder"])


def _assert_recording_covers_the_engine_heartbeats(farm: Farm, recorder: dict) -> None:
    """What the two recorder lives wrote, and the gap the second counted, are the engine's heartbeats from
    the first recorded one to the last, each exactly once."""
    topic = "hb.engine-binance"
    gaps = recorder["gaps"]
    assert topic in gaps and recorder["counters"]["gap_messages"] > 0, recorder
    table = read_recording(farm.launcher.run_dir / "recordings")
    seqs = [seq for t, seq in zip(table.column("topic").to_pylist(), table.column("seq").to_pylist()) if t == topic]
    files = {str(path) for path in (farm.launcher.run_dir / "recordings").rglob("*.arrows")}
    assert len({path.rsplit("/", 1)[1] for path in files}) >= 2        # the second life wrote new files
    missed = [seq for first, last in gaps[topic] for seq in range(first, last + 1)]
    together = sorted(seqs + missed)
    assert together == list(range(together[0], together[-1] + 1)), "a heartbeat neither recorded nor counted"


async def engine_snapshot(farm: Farm) -> dict:
    return await farm.call("engine-binance", "snapshot")


async def test_a_venue_that_comes_back_with_a_fresh_account_is_reconciled_and_kept_halted(ray_cluster, tmp_path):
    """The simulator killed: while it is away the engine halts the venue; Ray restarts it with a fresh
    account on the same addresses; the connectors reconnect, the engine settles the orders the venue no longer
    knows, and the position server finds the venue's positions gone: a drift, so the venue stays halted for
    an operator (docs/reliability.md)."""
    async with Farm(tmp_path / "run", "strategy=[mm_btc]", "strategy.mm_btc.params.half_spread_bps=20",
                    "risk.halt_on_stale_book_seconds=1") as farm:
        await wait_until(lambda: quoting(farm, "mm_btc"), "quoting", timeout=60, every=0.5)
        probe = await farm.call("mm_btc", "place", "BTCUSDT", Side.SIDE_BUY, None, D("0.002"), intent="probe")
        await wait_until(lambda: rebuilt(farm, "mm_btc"), "the probe's fill booked", timeout=30, every=0.5)
        assert (await farm.call("mm_btc", "orders_state"))[probe.client_order_id]["state"] == "filled"
        quotes = set((await engine_snapshot(farm))["open"])
        assert quotes

        pid = await kill(farm, "sim-binance")
        await wait_until(lambda: _mode_is(farm, "halt"), "the engine halted the venue", timeout=30, every=0.25)
        await wait_until(lambda: restarted(farm, "sim-binance", pid), "the venue back", timeout=60, every=0.5)
        # The quotes went with the old account: settled as cancelled, in the engine and the strategy.
        await wait_until(lambda: _settled_gone(farm, quotes), "the lost quotes settled", timeout=60, every=0.5)
        # The venue now holds no position where the ledgers hold 0.002: the drift alarm keeps it halted.
        await wait_until(lambda: _drift_halted(farm), "the drift halt", timeout=60, every=0.5)
        engine = (await farm.call("engine-binance", "status"))["counters"]
        assert engine["settled_gone"] >= len(quotes) and engine["stream_drops"] >= 1
        market = await counters(farm, "market-binance")
        assert market["live_books"] == len(farm.app.exchange["binance"].symbols)
        await asyncio.sleep(2)     # time itself: halted, the strategy places nothing
        assert (await engine_snapshot(farm))["open"] == {}
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-binance", "account_state")
    assert farm.launcher.restarts == {"sim-binance": 1} and not farm.launcher.failures
    assert all(not state["open"] and not state["fills"] for state in venue.values())   # the fresh account
    ledger = summaries["positions-binance"]["ledgers"]["account"]["BTCUSDT"]
    assert D(ledger["venue_position"]) == 0 and D(ledger["drift"]) == D("-0.002")
    assert summaries["mm_btc"]["strategy"]["open_orders"] == 0


async def _mode_is(farm: Farm, mode: str) -> bool:
    try:
        return (await asyncio.wait_for(engine_snapshot(farm), 5))["mode"] == mode
    except (ray.exceptions.RayActorError, TimeoutError):
        return False


async def _settled_gone(farm: Farm, quotes: set[str]) -> bool:
    orders = await farm.call("mm_btc", "orders_state")
    live = set((await engine_snapshot(farm))["open"])
    return not (quotes & live) and all(orders[cid]["state"] == "cancelled" for cid in quotes)


async def _drift_halted(farm: Farm) -> bool:
    summary = await farm.call("engine-binance", "summary")
    return summary["kill_switch"]["mode"] == "halt" and "position drift" in (
        summary["kill_switch"]["history"][-1]["reason"])
