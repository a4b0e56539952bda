import time

import pyarrow as pa
import pytest

from tradesys.bus.pubsub import Envelope
from tradesys.messages import BookDelta, Header, MessageKind
from tradesys.recording import (
    RECORD_SCHEMA,
    RecordingVersionError,
    RecordingWriter,
    messages,
    read_file,
    read_recording,
    recording_files,
)

KIND = MessageKind.MESSAGE_KIND_BOOK_DELTA


def _envelope(topic, seq, received_ts=None):
    header = Header(topic=topic, seq=seq, session=7, kind=KIND, venue_ts=1, recv_ts=2, publish_ts=3, source="t")
    return Envelope(topic, header, BookDelta(venue_seq=seq).SerializeToString(), received_ts or time.time_ns())


def test_rows_are_written_in_batches_bounded_by_rows_and_read_back_whole(tmp_path):
    writer = RecordingWriter(tmp_path, "w", max_batch_rows=100, max_batch_seconds=3600)
    writer.add([_envelope("md.binance.BTCUSDT.book", i) for i in range(1, 251)])
    assert writer.rows_written == 200 and writer.batches_written == 2  # two full batches, 50 buffered
    writer.close()
    table = read_recording(tmp_path)
    assert table.column("seq").to_pylist() == list(range(1, 251))
    assert [m.venue_seq for _, _, m in messages(table)] == list(range(1, 251))
    [path] = recording_files(tmp_path)
    assert path.relative_to(tmp_path).parts[:4] == ("book_delta", "binance", "BTCUSDT", path.parts[-2])


def test_a_partition_older_than_max_batch_seconds_is_flushed(tmp_path):
    writer = RecordingWriter(tmp_path, "w", max_batch_rows=10_000, max_batch_seconds=1.0)
    start = time.time_ns()
    writer.add([_envelope("md.binance.BTCUSDT.book", 1, start)])
    assert writer.flush_due(start + 500_000_000) == 0
    assert writer.flush_due(start + 1_000_000_000) == 1
    assert read_file(recording_files(tmp_path)[0]).num_rows == 1  # on disk before close
    writer.close()


def test_partitions_split_by_venue_symbol_and_unknown_topics_are_still_kept(tmp_path):
    writer = RecordingWriter(tmp_path, "w")
    writer.add([_envelope("md.binance.BTCUSDT.book", 1), _envelope("md.deribit.BTC-PERPETUAL.book", 1),
                _envelope("weird.topic", 1)])
    writer.close()
    assert read_recording(tmp_path, venue="deribit").column("topic").to_pylist() == ["md.deribit.BTC-PERPETUAL.book"]
    assert read_recording(tmp_path, venue="_other").num_rows == 1
    assert writer.unpartitioned == 1 and read_recording(tmp_path).num_rows == 3


def test_a_file_cut_short_by_a_crash_is_read_up_to_the_last_whole_batch(tmp_path):
    writer = RecordingWriter(tmp_path, "w", max_batch_rows=10)
    writer.add([_envelope("md.binance.BTCUSDT.book", i) for i in range(1, 31)])
    writer.close()
    [path] = recording_files(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 100])  # the third batch loses its tail
    table = read_file(path)
    assert table.column("seq").to_pylist() == list(range(1, 21))
    assert isinstance(table, pa.Table)


def test_a_recording_of_the_three_frame_bus_is_refused_by_name_not_misread(tmp_path):
    # Version 1 wrote no wire version, and its BookDelta numbered the levels otherwise: read as version 2, its
    # deltas would come back empty. The reader says which version the file is instead.
    path = tmp_path / "old.arrows"
    row = RECORD_SCHEMA.empty_table().schema.remove_metadata()
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, row) as writer:
        writer.write_table(row.empty_table())
    with pytest.raises(RecordingVersionError, match="old.arrows: recorded with bus wire version 1, and this "
                                                    "tradesys reads version 2"):
        read_file(path)
    writer = RecordingWriter(tmp_path / "new", "w")
    writer.add([_envelope("md.binance.BTCUSDT.book", 1)])
    writer.close()
    assert read_file(recording_files(tmp_path / "new")[0]).schema.metadata == {b"tradesys.bus_wire": b"2",
                                                                              b"tradesys.recording_schema": b"2"}


def test_a_recording_without_the_typed_columns_is_refused_by_name(tmp_path):
    path = tmp_path / "schema1.arrows"
    # Schema 1: the header and the body only.
    old = pa.schema([RECORD_SCHEMA.field(i) for i in range(10)], metadata={b"tradesys.bus_wire": b"2"})
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_stream(sink, old) as writer:
        writer.write_table(old.empty_table())
    with pytest.raises(RecordingVersionError, match="schema1.arrows: written with recording schema 1, and this "
                                                    "tradesys reads schema 2"):
        read_file(path)


def test_a_partition_moves_to_its_next_file_past_the_size_or_the_age_and_nothing_is_lost(tmp_path):
    by_size = RecordingWriter(tmp_path / "size", "w", max_batch_rows=10, max_file_bytes=4096)
    by_size.add([_envelope("md.binance.BTCUSDT.book", i) for i in range(1, 101)])
    by_size.close()
    files = recording_files(tmp_path / "size")
    assert len(files) > 1 and by_size.counters()["files"] == len(files)
    assert [p.name for p in files[:3]] == ["w-00000.arrows", "w-00001.arrows", "w-00002.arrows"]
    assert read_recording(tmp_path / "size").column("seq").to_pylist() == list(range(1, 101))
    by_age = RecordingWriter(tmp_path / "age", "w", max_batch_rows=5, max_file_seconds=0)   # every batch its file
    by_age.add([_envelope("md.binance.BTCUSDT.book", i) for i in range(1, 16)])
    by_age.close()
    assert sorted(p.name for p in recording_files(tmp_path / "age")) == ["w-00000.arrows", "w-00001.arrows",
                                                                                  "w-00002.arrows"]
    assert read_recording(tmp_path / "age").column("seq").to_pylist() == list(range(1, 16))
