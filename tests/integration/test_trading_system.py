"""The trading system end to end: simulator, market server, engine, position server, two strategy actors.

Real Ray actors, real ZeroMQ sockets, the real Binance simulator on loopback. The strategies quote
close to the touch so that the synthetic flow fills them within seconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from decimal import Decimal

import aiohttp
import pytest
import ray

from tests.integration.reconcile import assert_every_fill_reconciles, engine_restarted, restarted
from tradesys.aio import wait_until
from tradesys.launcher.control import send
from tradesys.launcher.farm import Farm
from tradesys.messages import InventoryDelta, RiskAction, Side
from tradesys.numeric import set_decimal
from tradesys.risk.killswitch import command
from tradesys.strategy import PreTradeRejected

pytestmark = pytest.mark.integration
D = Decimal
PRINTED = D("1e-8")      # Binance prints fees and PnL with 8 decimals; its books keep more
TIGHT_BTC = ("strategy.mm_btc.params.half_spread_bps=0.05", "strategy.mm_btc.params.requote_bps=0.05")
TIGHT = TIGHT_BTC + ("strategy.mm_eth.params.half_spread_bps=0.05", "strategy.mm_eth.params.requote_bps=0.05")


async def fills_of(farm: Farm, strategy: str) -> int:
    return (await farm.call(strategy, "status"))["counters"]["fills"]


async def test_two_strategies_trade_and_every_fill_reconciles(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "strategy=[mm_btc,mm_eth]", *TIGHT) as farm:
        await wait_until(lambda: _both_filled(farm, 2), "both strategies filled twice", timeout=90, every=0.5)
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-binance", "account_state")
    # Binance prints fees and PnL with 8 decimals; its books keep more.
    assert_every_fill_reconciles(summaries, venue, venue_key="binance", owners=("mm_btc", "mm_eth"),
                                 printed=lambda d: d.quantize(PRINTED), tolerance=PRINTED)


async def _both_filled(farm: Farm, n: int) -> bool:
    return all([await fills_of(farm, s) >= n for s in ("mm_btc", "mm_eth")])


# -- the kill switch, inventory hedging, pre-trade risk ----------------------------------------------

async def operator(farm: Farm, kind: str, message) -> dict:
    """What ``python -m tradesys.kill`` / ``tradesys.inventory`` do (a blocking client: off the loop that serves it)."""
    answer = await asyncio.to_thread(send, farm.launcher.run_dir, kind, message.SerializeToString())
    assert answer["ok"], answer
    return answer


async def engine_state(farm: Farm) -> dict:
    return await farm.call("engine-binance", "snapshot")


async def order_state(farm: Farm, strategy: str, cid: str) -> str:
    return (await farm.call(strategy, "orders_state")).get(cid, {}).get("state", "")


async def test_kill_switch_tiers_do_what_they_say(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "strategy=[mm_btc,mm_eth]", *TIGHT) as farm:
        await wait_until(lambda: _quoting_with_position(farm), "quotes resting and a position", timeout=90, every=0.5)

        # halt: every strategy pulls its quotes and nothing new goes out.
        await operator(farm, "risk", command(RiskAction.RISK_ACTION_HALT, "test: halt", issued_by="test"))
        try:
            await wait_until(lambda: _engine_is(farm, "halt", open_orders=0),
                             "halted with no open order", timeout=60, every=0.5)
        except AssertionError:        # say which order stayed, and how each side holds it
            live = (await engine_state(farm))["open"]
            held = {s: {c: o for c, o in (await farm.call(s, "orders_state")).items() if c in live}
                    for s in ("mm_btc", "mm_eth")}
            raise AssertionError(f"halted, but the engine holds {live} open; the strategies: {held}") from None
        placed = (await farm.call("engine-binance", "status"))["counters"]["placed"]
        await asyncio.sleep(2.0)   # time itself: a window in which nothing may be placed
        assert (await farm.call("engine-binance", "status"))["counters"]["placed"] == placed
        assert (await engine_state(farm))["open"] == {}
        for strategy in ("mm_btc", "mm_eth"):
            assert (await farm.call(strategy, "view"))[SYMBOL[strategy]]["mode"] == "halt"

        # resume: quoting starts again.
        await operator(farm, "risk", command(RiskAction.RISK_ACTION_RESUME, "test: resume", issued_by="test"))
        await wait_until(lambda: _engine_is(farm, "normal", open_orders_at_least=1),
                         "quoting again", timeout=60, every=0.5)

        # reduce-only at the engine (the strategies not told): the gate lets only reducing orders through.
        await farm.call("engine-binance", "risk", command(RiskAction.RISK_ACTION_REDUCE_ONLY, "test: reduce",
                                                          venue="binance").SerializeToString())
        # The position is read once reduce-only is in force: from then on fills can only shrink it towards
        # zero, never flip its sign, so "growing" stays growing. Read before, a fill in between could flip it.
        position = D((await engine_state(farm))["positions"].get("BTCUSDT", "0"))
        growing = Side.SIDE_BUY if position >= 0 else Side.SIDE_SELL
        # A market order is priced at the strategy's mid: wait for a live book (a resync may be under way).
        await wait_until(lambda: _book_live(farm, "mm_btc", "BTCUSDT"), "mm_btc's book live", timeout=60, every=0.5)
        await wait_until(lambda: _engine_priced(farm, "BTCUSDT"), "the engine priced BTCUSDT", timeout=60, every=0.5)
        probe = await farm.call("mm_btc", "place", "BTCUSDT", growing, None, D("0.001"), intent="probe-grow")
        await wait_until(lambda: _state_is(farm, "mm_btc", probe.client_order_id, "rejected"),
                         "a growing order refused", timeout=60, every=0.5)
        refused = (await farm.call("engine-binance", "status"))["counters"]
        assert refused.get("gate_halted", 0) >= 1
        # A reducing order passes. (Its resting quotes still fill meanwhile, so the position it reduces is read
        # just before; should it reach zero in between, the strategy's own check refuses, which is right too.)
        own = D((await farm.call("mm_btc", "view"))["BTCUSDT"]["position"])
        if own:
            reducing = Side.SIDE_SELL if own > 0 else Side.SIDE_BUY
            try:
                probe = await farm.call("mm_btc", "place", "BTCUSDT", reducing, None, D("0.001"),
                                        intent="probe-reduce", reduce_only=True)
            except ray.exceptions.RayTaskError as err:
                assert isinstance(err.cause, PreTradeRejected) and err.cause.limit == "reduce_only"
            else:
                await wait_until(lambda: _settled(farm, "mm_btc", probe.client_order_id),
                                 "a reducing order settled", timeout=60, every=0.5)

        # flatten: every order cancelled and every position closed at the venue.
        before = await farm.call("sim-binance", "account_state")
        await operator(farm, "risk", command(RiskAction.RISK_ACTION_FLATTEN, "test: flatten", issued_by="test"))
        await wait_until(lambda: _venue_flat(farm), "flat at the venue", timeout=30, every=0.5)
        summaries = await farm.stop_trading()
    history = [h["mode"] for h in summaries["engine-binance"]["kill_switch"]["history"]]
    assert history == ["halt", "normal", "reduce_only", "flatten"]
    if any(D(v["position"]) for v in before.values()):
        assert summaries["engine-binance"]["counters"]["flatten_orders"] >= 1


def lp_delta(asset: str, amount: str, reference: str) -> InventoryDelta:
    delta = InventoryDelta(source="test-lp", asset=asset, reference=reference)
    set_decimal(delta.delta, amount)
    return delta


async def hedger_ready(farm: Farm) -> None:
    await wait_until(lambda: _book_live(farm, "lp_eth", "ETHUSDT"),
                     "the hedger sees a live book", timeout=60, every=0.5)
    await wait_until(lambda: _engine_priced(farm, "ETHUSDT"), "the engine priced ETHUSDT", timeout=60, every=0.5)


async def test_an_inventory_delta_is_hedged_within_limits(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "strategy=[lp_eth]", "strategy.lp_eth.risk.max_position=0.4") as farm:
        await hedger_ready(farm)
        delta = lp_delta("ETH", "0.3", "tx-1")
        await operator(farm, "inventory", delta)
        await wait_until(lambda: _position_is(farm, "lp_eth", "ETHUSDT", D("-0.3")),
                         "hedged to -0.3", timeout=60, every=0.5)
        await operator(farm, "inventory", delta)                 # the same reference again: applied once
        await operator(farm, "inventory", lp_delta("BTC", "5", "tx-2"))     # another asset: not this hedger's
        await asyncio.sleep(2.0)   # time itself: a window in which neither may move the position
        assert await _position_is(farm, "lp_eth", "ETHUSDT", D("-0.3"))
        await operator(farm, "inventory", lp_delta("ETH", "0.5", "tx-3"))   # target -0.8: beyond max_position 0.4
        await wait_until(lambda: _position_is(farm, "lp_eth", "ETHUSDT", D("-0.4")),
                         "hedged up to the limit", timeout=60, every=0.5)
        await asyncio.sleep(2.0)   # time itself: a window in which it must not hedge past the limit
        assert await _position_is(farm, "lp_eth", "ETHUSDT", D("-0.4"))


async def test_invalid_strategy_orders_are_refused_by_pre_trade_risk_with_a_reason(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "strategy=[mm_btc]", "strategy.mm_btc.risk.max_order_size=0.005") as farm:
        cases = [((Side.SIDE_BUY, D("60000"), D("0.006")), "max_order_size"),
                 ((Side.SIDE_BUY, D("60000"), D("0")), "quantity"),
                 ((Side.SIDE_BUY, D("-1"), D("0.001")), "price"),
                 ((Side.SIDE_SELL, D("9000000"), D("0.005")), "max_notional")]
        for (side, price, quantity), limit in cases:
            with pytest.raises(ray.exceptions.RayTaskError) as err:
                await farm.call("mm_btc", "place", "BTCUSDT", side, price, quantity, intent=f"bad-{limit}")
            assert isinstance(err.value.cause, PreTradeRejected) and err.value.cause.limit == limit
            assert f"pre-trade risk ({limit})" in str(err.value.cause)
        # An order past the engine's price band passes the strategy's limits and is refused by the gate.
        probe = await farm.call("mm_btc", "place", "BTCUSDT", Side.SIDE_BUY, D("30000.00"), D("0.001"), intent="far")
        await wait_until(lambda: _state_is(farm, "mm_btc", probe.client_order_id, "rejected"),
                         "refused by the gate", timeout=60, every=0.5)


SYMBOL = {"mm_btc": "BTCUSDT", "mm_eth": "ETHUSDT"}


async def _quoting_with_position(farm: Farm) -> bool:
    state = await engine_state(farm)
    return len(state["open"]) >= 2 and any(D(q) != 0 for q in state["positions"].values())


async def _engine_is(farm: Farm, mode: str, *, open_orders: int | None = None, open_orders_at_least: int = 0):
    state = await engine_state(farm)
    if state["mode"] != mode or len(state["open"]) < open_orders_at_least:
        return False
    return open_orders is None or len(state["open"]) == open_orders


async def _state_is(farm: Farm, strategy: str, cid: str, state: str) -> bool:
    return await order_state(farm, strategy, cid) == state


async def _settled(farm: Farm, strategy: str, cid: str) -> bool:
    """Filled, or refused by the gate because the position it was to reduce had gone (a race with live quotes)."""
    order = (await farm.call(strategy, "orders_state")).get(cid, {})
    return order.get("state") == "filled" or (order.get("state") == "rejected"
                                              and "reduce" in order.get("detail", "").lower())


async def test_a_hedge_the_engine_refuses_is_tried_again_on_the_timer_not_in_a_loop(ray_cluster, tmp_path):
    # Every hedge order is over the engine's notional limit (0.3 ETH is about 1,000 USDT): refused each time.
    async with Farm(tmp_path / "run", "strategy=[lp_eth]", "risk.max_order_notional=100") as farm:
        await hedger_ready(farm)
        await operator(farm, "inventory", lp_delta("ETH", "0.3", "tx-refused"))

        async def refused() -> int:
            return (await farm.call("engine-binance", "status"))["counters"]["rejected_gate"]

        await wait_until(refused, "a hedge refused", timeout=60, every=0.5)
        first, t0 = await refused(), time.monotonic()
        await asyncio.sleep(3.0)   # time itself: the window whose retries are counted
        later, seconds = await refused(), time.monotonic() - t0
        counters = (await farm.call("engine-binance", "status"))["counters"]
        # The timer's pace (one try every 0.5 s) and a margin; a retry on every refusal makes hundreds.
        assert later - first <= 2 * seconds / 0.5 + 2, (first, later, seconds)
        assert later > first and counters["placed"] == 0
        assert await _position_is(farm, "lp_eth", "ETHUSDT", D(0))


async def _engine_priced(farm: Farm, symbol: str) -> bool:
    """The engine's gate has a reference price for ``symbol`` (a strategy's live book may come first)."""
    return symbol in (await engine_state(farm))["mids"]


async def _venue_flat(farm: Farm) -> bool:
    venue = await farm.call("sim-binance", "account_state")
    return all(D(v["position"]) == 0 and not v["open"] for v in venue.values())


async def _book_live(farm: Farm, strategy: str, symbol: str) -> bool:
    return bool((await farm.call(strategy, "view"))[symbol]["bid"])


async def _position_is(farm: Farm, strategy: str, symbol: str, quantity: Decimal) -> bool:
    return D((await farm.call(strategy, "view"))[symbol]["position"]) == quantity


# -- crashes: Ray restarts the process, the launcher starts and wires it again, it recovers ----------

async def open_by_strategy(farm: Farm) -> Counter:
    return Counter((await engine_state(farm))["open"].values())


async def test_a_killed_strategy_is_restarted_and_recovers_its_orders_without_duplicates(ray_cluster, tmp_path):
    # Quotes 20 bps away: they rest through the restart; a market order first gives it a position to recover.
    async with Farm(tmp_path / "run", "strategy=[mm_btc]", "strategy.mm_btc.params.half_spread_bps=20") as farm:
        await wait_until(lambda: _quotes(farm, "mm_btc", 2), "quoting both sides", timeout=60, every=0.5)
        probe = await farm.call("mm_btc", "place", "BTCUSDT", Side.SIDE_BUY, None, D("0.001"), intent="probe")
        await wait_until(lambda: _state_is(farm, "mm_btc", probe.client_order_id, "filled"),
                         "the probe filled", timeout=60, every=0.5)
        await wait_until(lambda: _server_position(farm, "mm_btc", D("0.001")), "its fill booked", timeout=60, every=0.5)
        resting = set((await engine_state(farm))["open"])
        before = await farm.call("mm_btc", "pid")
        os.kill(before, signal.SIGKILL)
        await wait_until(lambda: restarted(farm, "mm_btc", before), "restarted", timeout=60, every=0.5)
        status = await farm.call("mm_btc", "status")
        assert status["counters"]["recovered_orders"] == 2 and not farm.launcher.failures
        # The recovered quotes are its bid and ask again: no new order beside them, none doubled.
        orders = await farm.call("mm_btc", "orders_state")
        assert {cid: o["intent"] for cid, o in orders.items() if cid in resting} == \
            dict(zip(sorted(resting, key=lambda c: orders[c]["intent"]), ["ask", "bid"]))
        for _ in range(6):   # time itself: three seconds in which it never holds more than two
            assert (await open_by_strategy(farm))["mm_btc"] <= 2
            await asyncio.sleep(0.5)
        # Its position came back from the position server, not from zero.
        assert D((await farm.call("mm_btc", "view"))["BTCUSDT"]["position"]) == D("0.001")
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-binance", "account_state")
    assert not venue["BTCUSDT"]["open"] and farm.launcher.restarts == {"mm_btc": 1}
    assert summaries["mm_btc"]["state"] == "stopped"


async def _server_position(farm: Farm, strategy: str, quantity: Decimal) -> bool:
    ledgers = (await farm.call("positions-binance", "strategy_ledger", strategy))["ledgers"]
    return ledgers.get("BTCUSDT", {}).get("quantity") == quantity


async def test_a_killed_engine_is_restarted_and_reconciles(ray_cluster, tmp_path):
    # Quotes 20 bps away: they rest, so what the engine and the Mini OMSs hold can be compared at rest.
    async with Farm(tmp_path / "run", "strategy=[mm_btc,mm_eth]", "strategy.mm_btc.params.half_spread_bps=20",
                    "strategy.mm_eth.params.half_spread_bps=20") as farm:
        await wait_until(lambda: _quotes(farm, "mm_btc", 2), "quoting", timeout=60, every=0.5)
        before = await farm.call("engine-binance", "pid")
        os.kill(before, signal.SIGKILL)
        await wait_until(lambda: engine_restarted(farm, "engine-binance", before),
                         "engine restarted and accepting", timeout=60, every=0.5)
        counters = (await farm.call("engine-binance", "status"))["counters"]
        assert counters["reconciles"] >= 1 and not farm.launcher.failures
        # Strategies trade on through the new engine; what the Mini OMSs hold open matches the engine.
        await wait_until(lambda: _quotes(farm, "mm_btc", 2), "quoting through the new engine", timeout=40, every=0.5)
        await wait_until(lambda: _oms_matches_engine(farm), "Mini OMS and engine agree", timeout=30, every=0.5)
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-binance", "account_state")
    assert all(not v["open"] for v in venue.values())
    assert farm.launcher.restarts == {"engine-binance": 1}
    assert summaries["engine-binance"]["state"] == "stopped"


async def _quotes(farm: Farm, strategy: str, n: int) -> bool:
    try:
        return (await open_by_strategy(farm))[strategy] >= n
    except ray.exceptions.RayActorError:
        return False


async def _oms_matches_engine(farm: Farm) -> bool:
    engine = (await engine_state(farm))["open"]
    for strategy in ("mm_btc", "mm_eth"):
        live = {cid for cid, o in (await farm.call(strategy, "orders_state")).items()
                if o["state"] in ("open", "partially_filled")}
        if live != {cid for cid, owner in engine.items() if owner == strategy}:
            return False
    return True


async def test_funding_is_booked_into_the_ledgers_of_the_positions_that_paid_it(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "strategy=[mm_btc]", *TIGHT_BTC,
                    "exchange.binance.sim_funding_interval_seconds=1.5") as farm:
        await wait_until(lambda: _funded(farm, 2), "funding booked on a position", timeout=90, every=0.5)
        summaries = await farm.stop_trading()
        venue = await farm.call("sim-binance", "account_state")
    ledgers = summaries["positions-binance"]["ledgers"]
    account = D(ledgers["account"]["BTCUSDT"]["funding"])
    shares = sum((D(rows["BTCUSDT"]["funding"]) for rows in ledgers["strategies"].values() if "BTCUSDT" in rows), D(0))
    assert account != 0 and shares == account
    events = summaries["positions-binance"]["counters"]["funding_events"]
    assert abs(account - D(venue["BTCUSDT"]["funding"])) <= 2 * events * PRINTED   # wallets print 8 decimals
    own = summaries["mm_btc"]["strategy"]["symbols"]["BTCUSDT"]["funding"]
    assert D(own) == D(ledgers["strategies"]["mm_btc"]["BTCUSDT"]["funding"])


async def _funded(farm: Farm, events: int) -> bool:
    status = await farm.call("positions-binance", "status")
    return status["counters"]["funding_events"] >= events and \
        D((await farm.call("positions-binance", "ledgers"))["account"].get("BTCUSDT", {}).get("funding", "0")) != 0


async def test_a_stale_book_halts_the_venue_and_its_recovery_resumes_it(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "strategy=[mm_btc]", "exchange.binance.symbols=[BTCUSDT]",
                    "exchange.binance.stale_book_seconds=1.5", "risk.halt_on_stale_book_seconds=1.0") as farm:
        await wait_until(lambda: _quotes(farm, "mm_btc", 2), "quoting", timeout=60, every=0.5)
        faults = farm.launcher.directory["sim-binance"]["sim control"]
        async with aiohttp.ClientSession() as http:
            async with http.post(faults, json={"delay_ms": 6000}) as response:   # the feed goes quiet
                assert response.status == 200
            await wait_until(lambda: _engine_is(farm, "halt"), "halted for the stale book", timeout=30, every=0.5)
            summary = await farm.call("engine-binance", "summary")
            assert "BTCUSDT book has not been live" in summary["kill_switch"]["history"][-1]["reason"]
            assert (await farm.call("mm_btc", "view"))["BTCUSDT"]["mode"] == "halt"
            async with http.post(faults, json={"delay_ms": 0}) as response:
                assert response.status == 200
        await wait_until(lambda: _engine_is(farm, "normal"),
                         "resumed when the book is live again", timeout=60, every=0.5)
        await wait_until(lambda: _quotes(farm, "mm_btc", 2), "quoting again", timeout=30, every=0.5)
        history = (await farm.call("engine-binance", "summary"))["kill_switch"]["history"]
    assert [(h["mode"], h["issued_by"]) for h in history[:2]] == [("halt", "engine-binance"),
                                                                  ("normal", "engine-binance")]


async def test_after_a_private_stream_drop_the_engine_reads_the_venues_orders_once_it_is_back(ray_cluster, tmp_path):
    # Quotes 20 bps away: they rest, so what the engine and the Mini OMSs hold can be compared at rest.
    async with Farm(tmp_path / "run", "strategy=[mm_btc,mm_eth]", "strategy.mm_btc.params.half_spread_bps=20",
                    "strategy.mm_eth.params.half_spread_bps=20") as farm:
        await wait_until(lambda: _quotes(farm, "mm_btc", 2), "quoting", timeout=60, every=0.5)
        before = (await farm.call("engine-binance", "status"))["counters"]
        faults = farm.launcher.directory["sim-binance"]["sim control"]
        async with aiohttp.ClientSession() as http:
            async with http.post(faults, json={"drop_connections": True}) as response:   # every WebSocket closes
                assert response.status == 200
        await wait_until(lambda: _refreshed_after_drop(farm, before),
                         "the drop seen and the orders read again", timeout=60, every=0.5)
        await wait_until(lambda: _oms_matches_engine(farm), "Mini OMS and engine agree", timeout=30, every=0.5)
        strategy = (await farm.call("mm_btc", "status"))["counters"]
    # What the strategy reads off the bus is counted for the status screen (it showed 0).
    assert strategy["messages"] > 0 and strategy["malformed"] == 0


async def _refreshed_after_drop(farm: Farm, before: dict) -> bool:
    counters = (await farm.call("engine-binance", "status"))["counters"]
    return counters["stream_drops"] > before["stream_drops"] and counters["reconciles"] > before["reconciles"]


async def test_an_order_without_a_verdict_is_settled_against_the_venue_before_the_strategy_hears(ray_cluster, tmp_path):
    async with Farm(tmp_path / "run", "strategy=[probe]", "exchange.binance.symbols=[BTCUSDT]") as farm:
        await wait_until(lambda: _book_live(farm, "probe", "BTCUSDT"), "a live book", timeout=60, every=0.5)
        await wait_until(lambda: _engine_priced(farm, "BTCUSDT"), "the engine priced BTCUSDT", timeout=60, every=0.5)
        faults = farm.launcher.directory["sim-binance"]["sim control"]
        async with aiohttp.ClientSession() as http:
            async with http.post(faults, json={"http_errors": [500, 500, 500]}) as response:
                assert response.status == 200
        book = (await farm.call("probe", "view"))["BTCUSDT"]
        price = (D(book["bid"]) * D("0.999")).quantize(D("0.01"))        # 10 bps under the touch: it would rest
        order = await farm.call("probe", "place", "BTCUSDT", Side.SIDE_BUY, price, D("0.001"), intent="x")
        await wait_until(lambda: _state_is(farm, "probe", order.client_order_id, "rejected"),
                         "settled", timeout=60, every=0.5)
        counters = (await farm.call("engine-binance", "status"))["counters"]
        detail = (await farm.call("probe", "orders_state"))[order.client_order_id]
        assert counters["execution_unknown"] == 1, detail
        venue = await farm.call("sim-binance", "account_state")
    assert venue["BTCUSDT"]["open"] == [] and detail["state"] == "rejected"
    assert "no verdict from the venue" in detail["detail"]
    assert "the venue does not know the order: not placed" in detail["detail"]
    assert counters["settled_not_placed"] == 1 and counters["settled_placed"] == 0


async def test_an_acknowledged_order_is_heard_once_though_reply_and_event_both_report_it(ray_cluster, tmp_path):
    # The engine's reply and the venue's ACCEPTED event both say the order rests: the strategy hears one change.
    async with Farm(tmp_path / "run", "strategy=[probe]", "exchange.binance.symbols=[BTCUSDT]") as farm:
        await wait_until(lambda: _book_live(farm, "probe", "BTCUSDT"), "a live book", timeout=60, every=0.5)
        await wait_until(lambda: _engine_priced(farm, "BTCUSDT"), "the engine priced BTCUSDT", timeout=60, every=0.5)
        book = (await farm.call("probe", "view"))["BTCUSDT"]
        price = (D(book["bid"]) * D("0.99")).quantize(D("0.01"))        # 1% under the touch: it rests
        order = await farm.call("probe", "place", "BTCUSDT", Side.SIDE_BUY, price, D("0.001"), intent="x",
                                post_only=True)

        async def both_arrived():
            counters = (await farm.call("probe", "status"))["counters"]
            return counters if counters["replies"] >= 1 and counters["order_events"] >= 1 else None

        counters = await wait_until(both_arrived, "the reply and the event", timeout=60, every=0.5)
        state = (await farm.call("probe", "orders_state"))[order.client_order_id]
    assert state["state"] == "open"
    assert counters["order_callbacks"] == 1 and counters["replies"] == 1 and counters["order_events"] == 1
