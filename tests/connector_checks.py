"""Checks every venue's connector passes the same way: an orphan's orders cancelled by the venue once
its process is SIGKILLed, and a 429 that blocks the account's budget and then lets the call through."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from tradesys.aio import wait_until
from tradesys.messages import OrderType, Side
from tradesys.numeric import get_decimal
from tradesys.venue.base import OrderSpec
from tradesys.venue.errors import RateLimited

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
