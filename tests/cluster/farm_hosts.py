"""A Ray cluster on namespace hosts, started by the `ray start` commands of cluster.yaml, and run.py on its
head: what tests/cluster/ builds on."""

from __future__ import annotations

import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from tests.cluster.hosts import Hosts

ROOT = Path(__file__).resolve().parents[2]
RAY_PORT = 6379


def cluster_commands() -> tuple[list[str], list[str]]:
    """cluster.yaml's head and worker start commands as `ray up` runs them, less `ray stop` (on one machine
    it would stop every Ray here, the suite's own too) and --autoscaling-config (the file `ray up` writes
    for its autoscaler, which reaches the workers by SSH)."""
    config = yaml.safe_load((ROOT / "cluster.yaml").read_text())

    def kept(commands: list[str]) -> list[str]:
        return [re.sub(r"\s--autoscaling-config=\S+", "", c) for c in commands if "ray stop" not in c]

    return kept(config["head_start_ray_commands"]), kept(config["worker_start_ray_commands"])


class Cluster:
    """Three hosts (a head and two workers) with Ray started on each as cluster.yaml says, sharing one token.

    Each host's HOME is a folder made here holding ``tradesys`` (a link to this checkout, where cluster.yaml's
    file_mounts would put the project) and ``.ray/auth_token`` (where they put the token)."""

    def __init__(self, workers: int = 2, worker_args: dict[int, str] | None = None,
                 head_env: dict[str, str] | None = None):
        self.hosts = Hosts(1 + workers)
        self.worker_args = worker_args or {}      # worker index -> more `ray start` options (a test's own)
        self.head_env = head_env or {}            # more environment for the head's `ray start` (a test's own)
        self.head = self.hosts.names[0]
        self.workers = self.hosts.names[1:]
        self.dir = Path(tempfile.mkdtemp(prefix="tsc", dir="/tmp"))   # short: Ray's socket paths live under it
        self.home = self.dir / "home"
        self.token = secrets.token_hex(32)
        self.log: list[str] = []

    @property
    def address(self) -> str:
        return f"{self.hosts.address[self.head]}:{RAY_PORT}"

    def env(self, **extra: str) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
        return {**env, "HOME": str(self.home), "RAY_TMPDIR": str(self.dir / "ray"), "PYTHONUNBUFFERED": "1",
                **extra}

    def start(self) -> Cluster:
        (self.home / ".ray").mkdir(parents=True)
        (self.home / "tradesys").symlink_to(ROOT)
        token = self.home / ".ray" / "auth_token"
        token.write_text(self.token)
        token.chmod(0o600)
        (self.dir / "ray").mkdir()
        self.hosts.open()
        head, worker = cluster_commands()
        for command in head:
            self._run(self.head, command, self.env(**self.head_env))
        for n, host in enumerate(self.workers):
            for command in worker:
                if "ray start" in command and n in self.worker_args:
                    command = f"{command} {self.worker_args[n]}"
                self._run(host, command, self.env(RAY_HEAD_IP=self.hosts.address[self.head]))
        return self

    def _run(self, host: str, command: str, env: dict) -> None:
        done = self.hosts.run(host, command, env, timeout=120)
        self.log.append(f"[{host}] $ {command}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        if done.returncode:
            raise AssertionError(f"on {host}: {command!r} exited {done.returncode}:\n{done.stderr[-3000:]}")

    def live_nodes(self) -> int:
        """Live nodes as the head's `ray status` counts them."""
        done = self.hosts.run(self.head, f"{ROOT}/.venv/bin/ray status --address={self.address}",
                              self.env(RAY_AUTH_MODE="token"), timeout=60)
        active = done.stdout.split("Active:", 1)[-1].split("Pending:", 1)[0]
        return len(re.findall(r"^\s*\d+ node_", active, re.M))

    def launch(self, run_dir: Path, *overrides: str, env: dict | None = None,
               address: str | None = None) -> subprocess.Popen:
        """run.py on the head, as an operator would start it there, joining this cluster (or ``address``)."""
        script = shlex.join([sys.executable, "run.py", "cluster=remote", f"cluster.address={address or self.address}",
                           f"hydra.run.dir={run_dir}", "status.display=lines", *overrides])
        return self.hosts.start(self.head, f"cd {ROOT} && exec {script}", {**self.env(), **(env or {})},
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def close(self) -> None:
        self.hosts.close()
        subprocess.run(["rm", "-rf", str(self.dir)], check=False, timeout=60)

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()


def summary(run_dir: Path) -> dict:
    return json.loads((run_dir / "summary.json").read_text())


def poll(check, what: str, timeout: float, every: float):
    """``tradesys.aio.wait_until`` for these synchronous tests: ``check()`` until it is truthy, or
    AssertionError saying what was waited for and the last answer."""
    deadline = time.monotonic() + timeout
    while not (last := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g}s (last: {last!r})"[:3000])
        time.sleep(every)
    return last


def wait_nodes(cluster: Cluster, count: int, timeout: float = 60) -> None:
    try:
        poll(lambda: cluster.live_nodes() >= count, f"{count} nodes joined", timeout, every=1)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n" + "\n".join(cluster.log)) from None
