"""One bus message in one ZeroMQ frame: the topic, a NUL, the header's length (2 bytes, little-endian), the
``Header`` and the body (bus wire version 2).

Why one frame: on the publisher a message's last frame is what hands it to ZeroMQ's I/O thread, and each frame
before it is a send of its own (three sends cost 2.2 us here, one 0.8 us); the reader likewise receives once.
The topic stays first, so a SUB socket's prefix subscriptions work as they did on a topic frame. A topic never
holds a NUL (``Publisher`` refuses one), so the first NUL ends it.

The header's per-message numbers (seq and the three times) are fixed-width fields (common.proto): a publisher
serialises the rest of the header once per topic (``lead``) and packs those four after it.
"""

from __future__ import annotations

import struct

from tradesys.messages import Header

WIRE_VERSION = 2
# fixed64 seq = 9, sfixed64 venue_ts = 10, recv_ts = 11, publish_ts = 12 (wire type 1), each after its tag.
NUMBERS = struct.Struct("<BQBqBqBq")
TAG_SEQ, TAG_VENUE_TS, TAG_RECV_TS, TAG_PUBLISH_TS = (9 << 3) | 1, (10 << 3) | 1, (11 << 3) | 1, (12 << 3) | 1
_LENGTH = struct.Struct("<H")
MAX_HEADER = 0xFFFF


class FrameError(ValueError):
    """Bytes that are not one bus message."""


def lead(topic: str, template: Header) -> bytes:
    """What every message of ``topic`` starts with: the topic, its NUL, the header's length and the header's
    fixed part (``template``: topic, session, kind and source; its per-message numbers are packed after it)."""
    topic_bytes = topic.encode()
    if b"\x00" in topic_bytes or not topic_bytes:
        raise ValueError(f"a bus topic is not empty and holds no NUL: {topic!r}")
    fixed = template.SerializeToString()
    size = len(fixed) + NUMBERS.size
    if size > MAX_HEADER:
        raise ValueError(f"header of {topic!r} is {size} bytes, more than {MAX_HEADER}")
    return topic_bytes + b"\x00" + _LENGTH.pack(size) + fixed


def numbers(seq: int, venue_ts: int, recv_ts: int, publish_ts: int) -> bytes:
    """The header's per-message part, to follow ``lead``'s bytes."""
    return NUMBERS.pack(TAG_SEQ, seq, TAG_VENUE_TS, venue_ts, TAG_RECV_TS, recv_ts, TAG_PUBLISH_TS, publish_ts)


def encode(topic: str, header: Header, body: bytes) -> bytes:
    """One message from a whole ``header`` (whatever its fields): for tools and tests; publishers use ``lead``."""
    topic_bytes = topic.encode()
    header_bytes = header.SerializeToString()
    return topic_bytes + b"\x00" + _LENGTH.pack(len(header_bytes)) + header_bytes + body


def split(data: bytes) -> tuple[bytes, bytes, bytes]:
    """``(topic, header, body)`` bytes of one message; FrameError says what is wrong."""
    end = data.find(0)
    if end <= 0:
        raise FrameError("no topic" if end == 0 else "no NUL after the topic")
    start = end + 3
    if len(data) < start:
        raise FrameError("cut short in the header's length")
    stop = start + (data[end + 1] | data[end + 2] << 8)
    if len(data) < stop:
        raise FrameError("cut short in the header")
    return data[:end], data[start:stop], data[stop:]
