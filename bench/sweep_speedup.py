"""Benchmark: a sweep's speed-up on Ray with 1, 2 and 4 jobs at once, beside the same jobs one after another.

Four backtests of ``bench/market_recording.py``'s market (``--frames`` depth frames), one per value of
``mm_btc``'s half spread, run as one sweep (``run.py -m``, the ``tradesys_ray`` launcher on a local Ray)
with ``hydra.launcher.max_parallel`` 1, 2 and 4; baseline, in the same run: the same four as four
``run.py mode=backtest`` commands one after another. Wall time of each, from the command to its exit (Ray's
start included: a sweep pays it once, the commands pay their own start-up each). Speed-up = the
baseline's wall time over the sweep's. On this machine's 2 cores, 4 at once cannot beat 2 at once.
Progress to stderr, figures to stdout.

    python bench/sweep_speedup.py [--frames 6000] [--parallel 1,2,4] [--quick]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.market_recording import write  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SPREADS = ("0.01", "0.3", "1", "2")


def run(args: list[str], timeout: float = 900) -> float:
    began = time.perf_counter()
    flags = [a for a in args if a.startswith("-")]          # Hydra takes its flags before the overrides
    overrides = [a for a in args if not a.startswith("-")]
    done = subprocess.run([sys.executable, "run.py", *flags, "exchange=binance", "strategy=[mm_btc]",
                           "status.display=off", *overrides], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"run.py {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return time.perf_counter() - began


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=6_000)
    parser.add_argument("--parallel", default="1,2,4")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    args = parser.parse_args(argv)
    frames = 1_000 if args.quick else args.frames
    widths = [2] if args.quick else [int(n) for n in args.parallel.split(",")]
    spreads = SPREADS[:2] if args.quick else SPREADS
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        market = Path(tmp) / "market"
        _, simulated = write(market, frames)
        print(f"{len(spreads)} backtests of {simulated:,.0f} simulated seconds each", flush=True)
        print("baseline: one after another ...", file=sys.stderr)
        sequential = sum(run(["mode=backtest", f"recording={market}", f"hydra.run.dir={tmp}/seq{n}",
                              f"strategy.mm_btc.params.half_spread_bps={spread}"])
                         for n, spread in enumerate(spreads))
        print(f"baseline, {len(spreads)} run.py backtests one after another: {sequential:.1f} s", flush=True)
        for width in widths:
            print(f"sweep, {width} at once ...", file=sys.stderr)
            wall = run(["-m", "mode=backtest", f"recording={market}", f"hydra.sweep.dir={tmp}/sweep{width}",
                        f"hydra.launcher.max_parallel={width}",
                        f"strategy.mm_btc.params.half_spread_bps={','.join(spreads)}"])
            print(f"sweep on Ray, {width} job(s) at once: {wall:.1f} s, {sequential / wall:.2f}x the baseline",
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
