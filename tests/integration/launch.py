"""Start run.py as a user would, in its own process, and wait for things it writes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from tradesys.aio import wait_until

ROOT = Path(__file__).resolve().parents[2]


def start(run_dir: Path, *overrides: str, env: dict | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "run.py", f"hydra.run.dir={run_dir}", "status.display=lines", *overrides]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def module(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """``python -m <args>`` from the project root, as an operator types it; its output captured."""
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def finish(proc: subprocess.Popen, timeout: float = 90) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


async def wait_for_file(path: Path, proc: subprocess.Popen, timeout: float = 60) -> dict:
    """The JSON file run.py writes at ``path``, once it is there; fails at once if run.py exits first."""
    def written() -> dict | None:
        if path.exists() and path.stat().st_size:
            return json.loads(path.read_text())
        if proc.poll() is not None:
            raise AssertionError(f"run.py exited with {proc.returncode} before writing {path.name}: "
                                 f"{proc.stderr.read()}")
        return None

    return await wait_until(written, f"{path.name} written by run.py", timeout=timeout, every=0.1)


async def metric(url: str, line_start: str) -> float | None:
    """The value of the first Prometheus sample at ``url`` whose line starts with ``line_start``."""
    body = (await asyncio.to_thread(lambda: urllib.request.urlopen(url, timeout=5).read())).decode()
    for line in body.splitlines():
        if line.startswith(line_start):
            return float(line.rsplit(" ", 1)[1])
    return None
