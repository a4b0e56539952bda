"""The bus messages: generated protobuf classes and the kind <-> class registry.

Every bus message is a ``Header`` and a body whose type ``Header.kind`` names
(``tradesys.bus.frame`` puts both, after the topic, in one ZeroMQ frame). ``BODY_TYPES`` maps a kind to its class and
``KIND_OF`` back; adding a message means a schema in a .proto file, a
``MessageKind`` value, ``make proto``, and one line in ``BODY_TYPES``.
"""

from __future__ import annotations

from tradesys.messages.account_pb2 import Balance, InventoryDelta, Position
from tradesys.messages.common_pb2 import Decimal, Header, MessageKind, Side
from tradesys.messages.control_pb2 import ActorState, Heartbeat, RiskAction, RiskCommand
from tradesys.messages.market_pb2 import (
    Bbo,
    BookDelta,
    BookSnapshot,
    BookState,
    BookStatus,
    BookTop,
    Instrument,
    InstrumentKind,
    MarkPrice,
    OptionRight,
    RawFrame,
    Trade,
)
from tradesys.messages.orders_pb2 import (
    CancelAll,
    CancelOrder,
    Fill,
    Liquidity,
    ModifyOrder,
    NewOrder,
    OrderEvent,
    OrderEventType,
    OrderReply,
    OrderRequest,
    OrderType,
    RejectReason,
    TimeInForce,
)
from tradesys.messages.wire import LevelsDelta

BODY_TYPES = {
    MessageKind.MESSAGE_KIND_INSTRUMENT: Instrument,
    MessageKind.MESSAGE_KIND_BOOK_SNAPSHOT: BookSnapshot,
    MessageKind.MESSAGE_KIND_BOOK_DELTA: BookDelta,
    MessageKind.MESSAGE_KIND_TRADE: Trade,
    MessageKind.MESSAGE_KIND_BBO: Bbo,
    MessageKind.MESSAGE_KIND_ORDER_REQUEST: OrderRequest,
    MessageKind.MESSAGE_KIND_ORDER_REPLY: OrderReply,
    MessageKind.MESSAGE_KIND_ORDER_EVENT: OrderEvent,
    MessageKind.MESSAGE_KIND_FILL: Fill,
    MessageKind.MESSAGE_KIND_POSITION: Position,
    MessageKind.MESSAGE_KIND_BALANCE: Balance,
    MessageKind.MESSAGE_KIND_INVENTORY_DELTA: InventoryDelta,
    MessageKind.MESSAGE_KIND_HEARTBEAT: Heartbeat,
    MessageKind.MESSAGE_KIND_RISK_COMMAND: RiskCommand,
    MessageKind.MESSAGE_KIND_MARK_PRICE: MarkPrice,
    MessageKind.MESSAGE_KIND_BOOK_STATUS: BookStatus,
    MessageKind.MESSAGE_KIND_BOOK_TOP: BookTop,
    MessageKind.MESSAGE_KIND_RAW_FRAME: RawFrame,
}
KIND_OF = {cls: kind for kind, cls in BODY_TYPES.items()}
KIND_OF[LevelsDelta] = MessageKind.MESSAGE_KIND_BOOK_DELTA      # written without the protobuf object


def kind_name(kind: int) -> str:
    """Return the short lower-case name of a kind, e.g. ``book_delta``; ``unknown_<n>`` if not defined."""
    try:
        return MessageKind.Name(kind).removeprefix("MESSAGE_KIND_").lower()
    except ValueError:
        return f"unknown_{kind}"


def decode_body(kind: int, body: bytes):
    """Parse a body frame as the class ``kind`` names.

    Raises KeyError for a kind with no class and google.protobuf.message.DecodeError
    for bytes that are not that message.
    """
    return BODY_TYPES[kind].FromString(body)


__all__ = [
    "ActorState", "Balance", "Bbo", "BODY_TYPES", "BookDelta", "BookSnapshot", "BookState", "BookStatus", "BookTop",
    "CancelAll",
    "CancelOrder",
    "Decimal", "Fill", "Header", "Heartbeat", "Instrument", "InstrumentKind", "InventoryDelta", "KIND_OF",
    "LevelsDelta", "Liquidity", "MarkPrice", "MessageKind", "ModifyOrder", "NewOrder", "OptionRight", "OrderEvent",
    "OrderEventType",
    "OrderReply", "OrderRequest", "OrderType", "Position", "RawFrame", "RejectReason", "RiskAction", "RiskCommand",
    "Side", "TimeInForce", "Trade", "decode_body", "kind_name",
]
