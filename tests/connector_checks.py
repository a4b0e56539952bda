"""Checks every venue's connector passes the same way: an orphan's orders cancelled by the venue once
its process is SIGKILLed, a 429 that blocks the account's budget and then lets the call through, history
that pages without loss, an order whose answer was lost found again by its client order id, and a circuit
breaker that opens on a failing venue and closes after a probe."""

from __future__ import annotations

import asyncio
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tradesys.aio import wait_until
from tradesys.messages import OrderEventType, OrderType, Side, TimeInForce
from tradesys.numeric import get_decimal
from tradesys.venue.base import OrderSpec
from tradesys.venue.errors import CircuitOpen, ExecutionUnknown, RateLimited, VenueUnavailable

ROOT = Path(__file__).resolve().parents[1]


async def orphan_is_cancelled_by_the_venue(script: str, args: list[str], fetcher, symbol: str,
                                           alive_for: float = 0.0) -> list:
    """Run ``script`` (it places orders and prints "placed"), let it live ``alive_for`` seconds, SIGKILL it,
    and wait up to 10 s for the venue to have nothing open on ``symbol``. Returns the open orders seen
    just before the kill."""
    child = await asyncio.create_subprocess_exec(sys.executable, "-c", script, *args, stdout=asyncio.subprocess.PIPE,
                                                 stderr=asyncio.subprocess.PIPE, cwd=str(ROOT))
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 60)
        assert line == b"placed\n", (line, await child.stderr.read())
        await asyncio.sleep(alive_for)   # time itself: a living connector keeps its orders this long
        resting = await fetcher.open_orders(symbol)
    finally:
        child.kill()   # SIGKILL: no stop(), no cancel, no goodbye
        await child.wait()

    async def nothing_open() -> bool:
        return await fetcher.open_orders(symbol) == []

    await wait_until(nothing_open, "the venue cancelled the dead process's orders", timeout=10, every=0.1)
    return resting


async def a_429_blocks_the_budget_then_the_call_goes_through(sim, limiter, call, code: int) -> None:
    """``call`` (no orders open) under an injected 429: refused with the venue's ``code`` and the account's
    budget blocked; called again, it waits the venue's second out and goes through."""
    await sim.fault_control.apply({"http_errors": [429]})
    with pytest.raises(RateLimited) as throttled:
        await call()
    assert throttled.value.code == code and limiter.counters["throttled"] == 1
    assert await call() == []
    assert limiter.counters["waited"] >= 1 and limiter.counters["refused"] == 0


async def history_pages_lose_nothing(sim, oms, fetcher, symbol: str, quantity, client_order_ids: list[str],
                                     page: int = 3) -> list:
    """Trade ``client_order_ids`` as market orders (more fills than ``page``), then read the fills since
    just before them with the fetcher asking ``page`` rows a query: every fill the venue booked comes back
    once, oldest first, each with its client order id. Returns the fills read."""
    await oms.start()
    since = sim.now_ns() - 1_000_000
    for n, cid in enumerate(client_order_ids):
        side = Side.SIDE_BUY if n % 2 == 0 else Side.SIDE_SELL
        await oms.place(OrderSpec(symbol, cid, side, quantity, type=OrderType.ORDER_TYPE_MARKET))
    booked = [f for f in sim.exchange.fills(sim.account, symbol) if f.time_ns >= since]
    assert len(booked) > 2 * page          # the reads below need at least three pages
    fetcher.history_page = page
    fills = await fetcher.recent_fills(symbol, since)
    assert len(fills) == len(booked) and len({f.trade_id for f in fills}) == len(fills)
    # Oldest first: the orders were placed one after another, so their fills come in that order.
    placed = [client_order_ids.index(f.client_order_id) for f in fills]
    assert placed == sorted(placed)
    for cid in client_order_ids:
        mine = [get_decimal(f.quantity) for f in fills if f.client_order_id == cid]
        assert mine and sum(mine) == quantity, (cid, mine)
    return fills


async def best(fetcher, symbol: str) -> tuple[Decimal, Decimal]:
    """The venue's best bid and ask now."""
    book = await fetcher.book_snapshot(symbol, 5)
    return (Decimal(book.bid_prices[0]).scaleb(-book.price_scale),
            Decimal(book.ask_prices[0]).scaleb(-book.price_scale))


async def a_lost_answer_is_found_by_client_order_id(sim, oms, fetcher, symbol: str, quantity: Decimal,
                                                    cid: str, never_sent: str) -> None:
    """With the simulator's switch on, a resting order is executed and its answer never comes: the place
    call says the outcome is unknown (not refused), the fetcher finds the order by client order id, once,
    open; an id never sent is unknown to the venue; cancelled, the order is still found, final."""
    await oms.start()
    bid, _ = await best(fetcher, symbol)
    price, quantity = oms.round_to_filters(symbol, Side.SIDE_BUY, bid * Decimal("0.97"), quantity)
    await sim.fault_control.apply({"lose_order_answers": 1})
    with pytest.raises(ExecutionUnknown):
        await oms.place(OrderSpec(symbol, cid, Side.SIDE_BUY, quantity, price=price,
                                  time_in_force=TimeInForce.TIME_IN_FORCE_POST_ONLY))
    assert sim.faults.lost_answers == 1 and sim.faults.lose_order_answers == 0
    found = await fetcher.order_status(symbol, cid)
    assert found is not None and found.client_order_id == cid and found.symbol == symbol
    assert found.type == OrderEventType.ORDER_EVENT_TYPE_ACCEPTED
    assert get_decimal(found.price) == price and get_decimal(found.quantity) == quantity
    assert [o.client_order_id for o in await fetcher.open_orders(symbol)] == [cid]     # placed once
    assert await fetcher.order_status(symbol, never_sent) is None
    await oms.cancel(symbol, cid)
    final = await fetcher.order_status(symbol, cid)
    assert final is not None and final.type == OrderEventType.ORDER_EVENT_TYPE_CANCELLED


async def a_failing_venue_opens_the_breaker_and_a_probe_closes_it(sim, breakers, call) -> None:
    """``call()`` is an account query. Three 503s in a row open the account breaker (made to open at three,
    with a short cool-down); the next call is refused here: the 503 queued for it is still queued, so
    nothing reached the venue. After the cool-down one probe goes: it meets that 503, and the breaker opens
    again; after another cool-down the probe is answered and the breaker closes."""
    breaker = breakers.by_family["account"]
    breaker.failures, breaker.cool_down_s = 3, 0.3
    await call()                # what the call looks up once (instruments, the sub-account) is looked up
    await sim.fault_control.apply({"http_errors": [503, 503, 503, 503]})
    for _ in range(3):
        with pytest.raises(VenueUnavailable):
            await call()
    with pytest.raises(CircuitOpen):
        await call()
    assert sim.faults.http_errors == [503]                 # refused here: the venue saw nothing
    await asyncio.sleep(0.35)                              # time itself: the cool-down
    with pytest.raises(VenueUnavailable):                  # the probe meets the last 503
        await call()
    assert breakers.open_families() == ["account"] and sim.faults.http_errors == []
    await asyncio.sleep(0.35)                              # time itself: another cool-down
    await call()                                           # answered: closed
    assert breakers.open_families() == []
    counters = breakers.counters()
    assert (counters["breaker_account_trips"], counters["breaker_account_probes"],
            counters["breaker_account_refused"]) == (1, 2, 1)
