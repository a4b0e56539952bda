"""How late things arrive in a backtest: market data at the strategy (feed), and orders at the venue and
their answers back (order, each way).

``constant``: the configured milliseconds, always. ``recorded``: drawn, with the backtest's seed, from the
histograms a live run wrote into its summary.json: the feed latency from its strategies' wire-to-strategy
histogram, each order leg from half its order round trip (the round trip is two legs; the engine's own
time is inside it). A draw picks a bucket by its count, then a point in it.
"""

from __future__ import annotations

import bisect
import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

from tradesys.metrics import Histogram

MS = 1_000_000


class LatencyError(ValueError):
    """The recorded run's latencies cannot be read (the message names the file and what is wrong)."""


@dataclass(frozen=True)
class LatencySettings:
    model: str = "constant"          # constant | recorded
    feed_ms: float = 1.0
    order_ms: float = 2.5            # each way: strategy -> venue, venue -> strategy
    seed: int = 0


class Draw:
    """Nanosecond delays from one histogram."""

    def __init__(self, histogram: Histogram, rng: random.Random, halve: bool = False):
        ordered = sorted(histogram.buckets.items())
        self._indices = [index for index, _ in ordered]
        self._cumulative = list(itertools.accumulate(n for _, n in ordered))
        self._rng = rng
        self._divide = 2 if halve else 1

    def __call__(self) -> int:
        pick = self._rng.random() * self._cumulative[-1]
        index = self._indices[bisect.bisect_right(self._cumulative, pick)]
        low, high = Histogram.bucket_range(index)
        return int(self._rng.uniform(low, high)) // self._divide


class LatencyModel:
    def __init__(self, settings: LatencySettings, recorded_summary: Path | None = None):
        self.settings = settings
        rng = random.Random(settings.seed)
        if settings.model == "constant":
            feed, order = int(settings.feed_ms * MS), int(settings.order_ms * MS)
            self.feed = lambda: feed
            self.order = lambda: order
        elif settings.model == "recorded":
            wire, round_trip = recorded_histograms(recorded_summary)
            self.feed = Draw(wire, rng)
            self.order = Draw(round_trip, rng, halve=True)
        else:
            raise LatencyError(f"backtest.latency.model: {settings.model!r}: it is constant or recorded")

    def describe(self) -> dict:
        s = self.settings
        if s.model == "constant":
            return {"model": "constant", "feed_ms": s.feed_ms, "order_ms": s.order_ms}
        return {"model": "recorded", "seed": s.seed}


def recorded_histograms(summary_path: Path | None) -> tuple[Histogram, Histogram]:
    """(wire-to-strategy, order round trip) of every strategy of the run whose summary.json this is, merged."""
    if summary_path is None or not summary_path.is_file():
        raise LatencyError(f"backtest.latency.model: recorded needs the recorded run's summary.json, and there is "
                           f"none at {summary_path}")
    try:
        strategies = json.loads(summary_path.read_text())["strategies"]
    except (ValueError, KeyError, TypeError) as exc:
        raise LatencyError(f"{summary_path}: not a run summary ({type(exc).__name__}: {exc})") from None
    merged = {"wire_to_strategy": Histogram(), "order_round_trip": Histogram()}
    for strategy_id, strategy in strategies.items():
        for name, histogram in merged.items():
            try:
                part = Histogram.from_summary(strategy["latency_ns"][name])
            except (KeyError, TypeError, ValueError) as exc:
                raise LatencyError(f"{summary_path}: strategy {strategy_id}'s {name} latency cannot be drawn "
                                   f"from: {exc}") from None
            for index, n in part.buckets.items():
                histogram.buckets[index] = histogram.buckets.get(index, 0) + n
            histogram.count += part.count
    for name, histogram in merged.items():
        if not histogram.count:
            raise LatencyError(f"{summary_path}: no strategy of that run measured its {name} latency")
    return merged["wire_to_strategy"], merged["order_round_trip"]
