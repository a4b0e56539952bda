"""The event-loop lag monitor every actor runs: a blocked loop is counted as a stall, a busy-free one is not."""

from __future__ import annotations

import asyncio
import time

import pytest

from tradesys.actors.base import ActorBase
from tradesys.actors.loop_lag import LoopLag
from tradesys.aio import wait_until


async def test_a_blocked_loop_is_one_stall_at_least_as_long_as_the_block():
    lag = LoopLag(every=0.02, stall_after=0.3)
    task = asyncio.create_task(lag.run())
    await asyncio.sleep(0)               # a yield: the monitor starts its first wait
    time.sleep(0.5)                      # the block under test
    await wait_until(lambda: lag.stalls, "the stall counted", timeout=5)
    task.cancel()
    assert lag.counters()["loop_stalls"] == 1 and lag.counters()["loop_lag_max_ms"] >= 400


def test_lateness_under_the_limit_is_measured_but_not_a_stall():
    lag = LoopLag(stall_after=0.5)
    lag.observe(0.2)
    lag.observe(0.05)
    assert lag.counters() == {"loop_stalls": 0, "loop_lag_max_ms": 200}


async def test_an_actor_stalls_on_request_after_the_call_returns_and_refuses_absurd_stalls():
    actor = ActorBase("a")
    lag = asyncio.create_task(actor.loop_lag.run())
    await asyncio.sleep(0)               # a yield: the monitor starts its first wait
    await actor.stall(0.6)               # returns before the block starts
    assert actor.all_counters()["loop_stalls"] == 0
    await wait_until(lambda: actor.loop_lag.stalls, "the stall counted", timeout=5)
    lag.cancel()
    assert actor.all_counters()["loop_stalls"] == 1
    for seconds in (0, -1, 61):
        with pytest.raises(ValueError, match="between 0 and 60"):
            await actor.stall(seconds)
