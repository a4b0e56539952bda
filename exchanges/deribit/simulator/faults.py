"""Fault switches of the Deribit simulator and the local control endpoint that sets them.

    GET  /_sim/faults   the current switches
    POST /_sim/faults   JSON object of switches to set, e.g. {"skip_depth_updates": 2}

The same switches as the Binance simulator, in this venue's terms:
``reject_next_orders`` (int: that many new orders refused with 11030),
``http_errors`` (list of 429/500/503: the next HTTP requests get them, in
order; 429 is 10028), ``clock_skew_ms`` (int), ``delay_ms`` (int: every
WebSocket frame waits this long), ``skip_depth_updates`` (int: that many book
change notifications are lost, so the change_id chain breaks). Actions:
``drop_connections`` (true: close every WebSocket now, as a network drop:
cancel-on-disconnect applies), ``expire_tokens`` (true: every access token
lapses now; Binance's ``expire_listen_keys``). No authentication: loopback only.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

from aiohttp import web

from exchanges.deribit.simulator.rpc import RpcError

if TYPE_CHECKING:
    from exchanges.deribit.simulator.server import DeribitSimulator

HTTP_ERRORS = {
    429: RpcError(10028, "too_many_requests", http_status=429),
    500: RpcError(11094, "internal_server_error", http_status=500),
    503: RpcError(10040, "retry", http_status=503),
}


@dataclass
class Faults:
    http_errors: list[int] = field(default_factory=list)
    delay_ms: int = 0
    skip_depth_updates: int = 0

    def next_http_error(self) -> RpcError | None:
        return HTTP_ERRORS[self.http_errors.pop(0)] if self.http_errors else None


class FaultControl:
    SWITCHES = {"reject_next_orders", "http_errors", "clock_skew_ms", "delay_ms", "skip_depth_updates",
                "drop_connections", "expire_tokens"}

    def __init__(self, sim: DeribitSimulator):
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
        if not isinstance(errors, list) or any(e not in HTTP_ERRORS for e in errors):
            raise ValueError(f"http_errors must be a list of {sorted(HTTP_ERRORS)}")
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
        if switches.get("expire_tokens"):
            sim.sessions.expire_all(sim.now_ms())
        if switches.get("drop_connections"):
            for conn in list(sim.connections):
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
