"""Benchmark: a recorded Binance depth stream replayed at venue rates into the farm, beside a bare pipeline.

The Binance simulator replays one frame file (``bench/depth_frames.py``: realistic frames on a 1,000-level
book, ``--seconds`` of them at each rate) over its real WebSocket, at ``--rates`` frames a second. The replay
is held until every reader is up, then sent on schedule, every frame once. Ours: the real market server
reads it and publishes every delta on the bus to N ``book_probe`` strategy actors (``--strategies``).
Per rate and N: wire -> ``on_book`` latency (the market server's socket read to the strategy's callback), p50
and p99 over every strategy after a warm-up, and loss: frames the venue sent that a strategy never applied
as a delta (a gap on the bus, a resync, a frame still unread when the run ends).

Baseline, in the same run, on the same frames at the same rate: the bare three-process pipeline of issue 19,
(1) the same simulator replaying (a Ray actor), (2) a bridge (a Ray actor: ``websockets`` client -> orjson ->
a dict book of price strings -> pyzmq PUB, the receive time in the header) and (3) N bare pyzmq readers
(``bench/pipeline.py``'s). Ratios are ours / baseline. The aim: p50 within 1.5x the bare pipeline at 1,000
a second with 4 strategies, and no loss below the CPU's limit (on 2 cores, 10,000 a second to 16 readers is
past it: the figures say how far). Progress goes to stderr, the figures to stdout.

    python bench/replay_pipeline.py [--rates 1000,10000] [--strategies 1,4,16] [--seconds 6] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson  # noqa: E402
import ray  # noqa: E402
import websockets  # noqa: E402
import zmq  # noqa: E402

from bench.depth_frames import write  # noqa: E402
from bench.local_ray import run_in_local_ray  # noqa: E402
from bench.pipeline import BareReader, merged, progress, us  # noqa: E402
from bench.proc import cpu_seconds  # noqa: E402
from exchanges.binance.simulator import BinanceSimulator  # noqa: E402
from tradesys.aio import wait_until  # noqa: E402
from tradesys.bus import frame  # noqa: E402
from tradesys.launcher.farm import Farm  # noqa: E402
from tradesys.messages import Header  # noqa: E402
from tradesys.metrics import Histogram  # noqa: E402

SYMBOL, TOPIC = "BTCUSDT", "md.binance.BTCUSDT.book"
AIM_P50 = 1.5                 # at 1,000 a second with 4 strategies
STALE_S = 1.0                 # the market server's stale_book_seconds while the replay is held
DRAIN_S = 2.0                 # a reader whose count has not moved for this long after the replay ended is done


@dataclass
class Result:
    histogram: Histogram
    lost: list[int]           # per reader: frames it never got
    late_ms: int              # how far the replay fell behind its schedule at worst (the venue's CPU)
    cpu_us: tuple[float, float, float]  # CPU a frame, from the replay's begin to the drain: venue, bridge, a reader


class CpuClock:
    """The CPU time a group of processes used between ``start`` and ``stop``, per frame, in microseconds."""

    def __init__(self, venue: int, bridge: int, readers: list[int]):
        self.pids = (venue, bridge, *readers)
        self.readers = len(readers)

    def start(self) -> None:
        self.began = [cpu_seconds(pid) for pid in self.pids]

    def per_frame(self, frames: int) -> tuple[float, float, float]:
        used = [(cpu_seconds(pid) - began) * 1e6 / frames for pid, began in zip(self.pids, self.began)]
        return used[0], used[1], sum(used[2:]) / self.readers


class BareVenue:
    """A Ray actor: the Binance simulator replaying the file, held until ``begin``."""

    async def start(self, directory: str, rate: float) -> dict[str, str]:
        self.sim = BinanceSimulator(symbols=(SYMBOL,), replay=directory, replay_rate=rate, replay_held=True)
        return await self.sim.start()

    # Async, as every method here: the replay's task needs the actor's running loop.
    async def begin(self) -> bool:
        return self.sim.begin_replay()

    async def stats(self) -> dict[str, int]:
        return self.sim.stats()

    async def stop(self) -> None:
        await self.sim.stop()

    async def pid(self) -> int:
        return os.getpid()


class BareBridge:
    """A Ray actor: websockets -> orjson -> dict book -> pyzmq PUB, the plainest bridge Python allows."""

    def __init__(self):
        self._pub = zmq.Context.instance().socket(zmq.PUB)
        self._pub.setsockopt(zmq.LINGER, 0)
        self.endpoint = f"tcp://127.0.0.1:{self._pub.bind_to_random_port('tcp://127.0.0.1')}"
        self._task: asyncio.Task | None = None
        self.bridged = 0

    async def start(self, rest: str, ws_public: str) -> str:
        """The book from the REST snapshot, then the diff stream read in the background; the PUB endpoint."""
        url = f"{rest}/fapi/v1/depth?symbol={SYMBOL}&limit=1000"
        snapshot = orjson.loads(await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=10).read()))
        self.bids = {price: size for price, size in snapshot["bids"]}
        self.asks = {price: size for price, size in snapshot["asks"]}
        ws = await websockets.connect(f"{ws_public}/stream?streams={SYMBOL.lower()}@depth@0ms", max_size=None)
        self._task = asyncio.create_task(self._bridge(ws))
        return self.endpoint

    async def _bridge(self, ws) -> None:
        header = Header()
        try:
            async for message in ws:
                recv_ts = time.time_ns()
                data = orjson.loads(message)["data"]
                for side, levels in ((self.bids, data["b"]), (self.asks, data["a"])):
                    for price, size in levels:
                        if float(size) == 0.0:
                            side.pop(price, None)
                        else:
                            side[price] = size
                header.seq += 1
                header.recv_ts = recv_ts
                self._pub.send(frame.encode(TOPIC, header, orjson.dumps((data["u"], data["b"], data["a"]))))
                self.bridged += 1
        finally:
            await ws.close()

    async def pid(self) -> int:
        return os.getpid()

    async def failure(self) -> str:
        """Why the bridge stopped reading, if it did ("" while it reads)."""
        if self._task is None or not self._task.done() or self._task.cancelled():
            return ""
        return repr(self._task.exception())

    async def hello(self) -> None:
        """A message without a receive time (readers count it, and time nothing): they are connected."""
        self._pub.send(frame.encode(TOPIC, Header(), b""))


    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
        self._pub.close(0)


async def replay_at(stats, frames: int) -> bool:
    """The venue has sent ``frames`` (asking the one venue, not every reader: the readers are being measured)."""
    return (await stats())["replay_sent"] >= frames


async def settled(read) -> list[int]:
    """The counts once two reads 0.1 s apart agree (the last hello is in)."""
    last = await read()
    for _ in range(50):
        await asyncio.sleep(0.1)        # time itself: the interval between reads
        now = await read()
        if now == last:
            return now
        last = now
    raise RuntimeError("the bare readers' counts did not settle within 5 s")


async def drained(read, target: int, seen: dict) -> bool:
    """Every reader has ``target``, or none moved for DRAIN_S seconds (what it lacks is lost)."""
    counts, now = await read(), time.monotonic()
    if min(counts) >= target:
        return True
    if counts != seen.get("counts"):
        seen.update(counts=counts, at=now)
    return now - seen["at"] >= DRAIN_S


async def run_ours(directory: Path, rate: int, n: int, frames: int, warmup: int, run_dir: Path) -> Result:
    names = ["probe"] if n == 1 else [f"probe_{i}" for i in range(1, n + 1)]
    async with Farm(run_dir, f"exchange.binance.symbols=[{SYMBOL}]", f"exchange.binance.sim_replay={directory}",
                    f"exchange.binance.sim_replay_rate={rate}", "exchange.binance.sim_replay_held=true",
                    "exchange.binance.depth_update_ms=0", f"exchange.binance.stale_book_seconds={STALE_S}",
                    "strategy=[probe]",
                    f"strategy.probe.instances={n}") as farm:
        async def deltas() -> list[int]:
            counters = [(await farm.call(name, "status"))["counters"] for name in names]
            return [c["book_updates"] - c["book_snapshots"] for c in counters]

        async def book_stale() -> bool:
            return (await farm.call("market-binance", "status"))["counters"].get("live_books") == 0

        async def sim_stats() -> dict:
            return (await farm.call("sim-binance", "status"))["counters"]

        # Held, the book goes stale: the first frame makes it live again, and the market server then sends
        # every strategy (all wired by now) its snapshot before that frame's delta.
        await wait_until(book_stale, "the held book gone stale", timeout=60, every=0.2)
        before = await deltas()
        pids = {name: (await farm.call(name, "status"))["pid"] for name in ("sim-binance", "market-binance", *names)}
        cpu = CpuClock(pids["sim-binance"], pids["market-binance"], [pids[name] for name in names])
        cpu.start()
        assert await farm.call("sim-binance", "begin_replay"), "the replay had begun before its call"
        progress(f"{rate}/s N={n}: farm up, replaying {frames:,} frames")
        await wait_until(lambda: replay_at(sim_stats, warmup), "warm-up", timeout=120, every=0.05)
        for name in names:
            await farm.call(name, "latency_buckets", True)
        await wait_until(lambda: replay_at(sim_stats, frames), "the replay sent", timeout=frames / rate + 120,
                         every=0.2)
        seen: dict = {}
        await wait_until(lambda: drained(deltas, max(before) + frames, seen), "the strategies drained", timeout=120,
                         every=0.2)
        lost = [frames - (after - start) for start, after in zip(before, await deltas())]
        used = cpu.per_frame(frames)
        histogram = merged([await farm.call(name, "latency_buckets") for name in names])
        late = (await sim_stats())["replay_late_max_ms"]
    return Result(histogram, lost, late, used)


async def run_bare(directory: Path, rate: int, n: int, frames: int, warmup: int) -> Result:
    venue = ray.remote(BareVenue).options(num_cpus=0).remote()
    bridge = ray.remote(BareBridge).options(num_cpus=0).remote()
    readers = []
    try:
        urls = await venue.start.remote(str(directory), rate)
        endpoint = await bridge.start.remote(urls["rest"], urls["ws public"])
        readers = [ray.remote(BareReader).options(num_cpus=0, max_concurrency=4).remote(endpoint, TOPIC)
                   for _ in range(n)]

        async def counts() -> list[int]:
            return [await r.counted.remote() for r in readers]

        async def connected() -> bool:
            await bridge.hello.remote()
            return min(await counts()) > 0

        await wait_until(connected, "the bare readers connected", timeout=60, every=0.05)
        before = await settled(counts)
        cpu = CpuClock(await venue.pid.remote(), await bridge.pid.remote(), [await r.pid.remote() for r in readers])
        cpu.start()
        async def stats() -> dict:
            return await venue.stats.remote()

        await venue.begin.remote()
        await wait_until(lambda: replay_at(stats, warmup), "bare warm-up", timeout=120, every=0.05)
        start_buckets = [await r.buckets.remote() for r in readers]

        await wait_until(lambda: replay_at(stats, frames), "the bare replay sent", timeout=frames / rate + 120,
                         every=0.2)
        seen: dict = {}
        await wait_until(lambda: drained(counts, max(before) + frames, seen), "the bare readers drained",
                         timeout=120, every=0.2)
        end_counts = await counts()
        used = cpu.per_frame(frames)
        failure = await bridge.failure.remote()
        if failure:
            raise RuntimeError(f"the bare bridge failed: {failure}")
        end_buckets = [await r.buckets.remote() for r in readers]
        late = (await stats())["replay_late_max_ms"]
    finally:
        for reader in readers:
            await reader.stop.remote()
        await bridge.stop.remote()
        await venue.stop.remote()
        for actor in (*readers, bridge, venue):
            ray.kill(actor)
    window = [{i: b.get(i, 0) - a.get(i, 0) for i in b} for a, b in zip(start_buckets, end_buckets)]
    lost = [frames - (after - start) for start, after in zip(before, end_counts)]
    return Result(merged(window), lost, late, used)


def report(rate: int, n: int, frames: int, bare: Result, ours: Result) -> None:
    p50, p99 = ours.histogram.quantile(0.5), ours.histogram.quantile(0.99)
    b50, b99 = bare.histogram.quantile(0.5), bare.histogram.quantile(0.99)
    head = f"{rate:>6,}/s N={n:<3}"
    print(f"{head} bare pipeline : wire->reader  p50 {us(b50)}  p99 {us(b99)}   lost {sum(bare.lost):,} of "
          f"{frames * n:,} (worst reader {max(bare.lost):,})   replay late by {bare.late_ms} ms at worst")
    aim = ""
    if rate == 1000 and n == 4:
        aim = f"   aim p50 <= {AIM_P50}x: {'met' if p50 <= AIM_P50 * max(b50, 1) else 'NOT met'}"
    print(f"{head} tradesys      : wire->on_book p50 {us(p50)}  p99 {us(p99)}   lost {sum(ours.lost):,} of "
          f"{frames * n:,} (worst strategy {max(ours.lost):,})   replay late by {ours.late_ms} ms at worst   "
          f"ratio p50 {p50 / max(b50, 1):.2f}x  p99 {p99 / max(b99, 1):.2f}x{aim}", flush=True)
    print(f"{head} CPU a frame   : bare venue {bare.cpu_us[0]:.0f} us, bridge {bare.cpu_us[1]:.0f} us, a reader "
          f"{bare.cpu_us[2]:.0f} us | ours venue {ours.cpu_us[0]:.0f} us, market server {ours.cpu_us[1]:.0f} us, "
          f"a strategy {ours.cpu_us[2]:.0f} us", flush=True)


async def bench(rates: list[int], strategies: list[int], seconds: float, warmup_share: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for rate in rates:
            frames = max(int(rate * seconds), 10)
            warmup = max(1, int(frames * warmup_share))
            directory = Path(tmp) / f"frames-{rate}"
            started = time.monotonic()
            write(directory, frames)
            progress(f"{rate}/s: {frames:,} realistic frames written in {time.monotonic() - started:.1f} s")
            print(f"replay {rate:,} frames/s for {seconds:g} s ({frames:,} frames after a 1,000-level snapshot; "
                  f"latency after the first {warmup:,}):", flush=True)
            for n in strategies:
                bare = await run_bare(directory, rate, n, frames, warmup)
                progress(f"{rate}/s N={n}: bare pipeline measured")
                ours = await run_ours(directory, rate, n, frames, warmup, Path(tmp) / f"run-{rate}-{n}")
                progress(f"{rate}/s N={n}: farm measured")
                report(rate, n, frames, bare, ours)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", default="1000,10000", help="frames a second, comma-separated (default 1000,10000)")
    parser.add_argument("--strategies", default="1,4,16", help="comma-separated N values (default 1,4,16)")
    parser.add_argument("--seconds", type=float, default=6.0, help="the replay's length at each rate")
    parser.add_argument("--warmup", type=float, default=0.05, help="the share of frames before latency counts")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI): 1,000/s, N=1, 1.5 s")
    args = parser.parse_args(argv)
    rates = [int(r) for r in args.rates.split(",")]
    strategies = [int(n) for n in args.strategies.split(",")]
    if args.quick:
        rates, strategies, args.seconds = [1000], [1], 1.5
    if not (all(r > 0 for r in rates) and all(n > 0 for n in strategies) and args.seconds > 0
            and 0 <= args.warmup < 1):
        parser.error("rates, strategies and seconds must be positive, warmup a share below 1")
    run_in_local_ray(bench(rates, strategies, args.seconds, args.warmup), "bench-replay-pipeline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
