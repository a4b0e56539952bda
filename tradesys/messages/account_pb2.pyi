from tradesys.messages import common_pb2 as _common_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Position(_message.Message):
    __slots__ = ("venue", "account", "strategy_id", "symbol", "quantity", "entry_price", "mark_price", "realized_pnl", "unrealized_pnl", "fees", "funding")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_ID_FIELD_NUMBER: _ClassVar[int]
    SYMBOL_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    ENTRY_PRICE_FIELD_NUMBER: _ClassVar[int]
    MARK_PRICE_FIELD_NUMBER: _ClassVar[int]
    REALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    UNREALIZED_PNL_FIELD_NUMBER: _ClassVar[int]
    FEES_FIELD_NUMBER: _ClassVar[int]
    FUNDING_FIELD_NUMBER: _ClassVar[int]
    venue: str
    account: str
    strategy_id: str
    symbol: str
    quantity: _common_pb2.Decimal
    entry_price: _common_pb2.Decimal
    mark_price: _common_pb2.Decimal
    realized_pnl: _common_pb2.Decimal
    unrealized_pnl: _common_pb2.Decimal
    fees: _common_pb2.Decimal
    funding: _common_pb2.Decimal
    def __init__(self, venue: _Optional[str] = ..., account: _Optional[str] = ..., strategy_id: _Optional[str] = ..., symbol: _Optional[str] = ..., quantity: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., entry_price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., mark_price: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., realized_pnl: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., unrealized_pnl: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., fees: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., funding: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ...) -> None: ...

class Balance(_message.Message):
    __slots__ = ("venue", "account", "asset", "total", "available")
    VENUE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ASSET_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    venue: str
    account: str
    asset: str
    total: _common_pb2.Decimal
    available: _common_pb2.Decimal
    def __init__(self, venue: _Optional[str] = ..., account: _Optional[str] = ..., asset: _Optional[str] = ..., total: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., available: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ...) -> None: ...

class InventoryDelta(_message.Message):
    __slots__ = ("source", "asset", "delta", "reference")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    ASSET_FIELD_NUMBER: _ClassVar[int]
    DELTA_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    source: str
    asset: str
    delta: _common_pb2.Decimal
    reference: str
    def __init__(self, source: _Optional[str] = ..., asset: _Optional[str] = ..., delta: _Optional[_Union[_common_pb2.Decimal, _Mapping]] = ..., reference: _Optional[str] = ...) -> None: ...
