"""The bus's CURVE keys (cluster.bus_security: curve) from the environment: the farm trades through them,
and they appear nowhere it writes; without keys the start stops at once, saying how to make them."""

from __future__ import annotations

import json

import zmq

from tests.integration import launch
from tradesys.bus.keys import CLIENT_ENV, SERVER_ENV


def _everything_written(run_dir):
    return "\n".join(p.read_bytes().decode(errors="replace") for p in run_dir.rglob("*") if p.is_file())


def test_bus_keys_from_the_environment_carry_the_farm_and_appear_nowhere(tmp_path):
    run_dir = tmp_path / "run"
    server, client = zmq.curve_keypair()[1].decode(), zmq.curve_keypair()[1].decode()
    env = {SERVER_ENV: server, CLIENT_ENV: client}
    code, out, err = launch.finish(launch.start(run_dir, "cluster.bus_security=curve", "duration=6s",
                                                "log_level=DEBUG", "recording.enabled=true", env=env), timeout=120)
    assert code == 0, err
    summary = json.loads((run_dir / "summary.json").read_text())
    # Every actor read the bus through CURVE: the strategies quoted and filled, the recorder wrote.
    assert summary["strategies"]["mm_btc"]["fills"] > 0, summary["strategies"]["mm_btc"]
    assert summary["actors"]["recorder"]["counters"]["rows_written"] > 0
    assert summary["actors"]["engine-binance"]["counters"]["bus_denied"] == 0
    launcher = json.loads((run_dir / "launcher.json").read_text())
    assert launcher["bus_security"] == "curve" and launcher["bus_keys"] == "environment"
    written = _everything_written(run_dir)
    for secret in (server, client):
        assert secret not in out + err
        assert secret not in written


def test_curve_without_keys_stops_before_anything_starts_and_says_how_to_make_them(tmp_path):
    run_dir = tmp_path / "run"
    code, out, err = launch.finish(launch.start(run_dir, "cluster.bus_security=curve"))
    assert code == 2
    assert err.startswith("config error: cluster.bus_keys: cluster.bus_security is curve but there are no keys: "
                          "make a key directory with `python -m tradesys.bus.keys DIR`"), err
    assert not run_dir.exists()
