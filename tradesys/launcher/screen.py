"""The run's status on screen until it stops: a live table with the operator's keys on a terminal, else a
block of lines every few seconds (``status.display``)."""

from __future__ import annotations

import asyncio
import contextlib
import time

from rich.live import Live

from tradesys.config import Display
from tradesys.launcher.keys import KeyReader

LINES_EVERY = 5.0       # seconds between two blocks of status lines


async def show(launcher) -> None:
    mode = launcher.app.status.display
    if mode is Display.auto:
        mode = Display.table if launcher.console.is_terminal else Display.lines
    refresh = launcher.app.status.refresh_seconds
    if mode is Display.table:
        with KeyReader(launcher.operator.on_key), \
                Live(table(launcher), console=launcher.console, auto_refresh=False, transient=False) as live:
            while not await stopped(launcher, refresh):
                live.update(table(launcher), refresh=True)
            live.update(table(launcher), refresh=True)
        return
    last_lines = 0.0
    while not await stopped(launcher, refresh):
        if mode is Display.lines and time.monotonic() - last_lines >= LINES_EVERY:
            last_lines = time.monotonic()
            elapsed = time.time() - launcher.started_wall
            for line in launcher.board.lines():
                print(f"status t={elapsed:.0f}s {line}", flush=True)


async def stopped(launcher, seconds: float) -> bool:
    """Whether the run is stopping, after waiting at most ``seconds`` for it."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(launcher.stopping.wait(), seconds)
    return launcher.stopping.is_set()


def table(launcher):
    elapsed = time.time() - launcher.started_wall
    until = f" of {launcher.app.duration}" if launcher.app.duration else ""
    hint = launcher.operator.key_hint
    title = (f"tradesys  {elapsed:,.0f}s{until}  venues: {', '.join(launcher.app.exchange) or 'none'}  "
             f"run dir: {launcher.run_dir}  (Ctrl-C stops; kill switch: h halt, u reduce-only, f flatten, "
             f"r resume){'  ' + hint if hint else ''}")
    return launcher.board.render(title)
