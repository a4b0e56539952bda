"""A recorded depth stream served as the simulator's own, at a fixed rate: steady, repeatable market-data load.

A replay directory holds ``snapshot.json`` (the ``/fapi/v1/depth`` answer) and ``frames.jsonl`` (combined-stream
``depthUpdate`` frames chained on it by ``pu``, one a line), as ``bench/depth_frames.py`` writes them. Its
symbol's depth snapshot is the file's; from the first subscription to the symbol's diff-depth stream (or, when
``held``, from ``begin``: a benchmark starts it once every reader is up), the frames go to every subscriber of
it at ``rate`` a second (on schedule: a frame late by the loop's turn goes
with the next ones, never skipped), each exactly once, then nothing more. While a replay serves a symbol,
the synthetic market sends neither diffs nor book tickers for it: two streams would break the ``pu`` chain.
The simulator's own matching still runs underneath (orders on the symbol trade against its own book).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path

from tradesys.aio import cancel_and_wait

YIELD_EVERY = 64     # frames sent back to back (catching up) before the connections' writers get a turn


class ReplayError(ValueError):
    """A replay directory that cannot be served; the message says which file and why."""


class DepthReplay:
    def __init__(self, directory: Path | str, rate: float, *, held: bool = False):
        directory = Path(directory)
        self.held = held
        self._task: asyncio.Task | None = None
        if not rate > 0:
            raise ReplayError(f"replay rate {rate}: frames a second must be positive")
        try:
            self.snapshot_answer = json.loads((directory / "snapshot.json").read_text())
            lines = [line for line in (directory / "frames.jsonl").read_bytes().splitlines() if line.strip()]
            first = json.loads(lines[0])["data"] if lines else None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ReplayError(f"replay {directory}: {type(exc).__name__}: {exc}") from None
        if first is None or first.get("e") != "depthUpdate" or "lastUpdateId" not in self.snapshot_answer:
            raise ReplayError(f"replay {directory}: frames.jsonl must hold depthUpdate frames after a "
                              f"snapshot.json with lastUpdateId")
        self.symbol: str = first["s"]
        self.rate = rate
        # Combined connections get the frame as it is; a raw connection its event alone.
        self.frames = [line.decode() for line in lines]
        self.events = [frame[frame.index('"data":') + 7:-1] for frame in self.frames]
        self.sent = 0
        self.started_at = 0.0
        self.finished_at = 0.0
        self.late_max_s = 0.0      # the furthest a frame went behind its schedule

    def depth(self) -> dict:
        """The answer to ``/fapi/v1/depth`` for the symbol: the state the first frame follows."""
        return self.snapshot_answer

    def begin(self, send: Callable[[str, str], None]) -> bool:
        """Start sending (``run``) in the background; False when it was started before (a replay serves once)."""
        if self._task is not None:
            return False
        self._task = asyncio.create_task(self.run(send), name="binance-sim-replay")
        return True

    async def close(self) -> None:
        await cancel_and_wait(self._task)

    async def run(self, send: Callable[[str, str], None]) -> None:
        """Send every frame (``send(frame, event)``) on schedule: frame i at start + i / rate."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        self.started_at = time.monotonic()
        streak = 0
        for index, (frame, event) in enumerate(zip(self.frames, self.events)):
            wait = start + index / self.rate - loop.time()
            if wait > 0:
                streak = 0
                await asyncio.sleep(wait)       # time itself: the schedule
            else:
                self.late_max_s = max(self.late_max_s, -wait)
                streak += 1
                if streak % YIELD_EVERY == 0:
                    await asyncio.sleep(0)      # let the writers drain what is queued
            send(frame, event)
            self.sent += 1
        self.finished_at = time.monotonic()

    def counters(self) -> dict[str, int]:
        return {"replay_frames": len(self.frames), "replay_sent": self.sent,
                "replay_late_max_ms": int(self.late_max_s * 1000)}
