"""Bus peers that tests start in separate processes (multiprocessing, spawn).

Each peer sends its endpoint back on a queue, does its job within a bounded
time, and exits 0; a test that sees another exit code fails.
"""

from __future__ import annotations

import asyncio
import time

import zmq

from tradesys.bus import OrderServer, Publisher
from tradesys.messages import BookDelta, Heartbeat, MessageKind, OrderReply

BOOK_DELTA = MessageKind.MESSAGE_KIND_BOOK_DELTA
WARMUP_TOPIC = "hb.warmup"


def _warm_up(pub: Publisher, ready, limit: float = 15.0) -> None:
    # PUB/SUB joins late: publish a throwaway topic until the subscriber says it hears us.
    deadline = time.monotonic() + limit
    while not ready.is_set() and time.monotonic() < deadline:
        pub.publish_message(WARMUP_TOPIC, Heartbeat(actor="warmup"))
        time.sleep(0.005)   # time itself: the pace of the probes


# One of each way a message can be wrong (tradesys/bus/frame.py's layout): a header that is not one, no NUL after
# the topic, a header with no sequence number, a header length past the end, and two frames.
GARBAGE = [[b"md.garbage.X.book\x00\x03\x00\xff\xff\xffbody"], [b"md.garbage.X.book"],
           [b"md.garbage.X.book\x00\x00\x00no seq"], [b"md.garbage.X.book\x00\x50\x00cut"],
           [b"md.garbage.X.book\x00\x00\x00", b"a second frame"]]


def publisher(endpoint_queue, ready, finished, drained, topics: list[str], count: int, sndhwm: int = 100_000,
              garbage_every: int = 0) -> None:
    """Publish ``count`` BookDeltas on each topic (venue_seq = 1..count), round robin; say ``finished``, and
    close once the reader says it has ``drained`` (the sockets drop what is queued when they close).

    With ``garbage_every``, a second, raw PUB socket sends a malformed frame
    after every that many messages, on a topic the subscriber takes.
    """
    pub = Publisher("peer-publisher", sndhwm=sndhwm)
    raw = None
    endpoints = [pub.bind()]
    if garbage_every:
        raw = zmq.Context.instance().socket(zmq.PUB)
        raw.setsockopt(zmq.LINGER, 0)
        raw.bind("tcp://127.0.0.1:*")
        endpoints.append(raw.getsockopt_string(zmq.LAST_ENDPOINT))
    endpoint_queue.put(endpoints)
    _warm_up(pub, ready)
    for i in range(1, count + 1):
        for topic in topics:
            pub.publish(topic, BOOK_DELTA, BookDelta(venue_seq=i).SerializeToString())
        if raw is not None and i % garbage_every == 0:
            raw.send_multipart(GARBAGE[i // garbage_every % len(GARBAGE)])
    finished.set()
    drained.wait(timeout=60)
    pub.close()
    if raw is not None:
        raw.close()


def order_engine(endpoint_queue, stop, ignore_client_order_id: str = "ignore") -> None:
    """Acknowledge requests from the socket callback, as the trading engine does.

    A request whose client order id is ``ignore_client_order_id`` gets no reply;
    one whose id is "boom" makes the handler raise.
    """

    def handle(received):
        request = received.request
        if request.client_order_id == ignore_client_order_id:
            return None
        if request.client_order_id == "boom":
            raise RuntimeError("handler bug")
        return OrderReply(request_id=request.request_id, accepted=True, client_order_id=request.client_order_id,
                          venue_order_id=f"v{request.request_id}")

    async def serve() -> None:
        server = OrderServer("peer-engine")
        endpoint_queue.put(server.bind())
        server.serve(handle)
        await asyncio.to_thread(stop.wait, 60)     # serve (on this loop) until the test says stop, at most 60 s
        server.close()

    asyncio.run(serve())
