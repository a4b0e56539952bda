"""Messages for the bus's readers: well-formed ones of every kind (one frame each on the PUB/SUB bus, see
tradesys/bus/frame.py; two on the order socket), and the same with a header that is not one, a header length
that lies, no NUL after the topic, a kind nobody defined, a body cut short or of another kind, a topic that is
not UTF-8, frames missing or extra. A marker message (its own topic, or its own client order id) follows each
example so that the fuzzer knows when everything before it was read."""

from __future__ import annotations

import struct
from functools import cache

from google.protobuf.descriptor import FieldDescriptor
from hypothesis import strategies as st

from tradesys.bus import frame
from tradesys.messages import BODY_TYPES, Header, Heartbeat, MessageKind, OrderRequest

STRATEGY = "fuzz-strategy"            # the DEALER's identity, as a strategy's is its id
MARK_TOPIC = "~mark"                  # no generated topic starts with a tilde
MARK_REQUEST_IDS = 10**15             # marker request ids start here; generated ones stay below
_INTEGERS = {FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_UINT32,
             FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SINT64,
             FieldDescriptor.TYPE_FIXED32, FieldDescriptor.TYPE_FIXED64, FieldDescriptor.TYPE_SFIXED32,
             FieldDescriptor.TYPE_SFIXED64}


def _filled(cls):
    """An instance of the protobuf class ``cls`` with every scalar field set (lists of two for repeated
    numbers): a body whose every field is on the wire."""
    message = cls()
    for f in cls.DESCRIPTOR.fields:
        repeated = f.is_repeated
        if repeated and f.type in _INTEGERS:
            getattr(message, f.name).extend([3, 7])
        elif repeated:
            continue                   # maps and lists of messages: an empty one is a valid one
        elif f.type == FieldDescriptor.TYPE_STRING:
            setattr(message, f.name, f"{f.name}-1")
        elif f.type in _INTEGERS:
            setattr(message, f.name, 7)
        elif f.type == FieldDescriptor.TYPE_BOOL:
            setattr(message, f.name, True)
        elif f.type == FieldDescriptor.TYPE_ENUM:
            setattr(message, f.name, 1)
        elif f.type == FieldDescriptor.TYPE_MESSAGE:
            getattr(message, f.name).CopyFrom(_filled(f.message_type._concrete_class))
    return message


@cache
def _bodies() -> dict[int, bytes]:
    return {kind: _filled(cls).SerializeToString() for kind, cls in BODY_TYPES.items()}


def _bytes_like(base: bytes) -> st.SearchStrategy[bytes]:
    """``base`` as it is, cut short, with one byte changed, or noise."""
    cut = st.integers(0, max(len(base) - 1, 0)).map(lambda n: base[:n])
    flipped = st.tuples(st.integers(0, max(len(base) - 1, 0)), st.integers(0, 255)).map(
        lambda t: base[:t[0]] + bytes([t[1]]) + base[t[0] + 1:] if base else bytes([t[1]]))
    return st.one_of(*[st.just(base)] * 6, cut, flipped, st.binary(max_size=64))


@st.composite
def subscriber_messages(draw) -> list[bytes]:
    kind = draw(st.sampled_from(sorted(_bodies())))
    topic = draw(st.one_of(st.from_regex(r"[a-z]{2,4}\.[a-z\-]{1,12}(\.[A-Z_]{1,10})?", fullmatch=True),
                           st.text(min_size=1, max_size=12).filter(lambda t: not t.startswith("~"))))
    topic_bytes = draw(st.one_of(*[st.just(topic.encode())] * 4,
                                 st.binary(min_size=1, max_size=12).filter(lambda b: not b.startswith(b"~"))))
    header = Header(topic=topic, seq=draw(st.one_of(st.integers(1, 2**64 - 1), st.just(0))),
                    session=draw(st.integers(0, 2**64 - 1)),
                    kind=draw(st.one_of(*[st.just(kind)] * 4, st.integers(0, 1000))),
                    publish_ts=draw(st.integers(-(2**63), 2**63 - 1)))
    header_bytes = draw(_bytes_like(header.SerializeToString()))
    length = draw(st.one_of(*[st.just(len(header_bytes))] * 6, st.integers(0, 0xFFFF)))
    nul = draw(st.sampled_from([b"\x00"] * 6 + [b""]))
    one = topic_bytes + nul + struct.pack("<H", length) + header_bytes + draw(_bytes_like(_bodies()[kind]))
    return draw(_reframed([one]))


@st.composite
def order_requests(draw) -> list[bytes]:
    request_id = draw(st.integers(1, MARK_REQUEST_IDS - 1))
    body = _filled(OrderRequest)
    body.request_id = draw(st.one_of(*[st.just(request_id)] * 4, st.integers(0, 2**64 - 1)))
    body.strategy_id = draw(st.sampled_from([STRATEGY] * 6 + ["someone-else", ""]))
    body.client_order_id = draw(st.text(max_size=20).filter(lambda text: not text.startswith("mark-")))
    header = Header(topic=f"or.{STRATEGY}", seq=request_id, kind=draw(
        st.one_of(*[st.just(MessageKind.MESSAGE_KIND_ORDER_REQUEST)] * 4, st.integers(0, 1000))))
    frames = [draw(_bytes_like(header.SerializeToString())), draw(_bytes_like(body.SerializeToString()))]
    return draw(_reframed(frames))


@st.composite
def _reframed(draw, frames: list[bytes]) -> list[bytes]:
    """The frames as they are, or one dropped, or one more."""
    how = draw(st.sampled_from(["as is"] * 8 + ["dropped", "extra"]))
    if how == "dropped" and len(frames) > 1:
        del frames[draw(st.integers(0, len(frames) - 1))]
    elif how == "extra":
        frames.insert(draw(st.integers(0, len(frames))), draw(st.binary(max_size=16)))
    return frames


def marker(kind: str, n: int) -> list[bytes]:
    if kind == "subscriber":
        header = Header(topic=MARK_TOPIC, seq=n, session=1, kind=MessageKind.MESSAGE_KIND_HEARTBEAT)
        return [frame.encode(MARK_TOPIC, header, Heartbeat(actor=f"mark-{n}").SerializeToString())]
    request_id = MARK_REQUEST_IDS + n
    header = Header(topic=f"or.{STRATEGY}", seq=request_id, kind=MessageKind.MESSAGE_KIND_ORDER_REQUEST)
    request = OrderRequest(request_id=request_id, strategy_id=STRATEGY, client_order_id=f"mark-{n}")
    return [header.SerializeToString(), request.SerializeToString()]


def is_marker(topic: str, message, n: int) -> bool:
    return topic == MARK_TOPIC and isinstance(message, Heartbeat) and message.actor == f"mark-{n}"
