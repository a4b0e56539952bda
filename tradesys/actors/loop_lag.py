"""How late an actor's event loop runs what is due: the sign of a callback that computes too long or a call
that blocks. A task asks to wake every ``every`` seconds and measures by how much it woke late; a wake-up
later than ``stall_after`` is a stall, counted and logged (``loop_stalls``, ``loop_lag_max_ms`` in the
actor's heartbeat). It cannot prevent a stall: it makes one visible, and says whose it was."""

from __future__ import annotations

import asyncio
import logging
import time

log = logging.getLogger(__name__)


class LoopLag:
    def __init__(self, every: float = 0.1, stall_after: float = 0.5):
        self.every = every
        self.stall_after = stall_after
        self.stalls = 0
        self.worst = 0.0          # seconds

    async def run(self) -> None:
        while True:
            due = time.monotonic() + self.every
            await asyncio.sleep(self.every)
            self.observe(time.monotonic() - due)

    def observe(self, late: float) -> None:
        self.worst = max(self.worst, late)
        if late >= self.stall_after:
            self.stalls += 1
            log.warning("event loop stalled", extra={"fields": {"late_ms": round(late * 1000), "stalls": self.stalls}})

    def counters(self) -> dict[str, int]:
        return {"loop_stalls": self.stalls, "loop_lag_max_ms": round(self.worst * 1000)}
