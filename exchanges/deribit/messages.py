"""Deribit payloads as msgspec Structs, with the venue's own field names (docs/protocols/deribit.md 1, 3, 6).

Only the fields we read are declared; unknown fields are ignored. Money and
amounts decode as exact ``Decimal`` (msgspec keeps a JSON number's digits);
book levels, the hot path, decode as floats and ``parse.py`` turns them into
integer mantissas with a check that they sit on the instrument's grid. An
envelope is decoded first with its ``result`` / ``params`` left raw, then
the part is decoded with the type its method or channel says.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class RpcErrorBody(msgspec.Struct, gc=False):
    code: int
    message: str = ""
    data: object = None


ABSENT = msgspec.Raw(b"")   # a member the frame does not have (a JSON null is Raw(b"null"))


class Params(msgspec.Struct, gc=False):
    """What the venue sends with a method: a notification's ``channel`` and ``data`` (the data left raw, for the
    channel's own decoder), or a heartbeat's ``type``. One struct for both: the frame is read in one pass."""

    channel: str = ""
    data: msgspec.Raw = ABSENT
    type: str = ""


class Envelope(msgspec.Struct, gc=False):
    """Any frame: a reply (``id`` with ``result`` or ``error``), a subscription notification or a heartbeat."""

    id: int | str | None = None
    result: msgspec.Raw = ABSENT
    error: RpcErrorBody | None = None
    method: str | None = None
    params: Params | None = None
    usIn: int = 0
    usOut: int = 0


Level = tuple[str, float, float]    # [action, price, amount]


class BookNotification(msgspec.Struct, gc=False):
    type: str                        # snapshot | change
    change_id: int
    instrument_name: str
    timestamp: int
    # The level arrays stay JSON text ([[action, price, amount], ...]): read in bulk, and checked, by DeribitLevels.
    bids: msgspec.Raw
    asks: msgspec.Raw
    prev_change_id: int = 0


class Ticker(msgspec.Struct, gc=False):
    instrument_name: str
    timestamp: int
    best_bid_price: Decimal | None = None
    best_bid_amount: Decimal | None = None
    best_ask_price: Decimal | None = None
    best_ask_amount: Decimal | None = None
    mark_price: Decimal | None = None
    index_price: Decimal | None = None
    current_funding: Decimal | None = None
    funding_8h: Decimal | None = None


class PublicTrade(msgspec.Struct, gc=False):
    trade_id: str
    timestamp: int
    price: Decimal
    amount: Decimal
    direction: str
    instrument_name: str
    trade_seq: int = 0


class Order(msgspec.Struct, gc=False):
    order_id: str
    instrument_name: str
    direction: str
    order_state: str
    amount: Decimal
    price: msgspec.Raw               # a number, or "market_price" for market orders
    filled_amount: Decimal = Decimal(0)
    average_price: Decimal = Decimal(0)
    label: str = ""
    order_type: str = "limit"
    time_in_force: str = "good_til_cancelled"
    post_only: bool = False
    reduce_only: bool = False
    replaced: bool = False
    creation_timestamp: int = 0
    last_update_timestamp: int = 0
    cancel_reason: str | None = None


class UserTrade(msgspec.Struct, gc=False):
    trade_id: str
    order_id: str
    instrument_name: str
    direction: str
    price: Decimal
    amount: Decimal
    fee: Decimal
    fee_currency: str
    liquidity: str
    timestamp: int
    trade_seq: int = 0
    label: str = ""
    state: str = ""
    profit_loss: Decimal | None = None


class PositionItem(msgspec.Struct, gc=False):
    instrument_name: str
    size: Decimal
    average_price: Decimal = Decimal(0)
    mark_price: Decimal | None = None
    floating_profit_loss: Decimal | None = None
    realized_profit_loss: Decimal | None = None
    realized_funding: Decimal | None = None
    kind: str = "future"


class AccountSummary(msgspec.Struct, gc=False):
    currency: str
    balance: Decimal
    available_funds: Decimal | None = None
    equity: Decimal | None = None


class Changes(msgspec.Struct, gc=False):
    instrument_name: str
    orders: list[Order] = []
    trades: list[UserTrade] = []
    positions: list[PositionItem] = []


class OrderReply(msgspec.Struct, gc=False):
    order: Order
    trades: list[UserTrade] = []


class UserTrades(msgspec.Struct, gc=False):
    trades: list[UserTrade]
    has_more: bool = False


class AuthResult(msgspec.Struct):
    access_token: str
    refresh_token: str
    expires_in: int
    scope: str = ""

    def __repr__(self) -> str:  # tokens are secrets
        return f"AuthResult(expires_in={self.expires_in}, scope={self.scope!r})"


class InstrumentInfo(msgspec.Struct, gc=False):
    instrument_name: str
    kind: str
    base_currency: str
    quote_currency: str
    tick_size: Decimal
    min_trade_amount: Decimal
    contract_size: Decimal
    settlement_period: str = ""
    settlement_currency: str | None = None
    instrument_type: str | None = None
    future_type: str | None = None
    is_active: bool = True
    expiration_timestamp: int = 0


class OrderBook(msgspec.Struct, gc=False):
    instrument_name: str
    timestamp: int
    change_id: int
    bids: list[tuple[Decimal, Decimal]]
    asks: list[tuple[Decimal, Decimal]]


envelope_decoder = msgspec.json.Decoder(Envelope)
book_decoder = msgspec.json.Decoder(BookNotification)
ticker_decoder = msgspec.json.Decoder(Ticker)
trades_decoder = msgspec.json.Decoder(list[PublicTrade])
changes_decoder = msgspec.json.Decoder(Changes)
summary_decoder = msgspec.json.Decoder(AccountSummary)
orders_decoder = msgspec.json.Decoder(list[Order])
order_decoder = msgspec.json.Decoder(Order)
user_trades_list_decoder = msgspec.json.Decoder(list[UserTrade])
decimal_decoder = msgspec.json.Decoder(Decimal)


def decode(raw: msgspec.Raw | bytes | str, shape: type):
    """Decode a raw part as ``shape``; msgspec.ValidationError / DecodeError when it is not one."""
    return msgspec.json.decode(raw, type=shape)
