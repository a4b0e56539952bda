"""Fault switches of the Binance simulator and the local control endpoint that sets them.

    GET  /_sim/faults   the current switches
    POST /_sim/faults   JSON object of switches to set, e.g. {"skip_depth_updates": 2}

Switches: ``reject_next_orders`` (int: the venue's -2010 for that many new
orders), ``http_errors`` (list of statuses, 429/500/503: the next REST
requests get them, in order), ``clock_skew_ms`` (int: the server's clock runs
ahead (+) or behind (-)), ``delay_ms`` (int: every WebSocket frame waits this
long), ``skip_depth_updates`` (int: that many diff-depth events are never
sent, so the ``pu`` chain shows a gap). Actions: ``drop_connections`` (true:
close every WebSocket now), ``expire_listen_keys`` (true: every listen key
lapses now). The endpoint has no authentication: the simulator serves
loopback only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from exchanges.binance.simulator.rejects import ApiError

if TYPE_CHECKING:
    from exchanges.binance.simulator.server import BinanceSimulator

_HTTP_ERRORS = {
    429: ApiError(429, -1003, "Too many requests; current limit is 2400 requests per minute. Please use the "
                              "websocket for live updates to avoid polling the API.", retry_after=1),
    500: ApiError(500, -1000, "An unknown error occured while processing the request."),
    503: ApiError(503, -1001, "Internal error; unable to process your request. Please try again."),
}


@dataclass
class Faults:
    http_errors: list[int] = field(default_factory=list)
    delay_ms: int = 0
    skip_depth_updates: int = 0

    def next_http_error(self) -> ApiError | None:
        return _HTTP_ERRORS[self.http_errors.pop(0)] if self.http_errors else None


class FaultControl:
    SWITCHES = {"reject_next_orders", "http_errors", "clock_skew_ms", "delay_ms", "skip_depth_updates",
                "drop_connections", "expire_listen_keys"}

    def __init__(self, sim: BinanceSimulator):
        self.sim = sim

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/_sim/faults", self._get), web.post("/_sim/faults", self._post)]

    def state(self) -> dict:
        return {"reject_next_orders": self.sim.exchange.reject_next_orders, "clock_skew_ms": self.sim.clock_skew_ms,
                **asdict(self.sim.faults)}

    async def apply(self, switches: dict) -> None:
        """Set switches; raise ValueError naming the first bad one (nothing is applied then)."""
        unknown = set(switches) - self.SWITCHES
        if unknown:
            raise ValueError(f"unknown fault switch {sorted(unknown)[0]!r}; known: {', '.join(sorted(self.SWITCHES))}")
        for name in ("reject_next_orders", "clock_skew_ms", "delay_ms", "skip_depth_updates"):
            if name in switches and (not isinstance(switches[name], int) or isinstance(switches[name], bool)):
                raise ValueError(f"{name} must be an integer")
        errors = switches.get("http_errors", [])
        if not isinstance(errors, list) or any(e not in _HTTP_ERRORS for e in errors):
            raise ValueError(f"http_errors must be a list of {sorted(_HTTP_ERRORS)}")
        sim = self.sim
        if "reject_next_orders" in switches:
            sim.exchange.reject_next_orders = switches["reject_next_orders"]
        if "clock_skew_ms" in switches:
            sim.clock_skew_ms = switches["clock_skew_ms"]
        if "delay_ms" in switches:
            sim.faults.delay_ms = max(0, switches["delay_ms"])
        if "skip_depth_updates" in switches:
            sim.faults.skip_depth_updates = max(0, switches["skip_depth_updates"])
        sim.faults.http_errors.extend(errors)
        if switches.get("expire_listen_keys"):
            now = sim.now_ms()
            for key in sim.listen_keys:
                sim.listen_keys[key] = now
        if switches.get("drop_connections"):
            for conn in [*sim.streams.connections, *sim.users.connections, *sim.ws_api.connections]:
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
