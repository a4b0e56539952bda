"""The virtualenv cryptofeed runs in for the benchmarks' baselines, made on first use.

cryptofeed 2.4 needs websockets >= 14.1 and grvt-pysdk (a test dependency of the project) pins 13.1, so
it cannot go into the project's environment: it gets its own, ``.venv-cryptofeed`` at the checkout's root
(ignored by git), made with this Python and kept for later runs (``make clean`` removes it).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv-cryptofeed"
REQUIREMENT = "cryptofeed==2.4.1"
STAMP = VENV / f".installed-{REQUIREMENT}"


def cryptofeed_python(progress=lambda text: print(text, file=sys.stderr, flush=True)) -> Path:
    """The virtualenv's python, the virtualenv made (and cryptofeed installed) first if it is not there."""
    python = VENV / "bin" / "python"
    if STAMP.exists() and python.exists():
        return python
    started = time.monotonic()
    progress(f"making {VENV.name} for the cryptofeed baseline ({REQUIREMENT}; once, about half a minute)")
    steps = ([sys.executable, "-m", "venv", "--clear", str(VENV)],
             [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", REQUIREMENT])
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, timeout=600)
        if done.returncode:
            raise SystemExit(f"could not make {VENV.name}: {' '.join(step[-2:])} exited {done.returncode}:\n"
                             f"{done.stderr[-2000:]}")
    STAMP.touch()
    progress(f"{VENV.name} ready after {time.monotonic() - started:.0f} s")
    return python
