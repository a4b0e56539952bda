"""Faults on all three venues, driven through the simulators' switches: the farm settles each one, sends
nothing twice and leaves nothing open.

Real Ray actors, real ZeroMQ, each venue's real simulator on loopback."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from decimal import Decimal

import pytest
import ray

from exchanges.grvt.ids import ClientIdCodec
from tradesys.aio import wait_until
from tradesys.launcher.farm import Farm
from tradesys.messages import Side

pytestmark = pytest.mark.integration
D = Decimal
# venue -> (its sample market maker, symbol, order size)
VENUES = {"binance": ("mm_btc", "BTCUSDT", D("0.002")), "deribit": ("mm_btc_perp", "BTC-PERPETUAL", D("100")),
          "grvt": ("mm_btc_grvt", "BTC_USDT_Perp", D("0.002"))}


async def switch(farm: Farm, venue: str, **switches) -> dict:
    """Set fault switches on the venue's simulator, as an operator would (its loopback control endpoint)."""
    url = farm.launcher.directory[f"sim-{venue}"]["sim control"]
    request = urllib.request.Request(url, data=json.dumps(switches).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    return json.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(request, timeout=10).read()))


async def engine(farm: Farm, venue: str) -> dict:
    return await farm.call(f"engine-{venue}", "snapshot")


async def quoting(farm: Farm, venue: str, strategy: str, n: int) -> bool:
    try:
        return sum(owner == strategy for owner in (await engine(farm, venue))["open"].values()) >= n
    except ray.exceptions.RayActorError:
        return False


@pytest.mark.parametrize("venue", VENUES)
async def test_an_order_whose_answer_was_lost_is_settled_once_and_never_orphaned(ray_cluster, tmp_path, venue):
    strategy, symbol, size = VENUES[venue]
    async with Farm(tmp_path / "run", f"exchange={venue}", f"strategy=[{strategy}]",
                    f"strategy.{strategy}.params.half_spread_bps=30") as farm:
        await wait_until(lambda: quoting(farm, venue, strategy, 2), "quoting both sides", timeout=60, every=0.5)
        bid = D((await farm.call(strategy, "view"))[symbol]["bid"])
        await switch(farm, venue, lose_order_answers=1)
        # Below the touch, post-only: it rests. The venue executes it and its answer never comes.
        probe = await farm.call(strategy, "place", symbol, Side.SIDE_BUY, bid * D("0.99"), size, intent="probe",
                                post_only=True, round_price=True)

        async def settled() -> dict | None:
            counters = (await farm.call(f"engine-{venue}", "status"))["counters"]
            return counters if counters["execution_unknown"] else None

        # The venue's event may reach the strategy first; the engine settles when its wait for the answer ends.
        counters = await wait_until(settled, "the engine settled the lost answer", timeout=40, every=0.25)
        assert counters["execution_unknown"] == 1 and counters["settled_placed"] == 1, counters
        assert counters["settled_not_placed"] == counters["settle_failed"] == 0
        orders = await farm.call(strategy, "orders_state")
        assert orders[probe.client_order_id]["state"] == "open"
        sim = (await farm.call(f"sim-{venue}", "status"))["counters"]
        assert sim["lost_answers"] == 1
        # Once at the venue, and the engine and the strategy hold it the same way.
        venue_open = (await farm.call(f"sim-{venue}", "account_state"))[symbol]["open"]
        assert venue_open.count(_as_venue_keeps(venue, probe.client_order_id)) == 1
        assert (await engine(farm, venue))["open"].get(probe.client_order_id) == strategy
        summaries = await farm.stop_trading()
        after = await farm.call(f"sim-{venue}", "account_state")
    assert after[symbol]["open"] == []                           # nothing left behind
    assert summaries[strategy]["strategy"]["rejected_orders"] == 0
    assert not farm.launcher.failures


def _as_venue_keeps(venue: str, cid: str) -> str:
    """The client order id as the venue lists it (GRVT keeps a number)."""
    return ClientIdCodec().encode(cid) if venue == "grvt" else cid


@pytest.mark.parametrize("venue", ["binance", "grvt"])      # the venues whose orders go over REST
async def test_a_5xx_burst_opens_the_orders_breaker_the_strategy_hears_why_and_a_probe_closes_it(
        ray_cluster, tmp_path, venue):
    strategy, symbol, _ = VENUES[venue]
    async with Farm(tmp_path / "run", f"exchange={venue}", f"strategy=[{strategy}]",
                    f"strategy.{strategy}.params.half_spread_bps=0.5", f"strategy.{strategy}.params.requote_bps=0.5",
                    f"exchange.{venue}.breaker_failures=3", f"exchange.{venue}.breaker_cool_down_seconds=2") as farm:
        await wait_until(lambda: quoting(farm, venue, strategy, 1), "quoting", timeout=60, every=0.5)
        # Enough 503s that the engine's order requests meet three in a row (others' queries may take some).
        await switch(farm, venue, http_errors=[503] * 12)

        async def tripped() -> dict | None:
            counters = (await farm.call(f"engine-{venue}", "status"))["counters"]
            return counters if counters["breaker_orders_trips"] else None

        await wait_until(tripped, "the orders breaker open", timeout=60, every=0.2)

        async def refused_here() -> bool:
            orders = (await farm.call(strategy, "orders_state")).values()
            return any("circuit open" in order["detail"] for order in orders)

        await wait_until(refused_here, "the strategy told its order was refused by the open circuit", timeout=30,
                         every=0.25)

        async def closed_and_quoting() -> bool:
            counters = (await farm.call(f"engine-{venue}", "status"))["counters"]
            return counters["breaker_orders_open"] == 0 and await quoting(farm, venue, strategy, 1)

        await wait_until(closed_and_quoting, "closed by a probe, quoting again", timeout=60, every=0.5)
        summaries = await farm.stop_trading()
        after = await farm.call(f"sim-{venue}", "account_state")
    engine = summaries[f"engine-{venue}"]["counters"]
    assert engine["breaker_orders_trips"] >= 1 and engine["breaker_orders_probes"] >= 1
    assert engine["breaker_orders_refused"] >= 1 and engine["breaker_orders_open"] == 0
    assert after[symbol]["open"] == [] and not farm.launcher.failures
