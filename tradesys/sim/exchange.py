"""The simulated exchange: instruments, one matching engine per symbol, accounts, marks.

Front-ends (``exchanges/<venue>/simulator.py``) call ``place`` / ``cancel`` /
``modify`` / ``cancel_all`` with venue-neutral arguments and get the order
back or a ``SimReject``; every accepted request is also published to the
listeners as an ``ExchangeEvent`` (order updates, trades, changed levels and
the accounting of each fill), from which front-ends build their streams;
funding settlements go to the funding listeners as a ``FundingEvent``.

Checks before the engine sees an order, in the venue's order: symbol,
quantity (positive, min, max, step), price (min, max, tick, band around the
mark), minimum notional (not for reduce-only), open-order cap, duplicate
client order id among open orders, reduce-only, margin (``checks.py``).
"""

from __future__ import annotations

import itertools
import random
import string
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from tradesys.sim import checks
from tradesys.sim.accounts import ZERO, Account, FillBooking
from tradesys.sim.engine import MatchingEngine
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.instruments import SimInstrument
from tradesys.sim.orders import EngineResult, OrderType, PublicTrade, Side, SimOrder, StpMode, TimeInForce

# Real Binance order ids exceed 2**53: starting there catches clients that parse ids as floats.
FIRST_ORDER_ID = 2**53 + 1
HISTORY_PER_SYMBOL = 10_000  # orders kept per account and symbol
_CLIENT_ID_CHARS = string.ascii_letters + string.digits


@dataclass(frozen=True)
class FillRecord:
    """One fill of one account's order, as kept for trade-history queries."""

    trade_id: int
    order_id: int
    symbol: str
    side: Side
    price: int
    quantity: int
    is_maker: bool
    fee: Decimal
    fee_asset: str
    realized_pnl: Decimal
    time_ns: int


@dataclass
class ExchangeEvent:
    symbol: str
    result: EngineResult
    bookings: dict[tuple[int, int], FillBooking] = field(default_factory=dict)  # (order id, trade id) ->
    accounts: set[str] = field(default_factory=set)  # accounts whose balances or positions changed


@dataclass(frozen=True)
class FundingEvent:
    """One funding settlement of one symbol: what each account with a position received (negative: paid)."""

    symbol: str
    rate: Decimal
    mark: Decimal
    received: dict[str, Decimal]
    time_ns: int


class SimExchange:
    def __init__(self, instruments: list[SimInstrument], *, seed: int = 0,
                 clock: Callable[[], int] = time.time_ns, default_stp: StpMode = StpMode.EXPIRE_MAKER,
                 keep_priority_on_decrease: bool = False, first_order_id: int = FIRST_ORDER_ID,
                 first_update_id: int | None = None):
        self.instruments = {i.symbol: i for i in instruments}
        # first_update_id: one book-update sequence across all symbols, starting there (Binance's way).
        shared = itertools.count(first_update_id) if first_update_id is not None else None
        self.engines = {i.symbol: MatchingEngine(i.symbol, keep_priority_on_decrease=keep_priority_on_decrease,
                                                 update_ids=shared)
                        for i in instruments}
        self.accounts: dict[str, Account] = {}
        self.marks: dict[str, Decimal] = {}
        self.clock = clock
        self.default_stp = default_stp
        self.listeners: list[Callable[[ExchangeEvent], None]] = []
        self.funding_listeners: list[Callable[[FundingEvent], None]] = []
        # Fault switch: refuse this many of the next non-house orders (ORDERS_REJECTED_BY_FAULT).
        self.reject_next_orders = 0
        self._rng = random.Random(seed)
        self._next_order_id = {symbol: first_order_id for symbol in self.instruments}
        # (symbol, account) -> that account's recent orders and fills; house accounts keep none.
        self._history: dict[tuple[str, str], OrderedDict[int, SimOrder]] = {}
        self._fills: dict[tuple[str, str], deque[FillRecord]] = {}
        self.public_trades: dict[str, deque[PublicTrade]] = {s: deque(maxlen=HISTORY_PER_SYMBOL)
                                                             for s in self.instruments}

    # -- setup -------------------------------------------------------------------------

    def skip_ids(self, base: int) -> None:
        """Number new orders and trades from ``base`` up: a venue that comes back never reuses an id its
        clients may still hold (a restarted simulator calls this with its start time)."""
        for symbol in self._next_order_id:
            self._next_order_id[symbol] = max(self._next_order_id[symbol], base)
        for engine in self.engines.values():
            engine.skip_trade_ids(base)

    def add_account(self, account_id: str, balances: dict[str, Decimal | str], leverage: int = 20,
                    house: bool = False) -> Account:
        """Open an account; ``house`` accounts (the synthetic market's) are not margin-checked."""
        account = Account(account_id, {a: Decimal(v) for a, v in balances.items()}, default_leverage=leverage,
                          house=house)
        self.accounts[account_id] = account
        return account

    def next_order_id(self, symbol: str) -> int:
        """The id the next accepted order on ``symbol`` gets (a refused one uses none)."""
        self.instrument(symbol)
        return self._next_order_id[symbol]

    def set_mark(self, symbol: str, price: Decimal) -> None:
        self.marks[symbol] = price

    def account(self, account_id: str) -> Account:
        try:
            return self.accounts[account_id]
        except KeyError:
            raise SimReject(RejectCode.UNKNOWN_ACCOUNT, account_id) from None

    def instrument(self, symbol: str) -> SimInstrument:
        try:
            return self.instruments[symbol]
        except KeyError:
            raise SimReject(RejectCode.UNKNOWN_SYMBOL, symbol) from None

    # -- requests ----------------------------------------------------------------------

    def place(self, account_id: str, symbol: str, side: Side, type: OrderType, quantity: int, *,
              price: int = 0, time_in_force: TimeInForce = TimeInForce.GTC, client_order_id: str | None = None,
              reduce_only: bool = False, stp_mode: StpMode | None = None) -> SimOrder:
        """Check, match and book a new order; return it as it stands after matching."""
        instrument = self.instrument(symbol)
        account = self.account(account_id)
        engine = self.engines[symbol]
        if self.reject_next_orders > 0 and not account.house:
            self.reject_next_orders -= 1
            raise SimReject(RejectCode.ORDERS_REJECTED_BY_FAULT, "fault injection")
        if type is OrderType.MARKET:
            time_in_force = TimeInForce.IOC if time_in_force is TimeInForce.GTC else time_in_force
            price = 0
        checks.quantity(instrument, quantity)
        if type is OrderType.LIMIT:
            checks.price(instrument, price, self.marks.get(instrument.symbol))
        reference = price or checks.reference_price(engine, instrument, side, self.marks.get(instrument.symbol))
        if not reduce_only and reference and instrument.notional(reference, quantity) < instrument.min_notional:
            raise SimReject(RejectCode.NOTIONAL_BELOW_MIN, f"{instrument.min_notional}")
        open_orders = engine.open_orders(account_id)
        if len(open_orders) >= instrument.max_open_orders and type is OrderType.LIMIT:
            raise SimReject(RejectCode.MAX_OPEN_ORDERS)
        if client_order_id is None:
            client_order_id = self._new_client_order_id(account, symbol)
        elif any(o.client_order_id == client_order_id for o in open_orders):
            raise SimReject(RejectCode.DUPLICATE_CLIENT_ORDER_ID, client_order_id)
        if reduce_only:
            checks.reduce_only(account, instrument, side, quantity)
        elif not account.house and reference:      # no reference: an empty book and no mark, nothing to value
            marks = {s: self.mark_price(s, fallback=p.entry_price) for s, p in account.positions.items()}
            checks.margin(account, instrument, reference, quantity, marks,
                          self.order_margin(account_id, instrument.settle))
        order = SimOrder(self._next_order_id[symbol], client_order_id, account_id, symbol, side, type,
                         time_in_force, price, quantity, reduce_only=reduce_only,
                         stp_mode=self.default_stp if stp_mode is None else stp_mode)
        result = engine.submit(order, self.clock())  # may raise (post-only, FOK): no id is used up then
        self._next_order_id[symbol] += 1
        self._remember(order)
        self._publish(instrument, result)
        return order.snapshot()

    def inject(self, account_id: str, symbol: str, side: Side, price: int, quantity: int,
               time_in_force: TimeInForce, stp_mode: StpMode = StpMode.NONE) -> SimOrder:
        """A house account's limit order straight into the engine, without the checks ``place`` makes (a
        backtest's recorded liquidity and trades, which need not meet today's filters); published like any."""
        order = self._house_order(account_id, symbol, side, price, quantity, time_in_force, stp_mode)
        self._publish(self.instrument(symbol), self.engines[symbol].submit(order, self.clock()))
        return order

    def rest(self, account_id: str, symbol: str, side: Side, price: int, quantity: int) -> SimOrder:
        """A house account's GTC order that does not cross, straight onto the book: no check, no matching, no
        event (a backtest's recorded liquidity, thousands of levels a second). ValueError if it would cross."""
        engine = self.engines[symbol]
        if engine.would_cross(side, price):
            raise ValueError(f"{symbol} {side.value} {price} would cross: inject it instead")
        order = self._house_order(account_id, symbol, side, price, quantity, TimeInForce.GTC, StpMode.NONE)
        engine.rest(order, self.clock())
        return order

    def _house_order(self, account_id: str, symbol: str, side: Side, price: int, quantity: int,
                     time_in_force: TimeInForce, stp_mode: StpMode) -> SimOrder:
        """A limit order of a house account with the symbol's next order id (``inject`` and ``rest``)."""
        if not self.account(account_id).house:
            raise SimReject(RejectCode.UNKNOWN_ACCOUNT, f"{account_id} is not a house account")
        order_id = self._next_order_id[self.instrument(symbol).symbol]
        self._next_order_id[symbol] = order_id + 1
        return SimOrder(order_id, f"sim-{order_id}", account_id, symbol, side, OrderType.LIMIT, time_in_force, price,
                        quantity, stp_mode=stp_mode)

    def cancel(self, account_id: str, symbol: str, *, order_id: int | None = None,
               client_order_id: str | None = None) -> SimOrder:
        order = self._find_open(account_id, symbol, order_id, client_order_id)
        self._publish(self.instrument(symbol), self.engines[symbol].cancel(order.order_id, self.clock()))
        return order.snapshot()

    def cancel_all(self, account_id: str, symbol: str) -> list[SimOrder]:
        result = self.engines[self.instrument(symbol).symbol].cancel_all(account_id, self.clock())
        self._publish(self.instruments[symbol], result)
        return [u.order for u in result.updates]

    def modify(self, account_id: str, symbol: str, side: Side, price: int, quantity: int, *,
               order_id: int | None = None, client_order_id: str | None = None) -> SimOrder:
        instrument = self.instrument(symbol)
        order = self._find_open(account_id, symbol, order_id, client_order_id)
        checks.quantity(instrument, quantity)
        checks.price(instrument, price, self.marks.get(instrument.symbol))
        if not order.reduce_only and instrument.notional(price, quantity) < instrument.min_notional:
            raise SimReject(RejectCode.NOTIONAL_BELOW_MIN, f"{instrument.min_notional}")
        result = self.engines[symbol].modify(order.order_id, side, price, quantity, self.clock())
        self._publish(instrument, result)
        return order.snapshot()

    def order(self, account_id: str, symbol: str, *, order_id: int | None = None,
              client_order_id: str | None = None) -> SimOrder:
        """An open or recent order of the account (open ones always; the last HISTORY_PER_SYMBOL others)."""
        self.instrument(symbol)
        for order in reversed(self._history.get((symbol, account_id), {}).values()):
            if order.order_id == order_id or (order_id is None and order.client_order_id == client_order_id):
                return order.snapshot()
        return self._find_open(account_id, symbol, order_id, client_order_id).snapshot()

    def orders(self, account_id: str, symbol: str) -> list[SimOrder]:
        """Recent orders of the account on the symbol, oldest first."""
        self.instrument(symbol)
        return [o.snapshot() for o in self._history.get((symbol, account_id), {}).values()]

    def fills(self, account_id: str, symbol: str) -> list[FillRecord]:
        """The account's recent fills on the symbol, oldest first (the last HISTORY_PER_SYMBOL)."""
        self.instrument(symbol)
        return list(self._fills.get((symbol, account_id), ()))

    def fund(self, symbol: str, rate: Decimal) -> dict[str, Decimal]:
        """Apply one funding event at the current mark, tell the funding listeners; return what each
        account received."""
        instrument = self.instrument(symbol)
        mark = self.marks[symbol]
        received = {a.account_id: a.apply_funding(instrument, mark, rate) for a in self.accounts.values()
                    if a.positions.get(symbol) and a.positions[symbol].quantity}
        event = FundingEvent(symbol, rate, mark, received, self.clock())
        for listener in list(self.funding_listeners):
            listener(event)
        return received

    def _new_client_order_id(self, account: Account, symbol: str) -> str:
        if account.house:
            return f"sim-{self._next_order_id[symbol]}"
        # 22 characters from [A-Za-z0-9], as the venue generates them.
        return "".join(_CLIENT_ID_CHARS[b % 62] for b in self._rng.randbytes(22))

    # -- what the checks need -------------------------------------------------------------

    def order_margin(self, account_id: str, asset: str | None = None) -> Decimal:
        """Initial margin held by the account's open orders (reduce-only orders hold none), in ``asset``'s
        instruments only when it is given."""
        account = self.account(account_id)
        return sum((self.instruments[o.symbol].notional(o.price, o.remaining) / account.leverage_of(o.symbol)
                    for symbol, e in self.engines.items()
                    if asset is None or self.instruments[symbol].settle == asset
                    for o in e.open_orders(account_id) if not o.reduce_only), ZERO)

    def mark_price(self, symbol: str, fallback: Decimal | None = ZERO) -> Decimal | None:
        """The mark if one was set, else the book's mid, else ``fallback``."""
        mark = self.marks.get(symbol)
        if mark is not None:
            return mark
        book = self.engines[symbol].book
        bid, ask = book.best_price(Side.BUY), book.best_price(Side.SELL)
        if bid is None or ask is None:
            return fallback
        return self.instruments[symbol].price(bid + ask) / 2

    def _find_open(self, account_id: str, symbol: str, order_id: int | None, client_order_id: str | None) -> SimOrder:
        engine = self.engines[self.instrument(symbol).symbol]
        for order in engine.open_orders(account_id):
            if order.order_id == order_id or (order_id is None and order.client_order_id == client_order_id):
                return order
        raise SimReject(RejectCode.UNKNOWN_ORDER, f"{order_id or client_order_id}")

    # -- bookkeeping -------------------------------------------------------------------

    def _remember(self, order: SimOrder) -> None:
        if self.accounts[order.account].house:
            return
        history = self._history.setdefault((order.symbol, order.account), OrderedDict())
        history[order.order_id] = order
        while len(history) > HISTORY_PER_SYMBOL:
            oldest = next(iter(history.values()))
            if not oldest.status.is_final:
                break  # never forget an open order
            history.popitem(last=False)

    def _publish(self, instrument: SimInstrument, result: EngineResult) -> None:
        event = ExchangeEvent(instrument.symbol, result)
        for update in result.updates:
            if update.fill is None:
                continue
            order, fill = update.order, update.fill
            account = self.accounts[order.account]
            booking = event.bookings[(order.order_id, fill.trade_id)] = account.apply_fill(
                instrument, order.side, instrument.price(fill.price), instrument.qty(fill.quantity), fill.is_maker)
            event.accounts.add(account.account_id)
            if not account.house:
                history = self._fills.setdefault((instrument.symbol, account.account_id),
                                                 deque(maxlen=HISTORY_PER_SYMBOL))
                history.append(
                    FillRecord(fill.trade_id, order.order_id, instrument.symbol, order.side, fill.price, fill.quantity,
                               fill.is_maker, booking.fee, booking.fee_asset, booking.realized_pnl, order.updated_ns))
        self.public_trades[instrument.symbol].extend(result.trades)
        for listener in list(self.listeners):
            listener(event)
