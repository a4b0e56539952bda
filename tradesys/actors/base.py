"""The lifecycle every tradesys actor shares.

A Ray actor class derives from ``ActorBase`` and is created by the launcher
with ``ray.remote``. The constructor does no I/O (a restart re-runs it);
``start`` binds the actor's publisher and returns its endpoints; ``wire``
hands it everyone's endpoints; ``stop`` ends its work, flushes, and returns a
summary. Between start and stop it publishes a Heartbeat on ``hb.<name>``
every ``heartbeat_seconds`` with its counters.

Every actor measures how late its event loop runs (``loop_lag.py``): a stall is counted, logged and named.

Every background task is started through ``spawn``, so it is owned,
cancelled on stop, and a crash in it is logged, counted, and turns the actor
FAILED (which the launcher treats as the actor dying) instead of vanishing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from tradesys import logs
from tradesys.actors.loop_lag import LoopLag
from tradesys.bus import Publisher, curve, topics
from tradesys.bus.sockets import node_address
from tradesys.messages import ActorState, Heartbeat

# Read once: a protobuf enum's attribute is a Python-level lookup, and ``spawn`` runs for every order request.
_ENDING = frozenset((ActorState.ACTOR_STATE_STOPPING, ActorState.ACTOR_STATE_STOPPED))

log = logging.getLogger(__name__)

Directory = dict[str, dict[str, str]]  # actor name -> endpoint role -> ZeroMQ endpoint


@dataclass(frozen=True)
class ActorContext:
    """What the launcher tells every actor at start."""

    run_dir: str
    bus_host: str = "127.0.0.1"
    heartbeat_seconds: float = 1.0
    log_level: str = "INFO"
    # When the run started (ns since the epoch): a restarted actor recovers what happened since then.
    run_started_ns: int = 0
    # Heartbeats an actor may miss before its peers treat it as gone (status.heartbeat_missing_after).
    heartbeat_missing_after: float = 3.0
    # cluster.bus_security: curve: the farm's keys (never shown; see tradesys/bus/curve.py).
    bus_keys: curve.CurveKeys | None = field(default=None, repr=False)


class ActorBase:
    """Base of every actor; subclasses override the ``on_*`` hooks and ``counters``."""

    def __init__(self, name: str):
        self.name = name
        self.state = ActorState.ACTOR_STATE_STARTING
        self.detail = ""
        self.errors = 0
        self.started_ts = 0
        self.context: ActorContext | None = None
        self.previous: dict[str, str] = {}
        self.restarted = False
        self.publisher: Publisher | None = None
        self._subscribers: list = []          # what this actor reads off the bus (``subscribed``)
        self._breakers: list = []             # its venue connections' circuit breakers (``own_connection``)
        self._limiters: list = []             # and their rate limiters, closed at stop
        self._tasks: set[asyncio.Task] = set()
        self.loop_lag = LoopLag()

    # -- lifecycle (called by the launcher through Ray) ---------------------------------

    async def start(self, context: ActorContext, previous: dict[str, str] | None = None) -> dict[str, str]:
        """Set up logging and the publisher, run ``on_start``; return this actor's endpoints.

        ``previous``: the endpoints of this actor's earlier life, when Ray restarted it; they are bound
        again (``port_of``), so every peer's ZeroMQ socket reconnects by itself."""
        self.context = context
        self.previous = dict(previous or {})
        self.restarted = bool(previous)
        self.started_ts = time.time_ns()
        logs.setup(self.name, Path(context.run_dir), context.log_level, console=False)
        if context.bus_keys is not None:
            for secret in (context.bus_keys.server_secret, context.bus_keys.client_secret):
                logs.register_secret(secret.decode())
            curve.enable(context.bus_keys)
        self.publisher = Publisher(self.name, host=context.bus_host, port=self.port_of("pub"))
        endpoints = {"pub": self.publisher.bind()}
        endpoints.update(await self.on_start())
        self.state = ActorState.ACTOR_STATE_RUNNING
        self.spawn(self._heartbeat_loop(), "heartbeat")
        self.spawn(self.loop_lag.run(), "loop-lag")
        log.info("actor started", extra={"fields": {"endpoints": endpoints}})
        return endpoints

    async def wire(self, directory: Directory) -> None:
        """Receive every actor's endpoints (and external ones); connect to what this actor needs."""
        await self.on_wire(directory)

    async def moved(self, name: str, old: dict[str, str], new: dict[str, str]) -> None:
        """Actor ``name`` came back on another node (its old one was lost), with ``new`` endpoints: every
        subscriber that read its old publisher reads the new one; ``on_moved`` follows the other roles."""
        for subscriber in self._subscribers:
            if subscriber.follow(old.get("pub", ""), new.get("pub", "")):
                log.info("following a moved publisher", extra={"fields": {"actor": name, "pub": new.get("pub")}})
        await self.on_moved(name, old, new)

    async def stop(self) -> dict:
        """Stop work, flush, close; return the summary. Safe to call twice."""
        if self.state in (ActorState.ACTOR_STATE_STOPPED,):
            return self.summary()
        failed = self.state == ActorState.ACTOR_STATE_FAILED
        self.state = ActorState.ACTOR_STATE_STOPPING
        try:
            await self.on_stop()
        except Exception:
            self.errors += 1
            failed = True
            log.exception("stop failed")
        await self._cancel_tasks()
        for limiter in self._limiters:
            try:
                await limiter.close()
            except Exception:       # its tasks are gone either way; the stop goes on
                self.errors += 1
                log.exception("closing a rate limiter failed")
        self.state = ActorState.ACTOR_STATE_FAILED if failed else ActorState.ACTOR_STATE_STOPPED
        if self.publisher is not None:
            self._publish_heartbeat()
            self.publisher.close()
        log.info("actor stopped", extra={"fields": {"counters": self.all_counters()}})
        return self.summary()

    def status(self) -> dict:
        """State and counters, for the launcher's control-plane checks (``started`` false: a fresh process,
        e.g. one Ray restarted, that the launcher must start and wire again)."""
        return {"name": self.name, "state": ActorState.Name(self.state).removeprefix("ACTOR_STATE_").lower(),
                "detail": self.detail, "counters": self.all_counters(), "started": self.context is not None,
                "pid": os.getpid(), "node": node_address("auto")}

    def pid(self) -> int:
        """This actor's process id (for operators and crash tests)."""
        return os.getpid()

    def summary(self) -> dict:
        return self.status()

    async def stall(self, seconds: float) -> None:
        """A fault to inject (tests, operators): block this actor's event loop for ``seconds``, as a callback
        that computes too long would, starting on the loop's next turn (so this call itself returns)."""
        if not 0 < seconds <= 60:
            raise ValueError(f"a stall of {seconds} s: between 0 and 60 s")
        log.warning("stalling the event loop on request", extra={"fields": {"seconds": seconds}})
        asyncio.get_running_loop().call_soon(time.sleep, seconds)   # the block is the point

    # -- hooks -------------------------------------------------------------------------

    async def on_start(self) -> dict[str, str]:
        """Bind sockets, open files; return extra endpoints by role. No blocking calls."""
        return {}

    async def on_wire(self, directory: Directory) -> None:
        """Connect to other actors' endpoints and start work."""

    async def on_moved(self, name: str, old: dict[str, str], new: dict[str, str]) -> None:
        """Follow the endpoints of a moved actor besides its publisher (a strategy: its engine's orders)."""

    async def on_stop(self) -> None:
        """Finish work and flush; background tasks are cancelled after this returns."""

    def counters(self) -> dict[str, int]:
        """This actor's own monotonic counters (messages, gaps, malformed, ...)."""
        return {}

    # -- helpers -----------------------------------------------------------------------

    def port_of(self, role: str) -> int:
        """The port this actor's ``role`` endpoint had in its previous life, when that life was on this node
        (0: any free port; an actor made again on another node tells its peers its new endpoints anyway,
        and its old port number may well be taken here)."""
        endpoint = self.previous.get(role, "")
        if not endpoint.startswith("tcp://"):
            return 0
        host, _, port = endpoint.removeprefix("tcp://").rpartition(":")
        if host != node_address(self.context.bus_host if self.context else "auto") or not port.isdigit():
            return 0
        return int(port)

    def subscribed(self, subscriber):
        """Count what ``subscriber`` reads in this actor's heartbeat (messages, gaps, missed, malformed); return it."""
        self._subscribers.append(subscriber)
        return subscriber

    def own_connection(self, parts) -> None:
        """A venue connection (``VenueParts``) this actor opened: its circuit breakers are counted in the
        heartbeat, and its rate limiter (with its background lease and hand-over tasks) is closed at stop."""
        if getattr(parts, "breakers", None) is not None:
            self._breakers.append(parts.breakers)
        if getattr(parts, "limiter", None) is not None:
            self._limiters.append(parts.limiter)

    def all_counters(self) -> dict[str, int]:
        counters = {"errors": self.errors, **self.loop_lag.counters()}
        if self.publisher is not None:
            counters["published"] = self.publisher.published
        if self._subscribers:
            counters.update(messages=sum(s.received for s in self._subscribers),
                            gaps=sum(s.gaps for s in self._subscribers),
                            missed=sum(s.missed for s in self._subscribers),
                            malformed=sum(s.malformed for s in self._subscribers))
        for breakers in self._breakers:
            counters.update(breakers.counters())
        if curve.enabled():
            counters["bus_denied"] = curve.denied()     # clients refused: no valid CURVE key
        counters.update(self.counters())
        return counters

    def spawn(self, coro, name: str) -> asyncio.Task:
        """Run ``coro`` as a task this actor owns: cancelled on stop, crash reported."""
        task = asyncio.get_running_loop().create_task(coro, name=f"{self.name}:{name}")
        if self.state in _ENDING:
            # A wiring still under way when the stop came (a restart racing a stop): its work never starts,
            # since the stop has already cancelled the tasks and will close the publisher.
            task.cancel()
            return task
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def fail(self, detail: str) -> None:
        """Mark this actor FAILED with a reason the launcher will report."""
        self.errors += 1
        self.state = ActorState.ACTOR_STATE_FAILED
        self.detail = detail

    def _task_done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            log.error("task crashed", exc_info=exc, extra={"fields": {"task": task.get_name()}})
            self.fail(f"task {task.get_name()} crashed: {type(exc).__name__}: {exc}")
            if self.publisher is not None:
                self._publish_heartbeat()

    async def _cancel_tasks(self) -> None:
        current = asyncio.current_task()
        tasks = [t for t in self._tasks if t is not current]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _heartbeat_loop(self) -> None:
        interval = self.context.heartbeat_seconds
        while True:
            self._publish_heartbeat()
            await asyncio.sleep(interval)

    def _publish_heartbeat(self) -> None:
        beat = Heartbeat(actor=self.name, state=self.state, started_ts=self.started_ts,
                         interval_ns=int(self.context.heartbeat_seconds * 1e9), detail=self.detail)
        beat.counters.update(self.all_counters())
        self.publisher.publish_message(topics.hb(self.name), beat)


def serve_bus(actor: ActorBase, subscriber, handler) -> None:
    """Read ``subscriber`` in the event loop's descriptor callback (``Subscriber.serve``: no task woken per
    message), each message decoded and handed to ``handler(envelope, message)``. A handler that raises fails
    ``actor``, as a crashed reader task would."""
    def batch(envelopes) -> None:
        try:
            for envelope, message in subscriber.decoded(envelopes):
                handler(envelope, message)
        except Exception as exc:
            actor.fail(f"reading the bus: {type(exc).__name__}: {exc}")
            raise

    subscriber.serve(batch)
