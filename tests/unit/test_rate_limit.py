"""The rate-limit budget: fixed windows, the venue's counts, blocks after 429/418, and the async gate."""

from __future__ import annotations

import pytest

from tradesys.venue.errors import Banned, RateLimited
from tradesys.venue.ratelimit import Budget, Limit, LocalBudget, RateLimiter


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_window_fills_then_reopens_on_its_boundary():
    clock = Clock(120.5)  # 0.5 s into a minute
    budget = Budget([Limit("weight_1m", 10, 60.0), Limit("orders_10s", 3, 10.0)], clock=clock)
    assert budget.reserve({"weight_1m": 4, "orders_10s": 1}) == 0.0
    assert budget.reserve({"weight_1m": 6}) == 0.0
    assert budget.reserve({"weight_1m": 1}) == pytest.approx(59.5)   # until the next minute
    assert budget.used("weight_1m") == 10
    clock.now = 180.0
    assert budget.reserve({"weight_1m": 1}) == 0.0 and budget.used("weight_1m") == 1


def test_nothing_is_booked_when_one_limit_is_full():
    budget = Budget([Limit("weight_1m", 10, 60.0), Limit("orders_10s", 1, 10.0)], clock=Clock(0.0))
    assert budget.reserve({"orders_10s": 1}) == 0.0
    assert budget.reserve({"weight_1m": 5, "orders_10s": 1}) == pytest.approx(10.0)
    assert budget.used("weight_1m") == 0   # not booked: the call did not go out
    assert budget.reserve({"weight_1m": 5, "unknown": 99}) == 0.0


def test_the_venues_counts_and_headroom_take_precedence():
    clock = Clock(0.0)
    budget = Budget([Limit("weight_1m", 100, 60.0)], clock=clock, headroom=0.9)
    budget.observe("weight_1m", 85)          # others on our IP used most of it
    assert budget.reserve({"weight_1m": 5}) == 0.0
    assert budget.reserve({"weight_1m": 1}) > 0       # 91 > 90 = 100 * 0.9
    budget.observe("weight_1m", 10)          # a lower count never lowers what we know
    assert budget.used("weight_1m") == 90


def test_a_block_stops_everything_until_it_ends():
    clock = Clock(0.0)
    budget = Budget([Limit("weight_1m", 100, 60.0)], clock=clock)
    budget.block(30.0, "429", now=0.0)
    assert budget.reserve({"weight_1m": 1}) == pytest.approx(30.0)
    assert budget.reserve({}) == pytest.approx(30.0)
    clock.now = 30.0
    assert budget.reserve({"weight_1m": 1}) == 0.0


async def test_the_gate_waits_for_short_slots_and_refuses_long_ones(monkeypatch):
    clock = Clock(9.95)
    slept = []

    async def fake_sleep(seconds):  # time passes for the fake clock exactly as the gate asked
        slept.append(seconds)
        clock.now += seconds

    monkeypatch.setattr("tradesys.venue.ratelimit.asyncio.sleep", fake_sleep)
    budget = Budget([Limit("orders_10s", 1, 10.0)], clock=clock)
    limiter = RateLimiter(LocalBudget(budget), max_wait_s=0.2, venue="test")
    await limiter.acquire({"orders_10s": 1})
    await limiter.acquire({"orders_10s": 1})          # waits 0.05 s for the next 10 s window
    assert slept == [pytest.approx(0.05)] and limiter.counters == {"acquired": 2, "waited": 1, "refused": 0,
                                                                   "throttled": 0}
    with pytest.raises(RateLimited) as refused:
        await limiter.acquire({"orders_10s": 1})      # the next window is 10 s away: refused, not waited
    assert refused.value.retry_after_s == pytest.approx(10.0) and not isinstance(refused.value, Banned)
    await limiter.throttled(120.0, "418", banned=True)
    with pytest.raises(Banned):
        await limiter.acquire({})
    assert limiter.counters["refused"] == 2 and limiter.counters["throttled"] == 1


def test_declared_capacities_replace_the_defaults():
    budget = Budget([Limit("weight_1m", 10, 60.0)], clock=Clock(0.0))
    budget.configure({"weight_1m": 2, "unknown": 5, "orders_10s": 0})
    assert budget.reserve({"weight_1m": 2}) == 0.0 and budget.reserve({"weight_1m": 1}) > 0
    assert set(budget.limits) == {"weight_1m"}


def test_a_market_server_budgets_by_its_own_venue_s_declared_limits():
    from tradesys.services.market_server import market_data_limiter
    from tradesys.venue.registry import get_venue

    for name in ("binance", "deribit", "grvt"):
        venue = get_venue(name)
        limits = market_data_limiter(venue).budget.budget.limits
        assert {n: (limit.capacity, limit.window_s) for n, limit in limits.items()} == dict(venue.rate_limits)
    assert "weight_1m" not in market_data_limiter(get_venue("deribit")).budget.budget.limits


def test_a_budget_that_forgot_its_counts_spends_nothing_but_probes_until_the_venue_counts_again():
    clock = Clock(120.5)
    budget = Budget([Limit("weight_1m", 100, 60.0), Limit("orders_10s", 5, 10.0)], clock=clock)
    budget.assume_full()
    assert budget.assumed == {"weight_1m", "orders_10s"}
    # One probe goes (its reply brings the venue's counts); the next waits, whatever its cost.
    assert budget.reserve({"weight_1m": 1}) == 0.0 and budget.probes == 1
    assert budget.reserve({"weight_1m": 1}) == pytest.approx(59.5)
    clock.now += 1.0
    assert budget.reserve({"weight_1m": 1}) == 0.0 and budget.probes == 2     # a probe a second
    # The venue says 30 of 100 are used: that replaces the assumption for that limit only.
    budget.observe("weight_1m", 30)
    assert budget.assumed == {"orders_10s"} and budget.used("weight_1m") == 30
    assert budget.reserve({"weight_1m": 10}) == 0.0 and budget.used("weight_1m") == 40
    # An order still meets the assumed orders window; a new window is counted from zero again.
    assert budget.reserve({"orders_10s": 1}) > 0
    clock.now = 130.0
    assert budget.reserve({"orders_10s": 1}) == 0.0 and budget.assumed == frozenset()


def test_a_probe_never_goes_past_a_limit_the_venue_counted_full():
    clock = Clock(0.0)
    budget = Budget([Limit("weight_1m", 10, 60.0), Limit("orders_10s", 5, 10.0)], clock=clock)
    budget.assume_full()
    budget.observe("weight_1m", 10)           # really full
    assert budget.reserve({"weight_1m": 1, "orders_10s": 1}) == pytest.approx(60.0)
    assert budget.probes == 0
