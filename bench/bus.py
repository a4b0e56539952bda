"""Benchmark: the tradesys bus against raw pyzmq with the same bytes, measured in the same run.

1. Throughput, PUB -> SUB across two processes, of a 20-level protobuf BookDelta:
   ours = Publisher.publish (sequence + header stamping) -> Subscriber.recv_batch
   (asyncio, header parse, gap accounting); raw = the identical bytes (one frame: topic, header
   and body, tradesys/bus/frame.py) in blocking loops of send/recv calls, the fastest plain pyzmq
   we know. The same bytes as three frames (the bus's layout before wire version 2) through
   pyzmq's idiomatic send_multipart/recv_multipart are measured too, for reference.
2. Round trip DEALER <-> ROUTER across two processes, to an OrderServer.serve
   handler that acknowledges from the socket callback (as an engine does): ours =
   OrderClient.request (awaited: request id, future, timeout timer) and
   OrderClient.submit (event-driven: the outcome callback sends the next request);
   raw = blocking direct send/recv of the identical request and reply frames.

3. The same two with cluster.bus_security: curve (ZeroMQ CURVE: encryption and the
   ZAP allow-list), beside the plain tradesys bus on the same messages in the same run.

Each figure is the median of --repeat runs. Each run measures raw and ours back to
back, and a ratio is the median of those paired ratios: this machine's speed drifts by
a third between runs, and pairing cancels most of that.
Targets (issue "Foundation"): throughput >= 70 % of raw, round trip <= 1.5x raw.

    python bench/bus.py [--messages 200000] [--round-trips 5000] [--repeat 3] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zmq  # noqa: E402

from tradesys.bus import OrderClient, OrderServer, Publisher, Subscriber, curve, frame  # noqa: E402
from tradesys.bus.curve import CurveKeys  # noqa: E402
from tradesys.messages import BookDelta, Header, MessageKind, NewOrder, OrderReply, OrderRequest  # noqa: E402
from tradesys.numeric import set_decimal  # noqa: E402

TOPIC = "md.binance.BTCUSDT.book"
WARMUP = "md.binance.WARMUP.book"
KIND = MessageKind.MESSAGE_KIND_BOOK_DELTA
SPAWN = multiprocessing.get_context("spawn")


def book_delta_body() -> bytes:
    """A realistic 20-level-per-side delta: BTCUSDT around 65,000.0, sizes with 3 decimals."""
    delta = BookDelta(venue="binance", symbol="BTCUSDT", price_scale=1, size_scale=3,
                      venue_seq=7_123_456_789, prev_venue_seq=7_123_456_700)
    delta.bid_prices.extend(650_000 - i for i in range(20))
    delta.bid_sizes.extend(1_000 + 37 * i for i in range(20))
    delta.ask_prices.extend(650_001 + i for i in range(20))
    delta.ask_sizes.extend(900 + 41 * i for i in range(20))
    return delta.SerializeToString()


def header_bytes(seq: int = 1) -> bytes:
    return Header(topic=TOPIC, seq=seq, session=1234567890123, kind=KIND, venue_ts=1_795_000_000_000_000_000,
                  recv_ts=1_795_000_000_000_100_000, publish_ts=1_795_000_000_000_200_000,
                  source="market-binance").SerializeToString()


def request_frames() -> tuple[bytes, bytes]:
    request = OrderRequest(request_id=1, strategy_id="mm1", venue="binance", symbol="BTCUSDT",
                           client_order_id="mm1-000001", new_order=NewOrder())
    set_decimal(request.new_order.price, "65000.1")
    set_decimal(request.new_order.quantity, "0.010")
    header = Header(kind=MessageKind.MESSAGE_KIND_ORDER_REQUEST, seq=1, source="mm1", topic="req.mm1",
                    publish_ts=time.time_ns())
    return header.SerializeToString(), request.SerializeToString()


def reply_frames() -> tuple[bytes, bytes]:
    reply = OrderReply(request_id=1, client_order_id="mm1-000001", accepted=True, venue_order_id="8389765")
    header = Header(kind=MessageKind.MESSAGE_KIND_ORDER_REPLY, seq=1, source="engine", publish_ts=time.time_ns())
    return header.SerializeToString(), reply.SerializeToString()


# -- throughput peers (run in their own processes) -------------------------------------------

def bench_keys() -> CurveKeys:
    """Fresh CURVE keys for the run (the farm's keys are never used here)."""
    server, client = zmq.curve_keypair(), zmq.curve_keypair()
    return CurveKeys(server[0], server[1], client[0], client[1])


def _publisher(kind: str, endpoint_q, ready, count: int, keys: CurveKeys | None = None) -> None:
    body = book_delta_body()
    if keys is not None:
        curve.enable(keys)
    if kind in ("raw", "multipart"):
        sock = zmq.Context.instance().socket(zmq.PUB)
        sock.setsockopt(zmq.SNDHWM, 0)
        sock.setsockopt(zmq.LINGER, -1)
        sock.bind("tcp://127.0.0.1:*")
        endpoint_q.put(sock.getsockopt_string(zmq.LAST_ENDPOINT))
        frames = (TOPIC.encode(), header_bytes(), body)
        while not ready.wait(0.005):
            sock.send_multipart((WARMUP.encode(), header_bytes(), body))
        if kind == "multipart":
            for _ in range(count):
                sock.send_multipart(frames)
        else:
            send, one = sock.send, frame.encode(TOPIC, Header.FromString(header_bytes()), body)
            for _ in range(count):
                send(one)
        time.sleep(1.0)
        sock.close()
        return
    pub = Publisher("bench", sndhwm=0)
    endpoint_q.put(pub.bind())
    while not ready.wait(0.005):
        pub.publish(WARMUP, KIND, body)
    for _ in range(count):
        pub.publish(TOPIC, KIND, body, 1_795_000_000_000_000_000, 1_795_000_000_000_100_000)
    time.sleep(1.0)
    pub.close()


def recv_frames_direct(sock: zmq.Socket) -> list[bytes]:
    part = sock.recv(0, copy=False)
    frames = [part.bytes]
    while part.more:
        part = sock.recv(0, copy=False)
        frames.append(part.bytes)
    return frames


def _raw_subscribe(endpoint: str, ready, count: int, multipart: bool = False) -> tuple[float, int]:
    sock = zmq.Context.instance().socket(zmq.SUB)
    sock.setsockopt(zmq.RCVHWM, 0)
    sock.setsockopt(zmq.SUBSCRIBE, b"md.")
    sock.setsockopt(zmq.RCVTIMEO, 5000)
    sock.connect(endpoint)
    # The warm-up comes as three frames; what is counted, as three (multipart) or as one (raw).
    topic = TOPIC.encode() if multipart else TOPIC.encode() + b"\x00"
    got, first = 0, 0.0
    recv = sock.recv_multipart if multipart else lambda: recv_frames_direct(sock)
    try:
        while got < count:
            frames = recv()
            if frames[0][:len(topic)] != topic:
                ready.set()
                continue
            if got == 0:
                first = time.perf_counter()
            got += 1
    except zmq.Again:
        pass
    elapsed = time.perf_counter() - first
    sock.close(linger=0)
    return elapsed, got


async def _ours_subscribe(endpoint: str, ready, count: int) -> tuple[float, int]:
    sub = Subscriber(["md."], rcvhwm=0)
    sub.connect(endpoint)
    got, first = 0, 0.0
    while got < count:
        batch = await sub.recv_batch(4096, timeout=5.0)
        if not batch:
            break
        for env in batch:
            if env.topic != TOPIC:
                ready.set()
                continue
            if got == 0:
                first = time.perf_counter()
            got += 1
    elapsed = time.perf_counter() - first
    gaps = sub.gaps
    sub.close()
    if gaps:
        print(f"  warning: {gaps} gaps counted", file=sys.stderr)
    return elapsed, got


def measure_throughput(kind: str, count: int) -> float:
    endpoint_q, ready = SPAWN.Queue(), SPAWN.Event()
    keys = bench_keys() if kind == "curve" else None
    proc = SPAWN.Process(target=_publisher, args=(kind, endpoint_q, ready, count, keys), daemon=True)
    proc.start()
    endpoint = endpoint_q.get(timeout=30)
    if kind in ("raw", "multipart"):
        elapsed, got = _raw_subscribe(endpoint, ready, count, multipart=kind == "multipart")
    else:
        if keys is not None:
            curve.enable(keys)
        try:
            elapsed, got = asyncio.run(_ours_subscribe(endpoint, ready, count))
        finally:
            curve.disable()
    proc.join(timeout=30)
    if got < count:
        print(f"  warning: {kind} received {got} of {count}", file=sys.stderr)
    return (got - 1) / elapsed if elapsed > 0 else 0.0


# -- round-trip peers ----------------------------------------------------------------------

def round_trip_server(kind: str, endpoint_q, stop, keys: CurveKeys | None = None) -> None:
    if keys is not None:
        curve.enable(keys)
    if kind == "raw":  # the server of the "ours" and "callback" kinds is the same OrderServer
        sock = zmq.Context.instance().socket(zmq.ROUTER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.bind("tcp://127.0.0.1:*")
        endpoint_q.put(sock.getsockopt_string(zmq.LAST_ENDPOINT))
        header, body = reply_frames()
        poller = zmq.Poller()
        poller.register(sock, zmq.POLLIN)
        while not stop.is_set():
            if poller.poll(100):
                identity = recv_frames_direct(sock)[0]
                sock.send(identity, zmq.SNDMORE)
                sock.send(header, zmq.SNDMORE)
                sock.send(body)
        sock.close()
        return

    async def main():
        server = OrderServer("bench-engine")
        endpoint_q.put(server.bind())
        # As an engine does: a synchronous handler that acknowledges from the socket callback.
        server.serve(lambda received: OrderReply(request_id=received.request.request_id,
                                                 client_order_id=received.request.client_order_id,
                                                 accepted=True, venue_order_id="8389765"))
        while not stop.is_set():
            await asyncio.sleep(0.1)
        server.close()

    asyncio.run(main())


def raw_round_trips(endpoint: str, count: int, warmup: int, *, pause_every: int = 0,
                    pause_s: float = 0.0) -> list[float]:
    """Round trips in microseconds, back to back; or, with ``pause_every``, ``pause_s`` idle after every that many
    (``bench/order_rtt.py`` paces them as its probe paces its cycles)."""
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.setsockopt(zmq.ROUTING_ID, b"mm1")
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(endpoint)
    frames = request_frames()
    samples = []
    header, body = frames
    for i in range(warmup + count):
        start = time.perf_counter_ns()
        sock.send(header, zmq.SNDMORE)
        sock.send(body)
        recv_frames_direct(sock)
        if i >= warmup:
            samples.append((time.perf_counter_ns() - start) / 1000)
        if pause_every and (i + 1) % pause_every == 0:
            time.sleep(pause_s)
    sock.close()
    return samples


async def _started_client(endpoint: str) -> tuple[OrderClient, OrderRequest]:
    """A connected order client and the request every round trip sends a fresh copy of."""
    client = OrderClient("mm1", timeout=5)
    client.connect(endpoint)
    await client.start()
    return client, OrderRequest.FromString(request_frames()[1])


def _fresh(template: OrderRequest) -> OrderRequest:
    request = OrderRequest()
    request.CopyFrom(template)
    request.request_id = 0  # the client assigns the next id
    return request


async def _ours_round_trips(endpoint: str, count: int, warmup: int) -> list[float]:
    client, template = await _started_client(endpoint)
    samples = []
    for i in range(warmup + count):
        request = _fresh(template)
        start = time.perf_counter_ns()
        await client.request(request)
        if i >= warmup:
            samples.append((time.perf_counter_ns() - start) / 1000)
    await client.close()
    return samples


async def _ours_callback_round_trips(endpoint: str, count: int, warmup: int) -> list[float]:
    """Event-driven: each outcome callback records its round trip and submits the next request."""
    client, template = await _started_client(endpoint)
    loop = asyncio.get_running_loop()
    finished = loop.create_future()
    samples: list[float] = []
    state = {"sent": 0, "start": 0}

    def send_next() -> None:
        request = _fresh(template)
        state["start"] = time.perf_counter_ns()
        client.submit(request, on_outcome)

    def on_outcome(outcome) -> None:
        elapsed = (time.perf_counter_ns() - state["start"]) / 1000
        if isinstance(outcome, Exception):
            finished.set_exception(outcome)
            return
        state["sent"] += 1
        if state["sent"] > warmup:
            samples.append(elapsed)
        if state["sent"] < warmup + count:
            send_next()
        else:
            finished.set_result(None)

    await client.request(OrderRequest(client_order_id="connect"))  # connected before timing starts
    send_next()
    await finished
    await client.close()
    return samples


def measure_round_trip(kind: str, count: int, warmup: int) -> tuple[float, float]:
    endpoint_q, stop = SPAWN.Queue(), SPAWN.Event()
    keys = bench_keys() if kind == "curve" else None
    proc = SPAWN.Process(target=round_trip_server, args=(kind, endpoint_q, stop, keys), daemon=True)
    proc.start()
    endpoint = endpoint_q.get(timeout=30)
    if kind == "raw":
        samples = raw_round_trips(endpoint, count, warmup)
    elif kind == "callback":
        samples = asyncio.run(_ours_callback_round_trips(endpoint, count, warmup))
    else:
        if keys is not None:
            curve.enable(keys)
        try:
            samples = asyncio.run(_ours_round_trips(endpoint, count, warmup))
        finally:
            curve.disable()
    stop.set()
    proc.join(timeout=30)
    samples.sort()
    return samples[len(samples) // 2], samples[int(len(samples) * 0.99) - 1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tradesys bus vs raw pyzmq, same bytes, same run")
    parser.add_argument("--messages", type=int, default=200_000)
    parser.add_argument("--round-trips", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="small counts, one repeat (a smoke run)")
    args = parser.parse_args(argv)
    if args.quick:
        args.messages, args.round_trips, args.repeat = 5_000, 300, 1
    body = book_delta_body()
    print(f"bus throughput: 20-level BookDelta ({len(body)} B body, {len(header_bytes())} B header), "
          f"{args.messages:,} messages, publisher and subscriber in separate processes, "
          f"median of {args.repeat}", flush=True)
    rates = {"raw": [], "multipart": [], "ours": [], "curve": []}
    for run in range(args.repeat):
        for kind in rates:  # interleaved, so drift in machine load hits all
            rates[kind].append(measure_throughput(kind, args.messages))
            print(f"  run {run + 1} {kind:<9}: {rates[kind][-1]:>10,.0f} msg/s", flush=True)
    raw, multipart, ours = (statistics.median(rates[k]) for k in ("raw", "multipart", "ours"))
    print(f"  raw pyzmq (send/recv loops)          : {raw:>10,.0f} msg/s")
    print(f"  raw pyzmq (send_multipart, reference): {multipart:>10,.0f} msg/s   ratio {multipart / raw:.2f} of raw")
    paired = statistics.median(o / r for o, r in zip(rates["ours"], rates["raw"]))
    print(f"  tradesys bus                         : {ours:>10,.0f} msg/s   ratio {paired:.2f} of raw "
          f"(median of paired runs; target >= 0.70)")
    secured = statistics.median(rates["curve"])
    paired_curve = statistics.median(c / o for c, o in zip(rates["curve"], rates["ours"]))
    print(f"  tradesys bus, CURVE                  : {secured:>10,.0f} msg/s   ratio {paired_curve:.2f} of the "
          f"plain tradesys bus (median of paired runs)")

    warmup = max(100, args.round_trips // 10)
    print(f"order round trip: DEALER <-> ROUTER across processes, {args.round_trips:,} requests after "
          f"{warmup} warm-up, median of {args.repeat}", flush=True)
    trips = {"raw": [], "ours": [], "callback": [], "curve": []}
    for run in range(args.repeat):
        for kind in trips:
            trips[kind].append(measure_round_trip(kind, args.round_trips, warmup))
            p50, p99 = trips[kind][-1]
            print(f"  run {run + 1} {kind:<9}: p50 {p50:7.1f} us  p99 {p99:7.1f} us", flush=True)
    raw50 = statistics.median(t[0] for t in trips["raw"])
    raw99 = statistics.median(t[1] for t in trips["raw"])
    print(f"  raw pyzmq (send/recv loops)          : p50 {raw50:7.1f} us  p99 {raw99:7.1f} us")
    for kind, label in (("ours", "tradesys request() (awaited)"), ("callback", "tradesys submit() (callback)")):
        our50 = statistics.median(t[0] for t in trips[kind])
        our99 = statistics.median(t[1] for t in trips[kind])
        ratio50 = statistics.median(o[0] / r[0] for o, r in zip(trips[kind], trips["raw"]))
        ratio99 = statistics.median(o[1] / r[1] for o, r in zip(trips[kind], trips["raw"]))
        print(f"  {label:<37}: p50 {our50:7.1f} us  p99 {our99:7.1f} us   "
              f"ratio p50 {ratio50:.2f}x  p99 {ratio99:.2f}x (median of paired runs; target <= 1.5x)")
    cur50 = statistics.median(t[0] for t in trips["curve"])
    cur99 = statistics.median(t[1] for t in trips["curve"])
    ratio50 = statistics.median(c[0] / o[0] for c, o in zip(trips["curve"], trips["ours"]))
    ratio99 = statistics.median(c[1] / o[1] for c, o in zip(trips["curve"], trips["ours"]))
    print(f"  {'tradesys request(), CURVE':<37}: p50 {cur50:7.1f} us  p99 {cur99:7.1f} us   "
          f"ratio p50 {ratio50:.2f}x  p99 {ratio99:.2f}x of the plain request() (median of paired runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
