"""The farm across three hosts (Linux network namespaces joined by a bridge): a Ray cluster started by
cluster.yaml's own `ray start` commands with the cluster's token, run.py on the head, the venue's services
placed on the head and the strategies spread over the two workers, trading over a CURVE bus across hosts.
And what a new user gets wrong: no token, a wrong token, a wrong address, a placement no node meets."""

from __future__ import annotations

import json
import secrets
import shlex
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from bench.market_recording import write
from tests.cluster.farm_hosts import ROOT, Cluster, poll, summary, wait_nodes
from tests.cluster.hosts import namespaces, sweep
from tests.integration import launch
from tradesys.bus.keys import generate

pytestmark = pytest.mark.timeout(420)


@pytest.fixture(scope="module")
def cluster():
    sweep()      # what an earlier, killed run left
    with Cluster() as made:
        wait_nodes(made, 3)
        yield made
    assert not [ns for ns in namespaces() if ns.startswith(made.hosts.tag)], "namespaces left behind"


# Without the bus's keys: a subscriber to a publisher, an order client to an engine, a client of the
# launcher's control socket (which can halt or flatten the farm); each prints what it got back.
OUTSIDER = """
import sys, zmq
context = zmq.Context()
def client(kind, endpoint):
    sock = context.socket(kind)
    sock.linger = 0
    sock.connect(endpoint)
    return sock
sub = client(zmq.SUB, sys.argv[1])
sub.setsockopt(zmq.SUBSCRIBE, b"")
dealer = client(zmq.DEALER, sys.argv[2])
dealer.send_multipart([b"", b"an order?"])
req = client(zmq.REQ, sys.argv[3])
req.send_multipart([b"risk", b""])
print("received", sum(1 for _ in range(30) if sub.poll(100)), dealer.poll(500), req.poll(500))
"""


def test_the_farm_runs_across_hosts_with_services_on_the_head_and_strategies_spread_over_the_workers(
        cluster, tmp_path):
    run_dir, keys = tmp_path / "run", tmp_path / "keys"
    generate(keys)
    proc = cluster.launch(run_dir, "exchange=binance", "strategy=[mm_btc]", "strategy.mm_btc.instances=4",
                          "strategy.mm_btc.spread=true", "duration=25s", "status.heartbeat_seconds=0.5",
                          "cluster.bus_security=curve", f"cluster.bus_keys={keys}")
    try:
        actors_file = run_dir / "actors.json"
        poll(lambda: actors_file.exists() or proc.poll() is not None, "actors.json written", 120, every=0.5)
        endpoints = {name: row["endpoints"] for name, row in json.loads(actors_file.read_text()).items()}
        control = json.loads((run_dir / "launcher.json").read_text())["control"]
        # An outsider on a worker host, without the bus's keys, tries the head's sockets.
        outsider = cluster.hosts.run(cluster.workers[0], f"{ROOT}/.venv/bin/python -c '{OUTSIDER}' "
                                     f"{endpoints['market-binance']['pub']} {endpoints['engine-binance']['orders']} "
                                     f"{control}", cluster.env(), timeout=60)
        # The operator on the head, with the keys the farm names in launcher.json, is let in.
        operator = cluster.hosts.run(cluster.head, f"cd {ROOT} && {ROOT}/.venv/bin/python -m tradesys.kill resume "
                                     f"--venue binance --reason 'cluster test' --run-dir {run_dir}", cluster.env(),
                                     timeout=60)
    finally:
        code, out, err = launch.finish(proc, timeout=240)
    assert code == 0, f"{err[-3000:]}\n{out[-3000:]}"
    assert outsider.stdout.strip() == "received 0 0 0", outsider.stdout + outsider.stderr
    assert operator.returncode == 0 and "risk.binance" in operator.stdout, operator.stdout + operator.stderr
    actors = summary(run_dir)["actors"]
    assert actors["market-binance"]["counters"]["bus_denied"] >= 1
    assert actors["engine-binance"]["counters"]["bus_denied"] >= 1       # its order socket
    assert summary(run_dir)["bus_denied"] >= 1                           # the launcher's control socket
    head, (one, two) = cluster.hosts.address[cluster.head], (cluster.hosts.address[w] for w in cluster.workers)
    for name in ("sim-binance", "budget-binance", "market-binance", "engine-binance", "positions-binance",
                 "recorder"):
        assert actors[name]["node"] == head, (name, actors[name])
    strategies = [f"mm_btc_{n}" for n in range(1, 5)]
    assert sorted(actors[s]["node"] for s in strategies) == [one, one, two, two], actors
    # Trading end to end across hosts: each strategy on a worker read the head's books and filled orders
    # through the head's engine, all over CURVE-encrypted ZeroMQ between the namespaces.
    strategies_summary = summary(run_dir)["strategies"]
    for name in strategies:
        assert strategies_summary[name]["fills"] > 0 and strategies_summary[name]["open_orders"] == 0, (
            name, strategies_summary[name])
        counters = actors[name]["counters"]
        assert counters["book_updates"] > 0 and counters["gaps"] == 0 and counters["malformed"] == 0
    # The status screen says where each actor runs.
    assert f"engine-binance: running node={head} " in out
    assert any(f"mm_btc_{n}: running node={one} " in out for n in range(1, 5))
    assert any(f"mm_btc_{n}: running node={two} " in out for n in range(1, 5))
    for secret in keys.glob("*.key_secret"):
        assert secret.read_text().split('secret-key = "')[1][:40] not in out + err


def _fails_with(cluster: Cluster, tmp_path, line: str, *overrides: str, env: dict | None = None,
                address: str | None = None) -> str:
    run_dir = tmp_path / "run"
    code, out, err = launch.finish(cluster.launch(run_dir, "duration=20s", *overrides, env=env, address=address),
                                   timeout=120)
    assert code == 1, f"{err[-2000:]}\n{out[-2000:]}"
    stopped = [text for text in out.splitlines() if text.startswith("stopped: ")]
    assert stopped and line in stopped[0], out[-2000:]
    assert summary(run_dir)["exit_code"] == 1
    print(stopped[0])       # the line the operator sees, in the test's output
    return stopped[0]


NAMED_ACTORS = """
import ray
ray.init(address="{address}")
print(sorted(a["name"] for a in ray.util.list_named_actors(all_namespaces=True)))
"""


def test_a_placement_no_node_meets_stops_at_once_naming_the_actor_and_leaves_nothing_running(cluster, tmp_path):
    line = _fails_with(cluster, tmp_path, "actor mm_btc cannot be placed: no live node has label role=gpu "
                                          "(strategy.mm_btc.placement)",
                       "exchange=binance", "strategy=[mm_btc]", "+strategy.mm_btc.placement.labels.role=gpu")
    assert "10.231.0.2 (labels: role=strategies" in line and "change strategy.mm_btc.placement" in line
    script = NAMED_ACTORS.format(address=cluster.address)
    listed = cluster.hosts.run(cluster.head, f"{ROOT}/.venv/bin/python -c '{script}'",
                               cluster.env(RAY_AUTH_MODE="token"), timeout=60)
    assert listed.stdout.strip().splitlines()[-1] == "[]", listed.stdout + listed.stderr


def test_without_the_token_or_with_a_wrong_one_or_a_wrong_address_the_start_says_which(cluster, tmp_path):
    bare = tmp_path / "bare-home"
    bare.mkdir()
    _fails_with(cluster, tmp_path / "a", "no Ray auth token to join the cluster with: copy the cluster's token to "
                                         "~/.ray/auth_token", env={"HOME": str(bare)})
    # A port nothing listens on, on the head itself: refused at once (an address nobody has costs the 5 s
    # connect timeout, and takes the same path).
    closed = f"{cluster.hosts.address[cluster.head]}:6390"
    _fails_with(cluster, tmp_path / "b", f"cannot reach the Ray head at {closed} (Connection refused)",
                address=closed)
    _fails_with(cluster, tmp_path / "c", f"the Ray cluster at {cluster.address} did not let this machine in",
                env={"RAY_AUTH_TOKEN": secrets.token_hex(32)})


def test_a_sweep_runs_its_backtests_on_the_clusters_nodes(cluster, tmp_path):
    """``run.py -m cluster=remote ...``: the tradesys_ray launcher on the head sends each job to the cluster;
    every job's summary lands in the sweep directory (one file system here, as docs/sweeps.md asks)."""
    write(tmp_path / "market", 1_500)
    out = tmp_path / "sweep"
    script = shlex.join([sys.executable, "run.py", "-m", "cluster=remote", f"cluster.address={cluster.address}",
                         f"hydra.sweep.dir={out}", "mode=backtest", f"recording={tmp_path / 'market'}",
                         "exchange=binance", "strategy=[mm_btc]",
                         "strategy.mm_btc.params.half_spread_bps=0.01,0.3,1,2"])
    proc = cluster.hosts.start(cluster.head, f"cd {ROOT} && exec {script}", cluster.env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]
    assert "sweep: 4 done, 0 failed" in err
    rows = pq.read_table(out / "sweep.parquet").to_pylist()
    assert sorted(row["strategy.mm_btc.params.half_spread_bps"] for row in rows) == ["0.01", "0.3", "1", "2"]
    assert all(row["status"] == "done" and (out / str(row["job"]) / "summary.json").is_file() for row in rows)
    nodes = {row["node"] for row in rows}
    assert nodes and nodes <= set(cluster.hosts.address.values()), nodes     # cluster nodes, not this host's
