"""Runs one deployment: starts Ray, creates and wires the actors, shows status, stops cleanly.

Exit codes (docs/reliability.md): 0 after a clean stop (duration reached,
Ctrl-C, SIGTERM) with every venue up; 1 when the run itself failed (an actor
could not start, the launcher broke, every venue was lost); 2 for
configuration errors (raised before here); 3 after a stop when the run went
on without something it lost on the way (a venue, a strategy, the recorder).
The reasons are printed and written to summary.json.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from pathlib import Path

import ray
from rich.console import Console

from tradesys.actors.base import ActorContext
from tradesys.bus import Subscriber, curve
from tradesys.bus.curve import CurveKeys
from tradesys.config import AppConfig, parse_duration
from tradesys.launcher import screen, summary
from tradesys.launcher.operator import OperatorDesk
from tradesys.launcher.placement import PlacementError, live_nodes, place
from tradesys.launcher.plan import ActorSpec
from tradesys.launcher.ray_start import RayStartError, start_ray
from tradesys.launcher.relocate import Moves, announce, node_gone, relocate
from tradesys.launcher.status import StatusBoard
from tradesys.launcher.supervisor import Supervisor, first_line
from tradesys.messages import Heartbeat

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
STATUS_TIMEOUT = 5.0
# Consecutive unanswered status calls before an actor counts as hung.
UNRESPONSIVE_AFTER = 3
EXIT_CLEAN, EXIT_FAILED, EXIT_CONFIG, EXIT_PART_LOST = 0, 1, 2, 3


class Launcher:
    def __init__(self, app: AppConfig, plan: list[ActorSpec], run_dir: Path, console: Console | None = None,
                 bus_keys: CurveKeys | None = None):
        self.app = app
        self.bus_keys = bus_keys
        self.plan = plan
        self.run_dir = Path(run_dir)
        self.console = console or Console(stderr=False)
        self.handles: dict[str, ray.actor.ActorHandle] = {}
        self.directory: dict[str, dict[str, str]] = {}
        self.processes: dict[str, dict] = {}        # actor -> its pid and node (actors.json)
        self.board = StatusBoard([s.name for s in plan], app.status.heartbeat_seconds,
                                 app.status.heartbeat_missing_after,
                                 venues=list(dict.fromkeys(s.venue for s in plan if s.venue)))
        self.exit_reason = ""
        self.exit_code = 0
        self.failures: list[str] = []
        self.stop_summaries: dict[str, dict] = {}
        self.operator = OperatorDesk(app.status, self.board, self.run_dir, self.console)
        self.stopping = asyncio.Event()      # set once a stop is asked for (a signal, the duration, a failure)
        self._unanswered: dict[str, int] = {}
        self.context: ActorContext | None = None
        self.specs = {spec.name: spec for spec in plan}
        self.supervisor = Supervisor(plan, app.supervision, self.handles, self._revive, self._on_lost, self._say,
                                     node_lost=lambda name: node_gone(self.board.rows[name].node))
        self.venues_down: dict[str, str] = {}      # venue key -> why it was halted
        self.moves = Moves(list(self.specs))        # actors being made again on another node
        self.status_subscriber: Subscriber | None = None
        self._losses: set[asyncio.Task] = set()     # venues being halted, strategies being retired
        self.started_wall = time.time()

    @property
    def restarts(self) -> dict[str, int]:
        return self.supervisor.restarts

    # -- entry -------------------------------------------------------------------------

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        self._handle_signals(loop)
        try:
            self._start_ray()
            # Ray's core installs its own fatal-signal handler (SIGTERM -> abort); take ours back.
            self._handle_signals(loop)
            if not self.stopping.is_set():
                await self.start_actors()
            if self.handles and not self.failures and not self.stopping.is_set():
                await self._watch()
        except Exception as exc:  # the reason goes to the user and the summary, not a traceback
            log.exception("launcher failed")
            self._fail(f"launcher error: {type(exc).__name__}: {exc}")
        finally:
            await self.settle_losses()
            await self.stop_actors()
            await self.close_control()
            if self.exit_code == EXIT_CLEAN and self.supervisor.lost:
                self.exit_code = EXIT_PART_LOST
            summary.write(self)
            if ray.is_initialized():
                ray.shutdown()
            curve.disable()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
        summary.goodbye(self)
        return self.exit_code

    def _handle_signals(self, loop: asyncio.AbstractEventLoop) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._request_stop, f"signal {signal.Signals(sig).name}")

    def _request_stop(self, reason: str) -> None:
        if not self.stopping.is_set():
            self.exit_reason = reason
            log.info("stop requested", extra={"fields": {"reason": reason}})
            self.stopping.set()

    def _fail(self, reason: str) -> None:
        self.failures.append(reason)
        self.exit_code = EXIT_FAILED
        if not self.exit_reason:
            self.exit_reason = reason
        self.console.print(f"[bold red]{reason}[/]", soft_wrap=True)
        log.info("failure", extra={"fields": {"reason": reason}})  # printed above; the JSON log keeps it
        self.stopping.set()

    # -- start -------------------------------------------------------------------------

    def _start_ray(self) -> None:
        cluster = self.app.cluster
        self.console.print(f"starting Ray ({cluster.address or 'local'}, num_cpus={cluster.num_cpus})...")
        try:
            start_ray(cluster)
        except RayStartError as exc:
            self._fail(str(exc))

    async def start_actors(self) -> None:
        """Create, start and wire the plan's actors in the running Ray (tests call this inside their own)."""
        self.context = context = ActorContext(run_dir=str(self.run_dir.resolve()), bus_host=self.app.cluster.bus_host,
                               heartbeat_seconds=self.app.status.heartbeat_seconds,
                               log_level=self.app.log_level.value, run_started_ns=int(self.started_wall * 1e9),
                               heartbeat_missing_after=self.app.status.heartbeat_missing_after,
                               bus_keys=self.bus_keys)
        if self.bus_keys is not None:       # the launcher's own sockets too: its publisher, control, status
            curve.enable(self.bus_keys)
            self.operator.bus = {"bus_security": "curve", "bus_keys": self.app.cluster.bus_keys or "environment"}
        try:
            placed = place(self.plan, self.app, live_nodes(await asyncio.to_thread(ray.nodes)))
        except PlacementError as exc:
            self._fail(str(exc))
            return
        for spec in self.plan:
            # num_cpus=0: actors are I/O-bound; the CPUs are shared, not reserved.
            remote = ray.remote(spec.cls).options(name=spec.name, num_cpus=0, max_restarts=spec.max_restarts,
                                                  max_concurrency=1000, **placed[spec.name])
            self.handles[spec.name] = remote.remote(spec.name, *spec.args)
        self.console.print(f"starting {len(self.handles)} actor(s): {', '.join(self.handles)}")
        results = await self.call_all("start", context, timeout=START_TIMEOUT, what="start")
        for name, endpoints in results.items():
            self.directory[name] = endpoints
        if self.failures:
            return
        self.directory["launcher"] = {"pub": self.operator.open(context.bus_host)}
        # The recorder first: it is connected to every publisher before they begin to talk to their venues.
        recorders = {spec.name for spec in self.plan if spec.kind == "recorder"}
        await self.call_all("wire", self.directory, timeout=START_TIMEOUT, what="wire", only=recorders)
        await self.call_all("wire", self.directory, timeout=START_TIMEOUT, what="wire",
                            only=set(self.handles) - recorders)
        where = await self.call_all("status", timeout=STATUS_TIMEOUT, what="report its process")
        for name, status in where.items():
            self.board.set_node(name, status["node"])
            self.processes[name] = {"pid": status.get("pid"), "node": status.get("node")}
        summary.write_actors(self)

    async def close_control(self) -> None:
        await self.operator.close()

    async def call_all(self, method: str, *args, timeout: float, what: str, only: set[str] | None = None,
                       fail: bool = True) -> dict:
        """Call ``method`` on the actors (``only`` some) together; a failure fails the run, or with ``fail``
        false is logged (stopping the actors of a venue that is down already)."""
        def failed(reason: str) -> None:
            if fail:
                self._fail(reason)
            else:
                log.warning("actor call failed", extra={"fields": {"reason": reason}})

        async def one(name, handle):
            try:
                return name, await asyncio.wait_for(getattr(handle, method).remote(*args), timeout)
            except TimeoutError:
                failed(f"actor {name} did not {what} within {timeout:.0f}s")
            except (ray.exceptions.RayActorError, ray.exceptions.ActorUnschedulableError) as exc:
                failed(f"actor {name} died during {what}: {first_line(exc)}")
            except ray.exceptions.RayTaskError as exc:
                failed(f"actor {name} failed to {what}: {first_line(exc)}")
            return name, None

        results = await asyncio.gather(*(one(n, h) for n, h in self.handles.items() if only is None or n in only))
        return {name: value for name, value in results if value is not None}

    # -- run -------------------------------------------------------------------------

    async def _watch(self) -> None:
        subscriber = self.status_subscriber = Subscriber(["hb."], name="launcher-status")
        for endpoints in self.directory.values():
            if "pub" in endpoints:
                subscriber.connect(endpoints["pub"])
        duration = parse_duration(self.app.duration) if self.app.duration else None
        tasks = [asyncio.create_task(self._listen(subscriber), name="status-listen"),
                 asyncio.create_task(self._check_actors(), name="status-check")]
        if duration is not None:
            tasks.append(asyncio.create_task(self._stop_after(duration), name="duration"))
        try:
            await screen.show(self)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            subscriber.close()

    async def _stop_after(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        self._request_stop(f"duration {self.app.duration} reached")

    async def _listen(self, subscriber: Subscriber) -> None:
        while True:
            for _, message in subscriber.decoded(await subscriber.recv_batch(256)):
                if isinstance(message, Heartbeat):
                    self.board.on_heartbeat(message)

    async def _check_actors(self) -> None:
        while not self.stopping.is_set():
            try:
                await self.check_once()
            except Exception:      # supervision must outlive any one round's surprise: logged, next round
                log.exception("a round of actor checks failed")
            await asyncio.sleep(self.app.status.refresh_seconds)

    async def check_once(self) -> None:
        """One round of control-plane checks: views for the screen; dead, failed or hung actors to the
        supervisor (restarted, or lost)."""
        asked_at = time.monotonic()
        statuses = await self._call_status()
        for name, status in statuses.items():
            self.board.set_view(name, status.get("view"), status.get("latency"))
            self.board.set_node(name, status.get("node"))
            if self.stopping.is_set() or not self.supervisor.watched(name):
                continue
            started = status.get("started", True)
            self.supervisor.answered(name, started, asked_at)
            if started and status["state"] == "failed":
                self.board.mark_dead(name, status["detail"])
                await self.supervisor.broken(name, f"failed: {status['detail'] or 'no detail'}")

    async def _call_status(self) -> dict[str, dict]:
        statuses = {}
        for name, handle in list(self.handles.items()):
            if not self.supervisor.watched(name):
                continue
            try:
                statuses[name] = await asyncio.wait_for(handle.status.remote(), STATUS_TIMEOUT)
                self._unanswered[name] = 0
            except TimeoutError:
                self._unanswered[name] = self._unanswered.get(name, 0) + 1
                if self._unanswered[name] >= UNRESPONSIVE_AFTER and not self.stopping.is_set():
                    self._unanswered[name] = 0
                    self.board.mark_dead(name, "not responding")
                    await self.supervisor.broken(name, f"not responding ({UNRESPONSIVE_AFTER} status calls "
                                                       f"timed out)")
            except (ray.exceptions.RayActorError, ray.exceptions.ActorUnschedulableError) as exc:
                # (Unschedulable: pinned to a node that is gone; Ray's error for it is not a RayActorError.)
                # Not of the actor made again on another node while the call was out: of the one before it.
                if not self.stopping.is_set() and self.handles.get(name) is handle:
                    self.board.mark_dead(name, first_line(exc))
                    await self.supervisor.died(name, first_line(exc))
            except ray.exceptions.RayError as exc:    # anything else Ray says: logged, asked again next round
                log.warning("status call failed", extra={"fields": {"actor": name, "error": first_line(exc)}})
        return statuses

    async def _revive(self, name: str) -> None:
        """A fresh process of ``name`` (Ray restarted it): start it on its old endpoints and wire it again.
        Or, its node gone, the actor made again on another (``relocate.py``)."""
        if name not in self.moves and not await node_gone(self.board.rows[name].node):
            handle = self.handles[name]
            old = dict(self.directory.get(name, {}))
            try:
                endpoints = await asyncio.wait_for(handle.start.remote(self.context, old), START_TIMEOUT)
                self.directory[name] = endpoints
                await asyncio.wait_for(handle.wire.remote(self.directory), START_TIMEOUT)
                if endpoints != old:        # an old port was taken meanwhile: its peers follow the new one
                    await announce(self, name, old, endpoints, START_TIMEOUT)
                summary.actor_is_at(self, name, await asyncio.wait_for(handle.status.remote(), STATUS_TIMEOUT))
                return
            except ray.exceptions.ActorUnschedulableError:
                log.info("actor pinned to a node that is gone", extra={"fields": {"actor": name}})
        await relocate(self, name, START_TIMEOUT)

    def _say(self, text: str) -> None:
        self.console.print(text, soft_wrap=True)

    async def _on_lost(self, name: str, reason: str) -> None:
        """``name`` is gone for good: a strategy is retired (the engine cancels its orders); the recorder's
        loss ends the recording; any other actor's halts its venue. The rest of the farm goes on."""
        spec = self.specs[name]
        self.board.mark_dead(name, f"lost: {reason}")
        self.console.print(f"[bold red]actor {name} lost: {reason}[/]", soft_wrap=True)
        if spec.kind == "strategy":
            work = self._retire_strategy(name, spec.venue)
        elif spec.venue is None:
            self.console.print("[bold red]the recording ends here; trading goes on[/]", soft_wrap=True)
            return
        else:
            work = self.halt_venue(spec.venue, f"{name} lost: {reason}")
        # In the background: stopping a venue's actors can take a while, and the other venues' actors are
        # still checked meanwhile.
        task = asyncio.create_task(work, name=f"lost:{name}")
        self._losses.add(task)
        task.add_done_callback(self._losses.discard)

    async def settle_losses(self) -> None:
        """Before the stop: no restart under way, every halt of a lost venue finished."""
        await self.supervisor.close()
        await asyncio.gather(*self._losses, return_exceptions=True)

    async def _retire_strategy(self, name: str, venue: str) -> None:
        engine = self.handles.get(f"engine-{venue}")
        if engine is None or not self.supervisor.watched(f"engine-{venue}"):
            return
        try:
            cancelled = await asyncio.wait_for(engine.cancel_strategy.remote(name), STOP_TIMEOUT)
            self.console.print(f"[yellow]engine-{venue} cancelled the {cancelled} open order(s) of {name}[/]",
                               soft_wrap=True)
        except (TimeoutError, ray.exceptions.RayError) as exc:
            log.error("could not cancel a lost strategy's orders", extra={"fields": {
                "strategy": name, "error": first_line(exc)}})
            self.console.print(f"[bold red]could not cancel {name}'s orders: {first_line(exc)}; the venue's "
                               f"cancel-on-disconnect is what is left[/]", soft_wrap=True)

    async def halt_venue(self, venue: str, reason: str) -> None:
        """Stop every actor of ``venue`` (strategies first, so they cancel through their engine); the others
        trade on. When no venue is left, the run stops."""
        if venue in self.venues_down:
            return
        self.venues_down[venue] = reason
        self.board.venue_down(venue, reason)
        self.console.print(f"[bold red]venue {venue} is down: {reason}; the other venues go on[/]", soft_wrap=True)
        log.error("venue halted", extra={"fields": {"venue": venue, "reason": reason}})
        names = [s.name for s in self.plan if s.venue == venue and self.supervisor.watched(s.name)]
        self.supervisor.retired.update(names)
        await self._stop_in_stages(set(names), fail=False)
        venues = {s.venue for s in self.plan if s.venue}
        if venues and venues <= set(self.venues_down):
            self._fail("every venue is lost: " + "; ".join(f"{v}: {r}" for v, r in self.venues_down.items()))

    # -- stop ------------------------------------------------------------------------

    async def stop_actors(self, stages: set[int] | None = None) -> None:
        """Stop in stages (``ActorSpec.stop_stage``, highest first), each stage's actors together;
        ``stages`` limits it to some (a test reads the simulator before its stage stops). Lost and retired
        actors are left out."""
        names = {spec.name for spec in self.plan if spec.name in self.handles and self.supervisor.watched(spec.name)
                 and (stages is None or spec.stop_stage in stages)}
        await self._stop_in_stages(names, fail=True)

    async def _stop_in_stages(self, names: set[str], *, fail: bool) -> None:
        results = {}
        for stage in sorted({spec.stop_stage for spec in self.plan}, reverse=True):
            now = {spec.name for spec in self.plan if spec.stop_stage == stage and spec.name in names}
            if now:
                results.update(await self.call_all("stop", timeout=STOP_TIMEOUT, what="stop", only=now,
                                                    fail=fail))
        self.stop_summaries.update(results)
        for name, final in results.items():
            if fail and final.get("state") == "failed" and not any(name in f for f in self.failures):
                self._fail(f"actor {name} failed while stopping: {final.get('detail') or 'see its log'}")
