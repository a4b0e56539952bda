"""The Binance simulator's fault switches: the common ones (``tradesys/sim/faults.py``) in Binance's terms.

``reject_next_orders`` answers -2010 NEW_ORDER_REJECTED; ``http_errors`` takes
429 (-1003 with ``Retry-After``), 418 (a ban of two seconds, its end named in
the message), 500 and 503 with the venue's bodies;
``skip_depth_updates`` loses diff-depth events (the ``pu`` chain shows a
gap). Binance's own action: ``expire_listen_keys`` (true: every listen key
lapses now).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchanges.binance.simulator.errors import ApiError
from tradesys.sim.faults import FaultControl, Faults

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue

BAN_SECONDS = 2
HTTP_ERRORS = {
    429: ApiError(429, -1003, "Too many requests; current limit is 2400 requests per minute. Please use the "
                              "websocket for live updates to avoid polling the API.", retry_after=1),
    500: ApiError(500, -1000, "An unknown error occured while processing the request."),
    503: ApiError(503, -1001, "Internal error; unable to process your request. Please try again."),
    # A ban of BAN_SECONDS from now (the venue names its end in ms).
    418: lambda sim: ApiError(418, -1003, f"Way too many requests; IP banned until "
                                          f"{sim.now_ms() + BAN_SECONDS * 1000}. Please use the websocket for "
                                          f"live updates to avoid bans.", retry_after=BAN_SECONDS),
}


def fault_control(sim: BinanceVenue) -> FaultControl:
    async def expire_listen_keys() -> None:
        now = sim.now_ms()
        for key in sim.listen_keys:
            sim.listen_keys[key] = now

    return FaultControl(sim, http_errors=HTTP_ERRORS, actions={"expire_listen_keys": expire_listen_keys},
                        connections=lambda: [*sim.streams.connections, *sim.users.connections,
                                             *sim.ws_api.connections])


__all__ = ["HTTP_ERRORS", "FaultControl", "Faults", "fault_control"]
