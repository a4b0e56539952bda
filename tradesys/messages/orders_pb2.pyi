from tradesys.messages import common_pb2 as _common_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class OrderType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_TYPE_UNSPECIFIED: _ClassVar[OrderType]
    ORDER_TYPE_LIMIT: _ClassVar[OrderType]
    ORDER_TYPE_MARKET: _ClassVar[OrderType]

class TimeInForce(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TIME_IN_FORCE_UNSPECIFIED: _ClassVar[TimeInForce]
    TIME_IN_FORCE_GTC: _ClassVar[TimeInForce]
    TIME_IN_FORCE_IOC: _ClassVar[TimeInForce]
    TIME_IN_FORCE_FOK: _ClassVar[TimeInForce]
    TIME_IN_FORCE_POST_ONLY: _ClassVar[TimeInForce]

class RejectReason(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REJECT_REASON_UNSPECIFIED: _ClassVar[RejectReason]
    REJECT_REASON_INVALID_REQUEST: _ClassVar[RejectReason]
    REJECT_REASON_INVALID_PRICE: _ClassVar[RejectReason]
    REJECT_REASON_INVALID_QUANTITY: _ClassVar[RejectReason]
    REJECT_REASON_UNKNOWN_SYMBOL: _ClassVar[RejectReason]
    REJECT_REASON_UNKNOWN_ORDER: _ClassVar[RejectReason]
    REJECT_REASON_DUPLICATE_CLIENT_ORDER_ID: _ClassVar[RejectReason]
    REJECT_REASON_RISK_LIMIT: _ClassVar[RejectReason]
    REJECT_REASON_RATE_LIMIT: _ClassVar[RejectReason]
    REJECT_REASON_HALTED: _ClassVar[RejectReason]
    REJECT_REASON_POST_ONLY_WOULD_CROSS: _ClassVar[RejectReason]
    REJECT_REASON_INSUFFICIENT_MARGIN: _ClassVar[RejectReason]
    REJECT_REASON_VENUE_UNAVAILABLE: _ClassVar[RejectReason]
    REJECT_REASON_VENUE_REJECTED: _ClassVar[RejectReason]
    REJECT_REASON_AUTH: _ClassVar[RejectReason]

class OrderEventType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ORDER_EVENT_TYPE_UNSPECIFIED: _ClassVar[OrderEventType]
    ORDER_EVENT_TYPE_ACCEPTED: _ClassVar[OrderEventType]
    ORDER_EVENT_TYPE_PARTIALLY_FILLED: _ClassVar[OrderEventType]
    ORDER_EVENT_TYPE_FILLED: _ClassVar[OrderEventType]
    ORDER_EVENT_TYPE_CANCELLED: _ClassVar[OrderEventType]
    ORDER_EVENT_TYPE_REJECTED: _ClassVar[OrderEventType]
    ORDER_EVENT_TYPE_EXPIRED: _ClassVar[OrderEventType]
    ORDER_EVENT_TYPE_MODIFIED: _ClassVar[OrderEventType]

class Liquidity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LIQUIDITY_UNSPECIFIED: _ClassVar[Liquidity]
    LIQUIDITY_MAKER: _ClassVar[Liquidity]
    LIQUIDITY_TAKER: _ClassVar[Liquidity]
ORDER_TYPE_UNSPECIFIED: OrderType
ORDER_TYPE_LIMIT: OrderType
ORDER_TYPE_MARKET: OrderType
TIME_IN_FORCE_UNSPECIFIED: TimeInForce
TIME_IN_FORCE_GTC: TimeInForce
TIME_IN_FORCE_IOC: TimeInForce
TIME_IN_FORCE_FOK: TimeInForce
TIME_IN_FORCE_POST_ONLY: TimeInForce
REJECT_REASON_UNSPECIFIED: RejectReason
REJECT_REASON_INVALID_REQUEST: RejectReason
REJECT_REASON_INVALID_PRICE: RejectReason
REJECT_REASON_INVALID_QUANTITY: RejectReason
REJECT_REASON_UNKNOWN_SYMBOL: RejectReason
REJECT_REASON_UNKNOWN_ORDER: RejectReason
REJECT_REASON_DUPLICATE_CLIENT_ORDER_ID: RejectReason
REJECT_REASON_RISK_LIMIT: RejectReason
REJECT_REASON_RATE_LIMIT: RejectReason
REJECT_REASON_HALTED: RejectReason
REJECT_REASON_POST_ONLY_WOULD_CROSS: RejectReason
REJECT_REASON_INSUFFICIENT_MARGIN: RejectReason
REJECT_REASON_VENUE_UNAVAILABLE: RejectReason
REJECT_REASON_VENUE_REJECTED: RejectReason
REJECT_REASON_AUTH: RejectReason
ORDER_EVENT_TYPE_UNSPECIFIED: OrderEventType
ORDER_EVENT_TYPE_ACCEPTED: OrderEventType
ORDER_EVENT_TYPE_PARTIALLY_FILLED: OrderEventType
ORDER_EVENT_TYPE_FILLED: OrderEventType
ORDER_EVENT_TYPE_CANCELLED: OrderEventType
ORDER_EVENT_TYPE_REJECTED: OrderEventType
ORDER_EVENT_TYPE_EXPIRED: OrderEventType
ORDER_EVENT_TYPE_MODIFIED: OrderEventType
LIQUIDITY_UNSPECIFIED: Liquidity
LIQUIDITY_MAKER: Liquidity
LIQUIDITY_TAKER: Liquidity

class NewOrder(_message.Message):
    __slots__ = ("side", "type", "time_in_force", "price", "quantity", "reduce_only")
    SIDE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    TIME_IN_FORCE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    REDUCE_ONLY_FIELD_NUMBER: _ClassVar[int]
    side: _common_pb2.Side
    type: OrderType
    time_in_force: TimeInForce
    price: _common_pb2.Decimal
    quantity: _common_pb2.Decimal
    reduce_only: bool
    def __init__(self, side: _Optional[_Union[_common_pb2.Side, str]] = ..., type: _Optional[_Union[OrderType, str]] = ..., time_in_force: _Optional[_Union[TimeInForce, str]] = ..., price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., reduce_only: _Optional[bool] = ...) -> None: ...

class CancelOrder(_message.Message):
    __slots__ = ("venue_order_id",)
    VENUE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    venue_order_id: str
    def __init__(self, venue_order_id: _Optional[str] = ...) -> None: ...

class ModifyOrder(_message.Message):
    __slots__ = ("price", "quantity")
    PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    price: _common_pb2.Decimal
    quantity: _common_pb2.Decimal
    def __init__(self, price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ...) -> None: ...

class CancelAll(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class OrderRequest(_message.Message):
    __slots__ = ("request_id", "strategy_id", "venue", "symbol", "client_order_id", "new_order", "cancel", "modify", "cancel_all")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    NEW_ORDER_FIELD_NUMBER: _ClassVar[int]
    CANCEL_FIELD_NUMBER: _ClassVar[int]
    MODIFY_FIELD_NUMBER: _ClassVar[int]
    CANCEL_ALL_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    strategy_id: str
    venue: str
    symbol: str
    client_order_id: str
    new_order: NewOrder
    cancel: CancelOrder
    modify: ModifyOrder
    cancel_all: CancelAll
    def __init__(self, request_id: _Optional[int] = ..., strategy_id: _Optional[str] = ..., venue: _Optional[str] = ..., symbol: _Optional[str] = ..., client_order_id: _Optional[str] = ..., new_order: _Optional[_Union[NewOrder, _Mapping]] = ..., cancel: _Optional[_Union[CancelOrder, _Mapping]] = ..., modify: _Optional[_Union[ModifyOrder, _Mapping]] = ..., cancel_all: _Optional[_Union[CancelAll, _Mapping]] = ...) -> None: ...

class OrderReply(_message.Message):
    __slots__ = ("request_id", "client_order_id", "accepted", "reason", "detail", "venue_order_id")
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    VENUE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    request_id: int
    client_order_id: str
    accepted: bool
    reason: RejectReason
    detail: str
    venue_order_id: str
    def __init__(self, request_id: _Optional[int] = ..., client_order_id: _Optional[str] = ..., accepted: _Optional[bool] = ..., reason: _Optional[_Union[RejectReason, str]] = ..., detail: _Optional[str] = ..., venue_order_id: _Optional[str] = ...) -> None: ...

class OrderEvent(_message.Message):
    __slots__ = ("venue", "strategy_id", "symbol", "client_order_id", "venue_order_id", "type", "side", "price", "quantity", "filled_quantity", "last_fill_price", "last_fill_quantity", "reason", "detail")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    FILLED_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    LAST_FILL_PRICE_FIELD_NUMBER: _ClassVar[int]
    LAST_FILL_QUANTITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    venue: str
    strategy_id: str
    symbol: str
    client_order_id: str
    venue_order_id: str
    type: OrderEventType
    side: _common_pb2.Side
    price: _common_pb2.Decimal
    quantity: _common_pb2.Decimal
    filled_quantity: _common_pb2.Decimal
    last_fill_price: _common_pb2.Decimal
    last_fill_quantity: _common_pb2.Decimal
    reason: RejectReason
    detail: str
    def __init__(self, venue: _Optional[str] = ..., strategy_id: _Optional[str] = ..., symbol: _Optional[str] = ..., client_order_id: _Optional[str] = ..., venue_order_id: _Optional[str] = ..., type: _Optional[_Union[OrderEventType, str]] = ..., side: _Optional[_Union[_common_pb2.Side, str]] = ..., price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., filled_quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., last_fill_price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., last_fill_quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., reason: _Optional[_Union[RejectReason, str]] = ..., detail: _Optional[str] = ...) -> None: ...

class Fill(_message.Message):
    __slots__ = ("venue", "strategy_id", "symbol", "client_order_id", "venue_order_id", "trade_id", "side", "price", "quantity", "fee", "fee_asset", "liquidity")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    CLIENT_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    VENUE_ORDER_ID_FIELD_NUMBER: _ClassVar[int]
    TRADE_ID_FIELD_NUMBER: _ClassVar[int]
    SIDE_FIELD_NUMBER: _ClassVar[int]
    PRICE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    FEE_FIELD_NUMBER: _ClassVar[int]
    FEE_ASSET_FIELD_NUMBER: _ClassVar[int]
    LIQUIDITY_FIELD_NUMBER: _ClassVar[int]
    venue: str
    strategy_id: str
    symbol: str
    client_order_id: str
    venue_order_id: str
    trade_id: str
    side: _common_pb2.Side
    price: _common_pb2.Decimal
    quantity: _common_pb2.Decimal
    fee: _common_pb2.Decimal
    fee_asset: str
    liquidity: Liquidity
    def __init__(self, venue: _Optional[str] = ..., strategy_id: _Optional[str] = ..., symbol: _Optional[str] = ..., client_order_id: _Optional[str] = ..., venue_order_id: _Optional[str] = ..., trade_id: _Optional[str] = ..., side: _Optional[_Union[_common_pb2.Side, str]] = ..., price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., fee: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., fee_asset: _Optional[str] = ..., liquidity: _Optional[_Union[Liquidity, str]] = ...) -> None: ...
