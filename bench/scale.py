"""Benchmark: N strategies on one worker host, then spread over two, on a Ray cluster of namespace hosts.

The cluster is the one tests/cluster/ builds: a head and two worker "hosts", each a Linux network
namespace with its own address, joined by a bridge, Ray started on each by cluster.yaml's `ray start`
commands with the cluster's token (run as root: it makes namespaces). On it, `run.py cluster=remote` runs
the Binance simulator stepping fast with real-time depth diffs and the venue's services on the head, and
N ``book_probe`` strategies (they read every book update, and never trade) on the workers:

- **one**: all N on the first worker (``strategy.probe.spread=false``);
- **two**: the N spread over both workers (``spread=true``), the baseline's same farm otherwise.

After a warm-up, a measurement window per layout; per node it reports the strategies' delivered book
updates per second, wire-to-strategy latency (the market server's socket read -> the strategy's
``on_book``) p50 and p99 over the node's strategies, CPU used by every process of that host (percent of
one core, and per update delivered), and what was lost (gaps in the sequence, updates dropped). The
ratio line compares the two layouts measured in the same run, beside the ratio of their source rates: the
simulator's market is random, so how many book updates a second it makes differs from run to run.

What it can and cannot show on one machine: the "hosts" share this machine's CPUs, so a second host adds
no CPU and the totals cannot grow with it; what it shows is that the work moves (a host's CPU and
updates split over two), that every strategy on either host reads every update with nothing lost or out
of sequence, and how latency and CPU per update behave as N grows on one host or on two. In both layouts
every update crosses the bridge from the head. On real machines a second host adds its cores.

    sudo python bench/scale.py [--strategies 4,8,16] [--window 20] [--warmup 200] [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.pipeline import merged  # noqa: E402
from tests.cluster.farm_hosts import Cluster, wait_nodes  # noqa: E402
from tests.cluster.hosts import sweep  # noqa: E402

FARM = ("exchange=binance", "exchange.binance.symbols=[BTCUSDT]", "exchange.binance.sim_step_seconds=0.01",
        "exchange.binance.depth_update_ms=0", "strategy=[probe]", "recording.enabled=false",
        "status.heartbeat_seconds=0.5")
LOSS_COUNTERS = ("gaps", "book_drops", "missed")
SOURCE = "market-binance"      # the book updates every strategy reads: its published count is the source rate


# -- inside the head host: a Ray driver that reads the strategies over the window -------------------------

def measure(spec: dict) -> dict:
    """Wait for every strategy's warm-up, start their histograms afresh, count over the window; CPU of each
    host's processes over the same window. Runs on the head (``--measure``), printing the result as JSON."""
    import ray

    ray.init(address=spec["address"], namespace="tradesys", log_to_driver=False, configure_logging=False)
    handles = {name: ray.get_actor(name) for name in spec["strategies"]}
    source = ray.get_actor(SOURCE)

    def counters() -> dict[str, dict]:
        return {name: status["counters"] for name, status in
                zip(handles, ray.get([h.status.remote() for h in handles.values()], timeout=30))}

    deadline = time.monotonic() + 120
    while min(c["book_updates"] for c in counters().values()) < spec["warmup"]:
        if time.monotonic() > deadline:
            raise SystemExit("the strategies did not warm up within 120 s")
        time.sleep(0.2)         # time itself: book updates arriving
    ray.get([h.latency_buckets.remote(True) for h in handles.values()], timeout=30)
    published = [ray.get(source.status.remote(), timeout=30)["counters"]["published_book"]]
    first, cpu_first, t0 = counters(), cpu_ticks(spec["namespaces"]), time.monotonic()
    time.sleep(spec["window"])  # the measurement window
    last, cpu_last, t1 = counters(), cpu_ticks(spec["namespaces"]), time.monotonic()
    published.append(ray.get(source.status.remote(), timeout=30)["counters"]["published_book"])
    buckets = dict(zip(handles, ray.get([h.latency_buckets.remote() for h in handles.values()], timeout=30)))
    ray.shutdown()
    ticks = os.sysconf("SC_CLK_TCK")
    return {"seconds": t1 - t0, "published": published[1] - published[0],
            "strategies": {name: {"updates": last[name]["book_updates"] - first[name]["book_updates"],
                                  "lost": sum(last[name].get(k, 0) - first[name].get(k, 0) for k in LOSS_COUNTERS),
                                  "buckets": buckets[name]} for name in handles},
            "cpu": {host: 100 * (cpu_last[host] - cpu_first[host]) / ticks / (t1 - t0) for host in cpu_first}}


def cpu_ticks(namespaces: dict[str, str]) -> dict[str, int]:
    """User + system clock ticks so far of every process in each host's namespace (the PID namespace is
    shared, only the network is not)."""
    out = {}
    for host, namespace in namespaces.items():
        pids = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True,
                              timeout=30).stdout.split()
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue        # gone meanwhile
            total += int(fields[11]) + int(fields[12])      # utime, stime
        out[host] = total
    return out


# -- outside: the cluster, the farm per layout, the report ------------------------------------------------

def run_layout(cluster: Cluster, n: int, spread: bool, window: float, warmup: int, run_dir: Path) -> dict:
    proc = cluster.launch(run_dir, *FARM, f"strategy.probe.instances={n}", f"strategy.probe.spread={spread}",
                          "duration=600s")
    output: list[str] = []
    threading.Thread(target=lambda: output.extend(proc.stdout), daemon=True).start()
    try:
        actors = wait_for_actors(run_dir / "actors.json", proc, output)
        names = ["probe"] if n == 1 else [f"probe_{i}" for i in range(1, n + 1)]
        spec = {"address": cluster.address, "strategies": names, "warmup": warmup, "window": window,
                "namespaces": {cluster.hosts.address[h]: cluster.hosts.namespace(h) for h in cluster.hosts.names}}
        done = cluster.hosts.run(cluster.head, f"cd {ROOT} && {sys.executable} bench/scale.py --measure "
                                 f"'{json.dumps(spec)}'", cluster.env(RAY_AUTH_MODE="token"), timeout=window + 240)
        if done.returncode:
            raise SystemExit(f"the measurement on the head failed:\n{done.stderr[-3000:]}")
        result = json.loads(done.stdout.strip().splitlines()[-1])
        result["node"] = {name: actors[name]["node"] for name in names}
        return result
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for_actors(path: Path, proc: subprocess.Popen, output: list[str], timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("the farm did not start:\n" + "".join(output[-30:]) + proc.stderr.read()[-3000:])
        time.sleep(0.5)         # time itself: the farm starting
    return json.loads(path.read_text())


def per_node(result: dict, hosts: dict[str, str]) -> list[dict]:
    """One row per host: its strategies' updates/s, latency and losses; its processes' CPU."""
    rows = []
    for address, host in hosts.items():
        mine = [s for s, node in result["node"].items() if node == address]
        figures = [result["strategies"][s] for s in mine]
        rows.append({"address": address, "host": host, "strategies": len(mine),
                     "rate": sum(f["updates"] for f in figures) / result["seconds"],
                     "latency": merged([f["buckets"] for f in figures]),
                     "lost": sum(f["lost"] for f in figures), "cpu": result["cpu"][address]})
    return rows


def us(ns: float) -> str:
    return f"{ns / 1000:7.0f} us"


def report(n: int, layouts: dict[str, dict], hosts: dict[str, str]) -> None:
    totals = {}
    for layout, result in layouts.items():
        rows = per_node(result, hosts)
        source = result["published"] / result["seconds"]
        delivered = sum(f["updates"] for f in result["strategies"].values())
        print(f"N={n:<3} {layout:<4} source: {SOURCE} published {source:9,.0f} book updates/s; the strategies read "
              f"{delivered / max(n * result['published'], 1):.1%} of N x that", flush=True)
        for row in rows:
            where = f"{row['address']} ({row['host']})"
            if row["strategies"]:
                print(f"N={n:<3} {layout:<4} {where:<20} strategies {row['strategies']:>3}  {row['rate']:9,.0f} "
                      f"updates/s ({row['rate'] / row['strategies']:6,.0f} each)  wire->on_book p50 "
                      f"{us(row['latency'].quantile(0.5))} p99 {us(row['latency'].quantile(0.99))}  CPU "
                      f"{row['cpu']:5.0f}% ({row['cpu'] * 1e4 / max(row['rate'], 1e-9):4.0f} us/update)  "
                      f"lost {row['lost']}", flush=True)
            else:
                print(f"N={n:<3} {layout:<4} {where:<20} strategies   0  {'':>9}            {'':>15}{'':>40}  "
                      f"CPU {row['cpu']:5.0f}%", flush=True)
        every = merged([f["buckets"] for f in result["strategies"].values()])
        totals[layout] = (sum(r["rate"] for r in rows), every, sum(r["lost"] for r in rows), source)
    (rate1, lat1, lost1, source1), (rate2, lat2, lost2, source2) = totals["one"], totals["two"]
    p50 = lat2.quantile(0.5) / max(lat1.quantile(0.5), 1)
    p99 = lat2.quantile(0.99) / max(lat1.quantile(0.99), 1)
    print(f"N={n:<3} two/one: updates/s {rate2 / max(rate1, 1e-9):.2f}x (source {source2 / max(source1, 1e-9):.2f}x)  "
          f"p50 {p50:.2f}x  p99 {p99:.2f}x  "
          f"lost one={lost1} two={lost2}", flush=True)


_STARTED = time.monotonic()


def progress(what: str) -> None:
    """Where a long run stands, on stderr (the figures stay alone on stdout)."""
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {what}", file=sys.stderr, flush=True)


def bench(strategies: list[int], window: float, warmup: int) -> None:
    sweep()
    with Cluster() as cluster:
        wait_nodes(cluster, 3)
        hosts = {cluster.hosts.address[h]: "head" if h == cluster.head else f"worker{i}"
                 for i, h in enumerate(cluster.hosts.names)}
        progress("cluster up: a head and two workers")
        print(f"scale: N book_probe strategies on 1 worker host vs spread over 2 (network namespaces on this "
              f"{os.cpu_count()}-CPU machine: the hosts share its CPUs); {window:g} s window after {warmup} updates "
              f"of warm-up", flush=True)
        with tempfile.TemporaryDirectory(prefix="tss", dir="/tmp") as tmp:
            for n in strategies:
                layouts = {}
                for layout, spread in (("one", False), ("two", True)):
                    layouts[layout] = run_layout(cluster, n, spread, window, warmup, Path(tmp) / f"{n}-{layout}")
                    progress(f"N={n} {layout} measured")
                report(n, layouts, hosts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", default="4,8,16", help="comma-separated N values (default 4,8,16)")
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured per layout (default 20)")
    parser.add_argument("--warmup", type=int, default=200, help="book updates each strategy reads first")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (the test suite): N=2, 2 s")
    parser.add_argument("--measure", help=argparse.SUPPRESS)       # the head's part (JSON spec)
    args = parser.parse_args(argv)
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure))))
        return 0
    if os.geteuid() != 0 or not shutil.which("ip"):
        parser.error("makes network namespaces: run it as root, with iproute2's `ip`")
    strategies = [int(n) for n in args.strategies.split(",")]
    if args.quick:
        strategies, args.window, args.warmup = [2], 2.0, 50
    bench(strategies, args.window, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
