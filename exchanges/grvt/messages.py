"""GRVT payloads in full names (docs/protocols/grvt.md 3 and 6), as msgspec structs: what the connector reads.

Decimals, ids and nanosecond times arrive as strings and stay strings here
(``parse.py`` makes them exact numbers). Fields the connector does not use
are not declared, so the venue may add fields freely; a field it needs that
is missing or of the wrong type is a ``msgspec.ValidationError`` for the
caller to count and log.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec
from msgspec import Raw, Struct

ABSENT = Raw(b"")   # a member the frame does not have (msgspec takes no ``Raw | None``)


class ErrorBody(Struct):
    code: int | None = None
    message: str = ""
    status: int = 0


class Result(Struct):
    """A REST answer: ``{"result": ...}``, or an error body."""

    result: Raw = ABSENT
    code: int | None = None
    message: str = ""
    next: str = ""          # a paged list's cursor of the page after ("" when there is none)


# -- market data -----------------------------------------------------------------------

class Instrument(Struct):
    instrument: str
    instrument_hash: str
    base: str
    quote: str
    kind: str
    base_decimals: int
    tick_size: str
    min_size: str
    min_notional: str = "0"
    settlement_period: str = "PERPETUAL"
    quote_decimals: int = 0


class Level(Struct):
    price: str
    size: str
    num_orders: int = 0


class Book(Struct):
    instrument: str
    event_time: str = "0"
    bids: list[Level] = []
    asks: list[Level] = []


class BookFeed(Struct):
    """A book feed's payload (``v1.book.s`` / ``v1.book.d``): the level arrays left as JSON text, read in bulk
    and checked by ``GrvtLevels``."""

    instrument: str
    event_time: str = "0"
    bids: Raw = ABSENT
    asks: Raw = ABSENT


class Ticker(Struct):
    """``ticker`` (REST) and the ``v1.ticker`` / ``v1.mini`` feeds: the fields the connector uses."""

    instrument: str
    event_time: str = "0"
    mark_price: str | None = None
    index_price: str | None = None
    best_bid_price: str | None = None
    best_bid_size: str | None = None
    best_ask_price: str | None = None
    best_ask_size: str | None = None
    # A string by the spec's table, a number in its examples: both read exactly.
    funding_rate_8h_curr: Decimal | None = None
    next_funding_time: str | None = None


class PublicTrade(Struct):
    instrument: str
    is_taker_buyer: bool
    size: str
    price: str
    trade_id: str
    event_time: str = "0"


# -- trading ---------------------------------------------------------------------------

class Leg(Struct):
    instrument: str
    size: str
    is_buying_asset: bool
    limit_price: str = "0"


class Metadata(Struct):
    client_order_id: str = "0"
    create_time: str = "0"


class OrderState(Struct):
    status: str
    reject_reason: str = "UNSPECIFIED"
    book_size: list[str] = []
    traded_size: list[str] = []
    update_time: str = "0"
    avg_fill_price: list[str] = []


class Order(Struct):
    legs: list[Leg]
    state: OrderState
    order_id: str = "0x00"
    sub_account_id: str = "0"
    is_market: bool = False
    time_in_force: str = "GOOD_TILL_TIME"
    post_only: bool = False
    reduce_only: bool = False
    metadata: Metadata = msgspec.field(default_factory=Metadata)


class OrderStateFeed(Struct):
    """``v1.state``: an order's state alone."""

    order_id: str
    order_state: OrderState
    client_order_id: str = "0"


class CancelStatus(Struct):
    """``v1.cancel``: a cancel by client order id that cancelled nothing."""

    client_order_id: str
    cancel_status: str
    reason: str = "UNSPECIFIED"


class Fill(Struct):
    instrument: str
    is_buyer: bool
    is_taker: bool
    size: str
    price: str
    fee: str
    trade_id: str
    order_id: str = "0x00"
    client_order_id: str = "0"
    event_time: str = "0"
    realized_pnl: str = "0"
    fee_currency: str = ""


class Position(Struct):
    instrument: str
    size: str
    entry_price: str = "0"
    mark_price: str | None = None
    unrealized_pnl: str | None = None
    realized_pnl: str | None = None
    cumulative_fee: str | None = None
    cumulative_realized_funding_payment: str | None = None
    event_time: str = "0"


class SpotBalance(Struct):
    currency: str
    balance: str


class AccountSummary(Struct):
    settle_currency: str = "USDT"
    total_equity: str = "0"
    available_balance: str = "0"
    spot_balances: list[SpotBalance] = []
    event_time: str = "0"


class SubAccounts(Struct):
    sub_account_ids: list[str] = []


class Ack(Struct):
    ack: bool = False


# -- streams ---------------------------------------------------------------------------

class Frame(Struct):
    """Any frame on a stream socket: a feed message (``stream``, ``feed``) or a JSON-RPC reply."""

    stream: str | None = None
    selector: str = ""
    sequence_number: str = "0"
    prev_sequence_number: str = "0"
    feed: Raw = ABSENT
    id: int | None = None
    method: str | None = None
    result: Raw = ABSENT
    error: ErrorBody | None = None


class SubscribeResult(Struct):
    stream: str = ""
    subs: list[str] = []
    unsubs: list[str] = []
    num_snapshots: list[int] = []
    first_sequence_number: list[int | str] = []
    latest_sequence_number: list[int | str] = []


frame_decoder = msgspec.json.Decoder(Frame)
result_decoder = msgspec.json.Decoder(Result)
error_decoder = msgspec.json.Decoder(ErrorBody)
book_decoder = msgspec.json.Decoder(Book)
book_feed_decoder = msgspec.json.Decoder(BookFeed)
ticker_decoder = msgspec.json.Decoder(Ticker)
trade_decoder = msgspec.json.Decoder(PublicTrade)
order_decoder = msgspec.json.Decoder(Order)
orders_decoder = msgspec.json.Decoder(list[Order])
state_decoder = msgspec.json.Decoder(OrderStateFeed)
fill_decoder = msgspec.json.Decoder(Fill)
cancel_status_decoder = msgspec.json.Decoder(CancelStatus)
fills_decoder = msgspec.json.Decoder(list[Fill])
position_decoder = msgspec.json.Decoder(Position)
positions_decoder = msgspec.json.Decoder(list[Position])
instruments_decoder = msgspec.json.Decoder(list[Instrument])
summary_decoder = msgspec.json.Decoder(AccountSummary)
sub_accounts_decoder = msgspec.json.Decoder(SubAccounts)
subscribe_decoder = msgspec.json.Decoder(SubscribeResult)
ack_decoder = msgspec.json.Decoder(Ack)
trades_decoder = msgspec.json.Decoder(list[PublicTrade])
