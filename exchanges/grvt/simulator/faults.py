"""The GRVT simulator's fault switches: the common ones (``tradesys/sim/faults.py``) in GRVT's terms.

``reject_next_orders`` answers 2082 "Pre-order check failed"; ``http_errors``
takes 429 (1006), 500 (1002) and 503 (1009); GRVT's own action:
``expire_sessions`` (true: every session cookie lapses now).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchanges.grvt.simulator import errors as e
from tradesys.sim.faults import FaultControl, Faults

if TYPE_CHECKING:
    from exchanges.grvt.simulator.venue import GrvtVenue

HTTP_ERRORS = {429: e.RATE_LIMITED, 500: e.INTERNAL, 503: e.UNAVAILABLE}


def fault_control(sim: GrvtVenue) -> FaultControl:
    async def expire_sessions() -> None:
        sim.sessions.expire_all(sim.now_ms())

    return FaultControl(sim, http_errors=HTTP_ERRORS, actions={"expire_sessions": expire_sessions},
                        connections=lambda: list(sim.connections))


__all__ = ["HTTP_ERRORS", "FaultControl", "Faults", "fault_control"]
