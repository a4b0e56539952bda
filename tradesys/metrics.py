"""Latency histograms cheap enough for the per-message path.

Durations (ns) fall in logarithmic buckets about 4 % wide, so adding one is
a log and a dict increment, and a quantile is exact to within a bucket.
Used for wire-to-strategy latency and the order round trip; summarised in
``summary.json`` and on heartbeats.
"""

from __future__ import annotations

import math

_PER_E = 25          # buckets per factor e: width exp(1/25) - 1 = 4.1 %
# Prometheus bucket bounds (seconds): 10 us .. 1 s.
BOUNDS_S = (1e-5, 2.5e-5, 5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1.0)


class Histogram:
    __slots__ = ("buckets", "count", "total", "max")

    def __init__(self):
        self.buckets: dict[int, int] = {}
        self.count = 0
        self.total = 0
        self.max = 0

    def add(self, ns: int) -> None:
        if ns < 0:
            ns = 0       # clocks of two processes: a negative latency is measurement noise, counted as 0
        index = int(math.log1p(ns) * _PER_E)
        self.buckets[index] = self.buckets.get(index, 0) + 1
        self.count += 1
        self.total += ns
        if ns > self.max:
            self.max = ns

    def quantile(self, q: float) -> float:
        """The upper edge of the bucket holding quantile ``q`` (0 when empty)."""
        if not self.count:
            return 0.0
        rank = q * self.count
        seen = 0
        for index in sorted(self.buckets):
            seen += self.buckets[index]
            if seen >= rank:
                return min(math.expm1((index + 1) / _PER_E), float(self.max))
        return float(self.max)

    def cumulative(self, bounds_ns) -> list[int]:
        """Observations at or below each bound (a bucket counts where its upper edge falls): Prometheus's
        ``le`` buckets."""
        edges = sorted((math.expm1((index + 1) / _PER_E), n) for index, n in self.buckets.items())
        out, seen, i = [], 0, 0
        for bound in bounds_ns:
            while i < len(edges) and edges[i][0] <= bound:
                seen += edges[i][1]
                i += 1
            out.append(seen)
        return out

    def prometheus(self) -> dict:
        """Buckets in seconds, cumulative, with the sum: what a Prometheus histogram family takes."""
        counts = self.cumulative([b * 1e9 for b in BOUNDS_S])
        return {"buckets": [[str(b), c] for b, c in zip(BOUNDS_S, counts)] + [["+Inf", self.count]],
                "sum_s": self.total / 1e9}

    def summary(self) -> dict:
        """Count, mean, quantiles and max; and the buckets themselves (index -> count), from which
        ``from_summary`` rebuilds the histogram (a backtest draws its latencies from a run's)."""
        return {"count": self.count, "mean": self.total / self.count if self.count else 0.0,
                "p50": self.quantile(0.5), "p90": self.quantile(0.9), "p99": self.quantile(0.99),
                "max": self.max, "buckets": {str(index): n for index, n in sorted(self.buckets.items())}}

    @classmethod
    def from_summary(cls, summary: dict) -> Histogram:
        """The histogram a ``summary()`` was taken of; ValueError when it holds no buckets (an older run)."""
        if "buckets" not in summary:
            raise ValueError("it has no buckets (written before they were kept)")
        out = cls()
        for index, n in summary["buckets"].items():
            out.buckets[int(index)] = int(n)
        out.count = sum(out.buckets.values())
        out.max = int(summary.get("max", 0))
        out.total = int(summary.get("mean", 0) * out.count)
        return out

    @staticmethod
    def bucket_range(index: int) -> tuple[float, float]:
        """The durations (ns) bucket ``index`` holds: [low, high)."""
        return math.expm1(index / _PER_E), math.expm1((index + 1) / _PER_E)
