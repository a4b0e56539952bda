"""What the Binance simulator's route modules may use of the simulator: this interface, not the server.

``BinanceSimulator`` (``server.py``) implements it; ``tests/unit/test_simulator_interfaces.py`` holds every
route module to it. The route modules' own classes appear here only as types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from exchanges.binance.auth import Credentials
from exchanges.binance.simulator.catalog import CatalogEntry
from exchanges.binance.simulator.limits import RateLimits
from tradesys.sim.exchange import SimExchange
from tradesys.sim.faults import FaultControl, Faults

if TYPE_CHECKING:
    from exchanges.binance.simulator.rpc import WsApi
    from exchanges.binance.simulator.streams import StreamHub
    from exchanges.binance.simulator.user import UserStreams


class BinanceVenue(Protocol):
    exchange: SimExchange
    catalog: dict[str, CatalogEntry]
    symbols: tuple[str, ...]
    account: str                              # the one account every key trades on
    credentials: Credentials
    faults: Faults
    fault_control: FaultControl
    limits: RateLimits                        # the venue's request weights and order counts
    listen_keys: dict[str, int]               # user-stream key -> expiry (ms)
    countdowns: dict[tuple[str, str], int]    # (account, symbol) -> countdownCancelAll deadline (ms)
    streams: StreamHub
    users: UserStreams
    ws_api: WsApi

    def now_ms(self) -> int: ...

    def account_of(self, api_key: str) -> str | None: ...
