"""Losing a worker host (every process of its namespace SIGKILLed). On it: Binance's services, one Binance
strategy, and Deribit's services, which only that host may run. Binance's services and strategy are made
again on the surviving worker and recover their orders and positions: Binance trades on with nothing lost,
duplicated or orphaned. Deribit, with nowhere to go, halts; the run goes on and exits 3."""

from __future__ import annotations

import json
import re
import signal
import threading
import time

import pytest

from tests.cluster.farm_hosts import Cluster, summary, wait_nodes
from tests.cluster.hosts import sweep

pytestmark = pytest.mark.timeout(480)
BINANCE = ["budget-binance", "market-binance", "engine-binance", "positions-binance"]
DERIBIT = ["budget-deribit", "market-deribit", "engine-deribit", "positions-deribit"]
# The head's GCS declares a node dead after 5 missed health checks a second apart, not Ray's default of 5
# three seconds apart: what is tested is what follows the loss, not how long Ray takes to see it.
FAST_NODE_DEATH = {"RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "5"}


class Lines:
    """run.py's stdout, read as it comes (status lines every 5 s), by a thread."""

    def __init__(self, proc):
        self.proc = proc
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._read, args=(proc.stdout,), daemon=True)
        self._thread.start()

    def _read(self, stream) -> None:
        for line in stream:
            self.lines.append(line.rstrip("\n"))

    def wait(self, check, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not check(self.lines):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                code = self.proc.poll()
                ended = "" if code is None else f"\nrun.py exited {code}: {self.proc.stderr.read()}"
                raise AssertionError(f"{what}: not within {timeout:g}s; last lines:\n" + "\n".join(self.lines[-40:])
                                     + ended[-3000:])
            time.sleep(0.5)      # time itself: the next status lines

    def text(self) -> str:
        return "\n".join(self.lines)


def fills(lines: list[str], strategy: str) -> int:
    found = [int(m.group(1)) for line in lines if (m := re.search(rf" {strategy} \S+: book .* fills=(\d+) ", line))]
    return found[-1] if found else 0


def node_of(lines: list[str], actor: str) -> str:
    found = [m.group(1) for line in lines if (m := re.search(rf" {actor}: \w+ node=(\S+) ", line))]
    return found[-1] if found else ""


def test_a_lost_hosts_actors_come_back_on_the_other_worker_and_a_venue_with_nowhere_to_go_halts(tmp_path):
    sweep()
    # Only the first worker has the resource Deribit's services ask for (the test's own `ray start` option).
    with Cluster(worker_args={0: """--resources='{"deribit_host": 1}'"""}, head_env=FAST_NODE_DEATH) as cluster:
        wait_nodes(cluster, 3)
        run_dir = tmp_path / "run"
        lost, kept = (cluster.hosts.address[w] for w in cluster.workers)
        proc = cluster.launch(run_dir, "exchange=[binance,deribit]", "strategy=[mm_btc,mm_btc_perp]",
                              "strategy.mm_btc.instances=2", "strategy.mm_btc.spread=true",
                              "+exchange.binance.placement.labels.role=strategies",
                              "+exchange.deribit.placement.resource=deribit_host",
                              "duration=300s", "status.heartbeat_seconds=0.5")
        out = Lines(proc)
        strategies = ["mm_btc_1", "mm_btc_2"]
        try:
            out.wait(lambda lines: all(fills(lines, s) for s in strategies), "the Binance strategies filling", 120)
            placed = {name: node_of(out.lines, name) for name in [*BINANCE, *DERIBIT, *strategies, "mm_btc_perp"]}
            assert {placed[n] for n in [*BINANCE, *DERIBIT, "mm_btc_1"]} == {lost}, placed
            assert placed["mm_btc_2"] == placed["mm_btc_perp"] == kept, placed
            cluster.hosts.kill(cluster.workers[0])       # the host is gone, and all it ran
            killed_at = len(out.lines)
            for name in [*BINANCE, "mm_btc_1"]:
                out.wait(lambda lines, name=name: any(f"actor {name}: its node {lost} is gone; made again on {kept}"
                                                      in line for line in lines[killed_at:]),
                         f"{name} made again on {kept}", 180)
            out.wait(lambda lines: any("venue deribit is down: " in line for line in lines[killed_at:]),
                     "deribit halted", 30)
            moved_at = len(out.lines)
            before = {s: fills(out.lines, s) for s in strategies}
            out.wait(lambda lines: all(fills(lines[moved_at:], s) > before[s] for s in strategies),
                     "Binance filling again", 120)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
        text = out.text()
        assert proc.returncode == 3, text[-4000:] + proc.stderr.read()[-3000:]
        halted = text.split("venue deribit is down: ", 1)[1].splitlines()[0]
        assert re.match(r"(\S+-deribit) lost: its restart 1 failed: actor \1 cannot be placed: no live node has "
                        r"resource deribit_host \(exchange\.deribit\.placement\)", halted), halted
        result = summary(run_dir)
        assert result["venues"]["binance"] == {"state": "up"} and result["venues"]["deribit"]["state"] == "down"
        for name in [*BINANCE, "mm_btc_1"]:
            assert result["actors"][name]["node"] == kept and result["restarts"][name] >= 1, result["actors"][name]
            assert name not in result["lost"]
        assert result["actors"]["mm_btc_perp"]["state"] == "stopped"     # retired with its venue, not lost
        # Nothing lost, duplicated or orphaned on Binance: the venue's account, the engine and the ledgers agree.
        engine = result["actors"]["engine-binance"]["counters"]
        assert engine["open_orders"] == 0 and engine["duplicate_fills"] == 0
        ledger = result["positions"]["positions-binance"]["account"]["BTCUSDT"]
        assert float(ledger["drift"]) == 0, ledger
        for name in strategies:
            assert result["strategies"][name]["open_orders"] == 0
            assert result["actors"][name]["counters"]["duplicate_fills"] == 0
            own = result["positions"]["positions-binance"]["strategies"][name]["BTCUSDT"]
            assert own["fills"] == result["strategies"][name]["fills"], (name, own, result["strategies"][name])
        # The moved strategy started from what it had: its ledger from the position server, its orders.
        events = [json.loads(line) for line in (run_dir / "logs" / "mm_btc_1.jsonl").read_text().splitlines()]
        recovered = [e for e in events if e["event"] == "recovered"]
        assert recovered and recovered[-1]["fields"]["positions"], events[-20:]
