"""The operator's CLIs against a running farm (run.py in its own process), as an operator would use them."""

from __future__ import annotations

import json
import signal

import pytest

from tests.integration import launch
from tradesys.aio import wait_until
from tradesys.launcher.control import send
from tradesys.messages import RiskCommand
from tradesys.risk import Mode

pytestmark = pytest.mark.integration


cli = launch.module


async def test_kill_switch_and_inventory_reach_the_farm_and_are_recorded(tmp_path):
    run_dir = tmp_path / "run"
    proc = launch.start(run_dir, "strategy=[mm_btc,lp_eth]", "status.refresh_seconds=0.5", "status.metrics_port=0",
                        "status.heartbeat_seconds=0.2")
    try:
        info = await launch.wait_for_file(run_dir / "launcher.json", proc)
        assert info["control"].startswith("tcp://127.0.0.1:")
        counter = 'tradesys_actor_counter{{actor="{}",counter="{}"}}'.format
        await wait_until(lambda: launch.metric(info["metrics"], counter("lp_eth", "book_updates")),
                         "the hedger sees a live book", timeout=60, every=0.2)
        done = cli("tradesys.inventory", "ETH", "0.2", "--source", "test-lp", "--reference", "tx-9",
                   "--run-dir", str(run_dir))
        assert done.returncode == 0, done.stderr
        assert "published on inv.ETH (reference tx-9)" in done.stdout
        done = cli("tradesys.kill", "halt", "--reason", "operator test", "--run-dir", str(run_dir))
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "kill switch halt: published on risk.all"
        # A request without a reason is refused by the launcher, with the reason why.
        answer = send(run_dir, "risk", RiskCommand(action=1).SerializeToString())
        assert answer == {"ok": False, "error": "a risk command needs a reason (it is logged and shown)"}
        assert send(run_dir, "bogus", b"")["error"].startswith("unknown request kind 'bogus'")

        async def halted() -> bool:
            return await launch.metric(info["metrics"], counter("engine-binance", "kill_switch")) == \
                Mode.HALT and await launch.metric(info["metrics"],
                                                                   counter("mm_btc", "open_orders")) == 0

        await wait_until(halted, "the engine halted and the strategy's quotes pulled", timeout=60, every=0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        code, out, err = launch.finish(proc)
    assert code == 0, err
    summary = json.loads((run_dir / "summary.json").read_text())
    assert [r["topic"] for r in summary["operator_requests"]] == ["inv.ETH", "risk.all"]
    history = summary["kill_switch"]["engine-binance"]["history"]
    assert [(h["mode"], h["reason"]) for h in history] == [("halt", "operator test")]
    assert history[0]["issued_by"].startswith("operator:")
    assert summary["strategies"]["mm_btc"]["kill_switch"] == "halt"
    assert summary["strategies"]["mm_btc"]["open_orders"] == 0


def test_the_clis_say_clearly_when_no_farm_answers(tmp_path):
    done = cli("tradesys.kill", "halt", "--reason", "x", "--run-dir", str(tmp_path))
    assert done.returncode == 1 and "has no launcher.json: is a farm running there?" in done.stderr
    (tmp_path / "launcher.json").write_text(json.dumps({"pid": 1, "control": "tcp://127.0.0.1:9"}))
    done = cli("tradesys.inventory", "ETH", "1", "--run-dir", str(tmp_path), "--timeout", "0.5")
    assert done.returncode == 1 and "no answer from tcp://127.0.0.1:9 within 0.5s" in done.stderr
    done = cli("tradesys.inventory", "ETH", "one")
    assert done.returncode == 2 and "'one' is not a number" in done.stderr
