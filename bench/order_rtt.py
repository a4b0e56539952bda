"""Benchmark: an order's round trip through the farm, beside a bare aiohttp request to the same simulator.

Ours: the ``order_probe`` strategy actor (strategies/order_probe.py) places a post-only bid 2 % below the
touch on Binance's simulator and cancels it once the venue has it, again and again. Each request is timed by
the strategy actor as every strategy's is: from its send on the order socket to the engine's reply, which
carries the venue's answer (strategy -> ZeroMQ -> engine -> the account's leased rate-limit budget -> signed
REST request -> simulator -> response -> engine -> ZeroMQ -> strategy).

Baseline, in the same run, against the same simulator endpoint: the same signed requests (POST, then DELETE
``/fapi/v1/order``) from a plain aiohttp session in this process, one at a time, each timed around its
``await``, paced as the probe paces its cycles. The two run one after the other (the probe first), never
together. Both go into the same log-bucket histogram (about 4 % wide); p50 and p99 are its bucket edges.
Aims (issue 19): p50 within 1.5x the bare request, p99 within 2x. Progress goes to stderr, figures to stdout.

A second baseline, measured after the others in the same run: the design's order hop alone, a bare pyzmq
DEALER -> ROUTER -> DEALER round trip between two processes (``bench/bus.py``'s raw peers, the same request and
reply frames, nothing else done), paced like the probe: two back to back, then the pause. Ours makes that
round trip too (strategy -> engine, engine -> strategy) on top of the venue's request, so the bare request plus
it is the least the design's path can take here; the benchmark prints that floor and our ratio to it.

    python bench/order_rtt.py [--requests 400] [--warmup 40] [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp  # noqa: E402

from bench import bus  # noqa: E402
from bench.local_ray import run_in_local_ray  # noqa: E402
from bench.pipeline import merged, progress  # noqa: E402
from exchanges.binance.auth import API_KEY_HEADER, signed_query  # noqa: E402
from tradesys.aio import wait_until  # noqa: E402
from tradesys.launcher.farm import Farm  # noqa: E402
from tradesys.metrics import Histogram  # noqa: E402

SYMBOL, TICK, SIZE = "BTCUSDT", Decimal("0.1"), "0.010"
PROBE = "order_probe"
PAUSE_S = 0.05           # between cycles, for both: the probe's pause_seconds
AIM_P50, AIM_P99 = 1.5, 2.0


async def ours(farm: Farm, warmup: int, requests: int) -> Histogram:
    """The probe's round trips after ``warmup`` requests, until ``requests`` more have been answered."""
    # The probe's own counters, a few times a second: its ``status`` builds every order's view, and asked ten
    # times a second it took an eighth of the probe's CPU, in bursts that landed in the round trips measured.
    async def replies() -> int:
        return (await farm.call(PROBE, "counters")).get("replies", 0)

    await wait_until(lambda: _at_least(replies, warmup), "the probe's warm-up", timeout=120, every=0.25)
    await farm.call(PROBE, "latency_buckets", True)
    start = await replies()
    await wait_until(lambda: _at_least(replies, start + requests), f"{requests} round trips", timeout=300,
                     every=0.25)
    return merged([await farm.call(PROBE, "latency_buckets", False, "order_round_trip")])


async def bare(rest: str, api_key: str, api_secret: str, warmup: int, requests: int) -> Histogram:
    """The same requests from a plain aiohttp session: POST a far bid, DELETE it, paced like the probe."""
    histogram, headers, sent = Histogram(), {API_KEY_HEADER: api_key}, 0
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{rest}/fapi/v1/ticker/bookTicker", params={"symbol": SYMBOL}) as response:
            best_bid = Decimal((await response.json())["bidPrice"])
        price = (best_bid * Decimal("0.98") / TICK).to_integral_value(ROUND_FLOOR) * TICK

        async def timed(method: str, params: list[tuple[str, str]]) -> None:
            nonlocal sent
            params = params + [("timestamp", str(time.time_ns() // 1_000_000))]
            url = f"{rest}/fapi/v1/order?{signed_query(params, api_secret)}"
            begin = time.perf_counter_ns()
            async with session.request(method, url, headers=headers) as response:
                body = await response.read()
            elapsed = time.perf_counter_ns() - begin
            if response.status != 200:
                raise RuntimeError(f"the simulator refused the bare {method}: {response.status} {body[:200]!r}")
            sent += 1
            if sent > warmup:
                histogram.add(elapsed)

        cycle = 0
        while sent < warmup + requests:
            cycle += 1
            cid = f"bare-{cycle}"
            await timed("POST", [("symbol", SYMBOL), ("side", "BUY"), ("type", "LIMIT"), ("timeInForce", "GTX"),
                                 ("quantity", SIZE), ("price", f"{price:f}"), ("newClientOrderId", cid)])
            await timed("DELETE", [("symbol", SYMBOL), ("origClientOrderId", cid)])
            await asyncio.sleep(PAUSE_S)     # time itself: the probe's pause between cycles
    return histogram


async def bare_zeromq(warmup: int, requests: int) -> Histogram:
    """The order hop alone: bare pyzmq round trips to a ROUTER in another process, paced like the probe."""
    endpoint_q, stop = bus.SPAWN.Queue(), bus.SPAWN.Event()
    server = bus.SPAWN.Process(target=bus.round_trip_server, args=("raw", endpoint_q, stop), daemon=True)
    server.start()
    try:
        endpoint = await asyncio.to_thread(endpoint_q.get, timeout=30)
        samples = await asyncio.to_thread(bus.raw_round_trips, endpoint, requests, warmup, pause_every=2,
                                          pause_s=PAUSE_S)
    finally:
        stop.set()
        await asyncio.to_thread(server.join, 30)
    histogram = Histogram()
    for microseconds in samples:
        histogram.add(int(microseconds * 1000))
    return histogram


async def _at_least(read, target: int) -> bool:
    return await read() >= target


def us(ns: float) -> str:
    return f"{ns / 1000:7,.0f} us"


async def bench(requests: int, warmup: int) -> None:
    cycles = (warmup + requests) // 2 + 20      # a margin: the measurement ends on a count, not on the probe
    with tempfile.TemporaryDirectory() as tmp:
        async with Farm(Path(tmp) / "run", f"exchange.binance.symbols=[{SYMBOL}]", f"strategy=[{PROBE}]",
                        f"strategy.{PROBE}.params.cycles={cycles}",
                        f"strategy.{PROBE}.params.pause_seconds={PAUSE_S}") as farm:
            progress("farm up: the probe places and cancels")
            probe = await ours(farm, warmup, requests)
            progress(f"probe: {probe.count} round trips measured; now the bare requests")
            await wait_until(lambda: _probe_done(farm, cycles), "the probe's last cycle", timeout=60, every=0.2)
            sim = next(spec.args[0] for spec in farm.plan if spec.name == "sim-binance")
            rest = farm.launcher.directory["sim-binance"]["sim rest"]
            baseline = await bare(rest, sim.api_key, sim.api_secret, warmup, requests)
            progress(f"bare: {baseline.count} requests measured")
            hop = await bare_zeromq(warmup, requests)     # with the farm still up, as the others were measured
            progress(f"bare ZeroMQ: {hop.count} round trips measured")
    print(f"Order round trip on the Binance simulator ({SYMBOL}: a post-only bid 2 % below the touch, then its "
          f"cancel), {requests:,} requests each after {warmup} warm-up, {PAUSE_S * 1000:.0f} ms between cycles")
    b50, b99, o50, o99 = (h.quantile(q) for h in (baseline, probe) for q in (0.5, 0.99))
    print(f"  baseline bare aiohttp request to the simulator        : p50 {us(b50)}  p99 {us(b99)}  "
          f"({baseline.count:,} requests)")
    print(f"  tradesys strategy -> engine -> simulator -> strategy  : p50 {us(o50)}  p99 {us(o99)}  "
          f"({probe.count:,} requests)  ratio p50 {o50 / b50:.2f}x (aim {AIM_P50}x), p99 {o99 / b99:.2f}x "
          f"(aim {AIM_P99}x)")
    h50, h99 = hop.quantile(0.5), hop.quantile(0.99)
    print(f"  baseline bare ZeroMQ DEALER <-> ROUTER round trip      : p50 {us(h50)}  p99 {us(h99)}  "
          f"({hop.count:,} round trips, paced alike)")
    print(f"  floor of the design's path (bare request + bare hop)  : p50 {us(b50 + h50)}  = {(b50 + h50) / b50:.2f}x "
          f"the bare request; ours is {o50 / (b50 + h50):.2f}x the floor", flush=True)


async def _probe_done(farm: Farm, cycles: int) -> bool:
    """Every cycle placed and answered, nothing open: from here the simulator serves the bare requests alone."""
    counters = await farm.call(PROBE, "counters")
    return (counters["oms_new"] >= cycles and counters["open_orders"] == 0
            and counters.get("replies", 0) >= counters.get("requests", 0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="round trips measured each way (default 400)")
    parser.add_argument("--warmup", type=int, default=40, help="round trips before measuring (default 40)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 40 requests after 10 warm-up")
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.warmup = 40, 10
    run_in_local_ray(bench(args.requests, args.warmup), "tradesys-order-rtt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
