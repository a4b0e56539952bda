"""The Recorder actor: subscribes to configured topic prefixes on every publisher and records them.

A restarted recorder writes new files (its prefix has the new start time)
and counts what it missed, per topic, from the mark its last life left
(``tradesys.recording.gaps``)."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from tradesys.actors.base import ActorBase, Directory
from tradesys.aio import cancel_and_wait
from tradesys.bus import Subscriber
from tradesys.recording import RecordingWriter
from tradesys.recording.gaps import RecordingGaps

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RecorderSettings:
    topics: tuple[str, ...] = ("",)
    directory: str = "recordings"      # relative to the run directory (or absolute)
    max_batch_rows: int = 10_000
    max_batch_seconds: float = 1.0
    max_file_bytes: int = 256 * 2**20
    max_file_seconds: float = 3600.0
    # At wire: how long to wait for the connections to every publisher before the recorded actors start.
    connect_timeout_seconds: float = 2.0
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
        self.gaps: RecordingGaps | None = None
        self._marked = 0              # batches written when the mark was last saved
        self._loop_task = None

    async def on_start(self) -> dict[str, str]:
        root = Path(self.settings.directory)
        if not root.is_absolute():
            root = Path(self.context.run_dir) / root
        prefix = f"{self.name}-{time.strftime('%Y%m%dT%H%M%S')}-{self.started_ts % 10**9:09d}"
        self.writer = RecordingWriter(root, prefix, max_batch_rows=self.settings.max_batch_rows,
                                      max_batch_seconds=self.settings.max_batch_seconds,
                                      max_file_bytes=self.settings.max_file_bytes,
                                      max_file_seconds=self.settings.max_file_seconds)
        self.gaps = RecordingGaps(root / "_marks" / f"{self.name}.json")
        if self.restarted:
            self.gaps.resume()
        self.subscriber = self.subscribed(Subscriber(self.settings.topics, name=self.name))
        return {}

    async def on_wire(self, directory: Directory) -> None:
        # The launcher wires the recorder before the actors it records and waits for this: their first
        # messages (a market server's first venue answers, which a replay needs) must not go out unheard.
        publishers = [endpoints["pub"] for endpoints in directory.values() if "pub" in endpoints]
        heard = await self.subscriber.connect_all(publishers, timeout=self.settings.connect_timeout_seconds)
        if heard < len(publishers):
            log.warning("recorder: not every publisher's connection was up in time; their first messages may "
                        "be missed", extra={"fields": {"up": heard, "publishers": len(publishers)}})
        if self._loop_task is None:
            self._loop_task = self.spawn(self._record(), "record")

    async def _record(self) -> None:
        wait = min(self.settings.max_batch_seconds, 0.25)
        while True:
            batch = await self.subscriber.recv_batch(4096, timeout=wait)
            if batch:
                self._take(batch)
            self.writer.flush_due()
            self._mark()

    def _take(self, batch: list) -> None:
        for envelope in batch if self.gaps.pending else ():
            self.gaps.first_seen(envelope.topic, envelope.header.session, envelope.header.seq)
        self.writer.add(batch)
        self._mark()

    def _mark(self) -> None:
        """After every batch written (by size in ``add``, by age in ``flush_due``): the mark moves with it."""
        if self.writer.batches_written != self._marked:
            self._marked = self.writer.batches_written
            self.gaps.save(self.writer.written)

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
            self._take(batch)
        self.writer.close()
        self._mark()
        self.subscriber.close()
        log.info("recording closed", extra={"fields": self.counters()})

    def counters(self) -> dict[str, int]:
        counters = {}
        if self.writer is not None:
            counters.update(self.writer.counters())
        if self.gaps is not None:
            counters.update(self.gaps.counters())
        return counters

    def summary(self) -> dict:
        out = self.status()
        out["gaps"] = self.gaps.summary() if self.gaps is not None else {}
        return out
