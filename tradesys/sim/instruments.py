"""Instruments of the simulated exchange: filters as integer mantissas, fees as exact decimals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal

from tradesys.numeric import PrecisionError, from_scaled, to_scaled

_PRECISE = Context(prec=34)


@dataclass(frozen=True)
class SimInstrument:
    """A perpetual. Prices are mantissas at ``price_scale``, quantities at ``qty_scale``.

    Linear (the default): quantities in the base coin, money in the quote.
    ``inverse``: quantities in the quote currency (USD contracts, Deribit's
    BTC-PERPETUAL) and money (margin, PnL, fees) in the base coin.
    """

    symbol: str
    base: str
    quote: str
    price_scale: int
    qty_scale: int
    tick: int
    step: int
    min_price: int
    max_price: int
    min_qty: int
    max_qty: int
    min_notional: Decimal
    maker_fee: Decimal = Decimal("0.0002")
    taker_fee: Decimal = Decimal("0.0005")
    max_open_orders: int = 200
    price_band: Decimal = Decimal("0.15")   # PERCENT_PRICE: limit prices within mark * (1 -/+ band)
    settle: str = ""
    inverse: bool = False

    @classmethod
    def from_decimals(cls, symbol: str, base: str, quote: str, *, tick: str, step: str, min_qty: str,
                      max_qty: str, min_price: str, max_price: str, min_notional: str, price_precision: int = 0,
                      qty_precision: int = 0, **extra) -> SimInstrument:
        """Build from the venue's decimal strings (e.g. exchangeInfo filters).

        The scales are the larger of the tick's (step's) decimals and the venue's
        display precision: CTKUSDT's tick "0.00100" with pricePrecision 5 prints
        prices as "1.00600".
        """
        _, price_scale = to_scaled(Decimal(tick).normalize())
        _, qty_scale = to_scaled(Decimal(step).normalize())
        price_scale, qty_scale = max(price_scale, price_precision, 0), max(qty_scale, qty_precision, 0)
        p = lambda text: to_scaled(text, price_scale)[0]  # noqa: E731
        q = lambda text: to_scaled(text, qty_scale)[0]  # noqa: E731
        return cls(symbol, base, quote, price_scale, qty_scale, p(tick), q(step), p(min_price), p(max_price),
                   q(min_qty), q(max_qty), Decimal(min_notional), settle=extra.pop("settle", quote), **extra)

    def price_of(self, text: str | Decimal) -> int:
        """Mantissa of a price; PrecisionError when it has more decimals than the price scale."""
        return to_scaled(text, self.price_scale)[0]

    def qty_of(self, text: str | Decimal) -> int:
        return to_scaled(text, self.qty_scale)[0]

    def price(self, mantissa: int) -> Decimal:
        return from_scaled(mantissa, self.price_scale)

    def qty(self, mantissa: int) -> Decimal:
        return from_scaled(mantissa, self.qty_scale)

    def price_text(self, mantissa: int) -> str:
        """The price as the venue prints it: fixed point, exactly price_scale decimals."""
        return f"{self.price(mantissa):f}"

    def qty_text(self, mantissa: int) -> str:
        return f"{self.qty(mantissa):f}"

    def notional(self, price: int, qty: int) -> Decimal:
        """The order's value in the settlement currency (inverse: quantity / price)."""
        if self.inverse:
            return value_of(self.qty(qty), self.price(price), inverse=True)
        return from_scaled(price * qty, self.price_scale + self.qty_scale)


def value_of(qty: Decimal, price: Decimal, *, inverse: bool) -> Decimal:
    """What ``qty`` at ``price`` is worth in the settlement currency: linear qty x price, inverse qty / price."""
    if inverse:
        return _PRECISE.divide(qty, price) if price else Decimal(0)
    return qty * price


__all__ = ["PrecisionError", "SimInstrument", "value_of"]
