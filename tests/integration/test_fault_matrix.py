"""Faults on all three venues, driven through the simulators' switches: the farm settles each one, sends
nothing twice and leaves nothing open.

Real Ray actors, real ZeroMQ, each venue's real simulator on loopback."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from decimal import Decimal

import pytest
import ray

from exchanges.grvt.ids import ClientIdCodec
from tests.integration.reconcile import assert_every_fill_reconciles
from tests.integration.venues import VENUES
from tradesys.aio import wait_until
from tradesys.launcher.farm import Farm
from tradesys.messages import Side

pytestmark = pytest.mark.integration
D = Decimal


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
    strategy, symbol, size = VENUES[venue].strategy, VENUES[venue].symbol, VENUES[venue].size
    async with Farm(tmp_path / "run", f"exchange={venue}", f"strategy=[{strategy}]",
                    f"strategy.{strategy}.params.half_spread_bps=30") as farm:
        await wait_until(lambda: quoting(farm, venue, strategy, 2), "quoting both sides", timeout=60, every=0.5)
        bid = D((await farm.call(strategy, "view"))[symbol]["bid"])
        await switch(farm, venue, lose_order_answers=1)
        # Below the touch, post-only: it rests. The venue executes it and its answer never comes.
        probe = await farm.call(strategy, "place", symbol, Side.SIDE_BUY, bid * D("0.99"), size, intent="probe",
                                post_only=True, round_price=True)

        async def settled() -> dict | None:
            # Settled: the lost answer seen, and the venue's word on the order had (the count of its outcome
            # comes after the lookup, not with the timeout).
            counters = (await farm.call(f"engine-{venue}", "status"))["counters"]
            done = counters["settled_placed"] + counters["settled_not_placed"] + counters["settle_failed"]
            return counters if counters["execution_unknown"] and done else None

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
    assert summaries[f"engine-{venue}"]["counters"]["settled_placed"] == 1 and not farm.launcher.failures


def _as_venue_keeps(venue: str, cid: str) -> str:
    """The client order id as the venue lists it (GRVT keeps a number)."""
    return ClientIdCodec().encode(cid) if venue == "grvt" else cid


@pytest.mark.parametrize("venue", ["binance", "grvt"])      # the venues whose orders go over REST
async def test_a_5xx_burst_opens_the_orders_breaker_the_strategy_hears_why_and_a_probe_closes_it(
        ray_cluster, tmp_path, venue):
    strategy, symbol = VENUES[venue].strategy, VENUES[venue].symbol
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


# Each fault, on every venue at once: (name, switches per venue). Expired credentials are each venue's own.
CONNECTION_FAULTS = (
    ("public and private socket drops", dict.fromkeys(VENUES, {"drop_connections": True})),
    ("sequence gaps", dict.fromkeys(VENUES, {"skip_depth_updates": 3})),
    ("clock skew +2 s", dict.fromkeys(VENUES, {"clock_skew_ms": 2000})),
    ("clock skew -2 s", dict.fromkeys(VENUES, {"clock_skew_ms": -2000})),
    ("expired listen key, token or cookie", {"binance": {"expire_listen_keys": True, "clock_skew_ms": 0},
                                             "deribit": {"expire_tokens": True, "clock_skew_ms": 0},
                                             "grvt": {"expire_sessions": True, "clock_skew_ms": 0}}),
    ("429", dict.fromkeys(VENUES, {"http_errors": [429]})),
    ("ban (418)", {"binance": {"http_errors": [418]}}),
    ("5xx burst", dict.fromkeys(VENUES, {"http_errors": [500, 503, 500]})),
)


async def fills(farm: Farm) -> dict[str, int]:
    return {venue: (await farm.call(spec.strategy, "status"))["counters"]["fills"] for venue, spec in VENUES.items()}


async def lagging(farm: Farm, venues: list[str], before: dict[str, int]) -> dict[str, str]:
    """Of ``venues``, those not trading again (every book live and a fill since ``before``), saying why."""
    now, out = await fills(farm), {}
    for venue in venues:
        market = (await farm.call(f"market-{venue}", "status"))["counters"]
        books = len(farm.app.exchange[venue].symbols)
        if market["live_books"] < books or now[venue] <= before[venue]:
            mode = (await farm.call(f"engine-{venue}", "snapshot"))["mode"]
            out[venue] = f"{market['live_books']}/{books} books live, fills {before[venue]} -> {now[venue]}, {mode}"
    return out


async def recovered(farm: Farm, venues: list[str], before: dict[str, int]) -> bool:
    return not await lagging(farm, venues, before)


async def test_the_connection_fault_matrix_on_every_venue_loses_nothing(ray_cluster, tmp_path):
    strategies = [spec.strategy for spec in VENUES.values()]
    tight = [f"strategy.{s}.params.{p}=0.05" for s in strategies for p in ("half_spread_bps", "requote_bps")]
    report = []
    async with Farm(tmp_path / "run", f"exchange=[{','.join(VENUES)}]", f"strategy=[{','.join(strategies)}]",
                    *tight) as farm:
        await wait_until(lambda: recovered(farm, list(VENUES), dict.fromkeys(VENUES, 0)), "trading everywhere",
                         timeout=120, every=0.5)
        for fault, per_venue in CONNECTION_FAULTS:
            before, started = await fills(farm), time.monotonic()
            for venue, switches in per_venue.items():
                await switch(farm, venue, **switches)
            try:
                await wait_until(lambda venues=list(per_venue), past=before: recovered(farm, venues, past),
                                 f"trading again after {fault}", timeout=90, every=0.25)
            except AssertionError:
                raise AssertionError(f"not trading again after {fault}: "
                                     f"{await lagging(farm, list(per_venue), before)}") from None
            report.append((fault, sorted(per_venue), time.monotonic() - started))
        summaries = await farm.stop_trading()
        accounts = {venue: await farm.call(f"sim-{venue}", "account_state") for venue in VENUES}
    for fault, venues, seconds in report:
        print(f"fault-matrix {fault}: {', '.join(venues)} trading again after {seconds:.1f}s")
    assert not farm.launcher.failures and farm.launcher.restarts == {}
    for venue, spec in VENUES.items():
        strategy = spec.strategy
        assert_every_fill_reconciles(summaries, accounts[venue], venue_key=venue, owners=(strategy,),
                                     printed=spec.printed, tolerance=spec.tolerance, ours=spec.ours)
        for name, state in accounts[venue].items():       # no order sent twice
            assert len(state["orders"]) == len(set(state["orders"])), (venue, name)
        # Every delta the strategy got followed the book it had: nothing was published out of sync.
        counters = summaries[strategy]["counters"]
        assert counters["book_drops"] == 0 and counters["gaps"] == 0, (venue, counters)
