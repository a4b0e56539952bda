"""Fault switches every venue simulator has, and the local control endpoint that sets them.

    GET  /_sim/faults   the current switches
    POST /_sim/faults   JSON object of switches to set, e.g. {"skip_depth_updates": 2}

Common switches: ``reject_next_orders`` (int: that many new orders refused),
``http_errors`` (list of statuses: the next HTTP requests get the venue's
answers to them, in order), ``clock_skew_ms`` (int: the server's clock runs
ahead (+) or behind (-)), ``delay_ms`` (int: every WebSocket frame waits this
long), ``skip_depth_updates`` (int: that many book updates are lost, so the
venue's sequence shows a gap), ``lose_order_answers`` (int: the next that
many new orders are executed, and then their answer is never sent: the HTTP
connection is cut, or the WebSocket reply left out), and the action ``drop_connections`` (true:
close every WebSocket now). A venue adds its own actions (``expire_listen_keys``,
``expire_tokens``) and its answers to each status. A switch that is unknown
or of the wrong type is refused whole, naming it. No authentication: the
simulators serve loopback only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from aiohttp import web

LOST_ANSWER = "the answer to an executed order left out by fault injection"

COMMON_SWITCHES = frozenset({"reject_next_orders", "http_errors", "clock_skew_ms", "delay_ms", "skip_depth_updates",
                             "lose_order_answers", "drop_connections"})
_INTEGERS = ("reject_next_orders", "clock_skew_ms", "delay_ms", "skip_depth_updates", "lose_order_answers")


@dataclass
class Faults:
    http_errors: list[int] = field(default_factory=list)
    delay_ms: int = 0
    skip_depth_updates: int = 0
    lose_order_answers: int = 0
    lost_answers: int = 0          # answers left out so far (the simulator's counter)

    def next_http_status(self) -> int | None:
        return self.http_errors.pop(0) if self.http_errors else None

    def lose_answer(self) -> bool:
        """Whether the answer to the new order just executed is to be left out (one of the switch's N)."""
        if self.lose_order_answers <= 0:
            return False
        self.lose_order_answers -= 1
        self.lost_answers += 1
        return True


class FaultControl:
    """The switches of one simulator. ``sim`` has ``exchange``, ``clock_skew_ms`` and ``faults``; the venue
    names its HTTP answers (``http_errors``: status -> its error), its extra actions and its sockets."""

    def __init__(self, sim, *, http_errors: Mapping[int, object], actions: Mapping[str, object],
                 connections):
        self.sim = sim
        self.http_errors = dict(http_errors)
        self.actions = dict(actions)          # name -> async callable run when the switch is true
        self.connections = connections        # () -> the open WebSockets (each with a ``ws``)
        self.switches = COMMON_SWITCHES | set(self.actions)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/_sim/faults", self._get), web.post("/_sim/faults", self._post)]

    def next_http_error(self):
        """The venue's answer for the next queued status, or None (a venue may give a callable that makes it
        from the simulator, for an answer that names a time)."""
        status = self.sim.faults.next_http_status()
        if status is None:
            return None
        answer = self.http_errors[status]
        return answer(self.sim) if callable(answer) else answer

    def state(self) -> dict:
        return {"reject_next_orders": self.sim.exchange.reject_next_orders, "clock_skew_ms": self.sim.clock_skew_ms,
                **asdict(self.sim.faults)}

    async def apply(self, switches: dict) -> None:
        """Set switches; raise ValueError naming the first bad one (nothing is applied then)."""
        unknown = set(switches) - self.switches
        if unknown:
            raise ValueError(f"unknown fault switch {sorted(unknown)[0]!r}; known: {', '.join(sorted(self.switches))}")
        for name in _INTEGERS:
            if name in switches and (not isinstance(switches[name], int) or isinstance(switches[name], bool)):
                raise ValueError(f"{name} must be an integer")
        errors = switches.get("http_errors", [])
        if not isinstance(errors, list) or any(e not in self.http_errors for e in errors):
            raise ValueError(f"http_errors must be a list of {sorted(self.http_errors)}")
        sim = self.sim
        if "reject_next_orders" in switches:
            sim.exchange.reject_next_orders = switches["reject_next_orders"]
        if "clock_skew_ms" in switches:
            sim.clock_skew_ms = switches["clock_skew_ms"]
        if "delay_ms" in switches:
            sim.faults.delay_ms = max(0, switches["delay_ms"])
        if "skip_depth_updates" in switches:
            sim.faults.skip_depth_updates = max(0, switches["skip_depth_updates"])
        if "lose_order_answers" in switches:
            sim.faults.lose_order_answers = max(0, switches["lose_order_answers"])
        sim.faults.http_errors.extend(errors)
        for name, action in self.actions.items():
            if switches.get(name):
                await action()
        if switches.get("drop_connections"):
            for conn in list(self.connections()):
                await conn.ws.close(code=1001, message=b"dropped by fault injection")

    async def _get(self, request: web.Request) -> web.Response:
        return web.json_response(self.state())

    async def _post(self, request: web.Request) -> web.Response:
        try:
            switches = await request.json()
            if not isinstance(switches, dict):
                raise ValueError("the body must be a JSON object of switches")
            await self.apply(switches)
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response(self.state())
