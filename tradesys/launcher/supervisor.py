"""The launcher's supervision of its actors: a dead actor comes back after a backoff, within its budget.

Ray restarts a dead actor's process at once, up to the actor's ``max_restarts``
(its budget, ``supervision.max_restarts.<kind>``). The fresh process does
nothing until the launcher starts it on its old endpoints and wires it; the
supervisor waits ``backoff_seconds`` before that, twice as long for each
further restart of the same actor (capped at ``backoff_max_seconds``), so a
crash loop does not hammer the venue. An actor that failed (a task crashed)
or hangs is killed so that Ray restarts it the same way.

An actor is **lost** when it dies with its budget spent, when Ray does not
bring it back, or when its new life cannot be started and nothing is left of
the budget. What a loss costs is the launcher's call (``on_lost``): its
venue halted, a strategy retired, the recording ended.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import ray

from tradesys.config.schema import SupervisionConfig
from tradesys.launcher.placement import PlacementError
from tradesys.launcher.plan import ActorSpec

log = logging.getLogger(__name__)

# How long Ray may take to bring a dead actor's new process up before the actor counts as lost.
REVIVE_WITHIN = 60.0


class Supervisor:
    """``handles``: the launcher's, by name; ``revive(name)`` starts and wires a fresh process (raises on
    failure); ``on_lost(name, reason)`` is awaited once per lost actor; ``say(text)`` tells the operator."""

    def __init__(self, plan: list[ActorSpec], settings: SupervisionConfig, handles: dict[str, ray.actor.ActorHandle],
                 revive: Callable[[str], Awaitable[None]], on_lost: Callable[[str, str], Awaitable[None]],
                 say: Callable[[str], None], node_lost: Callable[[str], Awaitable[bool]] | None = None):
        self.specs = {spec.name: spec for spec in plan}
        self.settings = settings
        self.handles = handles
        self._revive = revive
        self._on_lost = on_lost
        self._say = say
        self._node_lost = node_lost
        self.restarts: dict[str, int] = {}
        self.lost: dict[str, str] = {}              # actor -> why it is gone for good
        self.retired: set[str] = set()              # stopped on purpose before the end (venue halted)
        self._reviving: dict[str, asyncio.Task] = {}
        self._revived_at: dict[str, float] = {}     # when each actor's last restart ended (monotonic)
        self._dead_since: dict[str, float] = {}

    def watched(self, name: str) -> bool:
        """Whether the launcher still checks ``name`` (not lost, not retired)."""
        return name not in self.lost and name not in self.retired

    def budget_left(self, name: str) -> int:
        return self.specs[name].max_restarts - self.restarts.get(name, 0)

    def backoff(self, name: str) -> float:
        """The wait before the next restart of ``name``: doubles with each restart it has had."""
        seconds = self.settings.backoff_seconds * 2 ** self.restarts.get(name, 0)
        return min(seconds, self.settings.backoff_max_seconds)

    # -- what the launcher's checks saw ------------------------------------------------

    def answered(self, name: str, started: bool, asked_at: float) -> None:
        """``name`` answered a status call made at ``asked_at`` (monotonic); ``started`` false: a fresh process
        Ray made, to start and wire, unless a restart finished since the call was made (a stale answer)."""
        self._dead_since.pop(name, None)
        stale = self._revived_at.get(name, -1.0) >= asked_at
        if not started and not stale and name not in self._reviving:
            self._reviving[name] = asyncio.create_task(self._restart(name), name=f"revive:{name}")

    async def died(self, name: str, why: str) -> None:
        """A status call found ``name`` dead: lost if Ray will not restart it (or has not, in time)."""
        if name in self._reviving:
            return          # the death of a process being started: its restart sees it
        first = self._dead_since.setdefault(name, time.monotonic())
        if self.budget_left(name) <= 0:
            await self.lose(name, f"died with {self._spent(name)}: {why}")
        elif await self._moved_on(name):
            return
        elif time.monotonic() - first > REVIVE_WITHIN:
            await self.lose(name, f"died and was not brought back within {REVIVE_WITHIN:.0f}s: {why}")

    async def broken(self, name: str, why: str) -> None:
        """``name`` failed or hangs: its process is killed so that Ray restarts it (or, budget spent, lost)."""
        if name in self._reviving:
            return
        if self.budget_left(name) <= 0:
            await self.lose(name, f"{why}, with {self._spent(name)}")
            return
        if await self._moved_on(name):
            return
        self._say(f"[yellow]actor {name}: {why}; killing it for a restart[/]")
        log.warning("actor killed for a restart", extra={"fields": {"actor": name, "why": why}})
        self._kill_for_restart(name)

    async def lose(self, name: str, reason: str) -> None:
        if name in self.lost:
            return
        self.lost[name] = reason
        self._dead_since.pop(name, None)
        log.error("actor lost", extra={"fields": {"actor": name, "reason": reason}})
        await self._on_lost(name, reason)

    async def close(self) -> None:
        """Cancel restarts under way (the run is stopping)."""
        tasks = list(self._reviving.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._reviving.clear()

    # -- internals ---------------------------------------------------------------------

    async def _moved_on(self, name: str) -> bool:
        """If ``name``'s node is gone, Ray cannot bring it back there: start the restart that makes it again
        on another node (the launcher's ``revive``); return whether it did."""
        if self._node_lost is None or not await self._node_lost(name):
            return False
        self._dead_since.pop(name, None)
        self._reviving[name] = asyncio.create_task(self._restart(name), name=f"revive:{name}")
        return True

    def _spent(self, name: str) -> str:
        budget = self.specs[name].max_restarts
        return f"its restart budget of {budget} spent" if budget else "no restart budget (0)"

    async def _restart(self, name: str) -> None:
        try:
            delay = self.backoff(name)
            self.restarts[name] = count = self.restarts.get(name, 0) + 1
            budget = self.specs[name].max_restarts
            self._say(f"[yellow]actor {name} died: restart {count} of {budget}, starting it in {delay:.1f}s[/]")
            log.warning("actor restarting", extra={"fields": {"actor": name, "restart": count, "budget": budget,
                                                               "backoff_seconds": delay}})
            await asyncio.sleep(delay)
            try:
                await self._revive(name)
            except Exception as exc:       # any failure of the new life: the same rule as a death
                why = f"its restart {count} failed: {first_line(exc)}"
                log.warning("actor restart failed", extra={"fields": {"actor": name, "restart": count,
                                                                       "error": f"{type(exc).__name__}: {exc}"[:500]}})
                if self.budget_left(name) <= 0 or isinstance(exc, PlacementError):    # no node may run it
                    await self.lose(name, why)
                else:
                    self._say(f"[yellow]actor {name}: {why}; killing it for another restart[/]")
                    self._kill_for_restart(name)
                return
            self._say(f"[green]actor {name} is back (restart {count} of {budget})[/]")
            log.info("actor restarted", extra={"fields": {"actor": name, "restart": count}})
        finally:
            self._revived_at[name] = time.monotonic()
            self._reviving.pop(name, None)

    def _kill_for_restart(self, name: str) -> None:
        try:
            ray.kill(self.handles[name], no_restart=False)
        except (KeyError, ValueError, ray.exceptions.RayError) as exc:
            log.warning("could not kill the actor", extra={"fields": {"actor": name, "error": str(exc)}})


def first_line(exc: BaseException) -> str:
    """The first line that says something of an error (of its cause, for a Ray task error), for a status line."""
    cause = getattr(exc, "cause", None)
    text = str(cause if isinstance(cause, BaseException) else exc).strip()
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("Traceback"):
            return line[:300]
    return type(exc).__name__
