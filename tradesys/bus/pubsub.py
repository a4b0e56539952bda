"""Market data, order events, positions and health: PUB/SUB with per-topic sequence numbers.

Wire format of every message, three ZeroMQ frames:

    [topic (utf-8), Header (protobuf), body (protobuf of the kind the header names)]

The publisher stamps ``Header.seq`` (1, 2, 3... per topic and publisher
session) and ``Header.publish_ts``; the subscriber counts, per topic, what
arrived, how many sequence numbers it never saw (ZeroMQ drops at the
high-water mark), and frames it could not parse. Nothing here raises on bad
input from the wire: it is counted, logged, and skipped.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable

import zmq
import zmq.asyncio
from google.protobuf.message import DecodeError

from tradesys.bus import sockets
from tradesys.messages import KIND_OF, Header, decode_body

log = logging.getLogger(__name__)


class Publisher:
    """A PUB socket that stamps every message with its topic's next sequence number.

    ``publish`` never blocks: ZeroMQ drops for a subscriber whose queue is full,
    and that subscriber sees the gap. Not thread-safe (one owner, like the socket).
    """

    def __init__(self, source: str, *, host: str = sockets.LOOPBACK, port: int = 0,
                 sndhwm: int = sockets.PUB_SNDHWM, context: zmq.Context | None = None):
        self.source = source
        self._host, self._port, self._sndhwm = host, port, sndhwm
        self._context = context or zmq.Context.instance()
        self._sock: zmq.Socket | None = None
        self._seq: dict[str, int] = {}
        self._topic_bytes: dict[str, bytes] = {}
        self._header = Header(session=secrets.randbits(64), source=source)
        self.endpoint = ""
        self.published = 0

    def bind(self) -> str:
        """Bind and return the endpoint subscribers connect to."""
        sock = sockets.configure(self._context.socket(zmq.PUB), sndhwm=self._sndhwm)
        self.endpoint = sockets.bind_random_port(sock, self._host, self._port)
        self._sock = sock
        return self.endpoint

    @property
    def session(self) -> int:
        return self._header.session

    def publish(self, topic: str, kind: int, body: bytes, venue_ts: int = 0, recv_ts: int = 0) -> int:
        """Send an already-encoded body; return the sequence number it was given."""
        seq = self._seq.get(topic, 0) + 1
        self._seq[topic] = seq
        topic_bytes = self._topic_bytes.get(topic)
        if topic_bytes is None:
            topic_bytes = self._topic_bytes[topic] = topic.encode()
        header = self._header
        header.topic = topic
        header.seq = seq
        header.kind = kind
        header.venue_ts = venue_ts
        header.recv_ts = recv_ts
        header.publish_ts = time.time_ns()
        self._sock.send_multipart((topic_bytes, header.SerializeToString(), body), copy=True)
        self.published += 1
        return seq

    def publish_message(self, topic: str, message, venue_ts: int = 0, recv_ts: int = 0) -> int:
        """Encode a protobuf message of a registered kind and publish it."""
        return self.publish(topic, KIND_OF[type(message)], message.SerializeToString(), venue_ts, recv_ts)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close(linger=0)
            self._sock = None


class Envelope:
    """One received message: its topic, parsed header and still-encoded body."""

    __slots__ = ("topic", "header", "body", "received_ts")

    def __init__(self, topic: str, header: Header, body: bytes, received_ts: int):
        self.topic = topic
        self.header = header
        self.body = body
        self.received_ts = received_ts

    def message(self):
        """Decode the body as the kind the header names (DecodeError/KeyError if it is not)."""
        return decode_body(self.header.kind, self.body)

    def __repr__(self) -> str:
        return f"Envelope({self.topic!r}, seq={self.header.seq}, kind={self.header.kind}, {len(self.body)} bytes)"


class TopicStats:
    """What one subscriber saw of one topic."""

    __slots__ = ("session", "last_seq", "received", "gaps", "missed", "restarts", "out_of_order")

    def __init__(self, session: int, seq: int):
        self.session = session
        self.last_seq = seq
        self.received = 1
        self.gaps = 0           # times a run of sequence numbers was missing
        self.missed = 0         # sequence numbers never seen
        self.restarts = 0       # publisher sessions replaced (seq restarts, not a gap)
        self.out_of_order = 0   # seq at or below one already seen in this session

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__ if name != "session"}


class Subscriber:
    """A SUB socket with prefix subscriptions and per-topic gap accounting.

    Connect it to any number of publisher endpoints; call ``recv_batch`` from
    one asyncio task. Frames that are not [topic, Header, body] are counted in
    ``malformed`` and skipped.
    """

    def __init__(self, prefixes: Iterable[str] = ("",), *, rcvhwm: int = sockets.SUB_RCVHWM,
                 context: zmq.Context | None = None, name: str = "subscriber"):
        self.name = name
        self._prefixes = list(prefixes)
        self._rcvhwm = rcvhwm
        self._context = context or zmq.Context.instance()
        self._sock: zmq.Socket | None = None
        self._async: zmq.asyncio.Socket | None = None
        self._topic_cache: dict[bytes, str] = {}
        self.topics: dict[str, TopicStats] = {}
        self.endpoints: list[str] = []
        self.received = 0
        self.malformed = 0

    def _socket(self) -> zmq.Socket:
        if self._sock is None:
            owner = zmq.asyncio.Socket(zmq.asyncio.Context.shadow(self._context.underlying), zmq.SUB)
            sockets.configure(owner, rcvhwm=self._rcvhwm)
            for prefix in self._prefixes:
                owner.setsockopt(zmq.SUBSCRIBE, prefix.encode())
            self._async = owner
            # The asyncio socket owns the handle and waits for readability; reads go
            # through this plain shadow in batches, which costs a fraction of one
            # await per message. A shadow is never closed itself (that would close
            # the handle twice): closing the owner is enough.
            self._sock = zmq.Socket.shadow(owner.underlying)
        return self._sock

    def connect(self, endpoint: str) -> None:
        """Connect to one more publisher (idempotent per endpoint)."""
        if endpoint not in self.endpoints:
            self._socket().connect(endpoint)
            self.endpoints.append(endpoint)

    def subscribe(self, prefix: str) -> None:
        self._prefixes.append(prefix)
        if self._sock is not None:
            self._sock.setsockopt(zmq.SUBSCRIBE, prefix.encode())

    @property
    def gaps(self) -> int:
        return sum(t.gaps for t in self.topics.values())

    @property
    def missed(self) -> int:
        return sum(t.missed for t in self.topics.values())

    async def recv_batch(self, max_messages: int = 1024, timeout: float | None = None) -> list[Envelope]:
        """Wait for messages and return up to ``max_messages`` of them, in arrival order.

        Returns an empty list when ``timeout`` (seconds) passes with nothing to read.
        """
        sock = self._socket()
        batch: list[Envelope] = []
        if not sock.getsockopt(zmq.EVENTS) & zmq.POLLIN:
            ready = await self._async.poll(None if timeout is None else int(timeout * 1000), zmq.POLLIN)
            if not ready:
                return batch
        recv = sock.recv_multipart
        now = time.time_ns()
        while len(batch) < max_messages:
            try:
                frames = recv(zmq.NOBLOCK)
            except zmq.Again:
                break
            envelope = self._accept(frames, now)
            if envelope is not None:
                batch.append(envelope)
        return batch

    def _accept(self, frames: list[bytes], now: int) -> Envelope | None:
        if len(frames) != 3:
            return self._drop(f"{len(frames)} frames instead of 3")
        topic_bytes, header_bytes, body = frames
        try:
            header = Header.FromString(header_bytes)
        except DecodeError:
            return self._drop("header is not a tradesys Header")
        topic = self._topic_cache.get(topic_bytes)
        if topic is None:
            try:
                topic = topic_bytes.decode()
            except UnicodeDecodeError:
                return self._drop("topic is not utf-8")
            if len(self._topic_cache) < 100_000:
                self._topic_cache[topic_bytes] = topic
        if header.seq == 0:
            return self._drop(f"no sequence number on {topic}")
        stats = self.topics.get(topic)
        if stats is None:
            self.topics[topic] = TopicStats(header.session, header.seq)
        else:
            self._count(stats, header)
        self.received += 1
        return Envelope(topic, header, body, now)

    @staticmethod
    def _count(stats: TopicStats, header: Header) -> None:
        seq = header.seq
        expected = stats.last_seq + 1
        if seq == expected and header.session == stats.session:
            stats.last_seq = seq
            stats.received += 1
            return
        if header.session != stats.session:
            stats.session = header.session
            stats.restarts += 1
        elif seq > expected:
            stats.gaps += 1
            stats.missed += seq - expected
        else:
            stats.out_of_order += 1
            stats.received += 1
            return
        stats.last_seq = seq
        stats.received += 1

    def _drop(self, why: str) -> None:
        self.malformed += 1
        # Log the first few and then every 1000th, so a flood of garbage cannot flood the log.
        if self.malformed <= 10 or self.malformed % 1000 == 0:
            log.warning("bus frame dropped", extra={"fields": {"subscriber": self.name, "why": why,
                                                               "malformed_total": self.malformed}})
        return None

    def stats(self) -> dict:
        """Counters for status and summaries."""
        return {"received": self.received, "malformed": self.malformed, "gaps": self.gaps,
                "missed": self.missed, "topics": {t: s.as_dict() for t, s in self.topics.items()}}

    def close(self) -> None:
        if self._async is not None:
            self._async.close(linger=0)
            self._sock = None
            self._async = None
