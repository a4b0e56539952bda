"""The bus across real processes: PUB/SUB order and gaps, malformed frames, the order channel."""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import socket
import time

import pytest
import zmq

from tests import bus_peers
from tradesys.aio import wait_until
from tradesys.bus import BusClosed, NotConnected, OrderClient, OrderServer, RequestTimeout, Subscriber
from tradesys.messages import NewOrder, OrderReply, OrderRequest, RejectReason

SPAWN = multiprocessing.get_context("spawn")


class Peer:
    """A peer process with its endpoint queue and events; joined (and checked) on exit."""

    def __init__(self, target, *args, **kwargs):
        self.endpoints = SPAWN.Queue()
        self.ready, self.finished, self.drained = SPAWN.Event(), SPAWN.Event(), SPAWN.Event()
        self.process = SPAWN.Process(target=target, args=(self.endpoints, *self._events(target), *args),
                                     kwargs=kwargs, daemon=True)

    def _events(self, target):
        return (self.ready, self.finished, self.drained) if target is bus_peers.publisher else (self.finished,)

    def __enter__(self):
        self.process.start()
        return self

    def endpoint(self, timeout: float = 30.0):
        return self.endpoints.get(timeout=timeout)

    def __exit__(self, *exc):
        self.finished.set()
        self.drained.set()
        self.process.join(timeout=20)
        still_running = self.process.is_alive()
        if still_running:
            self.process.kill()
        assert not still_running, "peer process did not shut down cleanly"
        assert self.process.exitcode == 0, f"peer exited with {self.process.exitcode}"


async def _warm(sub: Subscriber, peer: Peer) -> None:
    async def heard() -> bool:
        return any(env.topic == bus_peers.WARMUP_TOPIC for env in await sub.recv_batch(timeout=0.1))

    await wait_until(heard, "the publisher's warm-up heard", timeout=20, every=0)
    peer.ready.set()


async def _drain(sub: Subscriber, peer: Peer, wanted: set[str], quiet: float = 1.0) -> list:
    """Read until the publisher has finished and the socket has been quiet for ``quiet`` seconds."""
    got = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        batch = await sub.recv_batch(timeout=quiet)
        got.extend(env for env in batch if env.topic in wanted)
        if not batch and peer.finished.is_set():
            return got
    raise AssertionError("publisher did not finish in time")


async def test_messages_arrive_in_order_per_topic_without_gaps():
    topics = ["md.binance.BTCUSDT.book", "md.binance.ETHUSDT.book"]
    count = 5_000
    with Peer(bus_peers.publisher, topics, count) as peer:
        sub = Subscriber(["md.", bus_peers.WARMUP_TOPIC])
        for endpoint in peer.endpoint():
            sub.connect(endpoint)
        await _warm(sub, peer)
        got = await _drain(sub, peer, set(topics))
        sub.close()
    for topic in topics:
        seqs = [env.header.seq for env in got if env.topic == topic]
        assert seqs == list(range(1, count + 1))
        assert [env.message().venue_seq for env in got if env.topic == topic] == seqs
        assert sub.topics[topic].gaps == 0 and sub.topics[topic].missed == 0
    assert sub.malformed == 0
    first = got[0].header
    assert first.publish_ts > 0 and first.source == "peer-publisher" and first.session != 0


async def test_a_served_subscriber_hands_over_every_message_in_order_in_small_batches():
    """``serve``: read in the loop's descriptor callback, three at a time, so a batch is often full and the rest
    must be read without the descriptor saying so again; then a handler that raises stops the reading."""
    topic, count = "md.binance.BTCUSDT.book", 5_000
    batches: list[list] = []
    with Peer(bus_peers.publisher, [topic], count) as peer:
        sub = Subscriber(["md.", bus_peers.WARMUP_TOPIC])
        for endpoint in peer.endpoint():
            sub.connect(endpoint)
        await _warm(sub, peer)
        sub.serve(batches.append, max_messages=3)
        got = lambda: [env for batch in batches for env in batch if env.topic == topic]  # noqa: E731
        await wait_until(lambda: len(got()) == count, f"{count} messages served", timeout=60, every=0.05)
        sub.close()
    assert [env.header.seq for env in got()] == list(range(1, count + 1))
    assert max(len(batch) for batch in batches) == 3 and sub.topics[topic].missed == 0
    assert any(len(batch) == 3 for batch in batches)        # full batches happened, and nothing was left behind


async def test_a_served_subscriber_whose_handler_raises_reads_no_more(caplog):
    topic = "md.binance.BTCUSDT.book"
    calls = []

    def handler(batch):
        calls.append(len(batch))
        raise RuntimeError("a bug in the handler")

    with Peer(bus_peers.publisher, [topic], 2_000) as peer:
        sub = Subscriber(["md.", bus_peers.WARMUP_TOPIC])
        for endpoint in peer.endpoint():
            sub.connect(endpoint)
        await _warm(sub, peer)
        sub.serve(handler, max_messages=10)
        await wait_until(lambda: peer.finished.is_set() and calls, "the publisher done, the handler called",
                         timeout=60, every=0.05)
        waiting = await sub.recv_batch(timeout=1.0)     # what the served reader left on the socket
        sub.close()
    assert len(calls) == 1 and waiting, calls
    assert any("reads no more" in r.getMessage() for r in caplog.records)


async def test_an_overrun_subscriber_counts_every_missing_message_as_a_gap():
    topic = "md.binance.BTCUSDT.book"
    count = 60_000
    with Peer(bus_peers.publisher, [topic], count, 200) as peer:
        sub = Subscriber(["md.", bus_peers.WARMUP_TOPIC], rcvhwm=200)
        for endpoint in peer.endpoint():
            sub.connect(endpoint)
        await _warm(sub, peer)
        # Stay away while the publisher floods both small queues: ZeroMQ must drop.
        await wait_until(lambda: peer.finished.wait(0), "the publisher's flood finished", timeout=120, every=0.05)
        got = await _drain(sub, peer, {topic})
        sub.close()
    stats = sub.topics[topic]
    seqs = [env.header.seq for env in got]
    assert seqs == sorted(seqs), "delivery order changed"
    assert stats.gaps > 0 and stats.missed > 0
    # Nothing is unaccounted for: what arrived plus what was counted missing spans 1..last seen.
    assert stats.received + stats.missed == seqs[-1] - seqs[0] + 1
    assert stats.received == len(seqs) < count


async def test_garbage_frames_are_counted_and_skipped_without_stopping_delivery():
    topic = "md.binance.BTCUSDT.book"
    count = 3_000
    with Peer(bus_peers.publisher, [topic], count, 100_000, 100) as peer:
        sub = Subscriber(["md.", bus_peers.WARMUP_TOPIC])
        for endpoint in peer.endpoint():
            sub.connect(endpoint)
        await _warm(sub, peer)
        got = await _drain(sub, peer, {topic})
        sub.close()
    assert [env.header.seq for env in got] == list(range(1, count + 1))
    assert sub.malformed == count // 100                # each wrong message once, whatever its frames
    assert "md.garbage.X.book" not in sub.topics


@pytest.fixture
def engine():
    with Peer(bus_peers.order_engine) as peer:
        yield peer.endpoint()


async def test_order_requests_get_their_own_replies(engine):
    client = OrderClient("mm1", timeout=5)
    client.connect(engine)
    await client.start()
    try:
        # Many in flight at once: a missed wake-up on the socket would strand one of them.
        requests = [OrderRequest(client_order_id=f"c{i}", new_order=NewOrder()) for i in range(500)]
        replies = await asyncio.gather(*(client.request(r) for r in requests))
    finally:
        await client.close()
    assert [r.client_order_id for r in replies] == [f"c{i}" for i in range(500)]
    assert all(r.accepted and r.venue_order_id == f"v{r.request_id}" for r in replies)
    assert len({r.request_id for r in replies}) == 500
    assert client.counters["sent"] == client.counters["replies"] == 500


async def test_an_unanswered_request_times_out_with_a_typed_error(engine):
    client = OrderClient("mm1", timeout=0.3)
    client.connect(engine)
    await client.start()
    try:
        assert (await client.request(OrderRequest(client_order_id="ok"), timeout=5)).accepted
        with pytest.raises(RequestTimeout, match="ignore"):
            await client.request(OrderRequest(client_order_id="ignore"))
        assert (await client.request(OrderRequest(client_order_id="ok2"), timeout=5)).accepted
    finally:
        await client.close()
    assert client.counters["timeouts"] == 1


def _dead_port() -> int:
    """A loopback port nobody listens on.

    Below the ephemeral range, because a connect retried to a dead ephemeral port can get
    that very port as its source and connect to itself; found with a plain socket, because
    a ZeroMQ socket closes in its I/O thread and may still accept just after close().
    """
    for port in random.sample(range(20_000, 30_000), 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 20000-30000")


async def test_a_request_with_no_engine_is_not_sent_and_says_so():
    port = _dead_port()
    client = OrderClient("mm1", timeout=0.3)
    client.connect(f"tcp://127.0.0.1:{port}")
    await client.start()
    try:
        with pytest.raises(NotConnected, match="not sent"):
            await client.request(OrderRequest(client_order_id="c1"))
    finally:
        await client.close()
    assert client.counters["sent"] == 0 and client.counters["not_connected"] == 1


async def test_our_own_request_coming_back_is_named_as_a_self_connection():
    # What a socket connected to itself sees: its request, verbatim, on the reply path.
    echo = zmq.Context.instance().socket(zmq.ROUTER)
    port = echo.bind_to_random_port("tcp://127.0.0.1")
    client = OrderClient("mm1", timeout=1.0)
    client.connect(f"tcp://127.0.0.1:{port}")
    await client.start()
    pending = asyncio.create_task(client.request(OrderRequest(client_order_id="c1")))
    try:
        await wait_until(lambda: echo.poll(0), "the request at the echo socket", timeout=10, every=0.01)
        echo.send_multipart(echo.recv_multipart())
        with pytest.raises(RequestTimeout):
            await pending
    finally:
        await client.close()
        echo.close(linger=0)
    assert client.counters["self_connected"] == 1 and client.counters["malformed"] == 0


async def test_a_failing_engine_handler_answers_with_a_reject_and_keeps_serving(engine):
    client = OrderClient("mm1", timeout=5)
    client.connect(engine)
    await client.start()
    try:
        reply = await client.request(OrderRequest(client_order_id="boom"))
        after = await client.request(OrderRequest(client_order_id="fine"))
    finally:
        await client.close()
    assert not reply.accepted and reply.reason == RejectReason.REJECT_REASON_VENUE_UNAVAILABLE
    assert "engine error" in reply.detail
    assert after.accepted


async def test_server_recv_returns_requests_and_none_after_its_timeout():
    server = OrderServer("engine-under-test")
    endpoint = server.bind()
    client = OrderClient("mm2", timeout=5)
    client.connect(endpoint)
    await client.start()
    try:
        assert await server.recv(timeout=0.05) is None
        pending = asyncio.create_task(client.request(OrderRequest(client_order_id="c9")))
        received = await server.recv(timeout=5)
        assert received.identity == b"mm2" and received.request.client_order_id == "c9"
        assert received.header.seq == received.request.request_id
        server.reply(received.identity, OrderReply(request_id=received.request.request_id, accepted=False,
                                                   reason=RejectReason.REJECT_REASON_RISK_LIMIT))
        reply = await pending
    finally:
        await client.close()
        server.close()
    assert reply.reason == RejectReason.REJECT_REASON_RISK_LIMIT


async def test_submit_delivers_each_outcome_once_from_the_socket_callback(engine):
    client = OrderClient("mm3", timeout=0.5)
    client.connect(engine)
    await client.start()
    outcomes: dict[str, list] = {"a": [], "ignore": [], "late": []}
    everything_in = asyncio.Event()

    def collect(name):
        def on_outcome(outcome):
            outcomes[name].append(outcome)
            if outcomes["a"] and outcomes["ignore"]:
                everything_in.set()
        return on_outcome

    await client.request(OrderRequest(client_order_id="warm-up"), timeout=5)  # connected from here on
    request_id = client.submit(OrderRequest(client_order_id="a"), collect("a"))
    client.submit(OrderRequest(client_order_id="ignore"), collect("ignore"))
    await asyncio.wait_for(everything_in.wait(), 10)
    client.submit(OrderRequest(client_order_id="ignore"), collect("late"), timeout=30)
    await client.close()
    [reply] = outcomes["a"]
    assert reply.accepted and reply.request_id == request_id and reply.client_order_id == "a"
    [timeout] = outcomes["ignore"]
    assert isinstance(timeout, RequestTimeout) and "ignore" in str(timeout)
    [closed] = outcomes["late"]
    assert isinstance(closed, BusClosed)


async def test_submit_without_an_engine_raises_at_once_and_a_failing_callback_is_contained():
    client = OrderClient("mm4", timeout=0.2)
    client.connect(f"tcp://127.0.0.1:{_dead_port()}")
    await client.start()
    try:
        with pytest.raises(NotConnected):
            client.submit(OrderRequest(client_order_id="c1"), lambda outcome: None)
    finally:
        await client.close()
    assert client.counters["sent"] == 0 and client.counters["not_connected"] == 1


async def test_a_cancelled_request_leaves_nothing_waiting_and_later_replies_still_flow(engine):
    client = OrderClient("mm5", timeout=5)
    client.connect(engine)
    await client.start()
    try:
        await client.request(OrderRequest(client_order_id="warm-up"))
        waiting = asyncio.create_task(client.request(OrderRequest(client_order_id="ignore")))
        await wait_until(lambda: client.counters["sent"] == 2, "the second request sent")
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        boom = []
        client.submit(OrderRequest(client_order_id="x1"), lambda outcome: boom.append(1 / 0))
        reply = await client.request(OrderRequest(client_order_id="after"))
    finally:
        await client.close()
    assert reply.accepted and reply.client_order_id == "after"
    assert client.counters["callback_errors"] == 1 and client.counters["replies"] == 3
