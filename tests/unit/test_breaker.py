"""Circuit breakers: open after consecutive transient failures, refuse without sending, probe once after the
cool-down, and take the venue's own refusals and our rate limits as no failure of the venue."""

from __future__ import annotations

import pytest

from tradesys.messages import RejectReason
from tradesys.venue.breaker import Breakers
from tradesys.venue.errors import (
    CircuitOpen,
    ConnectivityError,
    InvalidPrice,
    RateLimited,
    VenueUnavailable,
    reject_reason,
)


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Venue:
    """What a request does when sent: counts every send, answers or raises ``error``."""

    def __init__(self):
        self.sent = 0
        self.error: Exception | None = None

    async def __call__(self):
        self.sent += 1
        if self.error is not None:
            raise self.error
        return "answer"


async def fail(breakers: Breakers, family: str, name: str, venue: Venue, error: Exception, times: int = 1) -> None:
    """``times`` requests of ``family`` that the venue answers with ``error`` (each raised through)."""
    venue.error = error
    for _ in range(times):
        with pytest.raises(type(error)):
            await breakers.call(family, name, venue)


async def test_it_opens_after_consecutive_failures_and_then_sends_nothing():
    clock, venue = Clock(), Venue()
    breakers = Breakers("binance", failures=3, cool_down_s=10.0, clock=clock)
    await fail(breakers, "orders", "POST /fapi/v1/order", venue, VenueUnavailable("503"), times=3)
    assert breakers.open_families() == ["orders"] and venue.sent == 3
    with pytest.raises(CircuitOpen) as refused:
        await breakers.call("orders", "POST /fapi/v1/order", venue)
    assert venue.sent == 3                                   # refused here: nothing went out
    assert "binance orders circuit open after 3 consecutive failures" in str(refused.value)
    assert reject_reason(refused.value) == RejectReason.REJECT_REASON_VENUE_UNAVAILABLE
    # Other families are their own: account queries still go.
    venue.error = None
    assert await breakers.call("account", "GET /fapi/v2/positionRisk", venue) == "answer"
    counters = breakers.counters()
    assert counters["breaker_orders_open"] == 1 and counters["breaker_orders_trips"] == 1
    assert counters["breaker_orders_refused"] == 1 and counters["breaker_account_open"] == 0


async def test_after_the_cool_down_one_probe_decides():
    clock, venue = Clock(), Venue()
    breakers = Breakers("grvt", failures=2, cool_down_s=5.0, clock=clock)
    await fail(breakers, "orders", "create_order", venue, ConnectivityError("refused"), times=2)
    clock.now += 5.0
    with pytest.raises(ConnectivityError):                   # the probe fails: open for another cool-down
        await breakers.call("orders", "create_order", venue)
    assert venue.sent == 3 and breakers.open_families() == ["orders"]
    with pytest.raises(CircuitOpen):
        await breakers.call("orders", "create_order", venue)
    clock.now += 5.0
    venue.error = None
    assert await breakers.call("orders", "create_order", venue) == "answer"   # the probe succeeds: closed
    assert breakers.open_families() == [] and breakers.counters()["breaker_orders_probes"] == 2
    assert breakers.counters()["breaker_orders_trips"] == 1


async def test_the_venues_refusals_are_answers_and_rate_limits_say_nothing():
    clock, venue = Clock(), Venue()
    breakers = Breakers("deribit", failures=2, cool_down_s=5.0, clock=clock)
    positions = "private/get_positions"
    await fail(breakers, "account", positions, venue, VenueUnavailable("502"))
    await fail(breakers, "account", positions, venue, InvalidPrice("off the tick"))   # an answer: streak ends
    await fail(breakers, "account", positions, venue, VenueUnavailable("502"))
    assert breakers.open_families() == []
    await fail(breakers, "account", positions, venue, RateLimited("429", retry_after_s=1.0))  # neither
    await fail(breakers, "account", positions, venue, VenueUnavailable("502"))
    assert breakers.open_families() == ["account"]
