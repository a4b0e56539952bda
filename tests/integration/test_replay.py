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


def replay(run, venue: str, symbols: set[str]) -> None:
    """``python -m tradesys.recording replay`` of a real run.py run: every symbol's books compared at more
    than ten update ids, and identical."""
    done = subprocess.run([sys.executable, "-m", "tradesys.recording", "replay", str(run)], capture_output=True,
                          text=True, timeout=180, cwd=launch.ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    counts = {line.split()[1].rstrip(":"): int(line.split()[2].replace(",", "")) for line in done.stdout.splitlines()
              if line.startswith(f"{venue} ") and "compared" in line}
    assert set(counts) == symbols and min(counts.values()) > 10, done.stdout
    assert f"{venue}: identical" in done.stdout


def test_a_runs_raw_frames_rebuild_its_books_through_the_venues_own_subscriber(recorded_run):
    run = recorded_run
    replay(run, "binance", {"BTCUSDT", "ETHUSDT"})

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


def test_a_deribit_runs_raw_frames_rebuild_its_books_through_its_json_rpc_subscriber(deribit_run):
    # Deribit's subscriber asks and waits (numbered JSON-RPC requests; channels named when subscribed): the
    # replay answers each request with the answer recorded for its id, and a channel's data once it is asked.
    replay(deribit_run, "deribit", {"BTC-PERPETUAL", "ETH-PERPETUAL"})


def test_a_grvt_runs_raw_frames_rebuild_its_books_with_its_instrument_list_served_again(grvt_run):
    # GRVT's subscriber asks the market-data host for its instruments (a POST with a public JSON query) before
    # it subscribes: the recording keeps that answer as a raw frame, and one loopback host plays every GRVT host.
    replay(grvt_run, "grvt", {"BTC_USDT_Perp", "ETH_USDT_Perp"})
