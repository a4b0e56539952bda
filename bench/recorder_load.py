"""Benchmark: the recorder keeps up with the bus at three times the default farm's rate, with 16 strategies.

Two farms in a local Ray, one after the other, each recording everything on the bus:

- the default farm (``python run.py``'s: Binance's simulator, its three strategies on BTCUSDT and ETHUSDT):
  the bus's rate, measured;
- the loaded farm: the same three strategies and 13 ``book_probe``s (16 strategies: ``--strategies``), the
  simulator stepping ``--speed`` times faster and sending every book change (``depth_update_ms=0``):
  several times the bus's rate.

In each, after a warm-up, every ``--every`` seconds for ``--seconds``: every actor's ``published`` count
and the launcher's (the bus's messages) beside the recorder's ``messages`` (received) and ``missed``
(dropped on the way, a gap in a topic's sequence numbers), and the recorder's RSS. The backlog is what was
published and neither received nor missed yet: it is the queue in front of the recorder (ZeroMQ's, and the
socket's). Keeping up means a backlog that does not grow, nothing missed, and the recorder's rate equal to
the bus's. Progress goes to stderr, figures to stdout.

    python bench/recorder_load.py [--seconds 20] [--every 2] [--speed 4] [--strategies 16] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.local_ray import run_in_local_ray  # noqa: E402
from bench.pipeline import progress  # noqa: E402
from bench.proc import rss_mb  # noqa: E402
from tradesys.launcher.farm import Farm  # noqa: E402

DEFAULT_STEP_S = 0.1            # conf/exchange/binance.yaml's sim_step_seconds
RECORDER = "recorder"
AIM = 3.0


@dataclass
class Sample:
    t: float
    published: int         # every actor's, and the launcher's
    received: int          # the recorder's
    missed: int
    rss_mb: float

    @property
    def backlog(self) -> int:
        return self.published - self.received - self.missed


async def sample(farm: Farm) -> Sample:
    """The recorder's counts first, then the publishers': what was published meanwhile counts as backlog, so
    the backlog is never understated."""
    recorder = await farm.call(RECORDER, "status")
    publishers = [name for name in farm.launcher.handles if name != RECORDER]
    statuses = await asyncio.gather(*(farm.call(name, "status") for name in publishers))
    counters = recorder["counters"]
    # The launcher publishes too (its heartbeats, operators' commands), from this process; and the recorder
    # records its own heartbeats (read before the others: what it published after is not yet received).
    published = sum(status["counters"].get("published", 0) for status in statuses)
    published += farm.launcher.operator.publisher.published + counters.get("published", 0)
    return Sample(time.monotonic(), published, counters.get("messages", 0), counters.get("missed", 0),
                  rss_mb(recorder["pid"]))


async def run(label: str, overrides: tuple[str, ...], seconds: float, every: float, warmup: float,
              run_dir: Path) -> list[Sample]:
    async with Farm(run_dir, "recording.enabled=true", *overrides) as farm:
        progress(f"{label}: {len(farm.launcher.handles)} actors up; warming up {warmup:g} s")
        await asyncio.sleep(warmup)          # time itself: the warm-up
        samples = [await sample(farm)]
        while samples[-1].t - samples[0].t < seconds:
            await asyncio.sleep(every)       # time itself: the sampling period
            samples.append(await sample(farm))
        progress(f"{label}: {len(samples)} samples")
    return samples


def rate(samples: list[Sample], field: str) -> float:
    first, last = samples[0], samples[-1]
    return (getattr(last, field) - getattr(first, field)) / (last.t - first.t)


def report(label: str, samples: list[Sample], base_rate: float | None) -> float:
    bus, recorded = rate(samples, "published"), rate(samples, "received")
    backlogs = [s.backlog for s in samples]
    half = len(backlogs) // 2
    growing = max(backlogs[half:]) > max(backlogs[:half]) * 2 + 100    # a queue that doubles is one that grows
    ratio = f"  {bus / base_rate:.2f}x the default farm's rate (aim {AIM:g}x)" if base_rate else ""
    print(f"  {label:<34}: bus {bus:8,.0f} msg/s  recorder {recorded:8,.0f} msg/s{ratio}")
    print(f"  {'':<34}  backlog first {backlogs[0]:,} max {max(backlogs):,} last {backlogs[-1]:,} "
          f"({'growing' if growing else 'not growing'}); missed {samples[-1].missed - samples[0].missed:,}; "
          f"recorder RSS {samples[0].rss_mb:.0f} -> {samples[-1].rss_mb:.0f} MB", flush=True)
    return bus


async def bench(seconds: float, every: float, warmup: float, speed: float, strategies: int) -> None:
    loaded = ("strategy=[mm_btc,mm_eth,lp_eth,probe]", f"strategy.probe.instances={strategies - 3}",
              f"exchange.binance.sim_step_seconds={DEFAULT_STEP_S / speed:g}", "exchange.binance.depth_update_ms=0")
    with tempfile.TemporaryDirectory() as tmp:
        default = await run("default farm", (), seconds, every, warmup, Path(tmp) / "default")
        load = await run("loaded farm", loaded, seconds, every, warmup, Path(tmp) / "loaded")
    print(f"Recorder under load: {seconds:g} s sampled every {every:g} s after {warmup:g} s of warm-up, "
          f"everything on the bus recorded")
    base = report("default farm (3 strategies)", default, None)
    report(f"{strategies} strategies, simulator x{speed:g}", load, base)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="sampled time per farm (default 20)")
    parser.add_argument("--every", type=float, default=2.0, help="seconds between samples (default 2)")
    parser.add_argument("--warmup", type=float, default=5.0, help="seconds before the first sample (default 5)")
    parser.add_argument("--speed", type=float, default=4.0,
                        help="how much faster the loaded farm's simulator steps (default 4)")
    parser.add_argument("--strategies", type=int, default=16,
                        help="the loaded farm's strategies: the default three and book probes (default 16)")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: 2 s sampled every 1 s, 2 s warm-up, 6 strategies")
    args = parser.parse_args(argv)
    if args.quick:
        args.seconds, args.every, args.warmup, args.strategies = 2.0, 1.0, 2.0, 6
    if args.strategies < 4:
        parser.error("--strategies: at least 4 (the default three and a probe)")
    run_in_local_ray(bench(args.seconds, args.every, args.warmup, args.speed, args.strategies), "bench-recorder")
    return 0


if __name__ == "__main__":
    sys.exit(main())
