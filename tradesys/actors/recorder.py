"""The Recorder actor: subscribes to configured topic prefixes on every publisher and records them."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from tradesys.actors.base import ActorBase, Directory
from tradesys.aio import cancel_and_wait
from tradesys.bus import Subscriber
from tradesys.recording import RecordingWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecorderSettings:
    topics: tuple[str, ...] = ("",)
    directory: str = "recordings"      # relative to the run directory (or absolute)
    max_batch_rows: int = 10_000
    max_batch_seconds: float = 1.0
    # On stop, keep reading until the socket has been quiet this long (bounded by drain_limit).
    drain_quiet_seconds: float = 0.3
    drain_limit_seconds: float = 5.0


class Recorder(ActorBase):
    """Records every message of the configured prefixes exactly once, flushing on every stop path."""

    def __init__(self, name: str, settings: RecorderSettings):
        super().__init__(name)
        self.settings = settings
        self.subscriber: Subscriber | None = None
        self.writer: RecordingWriter | None = None
        self._loop_task = None

    async def on_start(self) -> dict[str, str]:
        root = Path(self.settings.directory)
        if not root.is_absolute():
            root = Path(self.context.run_dir) / root
        prefix = f"{self.name}-{time.strftime('%Y%m%dT%H%M%S')}-{self.started_ts % 10**9:09d}"
        self.writer = RecordingWriter(root, prefix, max_batch_rows=self.settings.max_batch_rows,
                                      max_batch_seconds=self.settings.max_batch_seconds)
        self.subscriber = self.subscribed(Subscriber(self.settings.topics, name=self.name))
        return {}

    async def on_wire(self, directory: Directory) -> None:
        for endpoints in directory.values():
            if "pub" in endpoints:
                self.subscriber.connect(endpoints["pub"])
        if self._loop_task is None:
            self._loop_task = self.spawn(self._record(), "record")

    async def _record(self) -> None:
        wait = min(self.settings.max_batch_seconds, 0.25)
        while True:
            batch = await self.subscriber.recv_batch(4096, timeout=wait)
            if batch:
                self.writer.add(batch)
            self.writer.flush_due()

    async def on_stop(self) -> None:
        await cancel_and_wait(self._loop_task)
        if self.subscriber is None:
            return
        # Take what is already on its way before closing, so a clean stop loses nothing.
        deadline = time.monotonic() + self.settings.drain_limit_seconds
        while time.monotonic() < deadline:
            batch = await self.subscriber.recv_batch(4096, timeout=self.settings.drain_quiet_seconds)
            if not batch:
                break
            self.writer.add(batch)
        self.writer.close()
        self.subscriber.close()
        log.info("recording closed", extra={"fields": self.counters()})

    def counters(self) -> dict[str, int]:
        counters = {}
        if self.writer is not None:
            counters.update(self.writer.counters())
        return counters
