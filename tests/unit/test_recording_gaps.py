"""What a restarted recorder missed: the mark its last life left, and the ranges counted from it."""

from __future__ import annotations

import json

from tradesys.bus.pubsub import Envelope
from tradesys.messages import Header
from tradesys.recording import RecordingWriter
from tradesys.recording.gaps import RecordingGaps


def envelope(topic: str, session: int, seq: int) -> Envelope:
    header = Header(topic=topic, kind=1, session=session, seq=seq, source="market-binance")
    return Envelope(topic, header, b"", received_ts=1_700_000_000_000_000_000)


def test_the_writer_marks_the_last_row_on_disk_per_topic(tmp_path):
    writer = RecordingWriter(tmp_path, "rec", max_batch_rows=1000)
    writer.add([envelope("md.binance.BTCUSDT.book", 9, n) for n in range(1, 6)] +
               [envelope("md.binance.ETHUSDT.book", 9, 3)])
    assert writer.written == {}                       # buffered: nothing is on disk yet
    writer.flush()
    assert writer.written == {"md.binance.BTCUSDT.book": (9, 5), "md.binance.ETHUSDT.book": (9, 3)}
    writer.close()


def test_a_new_life_counts_the_range_between_the_mark_and_each_topics_first_message(tmp_path):
    path = tmp_path / "_marks" / "recorder.json"
    first = RecordingGaps(path)
    first.save({"md.binance.BTCUSDT.book": (9, 100), "oe.binance.mm": (4, 7), "hb.engine": (5, 50)})
    assert json.loads(path.read_text())["oe.binance.mm"] == [4, 7]

    again = RecordingGaps(path)
    again.resume()
    assert again.pending
    again.first_seen("md.binance.BTCUSDT.book", 9, 131)    # 101..130 never written
    again.first_seen("md.binance.BTCUSDT.book", 9, 135)    # later messages are the live bus's business
    again.first_seen("oe.binance.mm", 4, 8)                 # nothing missed
    again.first_seen("hb.engine", 6, 3)                     # the publisher restarted too: 1..2 of its new session
    assert again.summary() == {"md.binance.BTCUSDT.book": [[101, 130]], "hb.engine": [[1, 2]]}
    assert again.counters() == {"gap_topics": 2, "gap_messages": 32, "gap_sessions_changed": 1}
    assert not again.pending


def test_a_missing_or_broken_mark_counts_nothing_and_says_so(tmp_path, caplog):
    gaps = RecordingGaps(tmp_path / "none.json")
    gaps.resume()
    gaps.first_seen("md.x", 1, 500)
    assert gaps.counters()["gap_messages"] == 0 and "no mark" in caplog.text
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    gaps = RecordingGaps(broken)
    gaps.resume()
    assert "unreadable" in caplog.text and not gaps.pending
