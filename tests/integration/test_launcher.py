"""run.py end to end: duration, SIGTERM, a dying actor, config errors."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import urllib.request

import pytest

from tests.integration import launch
from tradesys.aio import wait_until
from tradesys.recording import read_recording


def test_a_timed_run_shows_status_records_and_exits_0(tmp_path):
    run_dir = tmp_path / "run"
    code, out, err = launch.finish(launch.start(run_dir, "duration=5s", "status.heartbeat_seconds=0.5"))
    assert code == 0, err
    assert "status t=" in out and "recorder: running" in out
    assert "stopped: duration 5s reached" in out
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_code"] == 0 and summary["exit_reason"] == "duration 5s reached"
    recorder = summary["actors"]["recorder"]
    assert recorder["state"] == "stopped" and recorder["heartbeats_seen"] >= 3
    assert read_recording(run_dir / "recordings").num_rows == recorder["counters"]["rows_written"] > 0
    assert read_recording(run_dir / "recordings", kind="heartbeat").num_rows >= 3
    # The market server's books are recorded beside the heartbeats.
    assert read_recording(run_dir / "recordings", kind="book_delta").num_rows > 0
    market = summary["actors"]["market-binance"]
    assert market["state"] == "stopped" and market["counters"]["published_book"] > 0
    # And the venue's frames they were parsed from, as they arrived, with their connection and stream.
    raw = read_recording(run_dir / "recordings", kind="raw_frame")
    assert raw.num_rows > 0 and set(raw.column("venue").to_pylist()) == {"binance"}
    frames = [json.loads(frame) for frame in raw.column("frame").to_pylist()]      # the subscriptions' answers too
    assert sum("stream" in frame for frame in frames) > len(frames) / 2
    for name in ("launcher", "recorder"):
        lines = (run_dir / "logs" / f"{name}.jsonl").read_text().splitlines()
        assert lines and all({"ts", "level", "actor", "event"} <= json.loads(line).keys() for line in lines)
    assert (run_dir / ".hydra" / "config.yaml").exists()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
async def test_a_signal_stops_cleanly_and_everything_received_is_on_disk(tmp_path, sig):
    run_dir = tmp_path / "run"
    proc = launch.start(run_dir, "status.heartbeat_seconds=0.2", "status.metrics_port=0")
    try:
        await launch.wait_for_file(run_dir / "actors.json", proc)
        if sig == signal.SIGTERM:      # one run for two tests: a launch costs seconds
            body = await _metrics_served(run_dir, proc)
        # A first batch on disk; more heartbeats keep coming, some of them still buffered in the recorder.
        await wait_until(lambda: any((run_dir / "recordings").rglob("*.arrows")), "a recorded batch on disk")
    finally:
        proc.send_signal(sig)
        code, out, err = launch.finish(proc)
    assert code == 0, err
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_reason"] == f"signal {sig.name}"
    counters = summary["actors"]["recorder"]["counters"]
    assert counters["rows_buffered"] == 0
    assert read_recording(run_dir / "recordings").num_rows == counters["rows_written"] == counters["messages"] > 0
    if sig == signal.SIGTERM:
        _assert_counters_and_latencies_served(body)


async def test_a_recorder_killed_past_its_budget_is_lost_the_run_goes_on_and_exits_3(tmp_path):
    run_dir = tmp_path / "run"
    proc = launch.start(run_dir, "status.refresh_seconds=0.5", "duration=12s", "supervision.max_restarts.recorder=0")
    actors = await launch.wait_for_file(run_dir / "actors.json", proc)
    os.kill(actors["recorder"]["pid"], signal.SIGKILL)
    code, out, err = launch.finish(proc, timeout=90)
    assert code == 3, err
    assert "actor recorder lost: died with no restart budget (0)" in out
    assert "the recording ends here; trading goes on" in out
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_code"] == 3 and summary["exit_reason"] == "duration 12s reached"
    assert summary["actors"]["recorder"]["state"] == "dead"
    assert summary["lost"]["recorder"].startswith("died with no restart budget (0)")
    # The venue was never down: the market server ran to the end.
    assert summary["venues"] == {"binance": {"state": "up"}}
    assert summary["actors"]["market-binance"]["state"] == "stopped"


async def test_losing_the_only_venue_stops_the_run_with_exit_1_naming_the_actor(tmp_path):
    run_dir = tmp_path / "run"
    proc = launch.start(run_dir, "status.refresh_seconds=0.5", "supervision.max_restarts.simulator=0")
    actors = await launch.wait_for_file(run_dir / "actors.json", proc)
    os.kill(actors["sim-binance"]["pid"], signal.SIGKILL)
    code, out, err = launch.finish(proc, timeout=90)
    assert code == 1, err
    assert "venue binance is down: sim-binance lost" in out
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_code"] == 1 and summary["exit_reason"].startswith("every venue is lost: binance: sim-binance")
    assert summary["venues"]["binance"]["state"] == "down"


def test_a_bad_config_value_stops_the_start_with_one_line_and_no_run_dir(tmp_path):
    run_dir = tmp_path / "run"
    code, out, err = launch.finish(launch.start(run_dir, "exchange.binance.endpoint=nowhere"))
    assert code == 2
    assert err.strip().splitlines() == ["config error: exchange.binance.endpoint: Invalid value 'nowhere', "
                                        "expected one of [sim, testnet, live]"]
    assert "Traceback" not in out + err
    assert not run_dir.exists()


def test_run_joins_an_existing_cluster_and_leaves_it_running(ray_cluster, tmp_path):
    run_dir = tmp_path / "run"
    address = ray_cluster.get_runtime_context().gcs_address
    code, out, err = launch.finish(launch.start(run_dir, f"cluster.address={address}", "duration=3s"))
    assert code == 0, err
    assert f"starting Ray ({address}" in out
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["actors"]["recorder"]["state"] == "stopped"
    # The launcher disconnected; the cluster it joined is still there for its owner.
    assert ray_cluster.is_initialized() and ray_cluster.cluster_resources().get("CPU") == 2


async def _metrics_served(run_dir, proc) -> str:
    """The launcher's Prometheus page, once it serves every actor's counters and the strategies' latencies."""
    url = (await launch.wait_for_file(run_dir / "launcher.json", proc))["metrics"]
    assert url.startswith("http://127.0.0.1:")
    wanted = ('counter="rows_written"', 'tradesys_wire_to_strategy_seconds_count{strategy="mm_btc"}')

    async def served() -> str | None:
        body = (await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())).decode()
        return body if all(w in body for w in wanted) else None

    return await wait_until(served, "the counters and latencies served", timeout=30, every=0.2)


def _assert_counters_and_latencies_served(body: str) -> None:
    assert 'tradesys_actor_up{actor="recorder"} 1.0' in body
    # Latency histograms of every strategy: cumulative buckets in seconds.
    assert 'tradesys_wire_to_strategy_seconds_bucket{le="0.001",strategy="mm_btc"}' in body
    assert 'tradesys_order_round_trip_seconds_bucket{le="+Inf",strategy="mm_eth"}' in body
    assert 'tradesys_actor_counter{actor="recorder",counter="messages"}' in body
    assert "tradesys_actor_heartbeat_age_seconds" in body


async def test_a_sim_venue_gets_its_simulator_started_as_an_actor(tmp_path):
    run_dir = tmp_path / "run"
    proc = launch.start(run_dir, "exchange.binance.symbols=[BTCUSDT]", "strategy=[mm_btc]")
    try:
        actors = await launch.wait_for_file(run_dir / "actors.json", proc)
        rest = actors["sim-binance"]["endpoints"]["sim rest"]
        assert rest.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(rest + "/fapi/v1/exchangeInfo", timeout=10) as response:
            info = json.loads(response.read())
        assert [s["symbol"] for s in info["symbols"]] == ["BTCUSDT"]
    finally:
        proc.send_signal(signal.SIGTERM)
        code, out, err = launch.finish(proc)
    assert code == 0, err
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["actors"]["sim-binance"]["state"] == "stopped"
    assert summary["actors"]["sim-binance"]["counters"]["open_orders"] > 0


def test_a_symbol_the_simulator_lacks_stops_the_start_in_one_line(tmp_path):
    code, out, err = launch.finish(launch.start(tmp_path / "run", "exchange.binance.symbols=[DOGEUSDT]"))
    assert code == 2
    assert err.strip() == ("config error: exchange.binance.symbols.0: the binance simulator has no DOGEUSDT; "
                           "it has BTCUSDT, ETHUSDT, CTKUSDT")


async def test_three_venues_trade_at_once_and_losing_one_for_good_leaves_the_other_two_trading_exit_3(tmp_path):
    # One run for both (a three-venue farm takes most of a minute to bring up): every venue's services and
    # strategies run and trade together; then Deribit's simulator is lost for good.
    run_dir = tmp_path / "run"
    proc = launch.start(run_dir, "exchange=[binance,deribit,grvt]", "duration=180s", "status.heartbeat_seconds=0.5",
                        "status.refresh_seconds=0.5", "supervision.max_restarts.simulator=0", "status.metrics_port=0",
                        *(f"strategy.{s}.params.half_spread_bps=0.5" for s in ("mm_btc", "mm_eth", "mm_btc_grvt",
                                                                                "mm_eth_grvt")))
    try:
        actors = await launch.wait_for_file(run_dir / "actors.json", proc, timeout=120)
        url = (await launch.wait_for_file(run_dir / "launcher.json", proc))["metrics"]

        async def fills() -> dict[str, float]:
            return {s: await launch.metric(url, f'tradesys_actor_counter{{actor="{s}",counter="fills"}}') or 0
                    for s in ("mm_btc", "mm_btc_perp", "mm_btc_grvt")}

        before = await wait_until(lambda: _all_positive(fills()), "every venue trading", timeout=90, every=0.5)
        os.kill(actors["sim-deribit"]["pid"], signal.SIGKILL)
        down = 'tradesys_actor_up{actor="market-deribit"}'
        await wait_until(lambda: _is(launch.metric(url, down), 0), "deribit's services stopped", timeout=60,
                         every=0.5)
        await wait_until(lambda: _grown(fills(), before), "binance and grvt trading on", timeout=90, every=0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        code, out, err = launch.finish(proc, timeout=120)
    assert code == 3, err
    before, _, after = out.partition("venue deribit is down: sim-deribit lost: died with no restart budget (0)")
    assert after, out[-3000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["exit_code"] == 3 and summary["exit_reason"] == "signal SIGTERM"
    assert summary["venues"]["binance"] == summary["venues"]["grvt"] == {"state": "up"}
    assert summary["venues"]["deribit"]["state"] == "down"
    assert summary["venues"]["deribit"]["reason"].startswith("sim-deribit lost: died with no restart budget (0)")
    assert "venues: binance up, deribit DOWN (sim-deribit lost" in after
    # Deribit's services and strategies were stopped when it went down; the others ran to the end.
    for name in ("market-deribit", "engine-deribit", "positions-deribit", "mm_btc_perp", "mm_eth_perp"):
        assert summary["actors"][name]["state"] == "stopped", name
    assert summary["actors"]["sim-deribit"]["state"] == "dead"
    for venue in ("binance", "deribit", "grvt"):
        assert summary["actors"][f"market-{venue}"]["counters"]["published_book"] > 0, venue
    for name in ("sim-binance", "sim-grvt", "market-binance", "engine-grvt", "positions-grvt", "mm_eth", "mm_eth_grvt"):
        assert summary["actors"][name]["state"] == "stopped", name
    # (Deribit's strategies were stopped with their venue gone: what their Mini OMS held open rests nowhere.)
    for strategy in ("mm_btc", "mm_eth", "mm_btc_grvt", "mm_eth_grvt"):
        assert summary["strategies"][strategy]["open_orders"] == 0, strategy
    assert "mm_btc_perp BTC-PERPETUAL: book" in before and " BTC kill_switch=" in before   # coin PnL, named
    assert "mm_eth_grvt ETH_USDT_Perp: book" in before
    # The other two venues went on trading after the loss: their fills grew on the screen too.
    for strategy in ("mm_btc", "mm_btc_grvt"):
        assert _last_fills(after, strategy) > _last_fills(before, strategy), strategy
        assert summary["strategies"][strategy]["open_orders"] == 0


async def _all_positive(fills) -> dict | None:
    counts = await fills
    return counts if all(counts.values()) else None


async def _grown(fills, before: dict) -> bool:
    counts = await fills
    return all(counts[s] > before[s] for s in ("mm_btc", "mm_btc_grvt"))


async def _is(value, expected) -> bool:
    return await value == expected


def _last_fills(out: str, strategy: str) -> int:
    """The fills of ``strategy`` in the last status line that shows it."""
    lines = [line for line in out.splitlines() if f" {strategy} " in line and " fills=" in line]
    return int(lines[-1].split(" fills=", 1)[1].split()[0]) if lines else 0


def test_a_run_on_one_venue_leaves_the_other_venues_strategies_idle_and_says_so(tmp_path):
    code, out, err = launch.finish(launch.start(tmp_path / "run", "exchange=deribit", "duration=3s"), timeout=120)
    assert code == 0, err
    [note] = [line for line in err.splitlines() if line.startswith("note: not started")]   # one line for all
    assert note.startswith("note: not started, their venues are not selected (exchange=...): ")
    for strategy in ("mm_btc", "mm_eth", "lp_eth"):
        assert f"{strategy} (binance)" in note
    assert "grvt" in note and "mm_btc_perp" not in note
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert "mm_btc" not in summary["actors"] and summary["actors"]["mm_btc_perp"]["state"] == "stopped"
