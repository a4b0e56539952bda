"""A run's recorded raw frames replayed through the venue's own subscriber, over loopback sockets, rebuild
the books the run published, level for level; a frame changed in the recording shows as a difference."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import subprocess
import sys

from omegaconf import OmegaConf

from tests.integration import launch
from tradesys.config.load import load
from tradesys.recording.books import compare, published_states, replayed_states
from tradesys.recording.replay import raw_events


def test_a_runs_raw_frames_rebuild_its_books_through_the_venues_own_subscriber(tmp_path):
    run = tmp_path / "run"
    code, _, err = launch.finish(launch.start(run, "duration=6s"))
    assert code == 0, err
    done = subprocess.run([sys.executable, "-m", "tradesys.recording", "replay", str(run)], capture_output=True,
                          text=True, timeout=180, cwd=launch.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = {line.split()[1].rstrip(":"): int(line.split()[2].replace(",", "")) for line in done.stdout.splitlines()
              if line.startswith("binance ") and "compared" in line}
    assert set(counts) == {"BTCUSDT", "ETHUSDT"} and min(counts.values()) > 10, done.stdout
    assert "binance: identical" in done.stdout

    # The same replay with one level of one depth frame changed: the books part from there on.
    config = load(list(OmegaConf.load(run / ".hydra" / "overrides.yaml")))[1].exchange["binance"]
    events = raw_events(run / "recordings", "binance")
    index = next(i for i, e in enumerate(events)
                 if b"depthUpdate" in e.data and b'"BTCUSDT"' in e.data and i > len(events) // 2
                 and json.loads(e.data)["data"]["b"])
    frame = json.loads(events[index].data)
    price, size = frame["data"]["b"][0]
    frame["data"]["b"][0] = [price, str(float(size) + 1.0) if float(size) else "1.000"]
    events[index] = dataclasses.replace(events[index], data=json.dumps(frame, separators=(",", ":")).encode())
    result = compare(published_states(run / "recordings", "binance"),
                     asyncio.run(replayed_states(run / "recordings", config, events=events)))
    assert result.differ["BTCUSDT"] and not result.differ["ETHUSDT"] and not result.identical


def test_a_deribit_runs_raw_frames_rebuild_its_books_through_its_json_rpc_subscriber(tmp_path):
    # Deribit's subscriber asks and waits (numbered JSON-RPC requests; channels named when subscribed): the
    # replay answers each request with the answer recorded for its id, and a channel's data once it is asked.
    run = tmp_path / "run"
    code, _, err = launch.finish(launch.start(run, "exchange=deribit", "duration=5s"))
    assert code == 0, err
    done = subprocess.run([sys.executable, "-m", "tradesys.recording", "replay", str(run)], capture_output=True,
                          text=True, timeout=180, cwd=launch.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = {line.split()[1].rstrip(":"): int(line.split()[2].replace(",", "")) for line in done.stdout.splitlines()
              if line.startswith("deribit ") and "compared" in line}
    assert set(counts) == {"BTC-PERPETUAL", "ETH-PERPETUAL"} and min(counts.values()) > 10, done.stdout
    assert "deribit: identical" in done.stdout
