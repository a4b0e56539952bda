"""Benchmark: simulator -> MarketServer -> bus -> N strategy actors, beside a bare pyzmq forwarder.

For N = 1, 4, 16 (``--strategies``) it brings up the real farm in a local Ray
(the Binance simulator actor stepping fast with real-time depth diffs, the
market server, the engine and N ``book_probe`` strategy actors) and counts a
fixed number of book updates per strategy after a warm-up: delivered
updates per second (all strategies together) and wire-to-strategy latency
(venue socket read in the market server -> the strategy's ``on_book``),
p50 and p99 over every strategy's histogram.

The baseline, measured in the same run on the same kind of farm without
strategies: the market server's book stream through a bare pyzmq
forwarder (SUB -> PUB, frames passed through untouched) to N bare pyzmq
readers (each a Ray actor: a SUB socket, a blocking recv loop, the header
parsed for its receive timestamp); one such farm per venue serves every N.
Ratios are ours / baseline. Progress goes to stderr, the figures to stdout.

Per venue (``--venues``, default binance,deribit): Binance's real-time depth
diffs (``depth_update_ms=0``) on BTCUSDT; Deribit's raw book channel
(``depth_update_ms=0``: every change, on a signed-in session) on BTC-PERPETUAL.

    python bench/pipeline.py [--venues binance,deribit] [--strategies 1,4,16] [--updates 2000] [--quick]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

from tradesys.aio import wait_until

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ray  # noqa: E402
import zmq  # noqa: E402

from bench.local_ray import run_in_local_ray  # noqa: E402
from bench.proc import rss_mb  # noqa: E402
from tradesys.bus import frame  # noqa: E402
from tradesys.launcher.farm import Farm  # noqa: E402
from tradesys.messages import Header  # noqa: E402
from tradesys.metrics import Histogram  # noqa: E402

# venue -> (farm overrides, book topic): the simulator stepping fast, books at every change, a probe on it.
VENUES = {
    "binance": (("exchange.binance.symbols=[BTCUSDT]", "exchange.binance.sim_step_seconds=0.005",
                 "exchange.binance.depth_update_ms=0"), "md.binance.BTCUSDT.book"),
    "deribit": (("exchange=deribit", "exchange.deribit.symbols=[BTC-PERPETUAL]",
                 "exchange.deribit.sim_step_seconds=0.005", "exchange.deribit.depth_update_ms=0",
                 "strategy.probe.venue=deribit", "strategy.probe.symbols=[BTC-PERPETUAL]"),
                "md.deribit.BTC-PERPETUAL.book"),
}


class BareReader:
    """A Ray actor reading a SUB socket in a thread as fast as pyzmq allows; latency from the header's recv_ts."""

    def __init__(self, endpoint: str, topic: str):
        self.histogram = Histogram()
        self.count = 0
        self._stop = False
        context = zmq.Context.instance()
        self._sock = context.socket(zmq.SUB)
        self._sock.setsockopt(zmq.RCVTIMEO, 200)
        self._sock.setsockopt_string(zmq.SUBSCRIBE, topic)
        self._sock.connect(endpoint)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        header = Header()
        while not self._stop:
            try:
                data = self._sock.recv(copy=True)
            except zmq.Again:
                continue
            header.ParseFromString(frame.split(data)[1])      # one frame: topic, header, body
            if header.recv_ts:
                self.histogram.add(time.time_ns() - header.recv_ts)
            self.count += 1

    def counted(self) -> int:
        return self.count

    def pid(self) -> int:
        return os.getpid()

    def buckets(self) -> dict:
        return dict(self.histogram.buckets)

    def stop(self) -> None:
        self._stop = True
        self._thread.join(timeout=2)
        self._sock.close(0)


class Forwarder:
    """A Ray actor: SUB (from the market server) -> PUB, frames passed through by zmq.proxy."""

    def __init__(self, upstream: str, topic: str):
        context = zmq.Context.instance()
        self._sub = context.socket(zmq.SUB)
        self._sub.setsockopt_string(zmq.SUBSCRIBE, topic)
        self._sub.connect(upstream)
        self._pub = context.socket(zmq.PUB)
        port = self._pub.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = f"tcp://127.0.0.1:{port}"
        threading.Thread(target=self._proxy, daemon=True).start()

    def _proxy(self) -> None:
        try:
            zmq.proxy(self._sub, self._pub)
        except zmq.ContextTerminated:
            pass

    def address(self) -> str:
        return self.endpoint


def merged(bucket_maps: list[dict]) -> Histogram:
    out = Histogram()
    for buckets in bucket_maps:
        for index, n in buckets.items():
            if n:
                out.buckets[int(index)] = out.buckets.get(int(index), 0) + n
                out.count += n
    if out.buckets:
        out.max = int(math.expm1((max(out.buckets) + 1) / 25))     # the top bucket's upper edge
    return out


async def run_strategies(venue: str, n: int, updates: int, warmup: int,
                         run_dir: Path) -> tuple[float, Histogram, dict[str, float]]:
    """Updates a second (all strategies together), the wire->on_book histogram, and each actor's RSS (MiB) at
    the end of the measurement: the farm at steady state."""
    names = ["probe"] if n == 1 else [f"probe_{i}" for i in range(1, n + 1)]
    overrides, _ = VENUES[venue]
    async with Farm(run_dir, *overrides, "strategy=[probe]", f"strategy.probe.instances={n}") as farm:
        progress(f"{venue}: farm with {n} strateg{'y' if n == 1 else 'ies'} up")
        async def books() -> list[int]:
            return [(await farm.call(name, "status"))["counters"]["book_updates"] for name in names]

        await wait_until(lambda: _all_at_least(books, warmup), "warm-up", timeout=120, every=0.2)
        for name in names:
            await farm.call(name, "latency_buckets", True)
        start_counts, t0 = await books(), time.perf_counter()
        await wait_until(lambda: _all_at_least(books, max(start_counts) + updates),
                         f"{updates} updates each", timeout=300, every=0.2)
        end_counts, t1 = await books(), time.perf_counter()
        histogram = merged([await farm.call(name, "latency_buckets") for name in names])
        memory = {name: rss_mb((await farm.call(name, "status"))["pid"]) for name in farm.launcher.handles}
    return (sum(end_counts) - sum(start_counts)) / (t1 - t0), histogram, memory


async def run_baselines(venue: str, strategies: list[int], updates: int, warmup: int,
                        run_dir: Path) -> dict[int, tuple[float, Histogram]]:
    """One strategy-less farm per venue; for each N, N fresh readers behind one fresh forwarder."""
    overrides, topic = VENUES[venue]
    overrides = tuple(o for o in overrides if not o.startswith("strategy."))
    results = {}
    async with Farm(run_dir, *overrides, "strategy=[]") as farm:
        progress(f"{venue}: baseline farm up")
        upstream = farm.launcher.directory[f"market-{venue}"]["pub"]
        for n in strategies:
            results[n] = await _baseline(upstream, topic, n, updates, warmup)
            progress(f"{venue}: baseline N={n} measured")
    return results


async def _baseline(upstream: str, topic: str, n: int, updates: int, warmup: int) -> tuple[float, Histogram]:
    forwarder = ray.remote(Forwarder).options(num_cpus=0).remote(upstream, topic)
    endpoint = await forwarder.address.remote()
    readers = [ray.remote(BareReader).options(num_cpus=0, max_concurrency=4).remote(endpoint, topic)
               for _ in range(n)]
    try:
        async def counts() -> list[int]:
            return [await r.counted.remote() for r in readers]

        await wait_until(lambda: _all_at_least(counts, warmup), "baseline warm-up", timeout=120, every=0.2)
        start_buckets = [await r.buckets.remote() for r in readers]
        start_counts, t0 = await counts(), time.perf_counter()
        await wait_until(lambda: _all_at_least(counts, max(start_counts) + updates),
                         "baseline updates", timeout=300, every=0.2)
        end_counts, t1 = await counts(), time.perf_counter()
        end_buckets = [await r.buckets.remote() for r in readers]
    finally:
        for reader in readers:
            await reader.stop.remote()
            ray.kill(reader)
        ray.kill(forwarder)
    window = [{i: b.get(i, 0) - a.get(i, 0) for i in b} for a, b in zip(start_buckets, end_buckets)]
    return (sum(end_counts) - sum(start_counts)) / (t1 - t0), merged(window)


async def _all_at_least(read, target: int) -> bool:
    return min(await read()) >= target


def us(ns: float) -> str:
    return f"{ns / 1000:8.0f} us"


async def bench(venues: list[str], strategies: list[int], updates: int, warmup: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for venue in venues:
            print(f"pipeline {venue}: simulator -> market server -> bus -> N strategies; {updates} book updates per "
                  f"reader after {warmup} of warm-up ({VENUES[venue][1]}, every change)", flush=True)
            baselines = await run_baselines(venue, strategies, updates, warmup, Path(tmp) / venue / "base")
            for n in strategies:
                rate, ours, memory = await run_strategies(venue, n, updates, warmup, Path(tmp) / venue / f"ours-{n}")
                progress(f"{venue}: strategies N={n} measured")
                report(n, *baselines[n], rate, ours)
                report_memory(n, memory)


def report(n: int, base_rate: float, base: Histogram, rate: float, ours: Histogram) -> None:
    print(f"N={n:<3} bare pyzmq forwarder  : {base_rate:9,.0f} updates/s   wire->reader   p50 "
          f"{us(base.quantile(0.5))}  p99 {us(base.quantile(0.99))}")
    print(f"N={n:<3} tradesys strategies   : {rate:9,.0f} updates/s   wire->on_book  p50 "
          f"{us(ours.quantile(0.5))}  p99 {us(ours.quantile(0.99))}   ratio rate "
          f"{rate / base_rate:.2f}  p50 {ours.quantile(0.5) / max(base.quantile(0.5), 1):.2f}x  "
          f"p99 {ours.quantile(0.99) / max(base.quantile(0.99), 1):.2f}x", flush=True)


def report_memory(n: int, memory: dict[str, float]) -> None:
    """Each actor's RSS; the strategies as one line (they are alike): their range and their sum. Each figure
    is rounded once and the sums add the figures printed, so the line adds up (two strategies of 146.6 MB
    printed as 147 each had summed to 293)."""
    memory = {name: round(mb) for name, mb in memory.items()}
    strategies = {name: mb for name, mb in memory.items() if name.startswith("probe")}
    services = "  ".join(f"{name} {mb:.0f}" for name, mb in sorted(memory.items()) if name not in strategies)
    low, high = min(strategies.values()), max(strategies.values())
    print(f"N={n:<3} RSS MB at steady state: {services}  strategies {low:.0f}-{high:.0f} each, "
          f"{sum(strategies.values()):.0f} in all; every actor {sum(memory.values()):.0f}", flush=True)


_STARTED = time.monotonic()


def progress(what: str) -> None:
    """Where a long run stands, on stderr (the figures stay alone on stdout)."""
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {what}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venues", default="binance,deribit", help="comma-separated venues (default both)")
    parser.add_argument("--strategies", default="1,4,16", help="comma-separated N values (default 1,4,16)")
    parser.add_argument("--updates", type=int, default=2000, help="book updates counted per reader")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--quick", action="store_true",
                        help="a short smoke run (CI): N=2, few updates, Binance alone unless --venues says")
    args = parser.parse_args(argv)
    strategies = [int(n) for n in args.strategies.split(",")]
    if args.quick and "--venues" not in (argv if argv is not None else sys.argv):
        args.venues = "binance"
    venues = [v for v in args.venues.split(",") if v]
    unknown = [v for v in venues if v not in VENUES]
    if unknown:
        parser.error(f"unknown venue {unknown[0]!r}; known: {', '.join(VENUES)}")
    if args.quick:
        strategies, args.updates, args.warmup = [2], 100, 20
    run_in_local_ray(bench(venues, strategies, args.updates, args.warmup), "bench-pipeline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
