"""What the Deribit simulator's route modules may use of the simulator: this interface, not the server.

``DeribitSimulator`` (``server.py``) implements it; ``tests/unit/test_simulator_interfaces.py`` holds every
route module to it. The route modules' own classes appear here only as types.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from exchanges.deribit.simulator.catalog import CatalogEntry
from exchanges.deribit.simulator.render import DayStats, OrderMeta
from exchanges.deribit.simulator.sessions import Sessions
from tradesys.sim.accounts import Account
from tradesys.sim.exchange import ExchangeEvent, SimExchange
from tradesys.sim.faults import Faults

if TYPE_CHECKING:
    from exchanges.deribit.simulator.connection import Connection
    from exchanges.deribit.simulator.streams import ChannelHub


class DeribitVenue(Protocol):
    exchange: SimExchange
    catalog: dict[str, CatalogEntry]
    faults: Faults
    sessions: Sessions
    channels: ChannelHub
    connections: set[Connection]
    cod_accounts: set[str]                    # accounts whose orders go when any of their connections drops
    counters: dict[str, int]
    min_heartbeat_s: float
    user_id: int                              # the account's numeric id
    started_ms: int                           # the account's creation time
    day_stats: DayStats

    def now_ms(self) -> int: ...

    def meta(self, symbol: str, order_id: int) -> OrderMeta: ...

    def remember(self, symbol: str, order_id: int, meta: OrderMeta) -> None: ...

    def forget(self, symbol: str, order_id: int) -> None: ...

    def capture(self) -> AbstractContextManager[list[ExchangeEvent]]: ...

    def marks_of(self, account: Account) -> dict[str, Decimal]: ...

    def open_orders_margin(self, account_id: str, symbol: str) -> Decimal: ...

    def last_price(self, symbol: str) -> Decimal | None: ...

    def open_interest(self, symbol: str) -> Decimal: ...
