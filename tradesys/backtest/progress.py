"""What a backtest shows while it runs (simulated time done, speed, fills) and the table it ends with."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

NS = 1_000_000_000
# Where a sweep job's backtest also reports how far it is (share done, fills): set by the job on its worker
# (``tradesys.sweep.jobs``), read by the sweep's progress board.
_reporter: Callable[[float, int], None] | None = None


def report_to(reporter: Callable[[float, int], None] | None) -> None:
    global _reporter
    _reporter = reporter


class Progress:
    """One line, rewritten in place on a terminal, a new line every few seconds otherwise (display
    ``lines``), nothing with display ``off``."""

    def __init__(self, display: str = "auto", every_seconds: float = 1.0):
        self.display = display
        self.tty = sys.stderr.isatty() if display == "auto" else display == "table"
        self.every = every_seconds if self.tty or display == "off" else 5.0
        self.started = time.perf_counter()
        self._last = 0.0
        self._open_line = False           # a progress line rewritten in place, not ended yet

    def finish(self) -> None:
        """End the line the progress rewrote in place, so what is printed next starts on its own."""
        if self._open_line:
            print(file=sys.stderr)
            self._open_line = False

    def update(self, done_ns: int, total_ns: int, messages: int, fills: int) -> None:
        now = time.perf_counter()
        if now - self._last < self.every:
            return
        self._last = now
        wall = now - self.started
        share = done_ns / total_ns if total_ns else 1.0
        if _reporter is not None:
            _reporter(share, fills)
        if self.display == "off":
            return
        speed = done_ns / NS / wall if wall else 0.0
        line = (f"backtest {share:6.1%}  simulated {done_ns / NS:8.1f}s of {total_ns / NS:.1f}s  "
                f"{messages:,} messages  {speed:,.0f}x real time  {fills} fills")
        if self.tty:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
            self._open_line = True
        else:
            print(line, file=sys.stderr, flush=True)

    @staticmethod
    def table(summary: dict) -> str:
        run = summary["backtest"]
        lines = [f"backtest done: {run['simulated_seconds']:.1f} simulated seconds in {run['wall_seconds']:.2f} s "
                 f"({run['speed']:,.0f}x), {run['messages']:,} market messages",
                 f"{'strategy':<18}{'symbol':<16}{'fills':>7}{'volume':>14}{'position':>12}{'realized':>14}"
                 f"{'unrealized':>14}{'fees':>12}"]
        for strategy_id, strategy in summary["strategies"].items():
            for symbol, row in strategy["symbols"].items():
                lines.append(f"{strategy_id:<18}{symbol:<16}{row['fills']:>7}{_short(row['volume']):>14}"
                             f"{_short(row['position']):>12}{_short(row['realized_pnl']):>14}"
                             f"{_short(row['unrealized_pnl']):>14}{_short(row['fees']):>12}")
        return "\n".join(lines)


def _short(text: str) -> str:
    try:
        return f"{float(text):.6g}"
    except ValueError:
        return text
