"""The account's shared rate-limit budget over real Ray: shared between callers, the venue's counts posted."""

from __future__ import annotations

import logging

import pytest

from tradesys.aio import wait_until
from tradesys.services.budget import BudgetServer, RayBudget
from tradesys.venue.errors import RateLimited
from tradesys.venue.ratelimit import RateLimiter


@pytest.fixture
def budget_server(ray_cluster):
    handle = ray_cluster.remote(BudgetServer).options(num_cpus=0).remote(
        "budget-test", {"weight_1m": (3, 60.0)})
    yield handle
    ray_cluster.kill(handle)


def limiter_on(handle) -> RateLimiter:
    return RateLimiter(RayBudget(handle), max_wait_s=0.0, venue="test")


async def test_two_callers_on_one_account_share_its_allowance(budget_server):
    engine, positions = limiter_on(budget_server), limiter_on(budget_server)
    await engine.acquire({"weight_1m": 2})
    await positions.acquire({"weight_1m": 1})
    with pytest.raises(RateLimited):
        await engine.acquire({"weight_1m": 1})
    assert engine.counters["refused"] == 1 and positions.counters["acquired"] == 1


async def test_the_venues_count_is_posted_and_booked_before_long(budget_server):
    limiter = limiter_on(budget_server)
    await limiter.observe({"weight_1m": 3})          # the venue says the window is spent (others used it)

    async def booked():
        return (await budget_server.counters.remote())["observe"] == 1

    await wait_until(booked, "the observation booked", every=0.05)
    with pytest.raises(RateLimited):
        await limiter.acquire({"weight_1m": 1})


async def test_an_observation_that_fails_is_counted_and_logged_and_requests_go_on(budget_server, caplog):
    budget = RayBudget(budget_server)
    limiter = RateLimiter(budget, max_wait_s=0.0, venue="test")
    with caplog.at_level(logging.WARNING, logger="tradesys.services.budget"):
        await limiter.observe({"weight_1m": "not a count"})

        async def counted():
            return budget.observe_failures == 1

        await wait_until(counted, "the failure counted", every=0.05)
    assert any("rate-limit counts were not booked" in r.getMessage() for r in caplog.records)
    await limiter.acquire({"weight_1m": 1})
    assert limiter.counters["acquired"] == 1
