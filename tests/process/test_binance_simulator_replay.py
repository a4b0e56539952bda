"""The Binance simulator replaying a recorded depth stream: the real subscriber, over loopback, rebuilds from it
exactly the book the file describes, every frame once, with no gap."""

from __future__ import annotations

import json

import pytest

from bench.depth_frames import write
from exchanges.binance.simulator import BinanceSimulator
from exchanges.binance.simulator.replay import ReplayError
from tests.binance_sim import Recorder, connector
from tradesys.aio import wait_until
from tradesys.messages import LevelsDelta
from tradesys.numeric import parse_scaled
from tradesys.venue.base import StreamKind
from tradesys.venue.book import L2Book

FRAMES = 400


def the_files_book(directory, price_scale: int, size_scale: int) -> L2Book:
    """The book the replay's files describe, read string by string: the snapshot, then every frame."""
    def scaled(levels):
        return [(parse_scaled(p, price_scale), parse_scaled(q, size_scale)) for p, q in levels]

    snapshot = json.loads((directory / "snapshot.json").read_text())
    book = L2Book("BTCUSDT", price_scale, size_scale)
    book.load(scaled(snapshot["bids"]), scaled(snapshot["asks"]), snapshot["lastUpdateId"])
    for line in (directory / "frames.jsonl").read_bytes().splitlines():
        data = json.loads(line)["data"]
        bids, asks = scaled(data["b"]), scaled(data["a"])
        book.apply([p for p, _ in bids], [q for _, q in bids], [p for p, _ in asks], [q for _, q in asks], data["u"])
    return book


async def test_a_replayed_stream_reaches_the_subscriber_whole_and_in_order(tmp_path):
    write(tmp_path, FRAMES, depth=100)
    sim = BinanceSimulator(symbols=("BTCUSDT",), replay=str(tmp_path), replay_rate=2000.0)
    await sim.start()
    subscriber, oms, pms, fetcher = connector(sim, sim.credentials)
    recorder = Recorder()
    try:
        await subscriber.start(recorder)
        await subscriber.subscribe(["BTCUSDT"], (StreamKind.BOOK,))
        last_u = json.loads((tmp_path / "frames.jsonl").read_bytes().splitlines()[-1])["data"]["u"]
        await wait_until(lambda: _at(subscriber, last_u), "the last replayed frame applied", timeout=30, every=0.1)
        book = subscriber.book("BTCUSDT")
        assert book.same_levels(the_files_book(tmp_path, book.price_scale, book.size_scale))
        assert subscriber.counters["gaps"] == 0 and subscriber.counters["malformed"] == 0
        deltas = [m for m in recorder.books if isinstance(m, LevelsDelta)]
        assert 0 < len(deltas) <= FRAMES and deltas[-1].venue_seq == last_u
        stats = sim.stats()
        assert stats["replay_sent"] == stats["replay_frames"] == FRAMES
    finally:
        for part in (subscriber, oms, pms):
            await part.stop()
        await fetcher.close()
        await sim.stop()


async def _at(subscriber, seq: int) -> bool:
    book = subscriber.book("BTCUSDT")
    return book is not None and book.seq == seq


def test_a_replay_that_cannot_be_served_is_refused_naming_why(tmp_path):
    with pytest.raises(ReplayError, match="snapshot.json"):
        BinanceSimulator(symbols=("BTCUSDT",), replay=str(tmp_path))
    write(tmp_path, 5, depth=10)
    with pytest.raises(ReplayError, match="not one this simulator serves"):
        BinanceSimulator(symbols=("ETHUSDT",), replay=str(tmp_path))
    with pytest.raises(ReplayError, match="must be positive"):
        BinanceSimulator(symbols=("BTCUSDT",), replay=str(tmp_path), replay_rate=0)


def test_the_config_hands_the_replay_to_the_farms_simulator(tmp_path):
    from tradesys.config.load import load
    from tradesys.launcher.plan import build_plan

    _, app = load([f"exchange.binance.sim_replay={tmp_path}", "exchange.binance.sim_replay_rate=10000",
                   "exchange.binance.sim_replay_held=true"])
    [settings] = [spec.args[0] for spec in build_plan(app) if spec.name == "sim-binance"]
    assert dict(settings.options) == {"replay": str(tmp_path), "replay_rate": 10000.0, "replay_held": True}


async def test_a_held_replay_waits_for_its_begin_and_serves_once(tmp_path):
    write(tmp_path, 50, depth=20)
    sim = BinanceSimulator(symbols=("BTCUSDT",), replay=str(tmp_path), replay_rate=5000.0, replay_held=True)
    await sim.start()
    subscriber, oms, pms, fetcher = connector(sim, sim.credentials)
    try:
        await subscriber.start(Recorder())
        await subscriber.subscribe(["BTCUSDT"], (StreamKind.BOOK,))
        snapshot_id = json.loads((tmp_path / "snapshot.json").read_text())["lastUpdateId"]
        await wait_until(lambda: _at(subscriber, snapshot_id), "the book live on the file's snapshot", timeout=30,
                         every=0.05)
        assert sim.stats()["replay_sent"] == 0          # subscribed, live, and still held
        assert sim.begin_replay() is True
        last_u = json.loads((tmp_path / "frames.jsonl").read_bytes().splitlines()[-1])["data"]["u"]
        await wait_until(lambda: _at(subscriber, last_u), "the last replayed frame applied", timeout=30, every=0.05)
        assert sim.begin_replay() is False and sim.stats()["replay_sent"] == 50      # it served once
    finally:
        for part in (subscriber, oms, pms):
            await part.stop()
        await fetcher.close()
        await sim.stop()
    with pytest.raises(ReplayError, match="no replay to begin"):
        BinanceSimulator(symbols=("BTCUSDT",)).begin_replay()
