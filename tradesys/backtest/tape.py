"""The recorded market a backtest replays: every book snapshot, delta, trade and book status (and top of book,
for strategies that read only the touch) of its venues' symbols, in the order the market servers read them
off the venues (``recv_ts``; the recorder's own time where a message has none)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from tradesys.messages import decode_body
from tradesys.recording.reader import RecordingMissingError, read_recording, recording_files

MARKET_KINDS = ("book_snapshot", "book_delta", "trade", "book_status", "book_top")


def recording_root(path: Path | str) -> Path:
    """The recordings directory of a run directory, or ``path`` itself; RecordingMissingError when neither
    holds recording files."""
    path = Path(path)
    for root in (path / "recordings", path):
        if root.is_dir() and recording_files(root):
            return root
    raise RecordingMissingError(f"{path}: no recording files there (a run directory holds them under recordings/)")


@dataclass(frozen=True, slots=True)
class Row:
    time_ns: int
    topic: str
    session: int
    message: object


class Tape:
    def __init__(self, root: Path, venue: str, symbols: list[str]):
        self.root = root
        self.venue = venue
        tables = [read_recording(root, kind=kind, venue=venue, symbol=symbol)
                  for kind in MARKET_KINDS for symbol in symbols]
        table = pa.concat_tables(tables)
        when = pc.if_else(pc.greater(table.column("recv_ts"), 0), table.column("recv_ts"), table.column("record_ts"))
        table = table.append_column("time_ns", when).sort_by([("time_ns", "ascending"), ("seq", "ascending")])
        self.table = table
        self.symbols_with_books = {topic.split(".")[2] for topic in pc.unique(table.column("topic")).to_pylist()
                                   if topic.endswith(".book")}

    def __len__(self) -> int:
        return self.table.num_rows

    def span(self) -> tuple[int, int]:
        if not self.table.num_rows:
            return 0, 0
        times = self.table.column("time_ns")
        return times[0].as_py(), times[-1].as_py()

    def rows(self) -> Iterator[Row]:
        table = self.table
        for batch in table.to_batches(max_chunksize=4096):
            columns = [batch.column(name).to_pylist() for name in ("time_ns", "topic", "session", "kind", "body")]
            for time_ns, topic, session, kind, body in zip(*columns):
                yield Row(time_ns, topic, session, decode_body(kind, body))
