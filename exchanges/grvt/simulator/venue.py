"""What the GRVT simulator's route modules may use of the simulator: this interface, not the server.

``GrvtSimulator`` (``server.py``) implements it; ``tests/unit/test_simulator_interfaces.py`` holds every
route module to it. The route modules' own classes appear here only as types.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from exchanges.grvt.simulator.catalog import CatalogEntry
from exchanges.grvt.simulator.sessions import Sessions
from tradesys.sim.exchange import SimExchange
from tradesys.sim.faults import Faults
from tradesys.sim.market import SyntheticMarket

if TYPE_CHECKING:
    from exchanges.grvt.simulator.account_api import AccountApi
    from exchanges.grvt.simulator.market_data import MarketData
    from exchanges.grvt.simulator.streams import Connection, Streams
    from exchanges.grvt.simulator.trading import Trading


class GrvtVenue(Protocol):
    exchange: SimExchange
    market: SyntheticMarket
    catalog: dict[str, CatalogEntry]
    instrument_index: dict[str, int]          # instrument -> its index in the catalog (trade ids)
    account: str                              # the main account
    account_id: str                           # its on-chain address
    sub_account_id: str                       # its one trading account
    signer: str                               # the address whose EIP-712 signatures are accepted
    chain_id: int
    countdown_ms: int | None                  # the cancel-on-disconnect deadline
    faults: Faults
    sessions: Sessions
    market_data: MarketData
    trading: Trading
    account_api: AccountApi
    streams: Streams
    connections: set[Connection]

    def now_ns(self) -> int: ...

    def now_ms(self) -> int: ...

    def marks_of(self, account) -> dict[str, Decimal]: ...

    def trim_records(self) -> None: ...
