"""The typed columns a recording keeps beside each message's body, so that pyarrow, DuckDB or polars can filter
and aggregate a recording without tradesys's code.

Prices and sizes stay exact: an int64 mantissa and its scale (value = mantissa * 10**-scale), one price scale
and one size scale a row. A message whose decimals come at several scales (a BBO's bid at 65000.1, its ask at
65000.25) has them all brought to the largest, which changes no value. A column a message does not have is
null. A body that does not decode (it is kept, as it travelled) has every typed column null and is counted.
"""

from __future__ import annotations

import pyarrow as pa
from google.protobuf.message import DecodeError

from tradesys.messages import BODY_TYPES, MessageKind, OrderEventType, Side

K = MessageKind
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
_SIDES = {Side.SIDE_BUY: "buy", Side.SIDE_SELL: "sell"}
_EVENTS = {value: name.removeprefix("ORDER_EVENT_TYPE_").lower() for name, value in OrderEventType.items()}
_LISTS = pa.list_(pa.int64())

TYPED_FIELDS = [
    pa.field("venue", pa.string()),
    pa.field("symbol", pa.string()),          # an instrument's symbol; a balance's asset
    pa.field("strategy_id", pa.string()),
    pa.field("side", pa.string()),            # buy | sell (a trade's aggressor)
    pa.field("event", pa.string()),           # an order event's type: new, filled, canceled, ...
    pa.field("price_scale", pa.int8()),       # the scale of every price column of the row
    pa.field("size_scale", pa.int8()),        # the scale of every size column of the row
    pa.field("price", pa.int64()),            # trade, order, fill: its price; mark price: the mark
    pa.field("size", pa.int64()),             # trade, fill: its quantity; order: its quantity; position: signed
    pa.field("filled", pa.int64()),           # order: cumulative filled quantity
    pa.field("bid_price", pa.int64()),        # BBO and top of book
    pa.field("bid_size", pa.int64()),
    pa.field("ask_price", pa.int64()),
    pa.field("ask_size", pa.int64()),
    pa.field("bid_prices", _LISTS),           # book snapshots and deltas: the levels (a delta's size 0: removed)
    pa.field("bid_sizes", _LISTS),
    pa.field("ask_prices", _LISTS),
    pa.field("ask_sizes", _LISTS),
    pa.field("venue_seq", pa.uint64()),       # the venue's update id of a book message or BBO
    pa.field("client_order_id", pa.string()),
    pa.field("venue_order_id", pa.string()),
    pa.field("trade_id", pa.string()),
    pa.field("connection", pa.string()),      # raw frames: the venue connection, the URL (no query), the bytes
    pa.field("stream", pa.string()),
    pa.field("frame", pa.binary()),
]
TYPED_NAMES = [field.name for field in TYPED_FIELDS]
_INDEX = {name: i for i, name in enumerate(TYPED_NAMES)}
_EMPTY = (None,) * len(TYPED_NAMES)


def _common(decimals) -> tuple[int | None, list[int | None]]:
    """The largest scale among the set decimals and every decimal's mantissa at it (None where unset or past
    an int64)."""
    scales = [d.scale for d in decimals if d is not None]
    if not scales:
        return None, [None] * len(decimals)
    top = max(scales)
    out = []
    for d in decimals:
        mantissa = None if d is None else d.mantissa * 10 ** (top - d.scale)
        out.append(mantissa if mantissa is not None and INT64_MIN <= mantissa <= INT64_MAX else None)
    return top, out


def _set(message, *names):
    return [getattr(message, name) if message.HasField(name) else None for name in names]


def _row(**values) -> tuple:
    row = [None] * len(TYPED_NAMES)
    for name, value in values.items():
        row[_INDEX[name]] = value
    return tuple(row)


def _book(m) -> tuple:
    return _row(venue=m.venue, symbol=m.symbol, price_scale=m.price_scale, size_scale=m.size_scale,
                bid_prices=list(m.bid_prices), bid_sizes=list(m.bid_sizes), ask_prices=list(m.ask_prices),
                ask_sizes=list(m.ask_sizes), venue_seq=m.venue_seq)


def _top(m) -> tuple:
    return _row(venue=m.venue, symbol=m.symbol, price_scale=m.price_scale, size_scale=m.size_scale,
                bid_price=m.bid_price, bid_size=m.bid_size, ask_price=m.ask_price, ask_size=m.ask_size,
                venue_seq=m.venue_seq)


def _bbo(m) -> tuple:
    price_scale, (bid_price, ask_price) = _common(_set(m, "bid_price", "ask_price"))
    size_scale, (bid_size, ask_size) = _common(_set(m, "bid_size", "ask_size"))
    return _row(venue=m.venue, symbol=m.symbol, price_scale=price_scale, size_scale=size_scale, bid_price=bid_price,
                bid_size=bid_size, ask_price=ask_price, ask_size=ask_size, venue_seq=m.venue_seq)


def _trade(m) -> tuple:
    price_scale, (price,) = _common(_set(m, "price"))
    size_scale, (size,) = _common(_set(m, "quantity"))
    return _row(venue=m.venue, symbol=m.symbol, side=_SIDES.get(m.aggressor), price_scale=price_scale,
                size_scale=size_scale, price=price, size=size, trade_id=m.trade_id)


def _order_event(m) -> tuple:
    price_scale, (price,) = _common(_set(m, "price"))
    size_scale, (size, filled) = _common(_set(m, "quantity", "filled_quantity"))
    return _row(venue=m.venue, symbol=m.symbol, strategy_id=m.strategy_id, side=_SIDES.get(m.side),
                event=_EVENTS.get(m.type), price_scale=price_scale, size_scale=size_scale, price=price, size=size,
                filled=filled, client_order_id=m.client_order_id, venue_order_id=m.venue_order_id)


def _fill(m) -> tuple:
    price_scale, (price,) = _common(_set(m, "price"))
    size_scale, (size,) = _common(_set(m, "quantity"))
    return _row(venue=m.venue, symbol=m.symbol, strategy_id=m.strategy_id, side=_SIDES.get(m.side),
                price_scale=price_scale, size_scale=size_scale, price=price, size=size,
                client_order_id=m.client_order_id, venue_order_id=m.venue_order_id, trade_id=m.trade_id)


def _mark(m) -> tuple:
    price_scale, (price,) = _common(_set(m, "mark_price"))
    return _row(venue=m.venue, symbol=m.symbol, price_scale=price_scale, price=price)


def _position(m) -> tuple:
    price_scale, (price,) = _common(_set(m, "entry_price"))
    size_scale, (size,) = _common(_set(m, "quantity"))
    return _row(venue=m.venue, symbol=m.symbol, strategy_id=m.strategy_id or None, price_scale=price_scale,
                size_scale=size_scale, price=price, size=size)


def _balance(m) -> tuple:
    size_scale, (size,) = _common(_set(m, "total"))
    return _row(venue=m.venue, symbol=m.asset, size_scale=size_scale, size=size)


def _raw(m) -> tuple:
    return _row(venue=m.venue, connection=m.connection, stream=m.stream, frame=m.data)


def _status(m) -> tuple:
    return _row(venue=m.venue, symbol=m.symbol)


_BY_KIND = {
    K.MESSAGE_KIND_BOOK_SNAPSHOT: _book, K.MESSAGE_KIND_BOOK_DELTA: _book, K.MESSAGE_KIND_BOOK_TOP: _top,
    K.MESSAGE_KIND_BBO: _bbo, K.MESSAGE_KIND_TRADE: _trade, K.MESSAGE_KIND_ORDER_EVENT: _order_event,
    K.MESSAGE_KIND_FILL: _fill, K.MESSAGE_KIND_MARK_PRICE: _mark, K.MESSAGE_KIND_POSITION: _position,
    K.MESSAGE_KIND_BALANCE: _balance, K.MESSAGE_KIND_BOOK_STATUS: _status, K.MESSAGE_KIND_INSTRUMENT: _status,
    K.MESSAGE_KIND_RAW_FRAME: _raw,
}


class TypedColumns:
    """Reads each body once into the typed columns' values; counts the bodies that do not decode."""

    def __init__(self):
        self.undecoded = 0

    def values(self, kind: int, body: bytes) -> tuple:
        """The typed columns of one message, in ``TYPED_NAMES`` order (all None for a kind without any)."""
        read = _BY_KIND.get(kind)
        if read is None:
            return _EMPTY
        try:
            return read(BODY_TYPES[kind].FromString(body))
        except (DecodeError, ValueError, TypeError):
            self.undecoded += 1
            return _EMPTY
