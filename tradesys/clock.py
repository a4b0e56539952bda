"""Where a component reads the time: the wall clock live, a simulated one in a backtest.

A strategy's context, its books and its Mini OMS ask their ``Clock`` and never the ``time`` module, so the
same code runs against ``LIVE_CLOCK`` and against a backtest's ``tradesys.backtest.clock.SimClock``.
"""

from __future__ import annotations

import time as _time
from typing import Protocol


class Clock(Protocol):
    def time(self) -> float:
        """Seconds since the epoch."""

    def time_ns(self) -> int:
        """Nanoseconds since the epoch."""

    def monotonic(self) -> float:
        """Seconds that never go back (deadlines, intervals)."""


class LiveClock:
    time = staticmethod(_time.time)
    time_ns = staticmethod(_time.time_ns)
    monotonic = staticmethod(_time.monotonic)


LIVE_CLOCK: Clock = LiveClock()
