"""The simulated exchange's checks of a request before its matching engine sees it, in the venue's order
(``SimExchange.place`` calls them): each raises ``SimReject`` with the venue's reason, or returns."""

from __future__ import annotations

from decimal import Decimal

from tradesys.sim.accounts import ZERO, Account
from tradesys.sim.engine import MatchingEngine
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.instruments import SimInstrument
from tradesys.sim.orders import Side


def quantity(instrument: SimInstrument, quantity: int) -> None:
    if quantity <= 0:
        raise SimReject(RejectCode.INVALID_QUANTITY)
    if quantity < instrument.min_qty:
        raise SimReject(RejectCode.QUANTITY_BELOW_MIN)
    if quantity > instrument.max_qty:
        raise SimReject(RejectCode.QUANTITY_ABOVE_MAX)
    if (quantity - instrument.min_qty) % instrument.step:
        raise SimReject(RejectCode.QUANTITY_NOT_ON_STEP)


def price(instrument: SimInstrument, price: int, mark: Decimal | None) -> None:
    """On the instrument's grid and range, and within its band around ``mark`` when there is one."""
    if price < instrument.min_price:
        raise SimReject(RejectCode.PRICE_BELOW_MIN)
    if price > instrument.max_price:
        raise SimReject(RejectCode.PRICE_ABOVE_MAX)
    if (price - instrument.min_price) % instrument.tick:
        raise SimReject(RejectCode.PRICE_NOT_ON_TICK)
    if mark is not None:
        value = instrument.price(price)
        if value > mark * (1 + instrument.price_band):
            raise SimReject(RejectCode.PRICE_ABOVE_BAND)
        if value < mark * (1 - instrument.price_band):
            raise SimReject(RejectCode.PRICE_BELOW_BAND)


def reference_price(engine: MatchingEngine, instrument: SimInstrument, side: Side, mark: Decimal | None) -> int:
    """The price an order without one is valued at: the opposite side's best, else the mark, else 0."""
    best = engine.book.best_price(side.opposite)
    if best is not None:
        return best
    return instrument.price_of(mark.quantize(Decimal(1).scaleb(-instrument.price_scale))) if mark else 0


def reduce_only(account: Account, instrument: SimInstrument, side: Side, quantity: int) -> None:
    position = account.positions.get(instrument.symbol)
    held = position.quantity if position else ZERO
    closing = held < 0 if side is Side.BUY else held > 0
    if not closing or instrument.qty(quantity) > abs(held):
        raise SimReject(RejectCode.REDUCE_ONLY_REJECTED)


def margin(account: Account, instrument: SimInstrument, reference: int, quantity: int, marks: dict[str, Decimal],
           order_margin: Decimal) -> None:
    """The order's initial margin fits the account's available balance (``marks``: its positions' marks;
    ``order_margin``: what its open orders hold already)."""
    required = instrument.notional(reference, quantity) / account.leverage_of(instrument.symbol)
    if required > account.available(instrument.settle, marks, order_margin):
        raise SimReject(RejectCode.INSUFFICIENT_MARGIN)
