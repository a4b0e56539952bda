"""One instrument's price and quantity grid, and the one place orders are rounded onto it.

Every venue's ``IExchangeOMS.round_to_filters`` is ``Grid.round``: prices to
the tick (buys down, sells up, so a quote never becomes more aggressive),
quantities down to the lot; ``check`` refuses what is off the grid rather
than rounding it behind the caller's back.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from tradesys.messages import Instrument, Side
from tradesys.numeric import get_decimal
from tradesys.venue.errors import InvalidPrice, InvalidQuantity, UnknownSymbol


class Grid:
    __slots__ = ("tick", "lot", "min_quantity", "min_notional", "price_quantum", "size_quantum")

    def __init__(self, instrument: Instrument):
        self.tick = get_decimal(instrument.tick_size)
        self.lot = get_decimal(instrument.lot_size)
        self.min_quantity = get_decimal(instrument.min_quantity)
        self.min_notional = get_decimal(instrument.min_notional)
        self.price_quantum = Decimal(1).scaleb(-max(0, -self.tick.as_tuple().exponent))
        self.size_quantum = Decimal(1).scaleb(-max(0, -self.lot.as_tuple().exponent))

    def round(self, side: int, price: Decimal | None, quantity: Decimal) -> tuple[Decimal | None, Decimal]:
        if price is not None:
            mode = ROUND_FLOOR if side == Side.SIDE_BUY else ROUND_CEILING
            price = ((price / self.tick).to_integral_value(mode) * self.tick).quantize(self.price_quantum)
        quantity = ((quantity / self.lot).to_integral_value(ROUND_FLOOR) * self.lot).quantize(self.size_quantum)
        return price, quantity

    def check(self, side: int, price: Decimal | None, quantity: Decimal, request: str) -> None:
        """Raise InvalidQuantity / InvalidPrice for a quantity or price off the grid (or not positive)."""
        rounded_price, rounded_quantity = self.round(side, price, quantity)
        if rounded_quantity != quantity or quantity < self.min_quantity:
            raise InvalidQuantity(f"quantity {quantity} is not a multiple of {self.lot} of at least "
                                  f"{self.min_quantity}", request=request)
        if price is not None and (rounded_price != price or price <= 0):
            raise InvalidPrice(f"price {price} is not on the tick {self.tick}", request=request)


class Grids:
    """The part of an OMS that knows each listed instrument's grid (``grids`` by symbol, filled at start):
    ``round_to_filters`` for ``IExchangeOMS``, and ``grid``, which refuses a symbol the venue does not list."""

    grids: dict[str, Grid]

    def grid(self, symbol: str) -> Grid:
        try:
            return self.grids[symbol]
        except KeyError:
            raise UnknownSymbol(f"{symbol} is not listed", request="order") from None

    def round_to_filters(self, symbol: str, side: int, price: Decimal | None,
                         quantity: Decimal) -> tuple[Decimal | None, Decimal]:
        return self.grid(symbol).round(side, price, quantity)
