"""``python -m tradesys.report <run dir>`` on a real run with a kill-switch episode: one self-contained page
whose every figure a headless Chromium renders, each drawn from the run's data."""

from __future__ import annotations

import json
import re
import signal

import pytest

from tests.integration import browser, launch
from tradesys.aio import wait_until
from tradesys.risk import Mode

pytestmark = pytest.mark.integration


cli = launch.module


async def test_a_runs_report_renders_every_figure_with_its_data_and_lists_its_kill_switch_commands(tmp_path):
    run_dir = tmp_path / "run"
    proc = launch.start(run_dir, "duration=14s", "strategy=[mm_btc,mm_eth]", "status.metrics_port=0",
                        "status.heartbeat_seconds=0.2")
    try:
        info = await launch.wait_for_file(run_dir / "launcher.json", proc)
        counter = 'tradesys_actor_counter{{actor="{}",counter="{}"}}'.format
        await wait_until(lambda: launch.metric(info["metrics"], counter("mm_btc", "fills")), "mm_btc trades",
                         timeout=60, every=0.2)
        done = cli("tradesys.kill", "reduce-only", "--reason", "report test", "--run-dir", str(run_dir))
        assert done.returncode == 0, done.stderr

        async def reduce_only() -> bool:
            return await launch.metric(info["metrics"], counter("engine-binance", "kill_switch")) == Mode.REDUCE_ONLY

        await wait_until(reduce_only, "the engine went reduce-only", timeout=30, every=0.2)
        done = cli("tradesys.kill", "resume", "--reason", "report test over", "--run-dir", str(run_dir))
        assert done.returncode == 0, done.stderr
    except BaseException:
        proc.send_signal(signal.SIGTERM)
        raise
    finally:
        code, _, err = launch.finish(proc)
    assert code == 0, err

    done = cli("tradesys.report", str(run_dir))
    assert done.returncode == 0, done.stderr
    page = run_dir / "report.html"
    assert done.stdout.startswith(f"report: {page}")
    text = page.read_text()
    assert "src=\"http" not in text and "<link" not in text          # nothing outside the page
    dom = browser.rendered_dom(page)
    found = browser.assert_every_figure_rendered_with_data(dom)
    assert {"market-binance-BTCUSDT", "market-binance-ETHUSDT", "positions", "latency", "kill-switch"} <= set(found)
    summary = json.loads((run_dir / "summary.json").read_text())
    fills = summary["strategies"]["mm_btc"]["fills"]
    assert f"{fills} fills" in re.search(r"binance BTCUSDT: mid, our quotes and fills: [^<]*", dom).group(0)
    assert int(found["kill-switch"]["data-points"]) == 2
    kill_table = dom[dom.index("<h2>Kill switch</h2>"):]
    assert "reduce_only" in kill_table and "report test over" in kill_table and "resume" in kill_table


def test_a_directory_that_is_neither_a_run_nor_a_sweep_is_one_line(tmp_path):
    done = cli("tradesys.report", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.strip() == f"report: {tmp_path}: no summary.json (not a run directory, or the run has not ended)"
