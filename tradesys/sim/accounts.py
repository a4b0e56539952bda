"""Accounts of the simulated exchange: wallet balances and one-way positions per symbol.

Money is exact ``Decimal``. The entry price is the quantity-weighted average
of the opening fills (computed to 34 significant digits, as a venue rounds
it too); realised PnL is booked on every reducing fill, fees on every fill,
funding on every funding event. Linear contracts book PnL in the quote
asset; inverse ones (quantities in USD) in the coin, with the entry price the
USD-weighted harmonic mean of the fills and PnL ``qty x (1/entry - 1/exit)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Context, Decimal

from tradesys.sim.instruments import SimInstrument, value_of
from tradesys.sim.orders import Side

_PRECISE = Context(prec=34)
ZERO = Decimal(0)


@dataclass
class Position:
    symbol: str
    quantity: Decimal = ZERO          # signed: long > 0, short < 0
    entry_price: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    inverse: bool = False
    settle: str = ""                  # the asset its PnL is booked in ("" until its first fill)

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        if not self.quantity:
            return ZERO
        return self._pnl(self.entry_price, mark, self.quantity)

    def liquidation_estimate(self, leverage: int) -> Decimal | None:
        """The simulators' estimated liquidation price: the entry price moved against the position by
        1/leverage (its initial margin gone; no maintenance buffer). None without a position."""
        if not self.quantity or not self.entry_price:
            return None
        move = self.entry_price / leverage
        return self.entry_price - move if self.quantity > 0 else self.entry_price + move

    def _pnl(self, entry: Decimal, exit_price: Decimal, signed_qty: Decimal) -> Decimal:
        if self.inverse:
            return signed_qty * (_PRECISE.divide(1, entry) - _PRECISE.divide(1, exit_price))
        return (exit_price - entry) * signed_qty

    def apply(self, signed_qty: Decimal, price: Decimal) -> Decimal:
        """Book one fill (positive: bought); return the PnL it realised."""
        held = self.quantity
        after = held + signed_qty
        if held == 0 or (held > 0) == (signed_qty > 0):
            if self.inverse:  # the harmonic mean: USD over coins
                coins = (_PRECISE.divide(abs(held), self.entry_price) if held else ZERO) + \
                    _PRECISE.divide(abs(signed_qty), price)
                self.entry_price = _PRECISE.divide(abs(after), coins)
            else:
                self.entry_price = _PRECISE.divide(self.entry_price * abs(held) + price * abs(signed_qty),
                                                   abs(after))
            self.quantity = after
            return ZERO
        closed = min(abs(signed_qty), abs(held))
        realized = self._pnl(self.entry_price, price, closed * (1 if held > 0 else -1))
        if after == 0:
            self.entry_price = ZERO
        elif (after > 0) != (held > 0):
            self.entry_price = price  # flipped: the rest opened at this fill's price
        self.quantity = after
        self.realized_pnl += realized
        return realized


@dataclass(frozen=True)
class FillBooking:
    """What one fill did to its account."""

    realized_pnl: Decimal
    fee: Decimal
    fee_asset: str


@dataclass
class Account:
    account_id: str
    wallet: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, Position] = field(default_factory=dict)
    leverage: dict[str, int] = field(default_factory=dict)
    default_leverage: int = 20
    # The synthetic market's own participants: not margin-checked (they stand for the rest of the venue).
    house: bool = False

    def position(self, symbol: str) -> Position:
        position = self.positions.get(symbol)
        if position is None:
            position = self.positions[symbol] = Position(symbol)
        return position

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, self.default_leverage)

    def apply_fill(self, instrument: SimInstrument, side: Side, price: Decimal, qty: Decimal,
                   is_maker: bool) -> FillBooking:
        position = self.position(instrument.symbol)
        position.inverse, position.settle = instrument.inverse, instrument.settle
        realized = position.apply(qty if side is Side.BUY else -qty, price)
        fee = value_of(qty, price, inverse=instrument.inverse) * (instrument.maker_fee if is_maker
                                                                  else instrument.taker_fee)
        position.fees += fee
        self.wallet[instrument.settle] = self.wallet.get(instrument.settle, ZERO) + realized - fee
        return FillBooking(realized, fee, instrument.settle)

    def apply_funding(self, instrument: SimInstrument, mark: Decimal, rate: Decimal) -> Decimal:
        """Pay or receive funding on the position (longs pay a positive rate); return the amount received."""
        position = self.positions.get(instrument.symbol)
        if position is None or position.quantity == 0:
            return ZERO
        received = -value_of(position.quantity, mark, inverse=instrument.inverse) * rate
        position.funding += received
        self.wallet[instrument.settle] = self.wallet.get(instrument.settle, ZERO) + received
        return received

    def _open(self, asset: str | None):
        """Open positions, those booked in ``asset`` only when it is given."""
        return ((s, p) for s, p in self.positions.items()
                if p.quantity and (asset is None or p.settle in ("", asset)))

    def unrealized_pnl(self, marks: dict[str, Decimal], asset: str | None = None) -> Decimal:
        return sum((p.unrealized_pnl(marks[s]) for s, p in self._open(asset)), ZERO)

    def position_margin(self, marks: dict[str, Decimal], asset: str | None = None) -> Decimal:
        return sum((value_of(abs(p.quantity), marks[s], inverse=p.inverse) / self.leverage_of(s)
                    for s, p in self._open(asset)), ZERO)

    def available(self, asset: str, marks: dict[str, Decimal], order_margin: Decimal) -> Decimal:
        """Wallet + unrealised PnL - position margin - margin held by open orders, all in ``asset``."""
        return (self.wallet.get(asset, ZERO) + self.unrealized_pnl(marks, asset) - self.position_margin(marks, asset)
                - order_margin)
