"""Accounts of the simulated exchange: wallet balances and one-way positions per symbol.

Money is exact ``Decimal``. The entry price is the quantity-weighted average
of the opening fills (computed to 34 significant digits, as a venue rounds
it too); realised PnL is booked on every reducing fill, fees on every fill,
funding on every funding event. Linear contracts (PnL in the quote asset).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Context, Decimal

from tradesys.sim.instruments import SimInstrument
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

    def unrealized_pnl(self, mark: Decimal) -> Decimal:
        return (mark - self.entry_price) * self.quantity if self.quantity else ZERO

    def apply(self, signed_qty: Decimal, price: Decimal) -> Decimal:
        """Book one fill (positive: bought); return the PnL it realised."""
        held = self.quantity
        after = held + signed_qty
        if held == 0 or (held > 0) == (signed_qty > 0):
            self.entry_price = _PRECISE.divide(self.entry_price * abs(held) + price * abs(signed_qty), abs(after))
            self.quantity = after
            return ZERO
        closed = min(abs(signed_qty), abs(held))
        realized = (price - self.entry_price) * closed * (1 if held > 0 else -1)
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
        realized = position.apply(qty if side is Side.BUY else -qty, price)
        fee = price * qty * (instrument.maker_fee if is_maker else instrument.taker_fee)
        position.fees += fee
        self.wallet[instrument.settle] = self.wallet.get(instrument.settle, ZERO) + realized - fee
        return FillBooking(realized, fee, instrument.settle)

    def apply_funding(self, instrument: SimInstrument, mark: Decimal, rate: Decimal) -> Decimal:
        """Pay or receive funding on the position (longs pay a positive rate); return the amount received."""
        position = self.positions.get(instrument.symbol)
        if position is None or position.quantity == 0:
            return ZERO
        received = -position.quantity * mark * rate
        position.funding += received
        self.wallet[instrument.settle] = self.wallet.get(instrument.settle, ZERO) + received
        return received

    def unrealized_pnl(self, marks: dict[str, Decimal]) -> Decimal:
        return sum((p.unrealized_pnl(marks[s]) for s, p in self.positions.items() if p.quantity), ZERO)

    def position_margin(self, marks: dict[str, Decimal]) -> Decimal:
        return sum((abs(p.quantity) * marks[s] / self.leverage_of(s)
                    for s, p in self.positions.items() if p.quantity), ZERO)

    def available(self, asset: str, marks: dict[str, Decimal], order_margin: Decimal) -> Decimal:
        """Wallet + unrealised PnL - position margin - margin held by open orders."""
        return self.wallet.get(asset, ZERO) + self.unrealized_pnl(marks) - self.position_margin(marks) - order_margin
