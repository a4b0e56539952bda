"""Leased blocks of an account's rate limits: spent with no call per request, never more than a window holds
in all, gone when their window ends."""

from __future__ import annotations

import asyncio

import pytest

from tradesys.actors.base import ActorBase
from tradesys.aio import wait_until
from tradesys.venue.lease import LeasedBudget
from tradesys.venue.ratelimit import Budget, Limit, RateLimiter
from tradesys.venue.registry import VenueParts


class Clock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


class InProcess:
    """The account's budget as a lease source, in this process, counting the calls made to it."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.calls = 0

    async def lease(self, least, share):
        self.calls += 1
        await asyncio.sleep(0)          # a real source answers later: let others run meanwhile
        return self.budget.lease(least, share)

    async def observe(self, counts):
        for name, used in counts.items():
            self.budget.observe(name, used)

    async def block(self, seconds, reason, banned):
        self.budget.block(seconds, reason, banned=banned)

    async def configure(self, capacities):
        self.budget.configure(capacities)


def account(clock: Clock, capacity: int = 100) -> Budget:
    return Budget([Limit("orders_10s", capacity, 10.0)], clock=clock)


def test_a_lease_books_a_share_of_the_window_and_leases_together_never_pass_it():
    clock = Clock(1000.0)
    budget = account(clock)
    first = budget.lease({"orders_10s": 1}, share=0.3)
    assert first.units == {"orders_10s": 30} and first.seconds == {"orders_10s": 10.0} and not first.wait
    assert budget.used("orders_10s") == 30
    grants = [budget.lease({"orders_10s": 1}, share=0.3).units.get("orders_10s", 0) for _ in range(4)]
    assert grants == [30, 30, 10, 0]           # what is left of the window, then nothing
    refused = budget.lease({"orders_10s": 1}, share=0.3)
    assert refused.units == {} and refused.wait == 10.0 and budget.used("orders_10s") == 100
    clock.now = 1010.0                          # the next window
    assert budget.lease({"orders_10s": 5}, share=0.01).units == {"orders_10s": 5}   # at least one request's


async def test_requests_spend_the_lease_locally_and_ask_again_only_as_it_runs_low():
    clock = Clock()
    source = InProcess(account(clock))
    leased = LeasedBudget(source, share=0.1, clock=clock)
    for _ in range(25):
        assert await leased.reserve({"orders_10s": 1}) == (0.0, False)
        if leased._asking is not None:          # a top-up under way: its answer comes before the next request
            await asyncio.wait_for(asyncio.shield(leased._asking), 1)
    assert source.calls <= 4 and leased.counters["local"] == 25
    assert source.budget.used("orders_10s") >= 25 and sum(leased.holding().values()) > 0


async def test_three_holders_contending_spend_no_more_than_the_window_holds():
    clock = Clock()
    source = InProcess(account(clock, capacity=60))
    holders = [LeasedBudget(source, share=0.05, clock=clock) for _ in range(3)]
    spent = [0, 0, 0]

    async def spend(n: int) -> None:
        for _ in range(40):
            wait, _ = await holders[n].reserve({"orders_10s": 1})
            if wait:
                return                          # the window is used up: the next one is 10 s away
            spent[n] += 1

    await asyncio.gather(*(spend(n) for n in range(3)))
    assert sum(spent) == 60 and all(spent), spent
    clock.now += 10.0                           # a new window: the old leases are gone, new ones granted
    assert await holders[0].reserve({"orders_10s": 1}) == (0.0, False)
    assert source.budget.used("orders_10s") <= 60


async def test_units_of_a_window_that_ended_are_not_spent():
    clock = Clock(1009.0)                       # one second before the window ends
    source = InProcess(account(clock))
    leased = LeasedBudget(source, share=0.5, clock=clock)
    assert await leased.reserve({"orders_10s": 1}) == (0.0, False)
    assert leased.holding() == {"orders_10s": 49}
    clock.now = 1010.5
    assert leased.holding() == {}
    assert await leased.reserve({"orders_10s": 1}) == (0.0, False)
    assert source.calls == 2 and source.budget.used("orders_10s") == 50     # booked in the new window only


async def test_a_name_the_budget_does_not_limit_is_not_asked_for_again():
    clock = Clock()
    source = InProcess(account(clock))
    leased = LeasedBudget(source, share=0.1, clock=clock)
    for _ in range(5):
        assert await leased.reserve({"weight_1m": 3}) == (0.0, False)
    assert source.calls == 1


async def test_a_429_blocks_the_holder_and_drops_what_its_lease_held():
    clock = Clock()
    source = InProcess(account(clock))
    leased = LeasedBudget(source, share=0.1, clock=clock)
    await leased.reserve({"orders_10s": 1})
    await leased.block(3.0, "429", False)
    assert leased.holding() == {}
    assert await leased.reserve({"orders_10s": 1}) == (3.0, False)
    assert source.budget.blocked_until == 1003.0        # and the account's budget heard of it
    clock.now += 3.5
    assert await leased.reserve({"orders_10s": 1}) == (0.0, False)
    assert source.calls == 2                            # a fresh lease: the old one was dropped


async def test_the_venues_counts_reach_the_budget_in_the_background_the_highest_of_those_that_wait():
    clock = Clock(1000.0)
    source = InProcess(account(clock))
    gate, asked, handed = asyncio.Event(), asyncio.Event(), []

    async def slow_observe(counts):          # the budget is another process: its answer takes a while
        handed.append(dict(counts))
        asked.set()
        await gate.wait()
        for name, used in counts.items():
            source.budget.observe(name, used)

    source.observe = slow_observe
    leased = LeasedBudget(source, clock=clock, observe_every_s=0.0)
    await asyncio.wait_for(leased.observe({"orders_10s": 3}), 1)       # returns while the hand-over waits
    await asyncio.wait_for(asked.wait(), 1)                            # the hand-over is under way
    for used in (7, 5, 9, 8):                  # while the first is under way: gathered, the highest kept
        await asyncio.wait_for(leased.observe({"orders_10s": used}), 1)
    assert handed == [{"orders_10s": 3}]
    gate.set()
    await asyncio.wait_for(leased._posting, 1)
    assert handed == [{"orders_10s": 3}, {"orders_10s": 9}] and leased.counters["observed"] == 2
    assert source.budget.used("orders_10s") == 9


async def test_the_venues_counts_go_to_the_budget_at_most_once_a_period_not_once_a_response():
    source = InProcess(account(Clock(1000.0)))
    handed = []

    async def observe(counts):
        handed.append(dict(counts))
        for name, used in counts.items():
            source.budget.observe(name, used)

    source.observe = observe
    leased = LeasedBudget(source, clock=Clock(1000.0), observe_every_s=1.0)
    await leased.observe({"orders_10s": 2})
    await asyncio.wait_for(asyncio.shield(leased._posting), 1)
    assert handed == [{"orders_10s": 2}]                        # the first at once
    for used in (4, 8, 6):                                      # three responses within the period
        await leased.observe({"orders_10s": used})
    await asyncio.sleep(0.05)       # time itself: a hand-over per response would have gone by now
    assert handed == [{"orders_10s": 2}]                        # nothing handed over within the period
    await asyncio.wait_for(asyncio.shield(leased._posting), 3)
    assert handed == [{"orders_10s": 2}, {"orders_10s": 8}]     # then one call, the highest count
    assert leased.counters["observed"] == 2
    assert source.budget.used("orders_10s") == 8


async def test_close_cancels_a_hand_over_and_a_top_up_under_way_and_leaves_no_task():
    clock = Clock(1000.0)
    source = InProcess(account(clock))
    never = asyncio.Event()
    started = []

    async def stuck(*args):                  # the budget's process does not answer
        started.append(args)
        await never.wait()

    leased = LeasedBudget(source, clock=clock, observe_every_s=0.0)
    source.observe = stuck
    await leased.observe({"orders_10s": 3})
    source.lease = stuck
    leased._size["orders_10s"], leased._left["orders_10s"] = 10, 1     # a lease of 10, one unit left
    leased._top_up_if_low({"orders_10s": 1})  # low: a top-up goes out in the background
    await wait_until(lambda: len(started) == 2, "the hand-over and the top-up under way", timeout=2, every=0.01)
    posting, asking = leased._posting, leased._asking
    assert not posting.done() and not asking.done()
    await asyncio.wait_for(leased.close(), 1)
    assert posting.cancelled() and asking.cancelled()
    assert leased._posting is None and leased._asking is None
    await leased.close()                      # twice is fine


async def test_close_after_a_failed_hand_over_does_not_raise_it_again():
    clock = Clock(1000.0)
    source = InProcess(account(clock))

    async def broken(counts):
        raise ConnectionError("budget gone")

    source.observe = broken
    leased = LeasedBudget(source, clock=clock, observe_every_s=0.0)
    await leased.observe({"orders_10s": 3})
    with pytest.raises(ConnectionError):
        await asyncio.wait_for(asyncio.shield(leased._posting), 1)
    assert leased.counters["observe_failures"] == 1
    await leased.close()                       # its failure was counted and logged when it ended


async def test_an_actor_closes_its_connections_limiter_when_it_stops():
    clock = Clock(1000.0)
    source = InProcess(account(clock))
    never = asyncio.Event()

    async def stuck(counts):
        await never.wait()

    source.observe = stuck
    leased = LeasedBudget(source, clock=clock, observe_every_s=0.0)
    limiter = RateLimiter(leased, venue="test")
    actor = ActorBase("engine-test")
    actor.own_connection(VenueParts(limiter=limiter))
    await limiter.observe({"orders_10s": 3})         # a hand-over under way when the stop comes
    posting = leased._posting
    assert not posting.done()
    await asyncio.wait_for(actor.stop(), 2)
    assert posting.cancelled()
