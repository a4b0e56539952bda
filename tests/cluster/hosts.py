"""Hosts for multi-host tests: Linux network namespaces, one per host, joined by a bridge.

The bridge lives in a namespace of its own and each host's veth pair is made between that namespace and
the host's, so no address, link or route is added outside the namespaces made here. Each host gets
``10.231.0.<n>/24`` on ``eth0`` and a default route through it (Ray finds its node address by the route
out). ``close`` kills every process left in the namespaces and deletes them; it runs when the test fails
too, and ``sweep`` removes what a killed test run (no ``close``) left behind.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

PREFIX = "tradesys-t"
SUBNET = "10.231.0"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def namespaces() -> list[str]:
    return [line.split()[0] for line in _ip("netns", "list").stdout.splitlines() if line.strip()]


def sweep() -> list[str]:
    """Delete the namespaces of earlier test runs whose process is gone; return their names."""
    gone = []
    for name in namespaces():
        found = re.match(rf"{PREFIX}(\d+)-", name)
        if found and not Path(f"/proc/{found.group(1)}").exists():
            _kill_all(name)
            _ip("netns", "del", name, check=False)
            gone.append(name)
    return gone


def _pids(namespace: str) -> list[int]:
    out = _ip("netns", "pids", namespace, check=False).stdout
    return [int(pid) for pid in out.split()]


def _kill_all(namespace: str) -> None:
    """SIGKILL every process in the namespace until none is left (Ray's daemons may still be forking)."""
    deadline = time.monotonic() + 20
    while (pids := _pids(namespace)) and time.monotonic() < deadline:
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.2)     # time itself: the kernel reaps them


class Hosts:
    """``count`` hosts named ``host0`` (the head) .. ``host<count-1>``."""

    def __init__(self, count: int):
        self.tag = f"{PREFIX}{os.getpid()}-"
        self.switch = f"{self.tag}switch"
        self.names = [f"host{n}" for n in range(count)]
        self.address = {name: f"{SUBNET}.{n + 1}" for n, name in enumerate(self.names)}

    def namespace(self, host: str) -> str:
        return f"{self.tag}{host}"

    def open(self) -> Hosts:
        try:
            _ip("netns", "add", self.switch)
            _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
            _ip("-n", self.switch, "link", "set", "br0", "up")
            for n, host in enumerate(self.names):
                ns = self.namespace(host)
                _ip("netns", "add", ns)
                _ip("-n", self.switch, "link", "add", f"port{n}", "type", "veth", "peer", "name", "eth0", "netns", ns)
                _ip("-n", self.switch, "link", "set", f"port{n}", "master", "br0", "up")
                _ip("-n", ns, "addr", "add", f"{self.address[host]}/24", "dev", "eth0")
                _ip("-n", ns, "link", "set", "eth0", "up")
                _ip("-n", ns, "link", "set", "lo", "up")
                _ip("-n", ns, "route", "add", "default", "dev", "eth0")
        except BaseException:
            self.close()
            raise
        return self

    def command(self, host: str, script: str) -> list[str]:
        """``script`` run by bash on ``host``."""
        return ["ip", "netns", "exec", self.namespace(host), "bash", "-c", script]

    def run(self, host: str, script: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(self.command(host, script), env=env, capture_output=True, text=True, timeout=timeout)

    def start(self, host: str, script: str, env: dict, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(self.command(host, script), env=env, **kwargs)

    def kill(self, host: str) -> None:
        """Every process of ``host``, SIGKILLed: the machine is gone."""
        _kill_all(self.namespace(host))

    def processes(self) -> dict[str, list[int]]:
        return {host: _pids(self.namespace(host)) for host in self.names}

    def close(self) -> None:
        for host in self.names:
            ns = self.namespace(host)
            if ns in namespaces():
                _kill_all(ns)
                _ip("netns", "del", ns, check=False)
        if self.switch in namespaces():
            _ip("netns", "del", self.switch, check=False)

    def __enter__(self) -> Hosts:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()
