from tradesys.messages import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InstrumentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSTRUMENT_KIND_UNSPECIFIED: _ClassVar[InstrumentKind]
    INSTRUMENT_KIND_PERPETUAL: _ClassVar[InstrumentKind]
    INSTRUMENT_KIND_FUTURE: _ClassVar[InstrumentKind]
    INSTRUMENT_KIND_OPTION: _ClassVar[InstrumentKind]
    INSTRUMENT_KIND_SPOT: _ClassVar[InstrumentKind]

class OptionRight(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPTION_RIGHT_UNSPECIFIED: _ClassVar[OptionRight]
    OPTION_RIGHT_CALL: _ClassVar[OptionRight]
    OPTION_RIGHT_PUT: _ClassVar[OptionRight]

class BookState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOOK_STATE_UNSPECIFIED: _ClassVar[BookState]
    BOOK_STATE_SYNCING: _ClassVar[BookState]
    BOOK_STATE_LIVE: _ClassVar[BookState]
    BOOK_STATE_RESYNCING: _ClassVar[BookState]
    BOOK_STATE_STALE: _ClassVar[BookState]
    BOOK_STATE_DISCONNECTED: _ClassVar[BookState]
INSTRUMENT_KIND_UNSPECIFIED: InstrumentKind
INSTRUMENT_KIND_PERPETUAL: InstrumentKind
INSTRUMENT_KIND_FUTURE: InstrumentKind
INSTRUMENT_KIND_OPTION: InstrumentKind
INSTRUMENT_KIND_SPOT: InstrumentKind
OPTION_RIGHT_UNSPECIFIED: OptionRight
OPTION_RIGHT_CALL: OptionRight
OPTION_RIGHT_PUT: OptionRight
BOOK_STATE_UNSPECIFIED: BookState
BOOK_STATE_SYNCING: BookState
BOOK_STATE_LIVE: BookState
BOOK_STATE_RESYNCING: BookState
BOOK_STATE_STALE: BookState
BOOK_STATE_DISCONNECTED: BookState

class Instrument(_message.Message):
    __slots__ = ("venue", "symbol", "kind", "base", "quote", "settle", "inverse", "tick_size", "lot_size", "min_quantity", "min_notional", "contract_size", "price_scale", "size_scale", "expiry_ts", "strike", "right", "maker_fee", "taker_fee", "trading")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    BASE_FIELD_NUMBER: _ClassVar[int]
    QUOTE_FIELD_NUMBER: _ClassVar[int]
    SETTLE_FIELD_NUMBER: _ClassVar[int]
    INVERSE_FIELD_NUMBER: _ClassVar[int]
    TICK_SIZE_FIELD_NUMBER: _ClassVar[int]
    LOT_SIZE_FIELD_NUMBER: _ClassVar[int]
    MIN_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    MIN_NOTIONAL_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_SIZE_FIELD_NUMBER: _ClassVar[int]
    PRICE_SCALE_FIELD_NUMBER: _ClassVar[int]
    SIZE_SCALE_FIELD_NUMBER: _ClassVar[int]
    EXPIRY_TS_FIELD_NUMBER: _ClassVar[int]
    STRIKE_FIELD_NUMBER: _ClassVar[int]
    RIGHT_FIELD_NUMBER: _ClassVar[int]
    MAKER_FEE_FIELD_NUMBER: _ClassVar[int]
    TAKER_FEE_FIELD_NUMBER: _ClassVar[int]
    TRADING_FIELD_NUMBER: _ClassVar[int]
    venue: str
    symbol: str
    kind: InstrumentKind
    base: str
    quote: str
    settle: str
    inverse: bool
    tick_size: _common_pb2.Decimal
    lot_size: _common_pb2.Decimal
    min_quantity: _common_pb2.Decimal
    min_notional: _common_pb2.Decimal
    contract_size: _common_pb2.Decimal
    price_scale: int
    size_scale: int
    expiry_ts: int
    strike: _common_pb2.Decimal
    right: OptionRight
    maker_fee: _common_pb2.Decimal
    taker_fee: _common_pb2.Decimal
    trading: bool
    def __init__(self, venue: _Optional[str] = ..., symbol: _Optional[str] = ..., kind: _Optional[_Union[InstrumentKind, str]] = ..., base: _Optional[str] = ..., quote: _Optional[str] = ..., settle: _Optional[str] = ..., inverse: _Optional[bool] = ..., tick_size: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., lot_size: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., min_quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., min_notional: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., contract_size: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., price_scale: _Optional[int] = ..., size_scale: _Optional[int] = ..., expiry_ts: _Optional[int] = ..., strike: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., right: _Optional[_Union[OptionRight, str]] = ..., maker_fee: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., taker_fee: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., trading: _Optional[bool] = ...) -> None: ...

class BookSnapshot(_message.Message):
    __slots__ = ("venue", "symbol", "price_scale", "size_scale", "venue_seq", "bid_prices", "bid_sizes", "ask_prices", "ask_sizes")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    PRICE_SCALE_FIELD_NUMBER: _ClassVar[int]
    SIZE_SCALE_FIELD_NUMBER: _ClassVar[int]
    VENUE_SEQ_FIELD_NUMBER: _ClassVar[int]
    BID_PRICES_FIELD_NUMBER: _ClassVar[int]
    BID_SIZES_FIELD_NUMBER: _ClassVar[int]
    ASK_PRICES_FIELD_NUMBER: _ClassVar[int]
    ASK_SIZES_FIELD_NUMBER: _ClassVar[int]
    venue: str
    symbol: str
    price_scale: int
    size_scale: int
    venue_seq: int
    bid_prices: _containers.RepeatedScalarFieldContainer[int]
    bid_sizes: _containers.RepeatedScalarFieldContainer[int]
    ask_prices: _containers.RepeatedScalarFieldContainer[int]
    ask_sizes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, venue: _Optional[str] = ..., symbol: _Optional[str] = ..., price_scale: _Optional[int] = ..., size_scale: _Optional[int] = ..., venue_seq: _Optional[int] = ..., bid_prices: _Optional[_Iterable[int]] = ..., bid_sizes: _Optional[_Iterable[int]] = ..., ask_prices: _Optional[_Iterable[int]] = ..., ask_sizes: _Optional[_Iterable[int]] = ...) -> None: ...

class BookDelta(_message.Message):
    __slots__ = ("venue", "symbol", "price_scale", "size_scale", "venue_seq", "prev_venue_seq", "bid_prices", "bid_sizes", "ask_prices", "ask_sizes")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    PRICE_SCALE_FIELD_NUMBER: _ClassVar[int]
    SIZE_SCALE_FIELD_NUMBER: _ClassVar[int]
    VENUE_SEQ_FIELD_NUMBER: _ClassVar[int]
    PREV_VENUE_SEQ_FIELD_NUMBER: _ClassVar[int]
    BID_PRICES_FIELD_NUMBER: _ClassVar[int]
    BID_SIZES_FIELD_NUMBER: _ClassVar[int]
    ASK_PRICES_FIELD_NUMBER: _ClassVar[int]
    ASK_SIZES_FIELD_NUMBER: _ClassVar[int]
    venue: str
    symbol: str
    price_scale: int
    size_scale: int
    venue_seq: int
    prev_venue_seq: int
    bid_prices: _containers.RepeatedScalarFieldContainer[int]
    bid_sizes: _containers.RepeatedScalarFieldContainer[int]
    ask_prices: _containers.RepeatedScalarFieldContainer[int]
    ask_sizes: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, venue: _Optional[str] = ..., symbol: _Optional[str] = ..., price_scale: _Optional[int] = ..., size_scale: _Optional[int] = ..., venue_seq: _Optional[int] = ..., prev_venue_seq: _Optional[int] = ..., bid_prices: _Optional[_Iterable[int]] = ..., bid_sizes: _Optional[_Iterable[int]] = ..., ask_prices: _Optional[_Iterable[int]] = ..., ask_sizes: _Optional[_Iterable[int]] = ...) -> None: ...

class Trade(_message.Message):
    __slots__ = ("venue", "symbol", "trade_id", "aggressor", "price", "quantity")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    TRADE_ID_FIELD_NUMBER: _ClassVar[int]
    AGGRESSOR_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    venue: str
    symbol: str
    trade_id: str
    aggressor: _common_pb2.Side
    price: _common_pb2.Decimal
    quantity: _common_pb2.Decimal
    def __init__(self, venue: _Optional[str] = ..., symbol: _Optional[str] = ..., trade_id: _Optional[str] = ..., aggressor: _Optional[_Union[_common_pb2.Side, str]] = ..., price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ...) -> None: ...

class Bbo(_message.Message):
    __slots__ = ("venue", "symbol", "bid_price", "bid_size", "ask_price", "ask_size", "venue_seq")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    BID_PRICE_FIELD_NUMBER: _ClassVar[int]
    BID_SIZE_FIELD_NUMBER: _ClassVar[int]
    ASK_PRICE_FIELD_NUMBER: _ClassVar[int]
    ASK_SIZE_FIELD_NUMBER: _ClassVar[int]
    VENUE_SEQ_FIELD_NUMBER: _ClassVar[int]
    venue: str
    symbol: str
    bid_price: _common_pb2.Decimal
    bid_size: _common_pb2.Decimal
    ask_price: _common_pb2.Decimal
    ask_size: _common_pb2.Decimal
    venue_seq: int
    def __init__(self, venue: _Optional[str] = ..., symbol: _Optional[str] = ..., bid_price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., bid_size: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., ask_price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., ask_size: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., venue_seq: _Optional[int] = ...) -> None: ...

class BookTop(_message.Message):
    __slots__ = ("venue", "symbol", "price_scale", "size_scale", "venue_seq", "bid_price", "bid_size", "ask_price", "ask_size")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    PRICE_SCALE_FIELD_NUMBER: _ClassVar[int]
    SIZE_SCALE_FIELD_NUMBER: _ClassVar[int]
    VENUE_SEQ_FIELD_NUMBER: _ClassVar[int]
    BID_PRICE_FIELD_NUMBER: _ClassVar[int]
    BID_SIZE_FIELD_NUMBER: _ClassVar[int]
    ASK_PRICE_FIELD_NUMBER: _ClassVar[int]
    ASK_SIZE_FIELD_NUMBER: _ClassVar[int]
    venue: str
    symbol: str
    price_scale: int
    size_scale: int
    venue_seq: int
    bid_price: int
    bid_size: int
    ask_price: int
    ask_size: int
    def __init__(self, venue: _Optional[str] = ..., symbol: _Optional[str] = ..., price_scale: _Optional[int] = ..., size_scale: _Optional[int] = ..., venue_seq: _Optional[int] = ..., bid_price: _Optional[int] = ..., bid_size: _Optional[int] = ..., ask_price: _Optional[int] = ..., ask_size: _Optional[int] = ...) -> None: ...

class MarkPrice(_message.Message):
    __slots__ = ("venue", "symbol", "mark_price", "index_price", "funding_rate", "next_funding_ts")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    MARK_PRICE_FIELD_NUMBER: _ClassVar[int]
    INDEX_PRICE_FIELD_NUMBER: _ClassVar[int]
    FUNDING_RATE_FIELD_NUMBER: _ClassVar[int]
    NEXT_FUNDING_TS_FIELD_NUMBER: _ClassVar[int]
    venue: str
    symbol: str
    mark_price: _common_pb2.Decimal
    index_price: _common_pb2.Decimal
    funding_rate: _common_pb2.Decimal
    next_funding_ts: int
    def __init__(self, venue: _Optional[str] = ..., symbol: _Optional[str] = ..., mark_price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., index_price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., funding_rate: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., next_funding_ts: _Optional[int] = ...) -> None: ...

class BookStatus(_message.Message):
    __slots__ = ("venue", "symbol", "state", "reason")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    venue: str
    symbol: str
    state: BookState
    reason: str
    def __init__(self, venue: _Optional[str] = ..., symbol: _Optional[str] = ..., state: _Optional[_Union[BookState, str]] = ..., reason: _Optional[str] = ...) -> None: ...

class RawFrame(_message.Message):
    __slots__ = ("venue", "connection", "stream", "data")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    CONNECTION_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    venue: str
    connection: str
    stream: str
    data: bytes
    def __init__(self, venue: _Optional[str] = ..., connection: _Optional[str] = ..., stream: _Optional[str] = ..., data: _Optional[bytes] = ...) -> None: ...
