"""Pure translation: Deribit payloads (``messages.py``) -> tradesys bus messages. No I/O, no state.

Amounts keep the venue's unit: USD for inverse perpetuals (the Instrument says
``inverse`` and its ``contract_size``), the coin for linear ones; converting
USD to coins would need a price and would no longer be exact, so it is done
where a price is at hand (the ledger, the risk checks), never here. Book
levels become integer mantissas at the instrument's scales; a float that
does not sit on that grid is a ``ProtocolError``. An order state or a
direction we do not know raises ``ProtocolError``: state is never guessed.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec

from exchanges.deribit import messages as m
from exchanges.deribit.constants import VENUE
from exchanges.deribit.levels import DeribitLevels
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
    TimeInForce,
    Trade,
)
from tradesys.numeric import set_decimal, set_derived, to_scaled
from tradesys.venue.errors import ProtocolError

MS = 1_000_000
SIDES = {"buy": Side.SIDE_BUY, "sell": Side.SIDE_SELL}
SIDE_NAMES = {v: k for k, v in SIDES.items()}
TIME_IN_FORCE_NAMES = {TimeInForce.TIME_IN_FORCE_GTC: "good_til_cancelled",
                       TimeInForce.TIME_IN_FORCE_IOC: "immediate_or_cancel",
                       TimeInForce.TIME_IN_FORCE_FOK: "fill_or_kill",
                       TimeInForce.TIME_IN_FORCE_POST_ONLY: "good_til_cancelled"}
OPEN = "open"
FINAL_STATES = frozenset({"filled", "cancelled", "rejected"})
KNOWN_STATES = frozenset({"open", "filled", "cancelled", "rejected", "untriggered", "triggered", "archive"})
# A mantissa read from a float is off by float rounding only (< 1e-6 below 1e9 units); more is off the grid.
_GRID_TOLERANCE = 1e-6
_LEVELS = msgspec.json.Decoder(list[m.Level])


def side(name: str) -> int:
    try:
        return SIDES[name]
    except KeyError:
        raise ProtocolError(f"unknown direction {name!r}") from None


def _decimals(value: Decimal) -> int:
    return max(0, to_scaled(value.normalize())[1])


# -- instruments -----------------------------------------------------------------------

def is_inverse(info: m.InstrumentInfo) -> bool:
    """Inverse ("reversed") contracts: today's fields say so; the 2021 ones did not, and every USD-quoted
    future then was inverse."""
    kind = info.instrument_type or info.future_type
    if kind is not None:
        return kind == "reversed"
    return info.quote_currency == "USD"


def instrument(info: m.InstrumentInfo) -> Instrument:
    inverse = is_inverse(info)
    perpetual = info.settlement_period == "perpetual"
    settle = info.settlement_currency or (info.base_currency if inverse else info.quote_currency)
    kind = (InstrumentKind.INSTRUMENT_KIND_PERPETUAL if perpetual else
            InstrumentKind.INSTRUMENT_KIND_FUTURE if info.kind == "future" else InstrumentKind.INSTRUMENT_KIND_OPTION)
    out = Instrument(venue=VENUE, symbol=info.instrument_name, kind=kind, base=info.base_currency,
                     quote=info.quote_currency, settle=settle, inverse=inverse,
                     price_scale=_decimals(info.tick_size),
                     size_scale=max(_decimals(info.min_trade_amount), _decimals(info.contract_size)),
                     expiry_ts=0 if perpetual else info.expiration_timestamp * MS, trading=info.is_active)
    set_decimal(out.tick_size, info.tick_size.normalize())
    set_decimal(out.lot_size, info.contract_size.normalize())
    set_decimal(out.min_quantity, info.min_trade_amount.normalize())
    set_decimal(out.min_notional, 0)
    set_decimal(out.contract_size, info.contract_size.normalize())
    return out


# -- market data -----------------------------------------------------------------------

def _levels(levels: list[m.Level], price_scale: int, size_scale: int) -> tuple[list[int], list[int]]:
    """Prices and amounts as mantissas; ``delete`` is amount 0. The hot path: one tight loop, no Decimal."""
    pf, sf, tol = 10.0 ** price_scale, 10.0 ** size_scale, _GRID_TOLERANCE
    prices, sizes = [], []
    for action, price, amount in levels:
        scaled = price * pf
        mantissa = round(scaled)
        if not -tol < scaled - mantissa < tol:
            raise ProtocolError(f"price {price!r} is not on the grid of {price_scale} decimals")
        prices.append(mantissa)
        if action == "delete":
            sizes.append(0)
            continue
        if action != "new" and action != "change":
            raise ProtocolError(f"unknown book action {action!r}")
        scaled = amount * sf
        mantissa = round(scaled)
        if not -tol < scaled - mantissa < tol:
            raise ProtocolError(f"amount {amount!r} is not on the grid of {size_scale} decimals")
        sizes.append(mantissa)
    return prices, sizes


def _exact_side(raw, price_scale: int, size_scale: int) -> tuple[list[int], list[int]]:
    """One side's raw levels read level by level (``_levels``): the path when the bulk form does not hold."""
    try:
        levels = _LEVELS.decode(raw)
    except msgspec.DecodeError as exc:
        raise ProtocolError(f"book levels are not [action, price, amount]: {exc}") from None
    return _levels(levels, price_scale, size_scale)


def book_levels(note: m.BookNotification, levels: DeribitLevels) -> tuple[list[int], list[int], list[int], list[int]]:
    """Both sides of a book notification as mantissas (``levels``: the instrument's bulk reader)."""
    return levels.read(note.bids, note.asks, _exact_side)


def book_snapshot(note: m.BookNotification, levels: DeribitLevels) -> BookSnapshot:
    bid_prices, bid_sizes, ask_prices, ask_sizes = book_levels(note, levels)
    return BookSnapshot(venue=VENUE, symbol=note.instrument_name, price_scale=levels.price_scale,
                        size_scale=levels.size_scale, venue_seq=note.change_id, bid_prices=bid_prices,
                        bid_sizes=bid_sizes, ask_prices=ask_prices, ask_sizes=ask_sizes)


def book_delta(note: m.BookNotification, levels: DeribitLevels, arrays: tuple | None = None) -> LevelsDelta:
    """A ``change`` notification as a delta: absolute amounts, ``delete`` as 0, the venue's change ids
    (``arrays``: its levels when they were read already, as ``book_levels`` gives them)."""
    bid_prices, bid_sizes, ask_prices, ask_sizes = arrays if arrays is not None else book_levels(note, levels)
    return LevelsDelta(VENUE, note.instrument_name, levels.price_scale, levels.size_scale, note.change_id,
                       note.prev_change_id, (bid_prices, bid_sizes, ask_prices, ask_sizes))


def order_book_snapshot(book: m.OrderBook, price_scale: int, size_scale: int) -> BookSnapshot:
    """``public/get_order_book`` as a snapshot."""
    def scaled(levels):
        return ([to_scaled(p, price_scale)[0] for p, _ in levels], [to_scaled(a, size_scale)[0] for _, a in levels])
    bid_prices, bid_sizes = scaled(book.bids)
    ask_prices, ask_sizes = scaled(book.asks)
    return BookSnapshot(venue=VENUE, symbol=book.instrument_name, price_scale=price_scale, size_scale=size_scale,
                        venue_seq=book.change_id, bid_prices=bid_prices, bid_sizes=bid_sizes,
                        ask_prices=ask_prices, ask_sizes=ask_sizes)


def bbo(ticker: m.Ticker) -> Bbo | None:
    """The ticker's best bid and offer; None when a side is empty."""
    if not ticker.best_bid_price or not ticker.best_ask_price:
        return None
    out = Bbo(venue=VENUE, symbol=ticker.instrument_name, venue_seq=ticker.timestamp)
    set_decimal(out.bid_price, ticker.best_bid_price)
    set_decimal(out.bid_size, ticker.best_bid_amount or 0)
    set_decimal(out.ask_price, ticker.best_ask_price)
    set_decimal(out.ask_size, ticker.best_ask_amount or 0)
    return out


def mark_price(ticker: m.Ticker) -> MarkPrice | None:
    if ticker.mark_price is None:
        return None
    out = MarkPrice(venue=VENUE, symbol=ticker.instrument_name)
    set_decimal(out.mark_price, ticker.mark_price)
    set_decimal(out.index_price, ticker.index_price if ticker.index_price is not None else ticker.mark_price)
    set_decimal(out.funding_rate, ticker.funding_8h if ticker.funding_8h is not None else 0)
    return out


def trade(item: m.PublicTrade) -> Trade:
    out = Trade(venue=VENUE, symbol=item.instrument_name, trade_id=item.trade_id, aggressor=side(item.direction))
    set_decimal(out.price, item.price)
    set_decimal(out.quantity, item.amount)
    return out


# -- orders ----------------------------------------------------------------------------

def price_of(raw: msgspec.Raw) -> Decimal | None:
    """An order's price: a number, or None for "market_price"."""
    text = bytes(raw)
    if text.startswith(b'"'):
        return None
    try:
        return m.decimal_decoder.decode(text)
    except (msgspec.ValidationError, msgspec.DecodeError):
        raise ProtocolError(f"unreadable order price {text[:40]!r}") from None


def order_event_type(order: m.Order, *, modified: bool = False) -> int:
    """The event an order object means, from its state and fills."""
    state = order.order_state
    if state not in KNOWN_STATES:
        raise ProtocolError(f"unknown order state {state!r}")
    if state == "filled":
        return OrderEventType.ORDER_EVENT_TYPE_FILLED
    if state == "rejected":
        return OrderEventType.ORDER_EVENT_TYPE_REJECTED
    if state == "cancelled":
        # An IOC remainder or a market order's rest: expired; anything else: cancelled.
        if order.cancel_reason in ("immediate_or_cancel", "market_remainder") or order.time_in_force in (
                "immediate_or_cancel", "fill_or_kill"):
            return OrderEventType.ORDER_EVENT_TYPE_EXPIRED
        return OrderEventType.ORDER_EVENT_TYPE_CANCELLED
    if modified:
        return OrderEventType.ORDER_EVENT_TYPE_MODIFIED
    if order.filled_amount > 0:
        return OrderEventType.ORDER_EVENT_TYPE_PARTIALLY_FILLED
    return OrderEventType.ORDER_EVENT_TYPE_ACCEPTED


def order_event(order: m.Order, *, modified: bool = False) -> OrderEvent:
    """An order object as our event; its label is our client order id."""
    out = OrderEvent(venue=VENUE, symbol=order.instrument_name, client_order_id=order.label,
                     venue_order_id=order.order_id, type=order_event_type(order, modified=modified),
                     side=side(order.direction))
    price = price_of(order.price)
    if price is not None:
        set_decimal(out.price, price)
    set_decimal(out.quantity, order.amount)
    set_decimal(out.filled_quantity, order.filled_amount)
    return out


def fill(item: m.UserTrade) -> Fill:
    out = Fill(venue=VENUE, symbol=item.instrument_name, client_order_id=item.label, venue_order_id=item.order_id,
               trade_id=item.trade_id, side=side(item.direction), fee_asset=item.fee_currency,
               liquidity=Liquidity.LIQUIDITY_MAKER if item.liquidity == "M" else Liquidity.LIQUIDITY_TAKER)
    set_decimal(out.price, item.price)
    set_decimal(out.quantity, item.amount)
    set_decimal(out.fee, item.fee)
    return out


# -- account ---------------------------------------------------------------------------

def position(item: m.PositionItem, account: str) -> Position:
    """A position: ``quantity`` signed in the instrument's unit (USD for inverse), PnL in the settle coin."""
    out = Position(venue=VENUE, account=account, symbol=item.instrument_name)
    set_decimal(out.quantity, item.size)
    set_derived(out.entry_price, item.average_price)
    if item.mark_price is not None:
        set_derived(out.mark_price, item.mark_price)
    if item.floating_profit_loss is not None:
        set_derived(out.unrealized_pnl, item.floating_profit_loss)
    if item.realized_profit_loss is not None:
        set_derived(out.realized_pnl, item.realized_profit_loss)
    return out


def balance(summary: m.AccountSummary, account: str) -> Balance:
    out = Balance(venue=VENUE, account=account, asset=summary.currency)
    set_derived(out.total, summary.balance)
    if summary.available_funds is not None:
        set_derived(out.available, summary.available_funds)
    return out
