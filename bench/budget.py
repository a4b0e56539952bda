"""Benchmark: what the account's shared rate-limit budget adds to each venue request.

Every venue call of the engine and the position server counts its cost
against the account's ``BudgetServer`` (a Ray actor) and, when the venue's
reply carries its own counts (Binance's weight headers), hands them back. In
a local Ray (2 CPUs) this times, per request, ``RateLimiter.acquire`` then
``RateLimiter.observe``: on a ``LeasedBudget`` (now: the request spends a
leased block, the next block is asked for in the background, the counts are
posted), and in the same run on the same actor the ways before it: a
``RayBudget`` awaiting one reservation per request and posting the counts,
both calls awaited (two Ray round trips), and one awaited reservation alone.
Rounds alternate, p50 and p99 in microseconds.

    python bench/budget.py [--requests 2000] [--rounds 3] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import ray  # noqa: E402

from bench.local_ray import run_in_local_ray  # noqa: E402
from tradesys.services.budget import BudgetServer, RayBudget  # noqa: E402
from tradesys.venue.lease import LeasedBudget  # noqa: E402
from tradesys.venue.ratelimit import RateLimiter  # noqa: E402

COSTS = {"weight_1m": 1}
COUNTS = {"weight_1m": 1}


class AwaitedObserve(RayBudget):
    """The baseline: the venue's counts awaited like the reservation."""

    async def observe(self, counts) -> None:
        await self.handle.observe.remote(dict(counts))


async def timed(limiter: RateLimiter, requests: int, observe: bool) -> list[float]:
    samples = []
    for _ in range(requests):
        t0 = time.perf_counter_ns()
        await limiter.acquire(COSTS)
        if observe:
            await limiter.observe(COUNTS)
        samples.append((time.perf_counter_ns() - t0) / 1000)
    return samples


def quantile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(q * len(ordered)), len(ordered) - 1)]


async def bench(requests: int, rounds: int) -> None:
    # A limit no run reaches: the figures are the calls' cost, never a wait for the window.
    server = ray.remote(BudgetServer).options(num_cpus=0).remote("budget-bench", {"weight_1m": (10**9, 60.0)})
    # Blocks of 120 units, as Binance's 2,400 weight a minute gives at the default share.
    leased = LeasedBudget(RayBudget(server), share=120 / 10**9)
    ways = {"reserve alone (the floor)": (RayBudget(server), False),
            "reserve + observe awaited (before)": (AwaitedObserve(server), True),
            "reserve + observe posted (RayBudget)": (RayBudget(server), True),
            "leased blocks + observe posted (now)": (leased, True)}
    samples: dict[str, list[float]] = {name: [] for name in ways}
    await timed(RateLimiter(RayBudget(server)), 100, True)     # warm-up: the actor's worker, the connection
    for _ in range(rounds):
        for name, (budget, observe) in ways.items():
            samples[name] += await timed(RateLimiter(budget), requests, observe)
    await server.counters.remote()     # every posted observation has been taken before the actor goes
    ray.kill(server)
    print(f"budget per request: {requests:,} requests x {rounds} round(s), one BudgetServer actor, local Ray; "
          f"leased: {leased.counters['leases']} lease call(s) for {leased.counters['local']:,} requests")
    base = quantile(samples["reserve + observe awaited (before)"], 0.5)
    for name, values in samples.items():
        p50, p99 = quantile(values, 0.5), quantile(values, 0.99)
        print(f"  {name:<38}: p50 {p50:7.0f} us  p99 {p99:7.0f} us  ratio p50 {p50 / base:.2f} of before")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per way and round (default 2000)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, the ways alternating (default 3)")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.rounds < 1:
        parser.error("--requests and --rounds must be at least 1")
    if args.quick:
        args.requests, args.rounds = 200, 1
    run_in_local_ray(bench(args.requests, args.rounds), "bench-budget")
    return 0


if __name__ == "__main__":
    sys.exit(main())
