"""The bytes the bus carries, written without protobuf objects: ``LevelsDelta`` (a BookDelta from integer lists)
and the one-frame layout with its header written from a template (``tradesys.bus.frame``), each read back by
the generated protobuf classes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tradesys.bus import Publisher, frame
from tradesys.messages import KIND_OF, BookDelta, Header, LevelsDelta, MessageKind

INT64 = st.integers(-(2**63), 2**63 - 1)
UINT64 = st.integers(0, 2**64 - 1)


@given(venue=st.text(max_size=12), symbol=st.text(max_size=30), scales=st.tuples(st.integers(-18, 18),
       st.integers(-18, 18)), seqs=st.tuples(UINT64, UINT64),
       sides=st.tuples(*[st.lists(INT64, max_size=40)] * 4))
def test_a_levels_delta_reads_back_as_the_book_delta_of_the_same_fields(venue, symbol, scales, seqs, sides):
    delta = LevelsDelta(venue, symbol, *scales, *seqs, sides)
    expected = BookDelta(venue=venue, symbol=symbol, price_scale=scales[0], size_scale=scales[1], venue_seq=seqs[0],
                         prev_venue_seq=seqs[1], bid_prices=sides[0], bid_sizes=sides[1], ask_prices=sides[2],
                         ask_sizes=sides[3])
    assert BookDelta.FromString(delta.SerializeToString()) == expected == delta.message()


def test_a_deep_delta_past_the_length_table_and_an_empty_one_read_back():
    deep = list(range(5_000))                      # 40,000 bytes a side: a length varint computed, not looked up
    delta = LevelsDelta("binance", "BTCUSDT", 1, 3, 9, 8, (deep, deep, [], []))
    message = BookDelta.FromString(delta.SerializeToString())
    assert list(message.bid_prices) == deep and list(message.bid_sizes) == deep and not message.ask_prices
    empty = BookDelta.FromString(LevelsDelta("binance", "BTCUSDT", 1, 3, 9, 9, ([], [], [], [])).SerializeToString())
    assert empty.venue_seq == empty.prev_venue_seq == 9 and not empty.bid_prices and empty.symbol == "BTCUSDT"


@pytest.mark.parametrize("seqs, sides", [((-1, 0), ([], [], [], [])), ((2**64, 0), ([], [], [], [])),
                                         ((1, 0), ([2**63], [1], [], [])), ((1, 0), ([], [], [1], [-(2**63) - 1]))])
def test_a_number_out_of_range_is_a_value_error_naming_the_book(seqs, sides):
    with pytest.raises(ValueError, match="BTCUSDT delta .* out of range"):
        LevelsDelta("binance", "BTCUSDT", 1, 3, *seqs, sides).SerializeToString()


def test_a_levels_delta_is_published_as_a_book_delta():
    assert KIND_OF[LevelsDelta] == KIND_OF[BookDelta] == MessageKind.MESSAGE_KIND_BOOK_DELTA


@given(topic=st.text(min_size=1, max_size=40).filter(lambda t: "\x00" not in t), session=UINT64,
       kind=st.integers(0, 1000), source=st.text(max_size=40), seq=UINT64, times=st.tuples(INT64, INT64, INT64),
       body=st.binary(max_size=64))
def test_the_lead_and_the_packed_numbers_read_back_as_one_header(topic, session, kind, source, seq, times, body):
    template = Header(topic=topic, session=session, kind=kind, source=source)
    data = frame.lead(topic, template) + frame.numbers(seq, *times) + body
    topic_bytes, header_bytes, rest = frame.split(data)
    assert topic_bytes == topic.encode() and rest == body
    assert Header.FromString(header_bytes) == Header(topic=topic, session=session, kind=kind, source=source, seq=seq,
                                                     venue_ts=times[0], recv_ts=times[1], publish_ts=times[2])
    again = frame.split(frame.encode(topic, Header.FromString(header_bytes), body))
    assert again[0] == topic_bytes and again[2] == body
    assert Header.FromString(again[1]) == Header.FromString(header_bytes)


@pytest.mark.parametrize("data, why", [(b"md.x", "no NUL after the topic"), (b"\x00\x00\x00", "no topic"),
                                       (b"md.x\x00\x05", "cut short in the header's length"),
                                       (b"md.x\x00\x05\x00abcd", "cut short in the header")])
def test_bytes_that_are_not_one_message_say_what_is_wrong(data, why):
    with pytest.raises(frame.FrameError, match=f"^{why}$"):
        frame.split(data)


@pytest.mark.parametrize("topic", ["", "md.\x00x"])
def test_a_topic_that_is_empty_or_holds_a_nul_is_refused(topic):
    publisher = Publisher("test")
    publisher.bind()
    try:
        with pytest.raises(ValueError, match="holds no NUL"):
            publisher.publish(topic, MessageKind.MESSAGE_KIND_HEARTBEAT, b"")
        with pytest.raises(ValueError, match="out of range"):
            publisher.publish("md.ok", MessageKind.MESSAGE_KIND_HEARTBEAT, b"", venue_ts=2**63)
    finally:
        publisher.close()
