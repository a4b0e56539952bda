"""``python run.py mode=backtest recording=<run>`` on a real run's recording: the run's strategies trade the
recorded market through their own Mini OMS against the simulated venue, the result is a summary.json like a
live run's, the same seed gives the same result, and bad recordings get one clear line naming the file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from tests.integration import browser, launch
from tradesys.recording.reader import read_recording, recording_files
from tradesys.recording.schema import RECORD_SCHEMA, SCHEMA_KEY, WIRE_KEY

STRATEGIES = ("mm_btc", "mm_eth")


def backtest(recording: Path | str, out: Path, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "mode=backtest", f"recording={recording}",
                           f"hydra.run.dir={out}", "status.display=lines", *overrides],
                          cwd=launch.ROOT, capture_output=True, text=True, timeout=300)


def same_money(a: str, b: str) -> bool:
    """Equal but for the last digits: the simulated venue's accounts divide at 34 significant digits (an average
    entry price, an inverse contract's coin value), a strategy's ledger at Python's default 28."""
    return abs(Decimal(a) - Decimal(b)) <= Decimal("1e-15")


def comparable(summary: dict) -> dict:
    """The summary without what the wall clock and the output directory put in it."""
    summary = json.loads(json.dumps(summary))
    for key in ("wall_seconds", "speed"):
        summary["backtest"].pop(key)
    summary.pop("ended")
    summary.pop("run_dir")
    return summary


def test_a_backtest_of_a_runs_recording_trades_its_strategies_and_writes_a_summary_like_a_live_run(recorded_run,
                                                                                                tmp_path):
    done = backtest(recorded_run, tmp_path / "bt")
    assert done.returncode == 0, done.stderr
    assert "backtest done" in done.stderr and "mm_btc" in done.stderr
    summary = json.loads((tmp_path / "bt" / "summary.json").read_text())
    live = json.loads((recorded_run / "summary.json").read_text())
    assert summary["mode"] == "backtest" and summary["recording"] == str(recorded_run / "recordings")
    for strategy_id in STRATEGIES:
        ours, theirs = summary["strategies"][strategy_id], live["strategies"][strategy_id]
        assert set(ours) >= set(theirs) - {"counters"}          # the live summary's keys, and more
        assert ours["fills"] > 0 and ours["open_orders"] == 0, ours
        # The strategy's own ledger (its fills through its Mini OMS) and the simulated venue's account agree.
        account = summary["venue_accounts"][strategy_id]["positions"]
        for symbol, ledger in ours["symbols"].items():
            assert Decimal(ledger["position"]) == Decimal(account[symbol]["quantity"])
            assert Decimal(ledger["fees"]) == Decimal(account[symbol]["fees"])
            assert same_money(ledger["realized_pnl"], account[symbol]["realized_pnl"])
        # Its clock is the simulated one: the feed reaches it 1 ms (the default constant) after the venue.
        wire = ours["latency_ns"]["wire_to_strategy"]
        assert 0.95e6 <= wire["p50"] <= 1.05e6 and wire["count"] == ours["counters"]["book_updates"]
    assert summary["backtest"]["simulated_seconds"] > 5 and summary["backtest"]["messages"] > 50
    # The default risk limits are far from the sample's quotes: the gate refused nothing (a modify that finds
    # its order filled meanwhile is the venue's to refuse, as live).
    assert summary["backtest"]["venues"]["binance"]["risk_gate_refusals"] == {}

    # Its recording holds what the strategies were told, as a live run's does, and its report reads it.
    fills = read_recording(tmp_path / "bt" / "recordings", kind="fill")
    assert fills.num_rows == sum(summary["strategies"][s]["fills"] for s in summary["strategies"])
    done = subprocess.run([sys.executable, "-m", "tradesys.report", str(tmp_path / "bt")], cwd=launch.ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = browser.assert_every_figure_rendered_with_data(browser.rendered_dom(tmp_path / "bt" / "report.html"))
    assert {"market-binance-BTCUSDT", "positions", "latency"} <= set(found)


def test_a_deribit_runs_inverse_market_makers_backtest_with_the_coin_as_their_money(deribit_run, tmp_path):
    done = backtest(deribit_run, tmp_path / "bt", "exchange=deribit")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "bt" / "summary.json").read_text())
    assert set(summary["strategies"]) == {"mm_btc_perp", "mm_eth_perp"}
    for strategy_id, symbol, coin in (("mm_btc_perp", "BTC-PERPETUAL", "BTC"), ("mm_eth_perp", "ETH-PERPETUAL", "ETH")):
        strategy = summary["strategies"][strategy_id]
        assert strategy["fills"] > 0 and strategy["open_orders"] == 0, strategy
        ledger, account = strategy["symbols"][symbol], summary["venue_accounts"][strategy_id]
        assert Decimal(ledger["position"]) == Decimal(account["positions"][symbol]["quantity"])
        assert same_money(ledger["realized_pnl"], account["positions"][symbol]["realized_pnl"])
        assert set(account["wallet"]) == {coin}        # inverse: margin, PnL and fees in the coin
    assert summary["backtest"]["venues"]["deribit"]["fees"]["BTC-PERPETUAL"] == {"maker": "0", "taker": "0.0005"}


def test_a_grvt_runs_market_makers_backtest_with_the_venues_maker_rebate(grvt_run, tmp_path):
    done = backtest(grvt_run, tmp_path / "bt", "exchange=grvt")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "bt" / "summary.json").read_text())
    assert summary["backtest"]["venues"]["grvt"]["fees"]["BTC_USDT_Perp"] == {"maker": "-0.0001", "taker": "0.00045"}
    for strategy_id, symbol in (("mm_btc_grvt", "BTC_USDT_Perp"), ("mm_eth_grvt", "ETH_USDT_Perp")):
        strategy = summary["strategies"][strategy_id]
        assert strategy["fills"] > 0 and strategy["open_orders"] == 0, strategy
        assert Decimal(strategy["symbols"][symbol]["fees"]) < 0          # post-only quotes: every fill a rebate
        assert strategy["counters"]["modify_as_cancel"] > 0               # GRVT cannot amend: cancel, quote anew
        account = summary["venue_accounts"][strategy_id]["positions"][symbol]
        assert Decimal(strategy["symbols"][symbol]["fees"]) == Decimal(account["fees"])


def test_the_engines_risk_gate_refuses_in_a_backtest_as_it_does_live(recorded_run, tmp_path):
    # 150 USDT of position per symbol: one 0.002 BTC quote (about 130 USDT) may be held, no 0.05 ETH quote (170)
    # goes out.
    done = backtest(recorded_run, tmp_path / "bt", "risk.max_position_notional=150")
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "bt" / "summary.json").read_text())
    refusals = summary["backtest"]["venues"]["binance"]["risk_gate_refusals"]
    assert refusals.get("risk_limit", 0) > 0, refusals
    eth, btc = summary["strategies"]["mm_eth"], summary["strategies"]["mm_btc"]
    assert eth["fills"] == 0 and eth["rejected_orders"] > 0, eth      # told so, as the engine's refusal
    assert btc["fills"] > 0 and Decimal(btc["max_inventory"]["BTCUSDT"]) <= Decimal("0.002"), btc


def test_the_same_seed_gives_the_same_result_and_latency_drawn_from_the_run_moves_it(recorded_run, tmp_path):
    runs = [backtest(recorded_run, tmp_path / name, "backtest.latency.model=recorded", f"backtest.seed={seed}")
            for name, seed in (("a", 7), ("b", 7), ("c", 8))]
    assert all(done.returncode == 0 for done in runs), [done.stderr for done in runs]
    a, b, c = (comparable(json.loads((tmp_path / name / "summary.json").read_text())) for name in "abc")
    assert a == b
    assert a["strategies"]["mm_btc"]["latency_ns"] != c["strategies"]["mm_btc"]["latency_ns"]
    assert a["backtest"]["latency"] == {"model": "recorded", "seed": 7}


def test_a_missing_recording_is_one_line_naming_it(tmp_path):
    done = backtest(tmp_path / "nowhere", tmp_path / "bt")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [f"config error: backtest.recording: no recording at "
                                                f"{tmp_path / 'nowhere'} (not a directory)"]
    empty = tmp_path / "empty"
    empty.mkdir()
    done = backtest(empty, tmp_path / "bt2")
    assert done.returncode == 2 and f"backtest: {empty}: no recording files there" in done.stderr


def test_an_older_schema_is_refused_naming_the_file_and_a_truncated_batch_is_read_up_to_it(recorded_run,
                                                                                            tmp_path):
    old = tmp_path / "old"
    shutil.copytree(recorded_run / "recordings", old / "recordings")
    victim = recording_files(old / "recordings", kind="book_delta")[0]
    schema = RECORD_SCHEMA.with_metadata({WIRE_KEY: RECORD_SCHEMA.metadata[WIRE_KEY], SCHEMA_KEY: b"1"})
    with pa.OSFile(str(victim), "wb") as sink, pa.ipc.new_stream(sink, schema) as writer:
        writer.write_table(RECORD_SCHEMA.empty_table().cast(schema))
    done = backtest(old, tmp_path / "bt")
    assert done.returncode == 2
    assert f"{victim}: written with recording schema 1" in done.stderr

    cut = tmp_path / "cut"
    shutil.copytree(recorded_run / "recordings", cut / "recordings")
    shutil.copy(recorded_run / "summary.json", cut / "summary.json")
    victim = max(recording_files(cut / "recordings", kind="book_delta"), key=lambda p: p.stat().st_size)
    victim.write_bytes(victim.read_bytes()[:-100])
    done = backtest(cut, tmp_path / "bt2")
    assert done.returncode == 0, done.stderr
    assert "ends in a partial batch" in (tmp_path / "bt2" / "logs" / "backtest.jsonl").read_text()
