"""Pure translation: Binance payloads (``messages.py``) -> tradesys bus messages. No I/O, no state.

Book levels become integer arrays at the instrument's scales (the hot path:
``LevelReader`` for the stream's diffs, ``parse_scaled_many`` for REST
snapshots; no Decimal); everything else becomes exact protobuf
Decimals that keep the venue's own digits. An order status we do not know
raises ``ProtocolError``: state must never be guessed.
"""

from __future__ import annotations

from decimal import Decimal

from exchanges.binance import messages as m
from exchanges.binance.constants import LIMIT_TYPES, VENUE
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
    OrderType,
    Position,
    Side,
    TimeInForce,
    Trade,
)
from tradesys.numeric import parse_scaled_many, set_decimal, set_derived, to_scaled
from tradesys.venue.errors import ProtocolError
from tradesys.venue.levels import LevelReader

MS = 1_000_000  # ns per ms

SIDES = {"BUY": Side.SIDE_BUY, "SELL": Side.SIDE_SELL}
SIDE_NAMES = {v: k for k, v in SIDES.items()}
ORDER_TYPES = {"LIMIT": OrderType.ORDER_TYPE_LIMIT, "MARKET": OrderType.ORDER_TYPE_MARKET}
ORDER_TYPE_NAMES = {v: k for k, v in ORDER_TYPES.items()}
TIME_IN_FORCE = {"GTC": TimeInForce.TIME_IN_FORCE_GTC, "IOC": TimeInForce.TIME_IN_FORCE_IOC,
                 "FOK": TimeInForce.TIME_IN_FORCE_FOK, "GTX": TimeInForce.TIME_IN_FORCE_POST_ONLY}
TIME_IN_FORCE_NAMES = {v: k for k, v in TIME_IN_FORCE.items()}
# Order status (X) -> our event type, for order objects and updates that are not fills or amendments.
STATUS_EVENTS = {
    "NEW": OrderEventType.ORDER_EVENT_TYPE_ACCEPTED,
    "PARTIALLY_FILLED": OrderEventType.ORDER_EVENT_TYPE_PARTIALLY_FILLED,
    "FILLED": OrderEventType.ORDER_EVENT_TYPE_FILLED,
    "CANCELED": OrderEventType.ORDER_EVENT_TYPE_CANCELLED,
    "EXPIRED": OrderEventType.ORDER_EVENT_TYPE_EXPIRED,
    "EXPIRED_IN_MATCH": OrderEventType.ORDER_EVENT_TYPE_EXPIRED,   # self-trade prevention
    "REJECTED": OrderEventType.ORDER_EVENT_TYPE_REJECTED,
}
OPEN_STATUSES = frozenset({"NEW", "PARTIALLY_FILLED"})


def _side(name: str) -> int:
    try:
        return SIDES[name]
    except KeyError:
        raise ProtocolError(f"unknown side {name!r}") from None


def _levels(bids: list[m.Level], asks: list[m.Level], price_scale: int,
            size_scale: int) -> tuple[list[int], list[int], list[int], list[int]]:
    """Bid prices, bid sizes, ask prices, ask sizes as mantissas: both sides in one batch per scale."""
    levels = bids + asks
    if not levels:
        return [], [], [], []
    prices, sizes = zip(*levels)
    prices, sizes = parse_scaled_many(prices, price_scale), parse_scaled_many(sizes, size_scale)
    n = len(bids)
    return prices[:n], sizes[:n], prices[n:], sizes[n:]


# -- market data -----------------------------------------------------------------------

def book_diff(event: m.DepthUpdate, levels: LevelReader) -> LevelsDelta:
    """One diff-depth event, its levels read by the symbol's reader (PrecisionError/ProtocolError): lists the
    book applies as they are (cheaper than a protobuf's repeated fields read back), and the bus's BookDelta
    once the subscriber knows it follows the book (``LevelsDelta.SerializeToString``)."""
    return LevelsDelta(VENUE, event.s, levels.price_scale, levels.size_scale, event.u, event.pu,
                       levels.read(event.b, event.a))


def book_snapshot(symbol: str, snapshot: m.DepthSnapshot, price_scale: int, size_scale: int) -> BookSnapshot:
    bid_prices, bid_sizes, ask_prices, ask_sizes = _levels(snapshot.bids, snapshot.asks, price_scale, size_scale)
    return BookSnapshot(venue=VENUE, symbol=symbol, price_scale=price_scale, size_scale=size_scale,
                        venue_seq=snapshot.lastUpdateId, bid_prices=bid_prices, bid_sizes=bid_sizes,
                        ask_prices=ask_prices, ask_sizes=ask_sizes)


def bbo(event: m.BookTicker) -> Bbo:
    out = Bbo(venue=VENUE, symbol=event.s, venue_seq=event.u)
    set_decimal(out.bid_price, event.b)
    set_decimal(out.bid_size, event.B)
    set_decimal(out.ask_price, event.a)
    set_decimal(out.ask_size, event.A)
    return out


def trade(event: m.AggTrade) -> Trade:
    # m: the buyer was the maker, so the aggressor sold.
    out = Trade(venue=VENUE, symbol=event.s, trade_id=str(event.a),
                aggressor=Side.SIDE_SELL if event.m else Side.SIDE_BUY)
    set_decimal(out.price, event.p)
    set_decimal(out.quantity, event.q)
    return out


def mark_price(event: m.MarkPriceUpdate) -> MarkPrice:
    out = MarkPrice(venue=VENUE, symbol=event.s, next_funding_ts=event.T * MS)
    set_decimal(out.mark_price, event.p)
    set_decimal(out.index_price, event.i)
    set_decimal(out.funding_rate, event.r)
    return out


# -- instruments -----------------------------------------------------------------------

def _decimals(text: str) -> int:
    """Decimals of a filter value once trailing zeros go: "0.00100" -> 3, "1" -> 0."""
    return max(0, to_scaled(Decimal(text).normalize())[1])


def instrument(info: m.SymbolInfo) -> Instrument:
    """An exchangeInfo symbol with its PRICE_FILTER, LOT_SIZE and MIN_NOTIONAL filters."""
    filters = {f.get("filterType"): f for f in info.filters}
    try:
        price_filter, lot = filters["PRICE_FILTER"], filters["LOT_SIZE"]
        tick, step, min_qty = price_filter["tickSize"], lot["stepSize"], lot["minQty"]
    except KeyError as exc:
        raise ProtocolError(f"{info.symbol}: exchangeInfo lacks {exc.args[0]}") from None
    perpetual = info.contractType == "PERPETUAL"
    out = Instrument(venue=VENUE, symbol=info.symbol,
                     kind=InstrumentKind.INSTRUMENT_KIND_PERPETUAL if perpetual else
                     InstrumentKind.INSTRUMENT_KIND_FUTURE,
                     base=info.baseAsset, quote=info.quoteAsset, settle=info.marginAsset, inverse=False,
                     # The display precision can exceed the tick's decimals (CTKUSDT: tick 0.00100, 5 decimals,
                     # and old resting orders off today's tick): book levels need the larger scale.
                     price_scale=max(_decimals(tick), info.pricePrecision),
                     size_scale=max(_decimals(step), info.quantityPrecision),
                     expiry_ts=0 if perpetual else info.deliveryDate * MS, trading=info.status == "TRADING")
    set_decimal(out.tick_size, Decimal(tick).normalize())
    set_decimal(out.lot_size, Decimal(step).normalize())
    set_decimal(out.min_quantity, Decimal(min_qty).normalize())
    set_decimal(out.min_notional, Decimal(filters.get("MIN_NOTIONAL", {}).get("notional", "0")).normalize())
    set_decimal(out.contract_size, 1)
    return out


def rate_limits(info: m.ExchangeInfo) -> dict[str, int]:
    """The limits exchangeInfo declares, by our budget names (unknown kinds left out)."""
    out = {}
    for entry in info.rateLimits:
        name = LIMIT_TYPES.get((entry.get("rateLimitType"), entry.get("interval"), entry.get("intervalNum")))
        if name is not None and isinstance(entry.get("limit"), int):
            out[name] = entry["limit"]
    return out


# -- orders ----------------------------------------------------------------------------

def _status_event(status: str) -> int:
    try:
        return STATUS_EVENTS[status]
    except KeyError:
        raise ProtocolError(f"unknown order status {status!r}") from None


def order_event(order: m.Order) -> OrderEvent:
    """An order object (REST or WS API answer) as the event its status means."""
    out = OrderEvent(venue=VENUE, symbol=order.symbol, client_order_id=order.clientOrderId,
                     venue_order_id=str(order.orderId), type=_status_event(order.status), side=_side(order.side))
    set_decimal(out.price, order.price)
    set_decimal(out.quantity, order.origQty)
    set_decimal(out.filled_quantity, order.executedQty)
    return out


def order_update_event(update: m.OrderUpdate) -> OrderEvent:
    """An ORDER_TRADE_UPDATE as our event: amendments are MODIFIED, the rest follow the status."""
    kind = OrderEventType.ORDER_EVENT_TYPE_MODIFIED if update.x == "AMENDMENT" else _status_event(update.X)
    out = OrderEvent(venue=VENUE, symbol=update.s, client_order_id=update.c, venue_order_id=str(update.i),
                     type=kind, side=_side(update.S))
    set_decimal(out.price, update.p)
    set_decimal(out.quantity, update.q)
    set_decimal(out.filled_quantity, update.z)
    if update.x == "TRADE":
        set_decimal(out.last_fill_price, update.L)
        set_decimal(out.last_fill_quantity, update.l)
    return out


def update_fill(update: m.OrderUpdate) -> Fill | None:
    """The fill an ORDER_TRADE_UPDATE carries (execution type TRADE), else None."""
    if update.x != "TRADE":
        return None
    out = Fill(venue=VENUE, symbol=update.s, client_order_id=update.c, venue_order_id=str(update.i),
               trade_id=str(update.t), side=_side(update.S), fee_asset=update.N or "",
               liquidity=Liquidity.LIQUIDITY_MAKER if update.m else Liquidity.LIQUIDITY_TAKER)
    set_decimal(out.price, update.L)
    set_decimal(out.quantity, update.l)
    set_decimal(out.fee, update.n)
    return out


def user_trade_fill(item: m.UserTrade) -> Fill:
    """A ``userTrades`` row as a fill (its client order id is not in the row: the caller maps order ids)."""
    out = Fill(venue=VENUE, symbol=item.symbol, venue_order_id=str(item.orderId), trade_id=str(item.id),
               side=_side(item.side), fee_asset=item.commissionAsset,
               liquidity=Liquidity.LIQUIDITY_MAKER if item.maker else Liquidity.LIQUIDITY_TAKER)
    set_decimal(out.price, item.price)
    set_decimal(out.quantity, item.qty)
    set_decimal(out.fee, item.commission)
    return out


# -- account ---------------------------------------------------------------------------

def account_positions(update: m.AccountUpdate, account: str) -> list[Position]:
    """The positions an ACCOUNT_UPDATE lists (absolute state: overwrite, never add)."""
    out = []
    for change in update.a.P:
        position = Position(venue=VENUE, account=account, symbol=change.s)
        set_decimal(position.quantity, change.pa)
        set_derived(position.entry_price, change.ep)
        set_derived(position.unrealized_pnl, change.up)
        set_decimal(position.realized_pnl, change.cr)
        out.append(position)
    return out


def account_balances(update: m.AccountUpdate, account: str) -> list[Balance]:
    """The wallet balances an ACCOUNT_UPDATE lists (``available`` is not in the event: left unset)."""
    out = []
    for change in update.a.B:
        balance = Balance(venue=VENUE, account=account, asset=change.a)
        set_decimal(balance.total, change.wb)
        out.append(balance)
    return out


def position(item: m.PositionRisk, account: str) -> Position:
    out = Position(venue=VENUE, account=account, symbol=item.symbol)
    set_decimal(out.quantity, item.positionAmt)
    set_derived(out.entry_price, item.entryPrice)
    set_decimal(out.mark_price, item.markPrice)
    set_derived(out.unrealized_pnl, item.unRealizedProfit)
    return out


def balance(item: m.BalanceItem, account: str) -> Balance:
    out = Balance(venue=VENUE, account=account, asset=item.asset)
    set_decimal(out.total, item.balance)
    set_decimal(out.available, item.availableBalance)
    return out
