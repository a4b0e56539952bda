"""The Deribit simulator's fault switches: the common ones (``tradesys/sim/faults.py``) in Deribit's terms.

``reject_next_orders`` answers 11030 other_reject; ``http_errors`` takes 429
(10028 too_many_requests), 500 (11094) and 503 (10040 retry);
``skip_depth_updates`` loses book change notifications (the ``change_id``
chain breaks); ``drop_connections`` is a network drop, so cancel-on-disconnect
applies. Deribit's own action: ``expire_tokens`` (true: every access token
lapses now; refresh tokens stay good), in place of Binance's ``expire_listen_keys``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchanges.deribit.simulator.rpc import RpcError
from tradesys.sim.faults import FaultControl, Faults

if TYPE_CHECKING:
    from exchanges.deribit.simulator.venue import DeribitVenue

HTTP_ERRORS = {
    429: RpcError(10028, "too_many_requests", http_status=429),
    500: RpcError(11094, "internal_server_error", http_status=500),
    503: RpcError(10040, "retry", http_status=503),
}


def fault_control(sim: DeribitVenue) -> FaultControl:
    async def expire_tokens() -> None:
        sim.sessions.expire_all(sim.now_ms())

    return FaultControl(sim, http_errors=HTTP_ERRORS, actions={"expire_tokens": expire_tokens},
                        connections=lambda: list(sim.connections))


__all__ = ["HTTP_ERRORS", "FaultControl", "Faults", "fault_control"]
