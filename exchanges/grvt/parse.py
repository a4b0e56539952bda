"""Pure translation: GRVT payloads (``messages.py``, full names) -> tradesys bus messages. No I/O, no state.

Every number is a decimal string, read exactly; a book level off the
instrument's grid or a status we do not know raises ``ProtocolError`` (state
is never guessed). Client order ids arrive as the venue's numbers and leave
as ours, through the account's ``ClientIdCodec``. Orders have one leg (the
order book takes no other).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import msgspec

from exchanges.grvt import messages as m
from exchanges.grvt.constants import VENUE
from exchanges.grvt.ids import ClientIdCodec
from exchanges.grvt.levels import GrvtLevels
from tradesys.messages import (
    Balance,
    Bbo,
    BookSnapshot,
    Fill,
    Instrument,
    InstrumentKind,
    LevelsDelta,
    Liquidity,
    MarkPrice,
    OrderEvent,
    OrderEventType,
    Position,
    Side,
    Trade,
)
from tradesys.numeric import PrecisionError, parse_scaled_many, to_scaled
from tradesys.numeric import set_decimal as _set_decimal
from tradesys.numeric import set_derived as _set_derived
from tradesys.venue.errors import ProtocolError

NS_PER_MS = 1_000_000
E = OrderEventType
# A cancelled order whose time in force ended it (not a cancel request) expired.
_EXPIRED_REASONS = frozenset({"IOC_CANCEL", "FOK_CANCEL", "AON_CANCEL", "MARKET_CANCEL", "EXPIRED"})
KNOWN_STATUSES = frozenset({"PENDING", "OPEN", "FILLED", "REJECTED", "CANCELLED"})


def decimal(text: str | None, what: str) -> Decimal:
    try:
        value = Decimal(text)
    except (InvalidOperation, TypeError):
        raise ProtocolError(f"{what}: {text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ProtocolError(f"{what}: {text!r} is not a finite number")
    return value


def set_decimal(target, value) -> None:
    """A venue number into a message field; one too large to carry exactly is the venue's error, not ours."""
    try:
        _set_decimal(target, value)
    except PrecisionError as exc:
        raise ProtocolError(str(exc)) from None


def set_derived(target, value) -> None:
    try:
        _set_derived(target, value)
    except PrecisionError as exc:
        raise ProtocolError(str(exc)) from None


_MANTISSA = 2**63
_LEVELS = msgspec.json.Decoder(list[m.Level])


def _scale(text: str) -> int:
    return max(0, to_scaled(decimal(text, "grid").normalize())[1])


def sequence(text: str) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        raise ProtocolError(f"sequence number {text!r} is not an integer") from None


# -- instruments -----------------------------------------------------------------------

def instrument(info: m.Instrument) -> Instrument:
    """An instrument: its grid is ``tick_size`` and ``min_size`` (sizes are multiples of it)."""
    if info.kind != "PERPETUAL":
        kind = InstrumentKind.INSTRUMENT_KIND_FUTURE if info.kind == "FUTURE" else InstrumentKind.INSTRUMENT_KIND_OPTION
    else:
        kind = InstrumentKind.INSTRUMENT_KIND_PERPETUAL
    tick, lot = decimal(info.tick_size, "tick_size").normalize(), decimal(info.min_size, "min_size").normalize()
    out = Instrument(venue=VENUE, symbol=info.instrument, kind=kind, base=info.base, quote=info.quote,
                     settle=info.quote, inverse=False, price_scale=_scale(info.tick_size),
                     size_scale=_scale(info.min_size), trading=True)
    set_decimal(out.tick_size, tick)
    set_decimal(out.lot_size, lot)
    set_decimal(out.min_quantity, lot)
    set_decimal(out.min_notional, decimal(info.min_notional, "min_notional").normalize())
    set_decimal(out.contract_size, 1)
    return out


# -- market data -----------------------------------------------------------------------

def _scaled(levels: list[m.Level], price_scale: int, size_scale: int, instrument: str) -> tuple[list[int], list[int]]:
    """Prices and sizes as mantissas, string by string: the exact path, with its errors."""
    if not levels:
        return [], []
    try:
        prices = parse_scaled_many([level.price for level in levels], price_scale)
        sizes = parse_scaled_many([level.size for level in levels], size_scale)
    except PrecisionError as exc:
        raise ProtocolError(f"{instrument}: book level off the grid: {exc}") from None
    if max(prices) >= _MANTISSA or max(sizes) >= _MANTISSA or min(prices) < 0 or min(sizes) < 0:
        raise ProtocolError(f"{instrument}: a book level is negative or too large to carry")
    return prices, sizes


def _exact_side(raw, price_scale: int, size_scale: int) -> tuple[list[int], list[int]]:
    """One side of a feed's raw levels, string by string (what ``GrvtLevels`` falls back to)."""
    try:
        levels = _LEVELS.decode(raw)
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"book levels are not price/size objects: {exc}") from None
    return _scaled(levels, price_scale, size_scale, "book feed")


def book_arrays(book: m.Book | m.BookFeed, price_scale: int, size_scale: int,
                reader: GrvtLevels | None = None) -> tuple[list[int], list[int], list[int], list[int]]:
    """Bid prices, bid sizes, ask prices, ask sizes as mantissas: a feed's raw arrays in bulk (``reader``), a
    REST book's decoded levels string by string."""
    if isinstance(book, m.BookFeed):
        reader = reader or GrvtLevels(price_scale, size_scale)
        return reader.read(book.bids or b"[]", book.asks or b"[]", _exact_side)
    return (*_scaled(book.bids, price_scale, size_scale, book.instrument),
            *_scaled(book.asks, price_scale, size_scale, book.instrument))


def book_snapshot(book: m.Book | m.BookFeed, seq: int, price_scale: int, size_scale: int,
                  reader: GrvtLevels | None = None) -> BookSnapshot:
    bid_prices, bid_sizes, ask_prices, ask_sizes = book_arrays(book, price_scale, size_scale, reader)
    return BookSnapshot(venue=VENUE, symbol=book.instrument, price_scale=price_scale, size_scale=size_scale,
                        venue_seq=seq, bid_prices=bid_prices, bid_sizes=bid_sizes, ask_prices=ask_prices,
                        ask_sizes=ask_sizes)


def book_delta(book: m.Book | m.BookFeed, seq: int, prev_seq: int, price_scale: int, size_scale: int,
               reader: GrvtLevels | None = None, arrays: tuple | None = None) -> LevelsDelta:
    """A ``v1.book.d`` delta: absolute sizes, "0" removes the level (``arrays``: its levels when they were read
    already, as ``book_arrays`` gives them)."""
    bid_prices, bid_sizes, ask_prices, ask_sizes = (arrays if arrays is not None
                                                    else book_arrays(book, price_scale, size_scale, reader))
    return LevelsDelta(VENUE, book.instrument, price_scale, size_scale, seq, prev_seq,
                       (bid_prices, bid_sizes, ask_prices, ask_sizes))



def bbo(ticker: m.Ticker) -> Bbo | None:
    """The ticker's touch; None when a side is empty ("0" or absent)."""
    if not ticker.best_bid_price or not ticker.best_ask_price:
        return None
    bid, ask = decimal(ticker.best_bid_price, "best_bid_price"), decimal(ticker.best_ask_price, "best_ask_price")
    if bid <= 0 or ask <= 0:
        return None
    out = Bbo(venue=VENUE, symbol=ticker.instrument, venue_seq=sequence(ticker.event_time))
    set_decimal(out.bid_price, bid)
    set_decimal(out.bid_size, decimal(ticker.best_bid_size or "0", "best_bid_size"))
    set_decimal(out.ask_price, ask)
    set_decimal(out.ask_size, decimal(ticker.best_ask_size or "0", "best_ask_size"))
    return out


def mark_price(ticker: m.Ticker) -> MarkPrice | None:
    if not ticker.mark_price:
        return None
    mark = decimal(ticker.mark_price, "mark_price")
    if mark <= 0:
        return None
    out = MarkPrice(venue=VENUE, symbol=ticker.instrument)
    set_decimal(out.mark_price, mark)
    set_decimal(out.index_price, decimal(ticker.index_price, "index_price") if ticker.index_price else mark)
    # The venue quotes the 8-hour rate in percent.
    rate = ticker.funding_rate_8h_curr / 100 if ticker.funding_rate_8h_curr is not None else 0
    set_decimal(out.funding_rate, rate)
    if ticker.next_funding_time:
        out.next_funding_ts = sequence(ticker.next_funding_time)
    return out


def trade(item: m.PublicTrade) -> Trade:
    out = Trade(venue=VENUE, symbol=item.instrument, trade_id=item.trade_id,
                aggressor=Side.SIDE_BUY if item.is_taker_buyer else Side.SIDE_SELL)
    set_decimal(out.price, decimal(item.price, "price"))
    set_decimal(out.quantity, decimal(item.size, "size"))
    return out


# -- orders ----------------------------------------------------------------------------

def _leg(order: m.Order) -> m.Leg:
    if len(order.legs) != 1:
        raise ProtocolError(f"order {order.order_id} has {len(order.legs)} legs; the order book takes one")
    return order.legs[0]


def first_size(values: list[str], what: str) -> Decimal:
    """The first leg's entry of a per-leg list (``traded_size``, ``book_size``); 0 when empty."""
    return decimal(values[0], what) if values else Decimal(0)


def order_event_type(state: m.OrderState) -> int:
    if state.status not in KNOWN_STATUSES:
        raise ProtocolError(f"unknown order status {state.status!r}")
    if state.status == "FILLED":
        return E.ORDER_EVENT_TYPE_FILLED
    if state.status == "REJECTED":
        return E.ORDER_EVENT_TYPE_REJECTED
    if state.status == "CANCELLED":
        return E.ORDER_EVENT_TYPE_EXPIRED if state.reject_reason in _EXPIRED_REASONS else E.ORDER_EVENT_TYPE_CANCELLED
    if first_size(state.traded_size, "traded_size") > 0:
        return E.ORDER_EVENT_TYPE_PARTIALLY_FILLED
    return E.ORDER_EVENT_TYPE_ACCEPTED


def order_event(order: m.Order, codec: ClientIdCodec) -> OrderEvent:
    """An order object as our event (its client order id ours again); a rejection names its reason."""
    leg = _leg(order)
    out = OrderEvent(venue=VENUE, symbol=leg.instrument, client_order_id=codec.decode(order.metadata.client_order_id),
                     venue_order_id=order.order_id, type=order_event_type(order.state),
                     side=Side.SIDE_BUY if leg.is_buying_asset else Side.SIDE_SELL)
    if not order.is_market:
        set_decimal(out.price, decimal(leg.limit_price, "limit_price"))
    set_decimal(out.quantity, decimal(leg.size, "size"))
    set_decimal(out.filled_quantity, first_size(order.state.traded_size, "traded_size"))
    if order.state.reject_reason not in ("UNSPECIFIED", ""):
        out.detail = order.state.reject_reason
    return out


def fill(item: m.Fill, codec: ClientIdCodec, settle: str = "USDT") -> Fill:
    out = Fill(venue=VENUE, symbol=item.instrument, client_order_id=codec.decode(item.client_order_id),
               venue_order_id=item.order_id, trade_id=item.trade_id,
               side=Side.SIDE_BUY if item.is_buyer else Side.SIDE_SELL, fee_asset=item.fee_currency or settle,
               liquidity=Liquidity.LIQUIDITY_TAKER if item.is_taker else Liquidity.LIQUIDITY_MAKER)
    set_decimal(out.price, decimal(item.price, "price"))
    set_decimal(out.quantity, decimal(item.size, "size"))
    set_decimal(out.fee, decimal(item.fee, "fee"))
    return out


def fill_time_ns(item: m.Fill) -> int:
    return sequence(item.event_time)


# -- account ---------------------------------------------------------------------------

def position(item: m.Position, account: str) -> Position:
    """A position, size signed (negative short)."""
    out = Position(venue=VENUE, account=account, symbol=item.instrument)
    set_decimal(out.quantity, decimal(item.size, "size"))
    set_derived(out.entry_price, decimal(item.entry_price, "entry_price"))
    for target, text, what in ((out.mark_price, item.mark_price, "mark_price"),
                               (out.unrealized_pnl, item.unrealized_pnl, "unrealized_pnl"),
                               (out.realized_pnl, item.realized_pnl, "realized_pnl"),
                               (out.fees, item.cumulative_fee, "cumulative_fee"),
                               (out.funding, item.cumulative_realized_funding_payment, "funding")):
        if text is not None:
            set_derived(target, decimal(text, what))
    return out


def balances(summary: m.AccountSummary, account: str) -> list[Balance]:
    """The sub-account's balances per currency; the settlement currency's available is the summary's."""
    out = []
    for spot in summary.spot_balances:
        balance = Balance(venue=VENUE, account=account, asset=spot.currency)
        set_derived(balance.total, decimal(spot.balance, "balance"))
        if spot.currency == summary.settle_currency:
            set_derived(balance.available, decimal(summary.available_balance, "available_balance"))
        out.append(balance)
    return out
