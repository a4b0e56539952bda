from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MessageKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MESSAGE_KIND_UNSPECIFIED: _ClassVar[MessageKind]
    MESSAGE_KIND_INSTRUMENT: _ClassVar[MessageKind]
    MESSAGE_KIND_BOOK_SNAPSHOT: _ClassVar[MessageKind]
    MESSAGE_KIND_BOOK_DELTA: _ClassVar[MessageKind]
    MESSAGE_KIND_TRADE: _ClassVar[MessageKind]
    MESSAGE_KIND_BBO: _ClassVar[MessageKind]
    MESSAGE_KIND_ORDER_REQUEST: _ClassVar[MessageKind]
    MESSAGE_KIND_ORDER_REPLY: _ClassVar[MessageKind]
    MESSAGE_KIND_ORDER_EVENT: _ClassVar[MessageKind]
    MESSAGE_KIND_FILL: _ClassVar[MessageKind]
    MESSAGE_KIND_POSITION: _ClassVar[MessageKind]
    MESSAGE_KIND_BALANCE: _ClassVar[MessageKind]
    MESSAGE_KIND_INVENTORY_DELTA: _ClassVar[MessageKind]
    MESSAGE_KIND_HEARTBEAT: _ClassVar[MessageKind]
    MESSAGE_KIND_RISK_COMMAND: _ClassVar[MessageKind]
    MESSAGE_KIND_MARK_PRICE: _ClassVar[MessageKind]
    MESSAGE_KIND_BOOK_STATUS: _ClassVar[MessageKind]
    MESSAGE_KIND_BOOK_TOP: _ClassVar[MessageKind]
    MESSAGE_KIND_RAW_FRAME: _ClassVar[MessageKind]

class Side(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SIDE_UNSPECIFIED: _ClassVar[Side]
    SIDE_BUY: _ClassVar[Side]
    SIDE_SELL: _ClassVar[Side]
MESSAGE_KIND_UNSPECIFIED: MessageKind
MESSAGE_KIND_INSTRUMENT: MessageKind
MESSAGE_KIND_BOOK_SNAPSHOT: MessageKind
MESSAGE_KIND_BOOK_DELTA: MessageKind
MESSAGE_KIND_TRADE: MessageKind
MESSAGE_KIND_BBO: MessageKind
MESSAGE_KIND_ORDER_REQUEST: MessageKind
MESSAGE_KIND_ORDER_REPLY: MessageKind
MESSAGE_KIND_ORDER_EVENT: MessageKind
MESSAGE_KIND_FILL: MessageKind
MESSAGE_KIND_POSITION: MessageKind
MESSAGE_KIND_BALANCE: MessageKind
MESSAGE_KIND_INVENTORY_DELTA: MessageKind
MESSAGE_KIND_HEARTBEAT: MessageKind
MESSAGE_KIND_RISK_COMMAND: MessageKind
MESSAGE_KIND_MARK_PRICE: MessageKind
MESSAGE_KIND_BOOK_STATUS: MessageKind
MESSAGE_KIND_BOOK_TOP: MessageKind
MESSAGE_KIND_RAW_FRAME: MessageKind
SIDE_UNSPECIFIED: Side
SIDE_BUY: Side
SIDE_SELL: Side

class Decimal(_message.Message):
    __slots__ = ("mantissa", "scale")
    MANTISSA_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    mantissa: int
    scale: int
    def __init__(self, mantissa: _Optional[int] = ..., scale: _Optional[int] = ...) -> None: ...

class Header(_message.Message):
    __slots__ = ("topic", "session", "kind", "source", "seq", "venue_ts", "recv_ts", "publish_ts")
    TOPIC_FIELD_NUMBER: _ClassVar[int]
    SESSION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    VENUE_TS_FIELD_NUMBER: _ClassVar[int]
    RECV_TS_FIELD_NUMBER: _ClassVar[int]
    PUBLISH_TS_FIELD_NUMBER: _ClassVar[int]
    topic: str
    session: int
    kind: MessageKind
    source: str
    seq: int
    venue_ts: int
    recv_ts: int
    publish_ts: int
    def __init__(self, topic: _Optional[str] = ..., session: _Optional[int] = ..., kind: _Optional[_Union[MessageKind, str]] = ..., source: _Optional[str] = ..., seq: _Optional[int] = ..., venue_ts: _Optional[int] = ..., recv_ts: _Optional[int] = ..., publish_ts: _Optional[int] = ...) -> None: ...
