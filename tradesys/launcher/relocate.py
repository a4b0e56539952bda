"""An actor whose node was lost, made again on a node its placement allows (the launcher's part of it).

Ray restarts a dead actor's process on its own node; an actor pinned to a node that is gone cannot come
back there. The launcher then kills what is left of it, asks the placement for another node (beside its
venue's services that still run, or the least loaded node its rule allows), makes the actor again under
its name, starts it with the endpoints of its last life (so it recovers as a restarted actor does: its
orders, positions and quotes from the engine and the position server) and wires it, and tells every other
running actor where it now is (``moved``: subscribers follow its publisher, strategies their engine).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import ray

from tradesys.launcher import summary
from tradesys.launcher.placement import live_nodes, place_again

log = logging.getLogger(__name__)
AHEAD_WAIT = 60.0       # seconds a move waits for the actors before it in the plan on the same lost node


async def node_gone(node: str) -> bool:
    """Whether no live Ray node has this address any more (an empty address is not known: not gone)."""
    if not node:
        return False
    nodes = live_nodes(await asyncio.to_thread(ray.nodes))
    return all(n.address != node for n in nodes)


class Moves:
    """The actors being made again on another node, one at a time and in the plan's order (a venue's
    services before its strategies, which recover from them): each move places by the farm's load and
    wires with the directory as the moves before it left it. What an actor was before its first try
    (endpoints, node) is kept until its move is told to the others, so a try that failed half way is taken
    up again from the start, and the others still hear where it came from."""

    def __init__(self, order: list[str]):
        self.order = {name: n for n, name in enumerate(order)}
        self.origin: dict[str, tuple[dict[str, str], str]] = {}     # actor -> (old endpoints, lost node)
        self._waiting: set[str] = set()
        self._busy = False
        self._turn = asyncio.Condition()

    def __contains__(self, name: str) -> bool:
        return name in self.origin

    @contextlib.asynccontextmanager
    async def turn(self, name: str):
        """Held while ``name`` moves: given, when none is moving, to the first waiting one in plan order."""
        async with self._turn:
            self._waiting.add(name)
            try:
                await self._turn.wait_for(lambda: not self._busy and min(self._waiting, key=self.order.get) == name)
            finally:
                self._waiting.discard(name)
            self._busy = True
        try:
            yield
        finally:
            async with self._turn:
                self._busy = False
                self._turn.notify_all()


async def relocate(launcher, name: str, timeout: float) -> None:
    """Make ``name`` again on another node; raises (PlacementError, a Ray error, TimeoutError) when it
    cannot, which the supervisor treats as a failed restart (its next restart moves it again)."""
    moves: Moves = launcher.moves
    old, lost_on = moves.origin.setdefault(name, (dict(launcher.directory.get(name, {})),
                                                  launcher.board.rows[name].node))
    # Its node's actors before it in the plan first (a strategy wires to its engine, recovers from its
    # position server), though their deaths may be seen a round after its own; not for ever.
    deadline = asyncio.get_running_loop().time() + AHEAD_WAIT
    while _ahead(launcher, name, lost_on) and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.25)
    async with moves.turn(name):
        with contextlib.suppress(ValueError, ray.exceptions.RayError):
            ray.kill(launcher.handles[name], no_restart=True)      # dead already: this frees its name
        # Ray may list the lost node as alive for some seconds after its actors were declared dead.
        nodes = [n for n in live_nodes(await asyncio.to_thread(ray.nodes)) if n.address != lost_on]
        live = {n.address for n in nodes}
        where = {n: row.node for n, row in launcher.board.rows.items()
                 if n != name and row.node in live and row.state not in ("stopped", "failed")}
        spec = launcher.specs[name]
        options = place_again(spec, launcher.plan, launcher.app, nodes, where)
        log.info("making the actor again", extra={"fields": {
            "actor": name, "lost_node": lost_on, "node_id": options["scheduling_strategy"].node_id}})
        remote = ray.remote(spec.cls).options(name=spec.name, num_cpus=0, max_restarts=spec.max_restarts,
                                              max_concurrency=1000, **options)
        handle = launcher.handles[name] = await _made(remote, spec)
        endpoints = await asyncio.wait_for(handle.start.remote(launcher.context, old), timeout)
        launcher.directory[name] = endpoints
        status = await asyncio.wait_for(handle.status.remote(), timeout)
        await asyncio.wait_for(handle.wire.remote(launcher.directory), timeout)
        await announce(launcher, name, old, endpoints, timeout)
        launcher.board.set_node(name, status["node"])
        summary.actor_is_at(launcher, name, status)
        del moves.origin[name]
    launcher.console.print(f"[yellow]actor {name}: its node {lost_on} is gone; made again on {status['node']}[/]",
                           soft_wrap=True)
    log.warning("actor made again on another node", extra={"fields": {
        "actor": name, "lost_node": lost_on, "node": status["node"]}})


async def announce(launcher, name: str, old: dict[str, str], new: dict[str, str], timeout: float) -> None:
    """Tell every other running actor, and the launcher's status reader, that ``name``'s endpoints are now
    ``new`` (it was made again on another node, or came back on its own where its old port was taken)."""
    others = {n for n, row in launcher.board.rows.items()
              if n != name and launcher.supervisor.watched(n) and row.state != "dead"}
    await launcher.call_all("moved", name, old, new, timeout=timeout, what="follow a moved actor",
                            only=others, fail=False)
    if launcher.status_subscriber is not None:
        launcher.status_subscriber.follow(old.get("pub", ""), new.get("pub", ""))


def _ahead(launcher, name: str, lost_on: str) -> bool:
    """Whether an actor placed before ``name`` in the plan is still on the lost node, to be moved or lost."""
    order = launcher.moves.order
    return any(row.node == lost_on and order[other] < order[name] and launcher.supervisor.watched(other)
               for other, row in launcher.board.rows.items())


async def _made(remote, spec, attempts: int = 40):
    """The new actor, once Ray has let go of the dead one's name: it does so some time after the kill, and
    a named actor made while the name is held is refused."""
    for _ in range(attempts):
        try:
            await asyncio.to_thread(ray.get_actor, spec.name)
        except ValueError:          # no actor of that name: free
            break
        await asyncio.sleep(0.25)
    else:
        raise RuntimeError(f"Ray still holds the name {spec.name} of the dead actor after {attempts * 0.25:g}s")
    return remote.remote(spec.name, *spec.args)
