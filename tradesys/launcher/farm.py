"""A whole configured farm inside a Ray session the caller owns (tests, benchmarks), brought up and
supervised the way run.py does it, and taken down again."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import ray
from rich.console import Console

from tradesys.bus import curve
from tradesys.config.load import load
from tradesys.launcher.cli import bus_keys
from tradesys.launcher.launcher import Launcher
from tradesys.launcher.plan import STOP_VENUE, build_plan

log = logging.getLogger(__name__)
FAST = ("status.heartbeat_seconds=0.5", "recording.enabled=false")
CALL_TIMEOUT = 60.0     # seconds: a question to an actor that gets no answer is a failure that says so, not a hang


class Farm:
    def __init__(self, run_dir: Path, *overrides: str, conf_dir: Path | None = None):
        _, self.app = load([*FAST, *overrides], **({"conf_dir": conf_dir} if conf_dir else {}))
        self.plan = build_plan(self.app)
        run_dir.mkdir(parents=True, exist_ok=True)
        self.launcher = Launcher(self.app, self.plan, run_dir, console=Console(file=open(run_dir / "console.txt", "w")),
                                 bus_keys=bus_keys(self.app))
        self.stopped = False
        self._supervisor: asyncio.Task | None = None

    async def __aenter__(self) -> Farm:
        try:
            await self.launcher.start_actors()
            assert not self.launcher.failures, self.launcher.failures
        except BaseException:
            await self._release()        # no actor outlives a farm that failed to start
            raise
        self._supervisor = asyncio.create_task(self._supervise())
        return self

    async def _supervise(self) -> None:
        """The launcher's control-plane round (restarted actors are started and wired again), as run.py does."""
        while True:
            try:
                await self.launcher.check_once()
            except Exception:      # as run.py's loop: a failed round is logged, the next one runs
                log.exception("a round of actor checks failed")
            await asyncio.sleep(0.5)

    async def __aexit__(self, *exc) -> None:
        if not self.stopped:
            await self.stop_all()
        await self._release()

    async def _release(self) -> None:
        await self.launcher.close_control()
        curve.disable()          # this process runs other farms and tests after this one
        for handle in self.launcher.handles.values():
            ray.kill(handle)
        await asyncio.sleep(0.5)      # time itself: named actors are released asynchronously

    def actor(self, name: str):
        return self.launcher.handles[name]

    async def call(self, name: str, method: str, *args, **kwargs):
        try:
            return await asyncio.wait_for(getattr(self.actor(name), method).remote(*args, **kwargs), CALL_TIMEOUT)
        except TimeoutError:
            raise AssertionError(f"{name}.{method} did not answer within {CALL_TIMEOUT:g}s") from None

    async def _end_supervision(self) -> None:
        if self._supervisor is not None:
            self._supervisor.cancel()
            await asyncio.gather(self._supervisor, return_exceptions=True)
            self._supervisor = None
        await self.launcher.settle_losses()

    async def stop_trading(self) -> dict:
        """Stop everything but the simulator (so the test can still ask the venue); return the summaries."""
        await self._end_supervision()
        stages = {spec.stop_stage for spec in self.plan} - {STOP_VENUE}
        await self.launcher.stop_actors(stages)
        return self.launcher.stop_summaries

    async def stop_all(self) -> None:
        await self._end_supervision()
        await self.launcher.stop_actors()
        await self.launcher.close_control()
        self.stopped = True
