"""What every venue simulator is built on: the clock with its fault skew, the fault switches, the web
servers it binds, the synthetic market's task and the venue's periodic duties.

A venue's simulator (``exchanges/<venue>/simulator/server.py``) subclasses
``SimHost``: in ``__init__`` it sets ``exchange``, ``market`` and
``fault_control``; ``start`` calls ``open()``, binds its applications with
``serve()``, then the fault endpoint with ``serve_control()``, and calls
``run()``; ``stop`` closes its own sockets and then ``close()``. ``tick()``
runs every ``tick_seconds`` for what the venue does on a timer (countdown
cancels, channel batches); a tick that fails is logged and the next one runs.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time

from aiohttp import web

from tradesys.aio import cancel_and_wait
from tradesys.sim.exchange import SimExchange
from tradesys.sim.faults import FaultControl, Faults
from tradesys.sim.market import SyntheticMarket

log = logging.getLogger(__name__)


class SimHost:
    venue = "sim"
    tick_seconds = 0.05

    exchange: SimExchange
    market: SyntheticMarket
    fault_control: FaultControl

    def __init__(self, *, step_seconds: float, faults: dict | None):
        self.step_seconds = step_seconds
        self.clock_skew_ms = 0
        self.faults = Faults()
        self._initial_faults = dict(faults or {})
        self.urls: dict[str, str] = {}
        # The fault endpoint can drop every connection or lose answers: it binds here (loopback), not where
        # the venue's API binds, unless the operator says otherwise (``cluster.sim_control_host``).
        self.control_host = "127.0.0.1"
        # What a client needs besides the URLs and the keys: printed by the CLI, published to the connectors.
        self.client_settings: dict[str, str] = {}
        self._runners: list[web.AppRunner] = []
        self._ports_again: list[int] = []
        self._market_task: asyncio.Task | None = None
        self._tick_task: asyncio.Task | None = None

    def now_ns(self) -> int:
        return time.time_ns() + self.clock_skew_ms * 1_000_000

    def now_ms(self) -> int:
        return self.now_ns() // 1_000_000

    async def open(self) -> None:
        """Before serving: the market takes its first prices, the faults given at start are set (a bad
        switch fails the start, clearly)."""
        self.market.start(self.now_ns())
        await self.fault_control.apply(self._initial_faults)

    def keep_identity(self, client_settings: dict[str, str]) -> None:
        """A restarted simulator is the same venue account, fresh: take back the identity its clients hold
        (``client_settings`` of its last life). Venues whose accounts have an id of their own override this."""

    def serve_again_on(self, ports: list[int]) -> None:
        """Bind the servers on these ports, in the order ``serve`` binds them, where it would take any free
        port: a restarted simulator is reached at the addresses its clients already have."""
        self._ports_again = list(ports)

    async def serve(self, app: web.Application, host: str, port: int) -> str:
        """Serve ``app`` on host:port (0: an OS-chosen port, or the next of ``serve_again_on``); return
        ``host:port`` as bound."""
        if not port and self._ports_again:
            port = self._ports_again.pop(0)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        self._runners.append(runner)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        await web.SockSite(runner, sock).start()
        return f"{host}:{sock.getsockname()[1]}"

    async def serve_control(self) -> str:
        """Serve the fault switches on ``control_host`` at a port of their own; return their URL."""
        app = web.Application()
        app.add_routes(self.fault_control.routes())
        return f"http://{await self.serve(app, self.control_host, 0)}/_sim/faults"

    def run(self) -> None:
        """Start the synthetic flow and the venue's periodic duties."""
        self.resume_market()
        self._tick_task = asyncio.create_task(self._ticks(), name=f"{self.venue}-sim-ticks")

    def pause_market(self) -> None:
        """Stop the synthetic flow (the book then changes only by clients' orders)."""
        if self._market_task is not None:
            self._market_task.cancel()
            self._market_task = None

    def resume_market(self) -> None:
        """Start the synthetic flow again after ``pause_market``, from the book as it is."""
        if self._market_task is None:
            self._market_task = asyncio.create_task(self.market.run(self.step_seconds, self.now_ns),
                                                    name=f"{self.venue}-sim-market")

    def tick(self) -> None:
        """The venue's duties every ``tick_seconds``."""

    async def _ticks(self) -> None:
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                self.tick()
            except Exception:   # a simulator bug: logged, and the venue keeps its timers
                log.exception("simulator tick failed", extra={"fields": {"venue": self.venue}})

    async def close(self) -> None:
        """Stop the tasks and the servers (the venue has closed its own sockets)."""
        await cancel_and_wait(self._tick_task)
        await cancel_and_wait(self._market_task)
        self._tick_task = self._market_task = None
        for runner in self._runners:
            await runner.cleanup()
        self._runners.clear()
