"""Fuzz: every reader of outside bytes fed malformed input, ten thousand examples per target by default.

Targets (tests/fuzz/targets.py): each venue's market-data and account stream readers (the text frame where
the socket would deliver it: Binance, Deribit, GRVT), the bus subscriber (multipart messages from a raw
ZeroMQ PUB socket: bad headers, unknown kinds, truncated bodies, missing or extra frames) and the order
server (raw requests from a DEALER socket). An input that escapes a reader as an exception, or that is
neither handed on nor counted as malformed, stops the run with Hypothesis's smallest such input and exit 1.

Prints per target: examples run, how many were not JSON, how many the reader counted as malformed, how
many it handed on, and the time taken. The suite runs a few hundred per target (tests/fuzz/test_fuzz.py).

    python bench/fuzz.py [--examples 10000] [--target grvt.market ...] [--quick]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.targets import TARGETS, run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=10_000, help="examples per target (default 10000)")
    parser.add_argument("--target", action="append", choices=TARGETS, help="a target (repeat; default: all)")
    parser.add_argument("--quick", action="store_true", help="200 examples per target: a smoke run")
    args = parser.parse_args()
    examples = 200 if args.quick else args.examples
    # Every malformed input is logged by the reader: that is tested elsewhere; here it would be the output.
    logging.disable(logging.CRITICAL)
    started = time.perf_counter()
    print(f"fuzz: {examples} examples per target", flush=True)
    failed = []
    for target in args.target or TARGETS:
        print(f"  {target} ...", file=sys.stderr, flush=True)
        try:
            report = run(target, examples)
        except Exception as exc:  # the smallest failing input, as Hypothesis reports it
            failed.append(target)
            print(f"{target:<18} FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        print(report.line(), flush=True)
    print(f"fuzz: {len(args.target or TARGETS) - len(failed)} targets clean, {len(failed)} failed "
          f"in {time.perf_counter() - started:.0f} s", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
