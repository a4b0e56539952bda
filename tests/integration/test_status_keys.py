"""The kill switch from the live status screen: run.py on a real terminal (a pty), keys typed into it."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import subprocess
import sys
import threading

import pytest

from tests.integration import launch
from tradesys.aio import wait_until
from tradesys.risk import Mode

pytestmark = pytest.mark.integration
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


async def test_keys_on_the_status_screen_halt_and_resume_and_flatten_wants_two_presses(tmp_path):
    run_dir = tmp_path / "run"
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "run.py", f"hydra.run.dir={run_dir}", "status.display=auto",
                             "strategy=[mm_btc]", "status.refresh_seconds=0.3", "status.metrics_port=0",
                             "status.heartbeat_seconds=0.2"],
                            cwd=launch.ROOT, stdin=slave, stdout=slave, stderr=slave, close_fds=True,
                            env={**os.environ, "COLUMNS": "200", "TERM": "xterm"})
    os.close(slave)
    screen = []
    reader = threading.Thread(target=_drain, args=(master, screen), daemon=True)
    reader.start()
    try:
        metrics = (await launch.wait_for_file(run_dir / "launcher.json", proc))["metrics"]
        await on_screen(screen, "kill switch: h halt", 60)
        await on_screen(screen, "│ normal", 60)      # the strategy is up: its row is on the screen
        os.write(master, b"h")
        await on_screen(screen, "operator risk request published on risk.all", 20)
        await engine_mode(metrics, Mode.HALT)
        os.write(master, b"f")          # once: only a warning on screen, nothing published
        await on_screen(screen, "press f again within 3 s", 20)
        os.write(master, b"r")
        await engine_mode(metrics, Mode.NORMAL)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=90)
        os.close(master)
    assert proc.returncode == 0, "".join(screen)[-2000:]
    summary = json.loads((run_dir / "summary.json").read_text())
    history = summary["kill_switch"]["engine-binance"]["history"]
    assert [(h["mode"], h["issued_by"]) for h in history] == [("halt", "operator:status-screen"),
                                                               ("normal", "operator:status-screen")]
    assert history[0]["reason"] == "halt from the status screen"
    assert [r["topic"] for r in summary["operator_requests"]] == ["risk.all", "risk.all"]


def _drain(fd: int, screen: list[str]) -> None:
    while True:
        try:
            data = os.read(fd, 65536)
        except OSError:
            return
        if not data:
            return
        screen.append(data.decode("utf-8", "ignore"))


async def on_screen(screen: list[str], text: str, timeout: float) -> None:
    def shown() -> bool:
        # The table wraps its title and styles words: compare without escape codes and whitespace.
        plain = re.sub(r"\s+", "", ANSI.sub("", "".join(screen)))
        return re.sub(r"\s+", "", text) in plain

    try:
        await wait_until(shown, f"{text!r} on the screen", timeout=timeout, every=0.2)
    except AssertionError:
        raise AssertionError(f"{text!r} not on the screen within {timeout}s; the end of it: "
                             f"{''.join(screen)[-1500:]}") from None


async def engine_mode(metrics: str, mode: Mode) -> None:
    """The engine reports the kill-switch mode in its heartbeat counters (served as metrics)."""
    async def reached() -> bool:
        return await launch.metric(metrics, 'tradesys_actor_counter{actor="engine-binance",counter="kill_switch"}') \
            == mode

    await wait_until(reached, f"the engine in {mode.name}", timeout=30, every=0.2)
