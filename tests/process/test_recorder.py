"""The Recorder as a real Ray actor fed by a real publisher in this process."""

from __future__ import annotations

import asyncio

from tradesys.actors import ActorContext
from tradesys.actors.recorder import Recorder, RecorderSettings
from tradesys.aio import wait_until
from tradesys.bus import Publisher
from tradesys.messages import BookDelta, Heartbeat
from tradesys.recording import messages, read_recording

TOPICS = ["md.binance.BTCUSDT.book", "md.binance.ETHUSDT.book"]


async def test_everything_published_is_recorded_exactly_once_across_flushes_and_stop(ray_cluster, tmp_path):
    actor = ray_cluster.remote(Recorder).options(num_cpus=0).remote(
        "recorder-under-test", RecorderSettings(topics=("md.", "hb.warmup"), max_batch_rows=100,
                                                max_batch_seconds=0.2))
    await actor.start.remote(ActorContext(run_dir=str(tmp_path), heartbeat_seconds=0.2))
    publisher = Publisher("test-publisher")
    await actor.wire.remote({"test": {"pub": publisher.bind()}})

    async def hears_us():
        publisher.publish_message("hb.warmup", Heartbeat(actor="warmup"))
        return (await actor.status.remote())["counters"]["messages"] > 0

    await wait_until(hears_us, "the recorder hears the publisher", every=0.05)
    count = 1_050  # 10 full batches of 100 per topic, then a remainder only the stop writes
    for seq in range(1, count + 1):
        for topic in TOPICS:
            publisher.publish_message(topic, BookDelta(venue_seq=seq))
        if seq % 200 == 0:
            await asyncio.sleep(0.01)   # time itself: the publisher's pace between bursts

    async def some_on_disk():
        return read_recording(tmp_path / "recordings", kind="book_delta").num_rows > 0

    await wait_until(some_on_disk, "rows on disk while running", every=0.05)  # not only at stop
    summary = await actor.stop.remote()
    publisher.close()

    table = read_recording(tmp_path / "recordings", kind="book_delta")
    for topic in TOPICS:
        rows = [(seq, msg.venue_seq) for t, seq, msg in messages(table) if t == topic]
        assert rows == [(i, i) for i in range(1, count + 1)], f"{topic}: not exactly once, in order"
    counters = summary["counters"]
    assert summary["state"] == "stopped"
    assert counters["batches_written"] > 20 and counters["rows_buffered"] == 0
    assert counters["gaps"] == 0 and counters["malformed"] == 0
    assert counters["rows_written"] == counters["messages"]
    assert (tmp_path / "logs" / "recorder-under-test.jsonl").exists()


async def test_a_recorder_publishes_heartbeats_with_its_counters(ray_cluster, tmp_path):
    from tradesys.bus import Subscriber

    actor = ray_cluster.remote(Recorder).options(num_cpus=0).remote("recorder-hb", RecorderSettings(topics=("md.",)))
    endpoints = await actor.start.remote(ActorContext(run_dir=str(tmp_path), heartbeat_seconds=0.1))
    await actor.wire.remote({"recorder-hb": endpoints})
    subscriber = Subscriber(["hb.recorder-hb"])
    subscriber.connect(endpoints["pub"])
    beats = []

    async def three_beats() -> bool:
        beats.extend(Heartbeat.FromString(env.body) for env in await subscriber.recv_batch(timeout=0.5))
        return len(beats) >= 3

    await wait_until(three_beats, "three heartbeats", every=0)
    await actor.stop.remote()
    subscriber.close()
    assert len(beats) >= 3
    assert beats[-1].actor == "recorder-hb" and "rows_written" in beats[-1].counters
    assert beats[-1].interval_ns == 100_000_000
