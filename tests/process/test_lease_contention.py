"""Three processes placing orders on one account, each spending leased blocks of the account's rate limits
(no Ray call per order): together they never pass the venue's limit, so the venue answers no 429.

Real Ray actors (the account's BudgetServer and three order-placing processes), the real Binance connector,
the Binance simulator on loopback applying its order limit (lowered here so that the three must share it
over two windows)."""

from __future__ import annotations

import asyncio

import pytest

from exchanges.binance.auth import Credentials
from exchanges.binance.constants import RATE_LIMITS
from tests.binance_sim import Contender
from tradesys.services.budget import BudgetServer

CREDS = Credentials("lease-key-" + "1" * 54, "lease-secret-" + "2" * 51)
ORDERS_PER_10S = 60     # leases of 3 (the default share)
EACH = 45               # 135 orders in all (they rest: under the venue's 200 open orders), more than two
                        # windows hold, so some must wait for a third

pytestmark = [pytest.mark.simulator("binance", symbols=("BTCUSDT",), seed=31, credentials=CREDS,
                                    step_seconds=0.05),
              pytest.mark.timeout(150)]


async def test_three_processes_share_the_accounts_order_limit_with_no_429(sim, ray_cluster):
    sim.limits.orders_per_10s = ORDERS_PER_10S           # exchangeInfo declares it; each connector takes it
    budget = ray_cluster.remote(BudgetServer).options(num_cpus=0, name="budget-lease-test").remote(
        "budget-lease-test", RATE_LIMITS)
    contenders = [ray_cluster.remote(Contender).options(num_cpus=0).remote() for _ in range(3)]
    try:
        results = await asyncio.gather(*(c.place.remote(sim.urls, CREDS, "budget-lease-test", f"lease{n}", EACH)
                                         for n, c in enumerate(contenders)))
    finally:
        for actor in (*contenders, budget):
            ray_cluster.kill(actor)
    assert [r["placed"] for r in results] == [EACH] * 3, results
    assert sum(r["venue_429s"] for r in results) == 0, results        # the venue never said "too many"
    assert sum(r["held_back"] for r in results) > 0, results          # they did contend: the limit held them
    leases = sum(r["leases"] for r in results)
    assert 3 <= leases < sum(r["spent_locally"] for r in results), results   # not a Ray call per request
