"""MarketServer as a real Ray actor over the real Binance simulator (in this process), read off the real bus."""

from __future__ import annotations

import time

from exchanges.binance.auth import Credentials
from exchanges.binance.simulator import BinanceSimulator
from tradesys.actors import ActorContext
from tradesys.bus import Subscriber
from tradesys.config.schema import VenueConfig
from tradesys.messages import Bbo, BookDelta, BookSnapshot, BookState, BookStatus, MarkPrice, Trade
from tradesys.services.market_server import MarketServer, MarketServerSettings
from tradesys.venue.book import L2Book


class Received:
    """One bus message, decoded once."""

    def __init__(self, envelope):
        self.topic, self.header, self.message = envelope.topic, envelope.header, envelope.message()


async def collect(subscriber, until, what, timeout=30.0):
    """Read the bus until ``until(got)`` holds; ``until`` sees the newest batch's messages too."""
    got = []
    deadline = time.monotonic() + timeout
    while not until(got):
        if time.monotonic() > deadline:
            statuses = [(e.message.symbol, e.message.state, e.message.reason) for e in got
                        if isinstance(e.message, BookStatus)]
            kinds = sorted({type(e.message).__name__ for e in got})
            raise AssertionError(f"{what}: not within {timeout} s; {len(got)} messages, statuses {statuses[-8:]}, "
                                 f"kinds {kinds}")
        got.extend(Received(e) for e in await subscriber.recv_batch(1024, timeout=0.2))
    return got


def rebuild(envelopes, symbol):
    """The book a strategy rebuilds from the bus; fails on a delta that does not follow the book it has."""
    book, deltas = None, 0
    for envelope in envelopes:
        message = envelope.message
        if envelope.topic != f"md.binance.{symbol}.book":
            continue
        if isinstance(message, BookSnapshot):
            book = L2Book(symbol, message.price_scale, message.size_scale)
            book.load(zip(message.bid_prices, message.bid_sizes), zip(message.ask_prices, message.ask_sizes),
                      message.venue_seq)
        elif book is not None:
            assert message.prev_venue_seq == book.seq
            book.apply(message.bid_prices, message.bid_sizes, message.ask_prices, message.ask_sizes,
                       message.venue_seq)
            deltas += 1
    return book, deltas


async def test_books_bbo_trades_marks_and_status_reach_the_bus_and_a_gap_is_announced(ray_cluster, tmp_path):
    sim = BinanceSimulator(symbols=("BTCUSDT", "ETHUSDT"), seed=3, credentials=Credentials.generate(),
                           step_seconds=0.02)
    urls = await sim.start()
    config = VenueConfig(symbols=["BTCUSDT", "ETHUSDT"], stale_book_seconds=3.0)
    actor = ray_cluster.remote(MarketServer).options(num_cpus=0, max_concurrency=100).remote(
        "market-test", MarketServerSettings("binance", config, snapshot_seconds=1.0))
    subscriber = Subscriber(("md.binance.",), name="test")
    try:
        endpoints = await actor.start.remote(ActorContext(run_dir=str(tmp_path), heartbeat_seconds=0.5))
        subscriber.connect(endpoints["pub"])
        await actor.wire.remote({"sim-binance": {f"sim {role}": url for role, url in urls.items()}})
        wanted = {BookSnapshot, BookDelta, Bbo, Trade, MarkPrice, BookStatus}
        # Every kind, and BTCUSDT deltas after its snapshot (what the rebuild below needs), however slow the host.
        got = await collect(subscriber, lambda got: len(got) > 300 and wanted <= {type(e.message) for e in got}
                            and rebuild(got, "BTCUSDT")[1] > 0
                            and sum(isinstance(e.message, BookSnapshot) for e in got) > 2, "every kind of message")
        books_seen = sum(e.topic.endswith(".book") for e in got)
        book, deltas = rebuild(got, "BTCUSDT")
        assert book is not None and deltas > 0 and not book.is_crossed()
        first = next(e for e in got if isinstance(e.message, BookDelta))
        assert first.header.venue_ts > 0 and first.header.recv_ts >= first.header.venue_ts - 10**9
        assert first.header.publish_ts >= first.header.recv_ts
        # Every snapshot, the periodic ones too (more than one per symbol), carries the venue and receive time
        # of the update the book is as of.
        snapshots = [e for e in got if isinstance(e.message, BookSnapshot)]
        assert all(e.header.venue_ts > 0 and e.header.recv_ts > 0 for e in snapshots)
        # The book as the actor holds it equals what the bus built (up to the moment it answers).
        remote = BookSnapshot.FromString(await actor.book.remote("ETHUSDT"))
        assert remote.symbol == "ETHUSDT" and remote.bid_prices and remote.bid_prices[0] < remote.ask_prices[0]
        # A lost diff: the feed is announced RESYNCING, then LIVE again after a new snapshot.
        sim.faults.skip_depth_updates = 1
        got = await collect(subscriber, lambda got: any(
            isinstance(e.message, BookStatus) and e.message.state == BookState.BOOK_STATE_RESYNCING for e in got)
            and any(isinstance(e.message, BookStatus) and e.message.state == BookState.BOOK_STATE_LIVE
                    and e.message.reason.startswith("synced after") for e in got), "resync announced")
        status = (await actor.status.remote())["counters"]
        assert status["gaps"] >= 1 and status["live_books"] == 2 and subscriber.gaps == 0
        # A feed gone quiet (stale), then resuming on the same book: the strategies, which let the book go, get
        # its snapshot at once, before the next delta (not at the next periodic snapshot).
        # The market pauses (no depth update, so no delta to flood the bus when it resumes: a slow venue's backlog
        # could push the status past this reader's high-water mark).
        sim.pause_market()
        quiet = await collect(subscriber, lambda got: any(
            isinstance(e.message, BookStatus) and e.message.symbol == "BTCUSDT"
            and e.message.state == BookState.BOOK_STATE_STALE for e in got), "the quiet feed announced stale")
        sim.resume_market()
        got = quiet + await collect(subscriber, lambda got: _after_resume(quiet + got) is not None, "updates resumed")
        assert isinstance(_after_resume(got), BookSnapshot), "a delta came first: the strategies' books stay gone"
    finally:
        summary = await actor.stop.remote()
        subscriber.close()
        await sim.stop()
    assert summary["state"] == "stopped" and summary["counters"]["published_book"] >= books_seen > 0


def _after_resume(got):
    """The first BTCUSDT book message after its feed's first "updates resumed" status (None before there is one)."""
    resumed = next((n for n, e in enumerate(got) if isinstance(e.message, BookStatus) and e.message.symbol == "BTCUSDT"
                    and e.message.reason == "updates resumed"), None)
    if resumed is None:
        return None
    return next((e.message for e in got[resumed:] if e.topic == "md.binance.BTCUSDT.book"), None)


async def test_every_venue_frame_goes_on_the_bus_as_it_arrived_beside_what_was_parsed_from_it(ray_cluster, tmp_path):
    import json

    sim = BinanceSimulator(symbols=("BTCUSDT",), seed=5, credentials=Credentials.generate(), step_seconds=0.02)
    urls = await sim.start()
    actor = ray_cluster.remote(MarketServer).options(num_cpus=0, max_concurrency=100).remote(
        "market-raw", MarketServerSettings("binance", VenueConfig(symbols=["BTCUSDT"]), snapshot_seconds=1.0))
    subscriber = Subscriber(("raw.binance.", "md.binance.BTCUSDT.book"), name="test-raw")
    try:
        endpoints = await actor.start.remote(ActorContext(run_dir=str(tmp_path), heartbeat_seconds=0.5))
        subscriber.connect(endpoints["pub"])
        await actor.wire.remote({"sim-binance": {f"sim {role}": url for role, url in urls.items()}})
        def framed(got) -> bool:
            """Twenty deltas, each after the first with its frame (which goes out after what it was parsed into)."""
            deltas = [e.header.recv_ts for e in got if isinstance(e.message, BookDelta)]
            frames = {e.header.recv_ts for e in got if e.topic.startswith("raw.binance.")}
            return len(deltas) > 20 and all(ts in frames for ts in deltas[1:])

        got = await collect(subscriber, framed, "twenty deltas and their frames")
    finally:
        summary = await actor.stop.remote()
        subscriber.close()
        await sim.stop()
    rest = [e for e in got if e.topic == "raw.binance.binance-rest"]
    raw = [e for e in got if e.topic.startswith("raw.binance.") and e not in rest]
    assert raw and all(e.message.stream.endswith("/stream") and "?" not in e.message.stream for e in raw)
    # The REST book snapshot the stream was synced on is kept too, with the query that names its symbol.
    depth = [json.loads(e.message.data) for e in rest if "/fapi/v1/depth?symbol=BTCUSDT" in e.message.stream]
    assert depth and depth[0]["lastUpdateId"] > 0 and depth[0]["bids"]
    frames = {e.header.recv_ts: json.loads(e.message.data) for e in raw}
    # Each delta was parsed from a frame on the bus: the one received at the same nanosecond, of its update id.
    deltas = [e for e in got if isinstance(e.message, BookDelta)]
    for delta in deltas[1:]:           # the first may come from a frame read before the reader connected
        frame = frames[delta.header.recv_ts]
        assert frame["stream"].startswith("btcusdt@depth@") and frame["data"]["u"] == delta.message.venue_seq
    assert summary["counters"]["published_raw"] >= len(raw) and summary["counters"]["published_raw_withheld"] == 0


async def test_a_frame_that_carries_a_token_is_withheld_and_counted(tmp_path):
    server = MarketServer("market-tokens", MarketServerSettings("deribit", VenueConfig(symbols=["BTC-PERPETUAL"])))
    endpoints = await server.start(ActorContext(run_dir=str(tmp_path)))
    subscriber = Subscriber(("raw.",), name="test-tokens")
    subscriber.connect(endpoints["pub"])
    try:
        signed_in = '{"jsonrpc":"2.0","id":1,"result":{"access_token":"SECRET","refresh_token":"SECRET2"}}'
        notification = '{"jsonrpc":"2.0","method":"subscription","params":{"channel":"book.BTC-PERPETUAL.raw"}}'
        got = []
        deadline = time.monotonic() + 10
        while not got and time.monotonic() < deadline:   # until the subscription has reached the publisher
            server.on_raw("deribit-public", "wss://sim/ws/api/v2", signed_in, 1)
            server.on_raw("deribit-public", "wss://sim/ws/api/v2", notification, 2)
            got = await subscriber.recv_batch(64, timeout=0.2)
        assert got and {e.message().data.decode() for e in got} == {notification}
        assert server.published["raw_withheld"] >= 1 and b"SECRET" not in b"".join(e.body for e in got)
    finally:
        subscriber.close()
        await server.stop()
