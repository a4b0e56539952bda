"""Circuit breakers: one per venue connection and family of REST requests.

A venue that keeps failing (5xx, timeouts, connections refused or cut) is
not asked again and again: after ``failures`` consecutive transient failures
in one family the breaker **opens**, and requests of that family are refused
here, at once, with ``CircuitOpen`` (nothing is sent; the strategy sees the
rejection with its reason). After ``cool_down_s`` the next request goes out
alone as a **probe** (others are still refused meanwhile): its success closes
the breaker, its failure opens it for another cool-down. A rejection the
venue gives on purpose (a bad price, an unknown order) and a rate limit are
not failures of the venue: they count as answers.

Families: ``orders`` (requests that may execute: new, modify, cancel),
``account`` (signed queries) and ``market`` (public data). One ``Breakers``
is shared by every REST session a venue's ``connect`` makes for one process;
its counters go into the actor's heartbeat (status screen, summary.json,
Prometheus).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tradesys.venue.errors import (
    CircuitOpen,
    ConnectivityError,
    ExchangeError,
    ExecutionUnknown,
    RateLimited,
    VenueUnavailable,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
FAMILIES = ("orders", "account", "market")
# What counts against a breaker: the venue failed to answer, or answered that it cannot serve.
FAILURES = (VenueUnavailable, ConnectivityError, ExecutionUnknown)
CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


def family_of(*, may_execute: bool, private: bool) -> str:
    return "orders" if may_execute else "account" if private else "market"


class Breaker:
    def __init__(self, venue: str, family: str, failures: int, cool_down_s: float,
                 clock: Callable[[], float] = time.monotonic):
        self.venue, self.family = venue, family
        self.failures, self.cool_down_s = failures, cool_down_s
        self.clock = clock
        self.state = CLOSED
        self.consecutive = 0
        self.opened_at = 0.0
        self.last_failure = ""
        self.count = {"trips": 0, "refused": 0, "probes": 0}
        self._probing = False

    def admit(self, request: str) -> None:
        """Let the request go, or raise CircuitOpen (nothing sent)."""
        if self.state == CLOSED:
            return
        now = self.clock()
        if self.state == OPEN and now - self.opened_at >= self.cool_down_s:
            self.state, self._probing = HALF_OPEN, False
        if self.state == HALF_OPEN and not self._probing:
            self._probing = True
            self.count["probes"] += 1
            log.info("circuit breaker probing", extra={"fields": {"venue": self.venue, "family": self.family}})
            return
        self.count["refused"] += 1
        wait = max(0.0, self.cool_down_s - (now - self.opened_at))
        what = "a probe is under way" if self.state == HALF_OPEN else f"next probe in {wait:.1f}s"
        raise CircuitOpen(f"{self.venue} {self.family} circuit open after {self.consecutive} consecutive failures "
                          f"(last: {self.last_failure}); {what}; nothing sent", request=request)

    def answered(self) -> None:
        """The venue answered (a success, or a refusal it meant)."""
        self._probing = False
        self.consecutive = 0
        if self.state != CLOSED:
            self.state = CLOSED
            log.warning("circuit breaker closed", extra={"fields": {"venue": self.venue, "family": self.family}})

    def release(self) -> None:
        """A request ended without a verdict on the venue: the next one may probe."""
        self._probing = False

    def failed(self, error: Exception) -> None:
        self.consecutive += 1
        self.last_failure = f"{type(error).__name__}: {error}"[:200]
        probe_failed = self.state == HALF_OPEN and self._probing
        self._probing = False
        if probe_failed or (self.state == CLOSED and self.consecutive >= self.failures):
            if self.state == CLOSED:
                self.count["trips"] += 1
            self.state, self.opened_at = OPEN, self.clock()
            log.error("circuit breaker open", extra={"fields": {
                "venue": self.venue, "family": self.family, "failures": self.consecutive,
                "last": self.last_failure, "cool_down_s": self.cool_down_s}})


class Breakers:
    """The breakers of one venue connection, by family."""

    def __init__(self, venue: str, *, failures: int = 5, cool_down_s: float = 10.0,
                 clock: Callable[[], float] = time.monotonic):
        self.venue = venue
        self.by_family = {family: Breaker(venue, family, failures, cool_down_s, clock) for family in FAMILIES}

    async def call(self, family: str, request: str, send: Callable[[], Awaitable[T]]) -> T:
        """``send()`` through the family's breaker: refused while it is open, counted when it fails."""
        breaker = self.by_family[family]
        breaker.admit(request)
        try:
            result = await send()
        except FAILURES as exc:
            breaker.failed(exc)
            raise
        except RateLimited:
            breaker.release()         # our budget or the venue's pacing: says nothing of its health
            raise
        except ExchangeError:
            breaker.answered()        # the venue answered: a refusal it meant
            raise
        except BaseException:
            breaker.release()         # no verdict (cancelled)
            raise
        breaker.answered()
        return result

    def open_families(self) -> list[str]:
        return [family for family, breaker in self.by_family.items() if breaker.state != CLOSED]

    def counters(self) -> dict[str, int]:
        out = {}
        for family, breaker in self.by_family.items():
            out[f"breaker_{family}_open"] = int(breaker.state != CLOSED)
            out.update({f"breaker_{family}_{name}": n for name, n in breaker.count.items()})
        return out
