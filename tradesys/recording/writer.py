"""Writes bus messages as Arrow record batches into partitioned files.

Layout: ``<root>/<kind>/<venue>/<symbol>/<YYYY-MM-DD>/<prefix>-<nnnnn>.arrows``, one
Arrow IPC stream per partition and writer at a time. The stream format (not
the file format, not Parquet) because each batch is complete on disk as soon
as it is written: a crash loses at most the rows not yet flushed, never the
file. A batch is written when a partition holds ``max_batch_rows`` rows or its
oldest row is ``max_batch_seconds`` old, and on close. A file that has reached
``max_file_bytes`` or is ``max_file_seconds`` old is closed after its batch,
and the partition's next batch opens the next file (``-00000``, ``-00001``, ...:
by name, a writer's files sort in the order they were written).
"""

from __future__ import annotations

import datetime as _dt
import logging
import time
from pathlib import Path

import pyarrow as pa

from tradesys.bus import topics
from tradesys.bus.pubsub import Envelope
from tradesys.messages import kind_name
from tradesys.recording.columns import TypedColumns
from tradesys.recording.schema import COLUMNS, FILE_SUFFIX, HEADER_COLUMNS, RECORD_SCHEMA

log = logging.getLogger(__name__)
NS_PER_DAY = 86_400 * 10**9


class _Partition:
    __slots__ = ("directory", "stem", "files", "columns", "first_ns", "opened_ns", "sink", "writer")

    def __init__(self, directory: Path, stem: str):
        self.directory, self.stem = directory, stem
        self.files = 0                # files opened so far
        self.columns: list[list] = [[] for _ in COLUMNS]
        self.first_ns = 0
        self.opened_ns = 0
        self.sink = None
        self.writer = None

    def open(self) -> None:
        name = f"{self.stem}-{self.files:05d}"
        self.files += 1
        self.directory.mkdir(parents=True, exist_ok=True)
        self.sink = pa.OSFile(str(self.directory / f"{name}{FILE_SUFFIX}"), "wb")
        self.writer = pa.ipc.new_stream(self.sink, RECORD_SCHEMA)
        self.opened_ns = time.time_ns()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.sink.close()
            self.writer = self.sink = None


class RecordingWriter:
    """Buffers envelopes per partition and writes them as record batches. Not thread-safe."""

    def __init__(self, root: Path, prefix: str, *, max_batch_rows: int = 10_000, max_batch_seconds: float = 1.0,
                 max_file_bytes: int = 256 * 2**20, max_file_seconds: float = 3600.0):
        self.root = Path(root)
        self.prefix = prefix
        self.max_batch_rows = max_batch_rows
        self.max_batch_ns = int(max_batch_seconds * 1e9)
        self.max_file_bytes = max_file_bytes
        self.max_file_ns = int(max_file_seconds * 1e9)
        self.files_opened = 0
        self._partitions: dict[tuple, _Partition] = {}
        self._topic_parts: dict[str, tuple[str, str]] = {}
        self._days: dict[int, str] = {}
        self.rows_buffered = 0
        self.rows_written = 0
        self.batches_written = 0
        self.unpartitioned = 0   # topics of no known family: kept, under venue/symbol "_other"
        self.closed = False
        self.typed = TypedColumns()
        # topic -> (publisher session, seq) of the last row on disk: where a recorder that dies resumes from.
        self.written: dict[str, tuple[int, int]] = {}

    def add(self, envelopes: list[Envelope]) -> None:
        """Buffer envelopes; write every partition that reaches max_batch_rows."""
        for env in envelopes:
            header = env.header
            parts = self._topic_parts.get(env.topic)
            if parts is None:
                parts = self._topic_parts[env.topic] = self._partition_of(env.topic)
            day = env.received_ts // NS_PER_DAY
            date = self._days.get(day)
            if date is None:
                date = self._days[day] = _dt.datetime.fromtimestamp(day * 86_400, _dt.timezone.utc).date().isoformat()
            key = (header.kind, parts[0], parts[1], date)
            partition = self._partitions.get(key)
            if partition is None:
                partition = self._partitions[key] = _Partition(
                    self.root / kind_name(header.kind) / parts[0] / parts[1] / date, self.prefix)
            cols = partition.columns
            if not cols[0]:
                partition.first_ns = env.received_ts
            cols[0].append(env.topic)
            cols[1].append(header.seq)
            cols[2].append(header.session)
            cols[3].append(header.kind)
            cols[4].append(header.source)
            cols[5].append(header.venue_ts)
            cols[6].append(header.recv_ts)
            cols[7].append(header.publish_ts)
            cols[8].append(env.received_ts)
            cols[9].append(env.body)
            for column, value in zip(cols[HEADER_COLUMNS:], self.typed.values(header.kind, env.body)):
                column.append(value)
            self.rows_buffered += 1
            if len(cols[0]) >= self.max_batch_rows:
                self._write(partition)

    def _partition_of(self, topic: str) -> tuple[str, str]:
        try:
            return topics.partition(topic)
        except ValueError:
            self.unpartitioned += 1
            log.warning("recording a topic of no known family", extra={"fields": {"topic": topic}})
            return "_other", "_other"

    def flush_due(self, now_ns: int | None = None) -> int:
        """Write every partition whose oldest buffered row is older than max_batch_seconds; return batches."""
        now_ns = time.time_ns() if now_ns is None else now_ns
        due = [p for p in self._partitions.values() if p.columns[0] and now_ns - p.first_ns >= self.max_batch_ns]
        for partition in due:
            self._write(partition)
        return len(due)

    def flush(self) -> None:
        """Write everything buffered."""
        for partition in self._partitions.values():
            if partition.columns[0]:
                self._write(partition)

    def close(self) -> None:
        """Flush and close every file (idempotent)."""
        if self.closed:
            return
        self.flush()
        for partition in self._partitions.values():
            partition.close()
        self.closed = True

    def _write(self, partition: _Partition) -> None:
        batch = pa.RecordBatch.from_arrays(
            [pa.array(col, type=field.type) for col, field in zip(partition.columns, RECORD_SCHEMA)],
            schema=RECORD_SCHEMA)
        if partition.writer is None:
            partition.open()
            self.files_opened += 1
        partition.writer.write_batch(batch)
        partition.sink.flush()
        if (partition.sink.tell() >= self.max_file_bytes
                or time.time_ns() - partition.opened_ns >= self.max_file_ns):
            partition.close()         # the partition's next batch opens its next file
        cols = partition.columns
        for topic, mark in dict(zip(cols[0], zip(cols[2], cols[1]))).items():   # each topic's last row
            before = self.written.get(topic)
            # Never backwards: a topic's rows of the day before can be written after those of the new day.
            if before is None or before[0] != mark[0] or mark[1] > before[1]:
                self.written[topic] = mark
        rows = batch.num_rows
        self.rows_written += rows
        self.rows_buffered -= rows
        self.batches_written += 1
        partition.columns = [[] for _ in COLUMNS]

    def counters(self) -> dict[str, int]:
        return {"rows_written": self.rows_written, "rows_buffered": self.rows_buffered,
                "batches_written": self.batches_written, "files": self.files_opened,
                "unpartitioned_topics": self.unpartitioned, "undecoded_bodies": self.typed.undecoded}
