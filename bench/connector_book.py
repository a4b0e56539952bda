"""The part every connector benchmark shares: its command line, and the book section of its report (the
venue's generated book frames through our path beside a json.loads + Decimal dict book, best of N)."""

from __future__ import annotations

import argparse
import gc


def arguments(description: str, argv: list[str] | None, *, orders: int, quick_orders: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--orders", type=int, default=orders)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="a short smoke run (CI)")
    args = parser.parse_args(argv)
    if args.quick:
        args.frames, args.orders, args.repeats = 2_000, quick_orders, 2
    return args


def report_books(title: str, frames: list[bytes], count: int, baseline, ours, repeats: int) -> None:
    """Time ``baseline(frames)`` and ``ours(frames)`` (each returns the seconds its ``count`` timed frames
    took), best of ``repeats``; print both rates and the ratio."""
    gc.collect()
    print(f"{title}, best of {repeats}")
    base = min(baseline(frames) for _ in range(repeats))
    mine = min(ours(frames) for _ in range(repeats))
    print(f"  baseline json.loads + Decimal dict book: {count / base:>10,.0f} frames/s "
          f"{base / count * 1e6:6.2f} us/frame")
    print(f"  tradesys decode -> parse -> book       : {count / mine:>10,.0f} frames/s "
          f"{mine / count * 1e6:6.2f} us/frame"
          f"  ratio {base / mine:.2f}x the baseline")
