"""Start run.py as a user would, in its own process, and wait for things it writes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def start(run_dir: Path, *overrides: str, env: dict | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "run.py", f"hydra.run.dir={run_dir}", "status.display=lines", *overrides]
    return subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def finish(proc: subprocess.Popen, timeout: float = 90) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def wait_for_file(path: Path, proc: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.stat().st_size:
            return json.loads(path.read_text())
        if proc.poll() is not None:
            raise AssertionError(f"run.py exited with {proc.returncode} before writing {path.name}: "
                                 f"{proc.stderr.read()}")
        time.sleep(0.1)
    raise AssertionError(f"{path} not written in {timeout}s")
