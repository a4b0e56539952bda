"""``python run.py -m mode=backtest recording=<run> ...=a,b``: every combination a backtest on Ray through the
``tradesys_ray`` Hydra launcher, one summary per job, a combined table and two plots; a failing job is
reported with its cause and the others run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from tests.integration import browser, launch

SPREAD = "strategy.mm_btc.params.half_spread_bps"
SKEW = "strategy.mm_btc.params.skew_bps"


def sweep(recording: Path, out: Path, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "run.py", "-m", "mode=backtest", f"recording={recording}",
                           f"hydra.sweep.dir={out}", "exchange=binance", "strategy=[mm_btc]", *overrides],
                          cwd=launch.ROOT, capture_output=True, text=True, timeout=400)


def test_a_3x2_sweep_runs_every_combination_on_ray_and_writes_a_summary_each_a_table_and_plots(recorded_run,
                                                                                             tmp_path):
    out = tmp_path / "sweep"
    done = sweep(recorded_run, out, f"{SPREAD}=0.3,1,4", f"{SKEW}=0.5,2")
    assert done.returncode == 0, done.stderr
    assert "sweep: 6 job(s)" in done.stderr and "sweep: 6 done, 0 failed" in done.stderr
    assert sum(f"] job {n} done in" in done.stderr for n in range(6)) == 6
    table = pq.read_table(out / "sweep.parquet").to_pylist()
    assert sorted((row[SPREAD], row[SKEW]) for row in table) == sorted(
        (spread, skew) for spread in ("0.3", "1", "4") for skew in ("0.5", "2"))
    for row in table:
        summary = json.loads((out / str(row["job"]) / "summary.json").read_text())
        strategy = summary["strategies"]["mm_btc"]
        assert row["fills"] == strategy["fills"] and row["status"] == "done"
        assert row["order_round_trips"] == strategy["latency_ns"]["order_round_trip"]["count"]
        assert summary["backtest"]["simulated_seconds"] > 5
    # The parameter matters: quoting at 0.3 bp from the touch trades more than at 4 bp.
    fills = {row[SPREAD]: row["fills"] for row in table if row[SKEW] == "2"}
    assert fills["0.3"] > fills["4"]
    assert (out / "sweep.csv").read_text().count("\n") == 7
    for name in ("pnl_by_job.png", "pnl_vs_volume.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and (out / name).stat().st_size > 5000

    # The sweep's report: the parameter grid coloured by PnL, and the sweep's plots, rendered by a browser.
    done = subprocess.run([sys.executable, "-m", "tradesys.report", str(out)], cwd=launch.ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = browser.assert_every_figure_rendered_with_data(browser.rendered_dom(out / "report.html"))
    assert set(found) == {"grid-mm_btc", "pnl_by_job", "pnl_vs_volume"}
    assert int(found["grid-mm_btc"]["data-points"]) == 6


def test_a_failing_job_is_reported_with_its_cause_and_the_others_still_run(recorded_run, tmp_path):
    out = tmp_path / "sweep"
    done = sweep(recorded_run, out, f"{SPREAD}=1,abc")
    assert done.returncode == 1
    assert f"FAILED ({SPREAD}=abc): exit code 2: backtest: {SPREAD}: 'abc' is not a Decimal" in done.stderr
    assert "sweep: 1 done, 1 failed" in done.stderr and "Traceback" not in done.stderr
    rows = {row[SPREAD]: row for row in pq.read_table(out / "sweep.parquet").to_pylist()}
    assert rows["1"]["status"] == "done" and rows["abc"]["status"] == "failed"
    assert (out / "0" / "summary.json").is_file()


def test_a_sweep_of_live_runs_is_refused_before_anything_starts(tmp_path):
    done = subprocess.run([sys.executable, "run.py", "-m", f"hydra.sweep.dir={tmp_path}", "duration=1s,2s"],
                          cwd=launch.ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "sweeps run backtests; add mode=backtest recording=<run dir>" in done.stderr
    assert not list(tmp_path.glob("*/summary.json"))
