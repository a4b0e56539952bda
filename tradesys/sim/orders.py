"""Orders and the events the matching engine emits. Prices and quantities are
integer mantissas at the instrument's price and quantity scales."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Side(Enum):
    BUY = "BUY"
    SELL = "SELL"

    # Members are singletons: identity is their equality, so it can be their hash, which Enum's own (a hash
    # of the name, in Python) is several times slower than; books key every level by side.
    __hash__ = object.__hash__

    @property
    def opposite(self) -> Side:
        return Side.SELL if self is Side.BUY else Side.BUY


class OrderType(Enum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"


class TimeInForce(Enum):
    GTC = "GTC"
    IOC = "IOC"
    FOK = "FOK"
    GTX = "GTX"  # post-only: rejected rather than taking liquidity


class OrderStatus(Enum):
    NEW = "NEW"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"                    # IOC/market remainder, or cancelled by an amendment rule
    EXPIRED_IN_MATCH = "EXPIRED_IN_MATCH"  # self-trade prevention

    @property
    def is_final(self) -> bool:
        return self in _FINAL


_FINAL = {OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.EXPIRED_IN_MATCH}


class StpMode(Enum):
    """Self-trade prevention: what happens when an order would trade with the same account."""

    NONE = "NONE"
    EXPIRE_TAKER = "EXPIRE_TAKER"
    EXPIRE_MAKER = "EXPIRE_MAKER"
    EXPIRE_BOTH = "EXPIRE_BOTH"


class ExecType(Enum):
    NEW = "NEW"
    TRADE = "TRADE"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"
    AMENDMENT = "AMENDMENT"


@dataclass(slots=True, eq=False)
class SimOrder:
    order_id: int
    client_order_id: str
    account: str
    symbol: str
    side: Side
    type: OrderType
    time_in_force: TimeInForce
    price: int             # 0 for market orders
    quantity: int
    reduce_only: bool = False
    stp_mode: StpMode = StpMode.NONE
    filled: int = 0
    cum_quote: int = 0     # sum of price * qty of fills (price scale + quantity scale)
    status: OrderStatus = OrderStatus.NEW
    created_ns: int = 0
    updated_ns: int = 0
    modifications: int = 0

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled

    def snapshot(self) -> SimOrder:
        """A copy frozen at this moment, for events."""
        return SimOrder(self.order_id, self.client_order_id, self.account, self.symbol, self.side, self.type,
                        self.time_in_force, self.price, self.quantity, self.reduce_only, self.stp_mode,
                        self.filled, self.cum_quote, self.status, self.created_ns, self.updated_ns,
                        self.modifications)


@dataclass(slots=True)
class Fill:
    """One execution of one order: its side of a trade."""

    trade_id: int
    price: int
    quantity: int
    is_maker: bool


@dataclass(slots=True)
class OrderUpdate:
    """A change to one order: what happened (exec_type) and the order as it is afterwards."""

    exec_type: ExecType
    order: SimOrder
    fill: Fill | None = None


@dataclass(slots=True)
class PublicTrade:
    trade_id: int
    symbol: str
    price: int
    quantity: int
    taker_side: Side
    maker_order_id: int
    taker_order_id: int
    time_ns: int


@dataclass(slots=True)
class EngineResult:
    """Everything one request to the engine caused, in the order it happened."""

    updates: list[OrderUpdate] = field(default_factory=list)
    trades: list[PublicTrade] = field(default_factory=list)
    # (side, price) -> total quantity now resting there (0: the level is gone)
    book_changes: dict[tuple[Side, int], int] = field(default_factory=dict)
    first_update_id: int = 0  # the book update ids this request used (0, 0: the book did not change)
    last_update_id: int = 0
