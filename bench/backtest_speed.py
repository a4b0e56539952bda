"""Benchmark: backtest speed, in simulated seconds per wall second.

A recording of a realistic BTCUSDT market (``bench/market_recording.py``: a 1,000-level book, a depth frame
every ~100 ms, trades at the touch), backtested with ``mm_btc`` (the sample market maker, at the touch so
it trades) and with ``--instances`` copies of it, in this process (``tradesys.backtest.runner.Backtest``,
as ``run.py mode=backtest`` runs it, without the start-up). Baseline, in the same run: reading and decoding
the same recording's market messages in time order (``Tape``), which every backtest does first; the ratio
says what the matching engine, the queue model, the strategies and their Mini OMS add. Progress to stderr,
figures to stdout.

    python bench/backtest_speed.py [--frames 20000] [--instances 1,4] [--quick]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.market_recording import write  # noqa: E402
from tradesys.backtest.runner import Backtest  # noqa: E402
from tradesys.backtest.tape import Tape  # noqa: E402
from tradesys.config import load  # noqa: E402


def tape_seconds(root: Path) -> tuple[float, int]:
    began = time.perf_counter()
    rows = sum(1 for _ in Tape(root / "recordings", "binance", ["BTCUSDT"]).rows())
    return time.perf_counter() - began, rows


def backtest(root: Path, out: Path, instances: int) -> dict:
    _, app = load(["mode=backtest", f"backtest.recording={root}", "exchange=binance", "strategy=[mm_btc]",
                   f"strategy.mm_btc.instances={instances}", "strategy.mm_btc.params.half_spread_bps=0.01",
                   "status.display=off"])
    began = time.perf_counter()
    summary = Backtest(app, out).run()
    summary["wall_with_setup"] = time.perf_counter() - began
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=20_000, help="depth frames (one per ~100 simulated ms)")
    parser.add_argument("--instances", default="1,4", help="market makers per backtest, comma-separated")
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    args = parser.parse_args(argv)
    frames = 1_500 if args.quick else args.frames
    counts = [1] if args.quick else [int(n) for n in args.instances.split(",")]
    with tempfile.TemporaryDirectory(prefix="bench-backtest-") as tmp:
        root = Path(tmp) / "market"
        print(f"writing a recording of {frames} depth frames ...", file=sys.stderr)
        messages, simulated = write(root, frames)
        baseline, rows = tape_seconds(root)
        print(f"recording: {messages:,} market messages, {simulated:,.0f} simulated seconds", flush=True)
        print(f"baseline, reading and decoding them in time order: {baseline:.2f} s "
              f"({rows / baseline:,.0f} messages/s, {simulated / baseline:,.0f} simulated s per wall s)", flush=True)
        for n in counts:
            print(f"backtest with {n} market maker(s) ...", file=sys.stderr)
            summary = backtest(root, Path(tmp) / f"bt{n}", n)
            run = summary["backtest"]
            fills = sum(s["fills"] for s in summary["strategies"].values())
            print(f"backtest, {n} market maker(s): {run['wall_seconds']:.2f} s "
                  f"({run['speed']:,.0f} simulated s per wall s, {run['messages'] / run['wall_seconds']:,.0f} "
                  f"messages/s, {fills} fills, {run['events']:,} events); {run['wall_seconds'] / baseline:.1f}x the "
                  f"baseline; {summary['wall_with_setup']:.2f} s with its setup", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
