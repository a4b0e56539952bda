"""The fuzz targets: every reader of bytes from outside an actor, built as production builds it and fed where
its socket would feed it.

- each venue's market-data and account streams: the text frame goes to the session's reader (Binance's
  ``WsSession`` callback, Deribit's JSON-RPC session, GRVT's stream session), which hands it to the real
  subscriber or position reader, with its books and chains in place;
- the bus: multipart messages from a raw ZeroMQ PUB socket to a real ``Subscriber`` (whose bodies are then
  decoded as its owners decode them), and raw requests from a DEALER socket to a real ``OrderServer``.

What each example must show: nothing raises out of the reader (an exception there is what would end an
actor's read loop), and what could not be read is counted. ``run`` drives one target with Hypothesis and
returns its counts; ``tests/fuzz/test_fuzz.py`` runs a few hundred examples of each, ``bench/fuzz.py`` ten
thousand or more.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import zmq
from hypothesis import HealthCheck, Phase, given, settings

from exchanges.binance.http import BinanceHttp
from exchanges.binance.pms import BinancePMS
from exchanges.binance.subscriber import BinanceSubscriber, DepthSync
from exchanges.deribit.fetcher import DeribitApi
from exchanges.deribit.pms import DeribitPMS
from exchanges.deribit.rpc import RpcSession
from exchanges.deribit.subscriber import DeribitSubscriber
from exchanges.grvt.constants import BOOK_STREAM, PRIVATE_STREAMS, TICKER_STREAM, TRADE_STREAM
from exchanges.grvt.http import GrvtApi, Hosts
from exchanges.grvt.ids import ClientIdCodec
from exchanges.grvt.pms import GrvtPMS
from exchanges.grvt.rpc import StreamSession
from exchanges.grvt.subscriber import GrvtSubscriber
from tests.binance_sim import Recorder
from tests.fuzz import bus_frames, frames
from tradesys.bus import OrderServer, Subscriber
from tradesys.venue.base import StreamKind

DEAD_URL = "http://127.0.0.1:9"      # the discard port: nothing listens, a resync's request fails at once
SCALES = (8, 8)                      # decimals enough for every fixture's prices and sizes
ALL_KINDS = frozenset(StreamKind)


@dataclass
class Report:
    """What one target's run saw."""
    target: str
    examples: int = 0
    not_json: int = 0
    malformed: int = 0              # counted by the reader as unreadable
    delivered: int = 0              # messages the reader handed on (books, fills, envelopes, requests)
    seconds: float = 0.0
    counters: dict = field(default_factory=dict)

    def line(self) -> str:
        return (f"{self.target:<18} {self.examples:>7} examples  {self.not_json:>6} not JSON  "
                f"{self.malformed:>7} counted malformed  {self.delivered:>7} delivered  {self.seconds:6.1f} s")


def _symbols(venue: str, pattern: str) -> list[str]:
    return sorted({match for text in frames.seeds(venue) for match in re.findall(pattern, text)})


def _delivered(recorder: Recorder) -> int:
    return sum(len(getattr(recorder, name)) for name in ("books", "bbos", "trades", "marks", "order_events",
                                                         "fills", "positions", "balances", "funding"))


# -- the venues' readers -------------------------------------------------------------------

class VenueReader:
    """One venue socket's reader, never connected: ``feed`` is the socket delivering a text frame."""

    def __init__(self, feed: Callable[[str, int], None], counters: Callable[[], dict], stop, recorder: Recorder):
        self.feed_text, self.counters, self._stop, self.recorder = feed, counters, stop, recorder

    def feed(self, text: str) -> int:
        """Feed one frame; the number of frames the reader counted as malformed for it."""
        before = _malformed(self.counters())
        self.feed_text(text, time.time_ns())
        return _malformed(self.counters()) - before

    def delivered(self) -> int:
        return _delivered(self.recorder)

    async def close(self) -> None:
        await self._stop()


def _malformed(counters: dict) -> int:
    return counters.get("malformed", 0)


async def binance_market() -> VenueReader:
    subscriber = BinanceSubscriber(BinanceHttp(DEAD_URL, None, None), "ws://127.0.0.1:9", "ws://127.0.0.1:9")
    subscriber.handler = recorder = Recorder()
    for symbol in _symbols("binance", r'"s":"([A-Z0-9]+)"'):
        subscriber.scales[symbol] = SCALES
        subscriber.syncs[symbol] = DepthSync(symbol, *SCALES)
    return VenueReader(subscriber._on_message, lambda: subscriber.counters, subscriber.stop, recorder)


async def binance_account() -> VenueReader:
    pms = BinancePMS(http=BinanceHttp(DEAD_URL, None, None), ws_private="ws://127.0.0.1:9")
    pms.handler = recorder = Recorder()
    return VenueReader(pms._on_message, lambda: pms.counters, pms.http.close, recorder)


def _deribit_instruments() -> list[str]:
    return _symbols("deribit", r'"instrument_name":"([A-Z0-9_\-]+)"')


def _behind(session, reader, stop) -> VenueReader:
    """A reader behind its venue session: frames go to the session; what either could not read counts."""
    return VenueReader(session._on_message, lambda: {"malformed": session.counters["malformed"]
                                                     + reader.counters["malformed"]}, stop, reader.handler)


async def _subscribed(subscriber, symbols: list[str]):
    """A market subscriber with a book chain and every stream for each of ``symbols`` (no I/O: unconnected)."""
    subscriber.handler = subscriber.statuses.handler = Recorder()
    subscriber.scales.update(dict.fromkeys(symbols, SCALES))
    await subscriber.subscribe(symbols, ALL_KINDS)
    return subscriber


async def deribit_market() -> VenueReader:
    session = RpcSession("deribit-public", "ws://127.0.0.1:9")
    subscriber = await _subscribed(DeribitSubscriber(DeribitApi(session), "ws://127.0.0.1:9", session=session),
                                   _deribit_instruments())
    return _behind(session, subscriber, subscriber.stop)


async def deribit_account() -> VenueReader:
    session = RpcSession("deribit-private", "ws://127.0.0.1:9")
    pms = DeribitPMS(DeribitApi(session), session)
    pms.handler = Recorder()
    pms.settle = {name: name.split("-")[0].split("_")[-1] for name in _deribit_instruments()}
    return _behind(session, pms, pms.stop)


async def grvt_market() -> VenueReader:
    session = StreamSession("grvt-market", "ws://127.0.0.1:9")
    subscriber = await _subscribed(GrvtSubscriber(GrvtApi(Hosts(DEAD_URL, DEAD_URL), None, None), session),
                                   _symbols("grvt", r'"instrument":"([A-Za-z0-9_]+)"'))
    return _behind(session, subscriber, subscriber.stop)


async def grvt_account() -> VenueReader:
    session = StreamSession("grvt-private", "ws://127.0.0.1:9")
    pms = GrvtPMS(None, session, ClientIdCodec(("mm", "probe")))
    pms.handler = Recorder()
    return _behind(session, pms, session.stop)


GRVT_OURS = ClientIdCodec(("mm",)).encode("mm-1-5")
ENVELOPES = {"binance.account": frames.binance_account_frames,
             "deribit.account": frames.deribit_account_frames,
             "grvt.market": frames.grvt_frames((BOOK_STREAM, TICKER_STREAM, TRADE_STREAM)),
             "grvt.account": frames.grvt_frames(PRIVATE_STREAMS, GRVT_OURS)}


async def understood(target: str) -> tuple[str, ...]:
    """The venue's messages (and, for a stream whose frames the fixtures seldom hold, its objects in that
    stream's frames) that the target's reader hands on: what the fuzzer edits, to reach past the envelope."""
    venue = target.split(".")[0]
    candidates = list(frames.seeds(venue))
    wrap = ENVELOPES.get(target)
    if wrap is not None:
        candidates += [text for seed in frames.seeds(venue) if seed.startswith("{")
                       for text in wrap(json.loads(seed))]
    reader = await VENUE_TARGETS[target]()
    kept = []
    try:
        for text in candidates:
            before = reader.delivered()
            reader.feed(text)
            if reader.delivered() > before:
                kept.append(text)
    finally:
        await reader.close()
    return tuple(kept)


# -- the bus -------------------------------------------------------------------------------

class BusReader:
    """A real socket of ours behind a raw ZeroMQ peer that sends whatever it is given. After each example a
    well-formed marker follows: when it arrives, everything before it has been read."""

    def __init__(self, kind: str):
        self.kind = kind
        self.context = zmq.Context()
        self.decoded = 0
        if kind == "subscriber":
            self.raw = self.context.socket(zmq.PUB)
            port = self.raw.bind_to_random_port("tcp://127.0.0.1")
            self.ours = Subscriber(context=self.context, name="fuzz")
            self.ours.connect(f"tcp://127.0.0.1:{port}")
        else:
            self.ours = OrderServer("fuzz", context=self.context)
            self.raw = self.context.socket(zmq.DEALER)
            self.raw.setsockopt(zmq.IDENTITY, bus_frames.STRATEGY.encode())
            self.raw.connect(self.ours.bind())
        self.raw.setsockopt(zmq.LINGER, 0)
        self._marks = 0

    def malformed(self) -> int:
        """Messages counted as unreadable (for the order server, also a request whose strategy is not the
        connection's: refused and counted, never handled)."""
        if self.kind == "subscriber":
            return self.ours.malformed
        return self.ours.counters["malformed"] + self.ours.counters["identity_mismatch"]

    async def start(self) -> None:
        # A SUB connection is ready some time after connect: markers until one arrives.
        deadline = time.monotonic() + 10
        while not await self._through(timeout=0.1):
            if time.monotonic() > deadline:
                raise AssertionError(f"bus fuzz: the {self.kind} never received a well-formed message")

    async def feed(self, frames: list[bytes]) -> tuple[int, int]:
        """Send one message's frames; (counted malformed, delivered) for it."""
        malformed, decoded = self.malformed(), self.decoded
        self.raw.send_multipart(frames)
        if not await self._through(timeout=5.0):
            raise AssertionError(f"bus fuzz: the {self.kind} stopped reading after {frames!r:.300}")
        return self.malformed() - malformed, self.decoded - decoded

    async def _through(self, timeout: float) -> bool:
        """Send a marker and read until it comes back: True when it did."""
        self._marks += 1
        mark = self._marks
        self.raw.send_multipart(bus_frames.marker(self.kind, mark))
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            if self.kind == "subscriber":
                for envelope, message in self.ours.decoded(await self.ours.recv_batch(64, timeout=left)):
                    if bus_frames.is_marker(envelope.topic, message, mark):
                        return True
                    self.decoded += not envelope.topic.startswith(bus_frames.MARK_TOPIC)
            else:
                while self.raw.poll(0):
                    self.raw.recv_multipart()      # the server's rejects: not what is tested here
                received = await self.ours.recv(timeout=left)
                if received is None:
                    continue
                if received.request.client_order_id == f"mark-{mark}":
                    return True
                self.decoded += not received.request.client_order_id.startswith("mark-")
        return False

    async def close(self) -> None:
        self.raw.close(0)
        self.ours.close()
        self.context.term()


# -- running -------------------------------------------------------------------------------

VENUE_TARGETS = {"binance.market": binance_market, "binance.account": binance_account,
                 "deribit.market": deribit_market, "deribit.account": deribit_account,
                 "grvt.market": grvt_market, "grvt.account": grvt_account}
BUS_TARGETS = ("bus.subscriber", "bus.orders")
TARGETS = (*VENUE_TARGETS, *BUS_TARGETS)


def run(target: str, examples: int) -> Report:
    """Feed ``examples`` generated inputs to ``target``; raises (with Hypothesis's smallest failing input)
    when one escapes the reader or goes uncounted."""
    return asyncio.run(_run(target, examples))


async def _run(target: str, examples: int) -> Report:
    report = Report(target)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    if target in VENUE_TARGETS:
        strategy = frames.venue_frames(await understood(target), target.split(".")[0])
        reader = await VENUE_TARGETS[target]()
        check = lambda text: _check_venue(reader, text, report)   # noqa: E731
    else:
        reader = BusReader(target.split(".")[1])
        await reader.start()
        strategy = bus_frames.subscriber_messages() if reader.kind == "subscriber" else bus_frames.order_requests()
        check = lambda frames: _check_bus(reader, frames, report)   # noqa: E731
    @settings(max_examples=examples, deadline=None, database=None, phases=(Phase.generate, Phase.shrink),
              suppress_health_check=list(HealthCheck))
    @given(strategy)
    def each(value):
        report.examples += 1
        future = asyncio.run_coroutine_threadsafe(check(value), loop)
        future.result()

    try:
        # Hypothesis drives synchronously: in a thread, while this loop runs the readers (their tasks need it).
        await asyncio.to_thread(each)
    finally:
        await reader.close()
    report.seconds = time.perf_counter() - started
    if target in VENUE_TARGETS:
        report.delivered = reader.delivered()
        report.counters = reader.counters()
    return report


async def _check_venue(reader: VenueReader, text: str, report: Report) -> None:
    counted = reader.feed(text)       # raises: the bug hypothesis reports
    report.malformed += counted
    if not frames.is_json(text):
        report.not_json += 1
        assert counted == 1, f"a frame that is not JSON was counted {counted} times as malformed: {text!r:.300}"
    await asyncio.sleep(0)            # a yield, not a wait: what the frame started (a resync) runs as it would


async def _check_bus(reader: BusReader, frames: list[bytes], report: Report) -> None:
    counted, delivered = await reader.feed(frames)
    report.malformed += counted
    report.delivered += delivered
    assert counted + delivered == 1, (f"one message, counted malformed {counted} and delivered {delivered} "
                                      f"times: {frames!r:.300}")
