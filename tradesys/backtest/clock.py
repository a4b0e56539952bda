"""Simulated time: a clock that reads the current event's time, and the queue of events to come.

Events at the same nanosecond run in the order they were scheduled, so a backtest is a pure function of its
recording, its configuration and its seed.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable


class SimClock:
    """``tradesys.clock.Clock`` over simulated nanoseconds since the epoch (monotonic is the same time)."""

    def __init__(self, start_ns: int = 0):
        self.now_ns = start_ns

    def time(self) -> float:
        return self.now_ns / 1e9

    def time_ns(self) -> int:
        return self.now_ns

    def monotonic(self) -> float:
        return self.now_ns / 1e9


class Scheduler:
    """Callbacks due at simulated times, run in time order; the clock moves to each one's time as it runs."""

    def __init__(self, clock: SimClock):
        self.clock = clock
        self._queue: list[tuple[int, int, Callable, tuple]] = []
        self._order = itertools.count()
        self.ran = 0

    def at(self, when_ns: int, callback: Callable, *args) -> None:
        """Run ``callback(*args)`` at ``when_ns`` (never before now: the past is gone)."""
        heapq.heappush(self._queue, (max(when_ns, self.clock.now_ns), next(self._order), callback, args))

    def after(self, delay_ns: int, callback: Callable, *args) -> None:
        self.at(self.clock.now_ns + delay_ns, callback, *args)

    def next_time(self) -> int | None:
        return self._queue[0][0] if self._queue else None

    def run_until(self, until_ns: int) -> None:
        """Run every event due at or before ``until_ns``, including those they schedule in that span."""
        queue = self._queue
        while queue and queue[0][0] <= until_ns:
            when, _, callback, args = heapq.heappop(queue)
            self.clock.now_ns = when
            self.ran += 1
            callback(*args)
        self.clock.now_ns = max(self.clock.now_ns, until_ns)

    def __len__(self) -> int:
        return len(self._queue)
