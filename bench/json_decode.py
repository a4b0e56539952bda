"""Benchmark: decoding Binance depth frames with json, orjson and msgspec (untyped and typed).

Frames are the real combined-stream depth messages of the captures in
../shared/fixtures/binance (payload bytes as received), plus the same shape
widened to 20 levels a side. Prints microseconds per frame (best of 5 timings)
and the speed-up against the standard library's json, all measured in this run.

    python bench/json_decode.py [--fixtures DIR] [--rounds 200]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import msgspec
import orjson

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "binance"


class DepthUpdate(msgspec.Struct):
    """The venue's depthUpdate event, field names verbatim."""

    e: str
    E: int
    T: int
    s: str
    U: int
    u: int
    pu: int
    b: list[tuple[str, str]]
    a: list[tuple[str, str]]


class CombinedFrame(msgspec.Struct):
    stream: str
    data: DepthUpdate


def captured_depth_frames(fixtures: Path) -> list[bytes]:
    frames = []
    for path in sorted(fixtures.glob("*_capture.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            if record["kind"] == "ws" and "@depth" in record["payload"]["stream"]:
                # Compact separators, keys in file order: the bytes as the venue sent them.
                frames.append(json.dumps(record["payload"], separators=(",", ":")).encode())
    return frames


def twenty_level_frame(template: bytes) -> bytes:
    payload = json.loads(template)
    data = payload["data"]
    data["b"] = [[f"{65000.0 - i / 10:.1f}", f"{1 + i * 0.137:.3f}"] for i in range(20)]
    data["a"] = [[f"{65000.1 + i / 10:.1f}", f"{1 + i * 0.151:.3f}"] for i in range(20)]
    return json.dumps(payload, separators=(",", ":")).encode()


def per_frame_us(decode, frames: list[bytes], rounds: int, repeats: int = 5) -> float:
    """Best of ``repeats`` timings: the least disturbed by other work on the machine."""
    for frame in frames:  # warm-up
        decode(frame)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(rounds):
            for frame in frames:
                decode(frame)
        best = min(best, time.perf_counter() - start)
    return best / (rounds * len(frames)) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fixtures", type=Path, default=DEFAULT_FIXTURES)
    parser.add_argument("--rounds", type=int, default=100)
    args = parser.parse_args(argv)
    captured = captured_depth_frames(args.fixtures)
    if not captured:
        print(f"no depth frames found under {args.fixtures}", file=sys.stderr)
        return 1
    typed = msgspec.json.Decoder(CombinedFrame)
    untyped = msgspec.json.Decoder()
    decoders = {"json (stdlib)": json.loads, "orjson": orjson.loads, "msgspec untyped": untyped.decode,
                "msgspec typed Struct": typed.decode}
    wide = [twenty_level_frame(captured[0])] * 200
    for title, frames, rounds in (("captured depth frames", captured, args.rounds),
                                  ("20-level depth frames", wide, max(1, args.rounds // 2))):
        size = sum(map(len, frames)) / len(frames)
        print(f"{title}: {len(frames)} frames, {size:.0f} B average")
        baseline = None
        for name, decode in decoders.items():
            us = per_frame_us(decode, frames, rounds)
            baseline = baseline or us
            print(f"  {name:<22} {us:6.2f} us/frame   {baseline / us:4.1f}x json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
