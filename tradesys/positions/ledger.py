"""A position ledger per (strategy, symbol), kept from fills; exact, average-cost.

A fill that adds to a position moves the average entry; one that reduces it
realises (price - entry) x closed quantity (sign by side); one that crosses
zero closes the old position and opens the rest at the fill price. An
``inverse`` ledger (Deribit's BTC-PERPETUAL: quantities in USD, money in the
coin) keeps the USD-weighted harmonic mean as its entry and realises
quantity x (1/entry - 1/price) coins. Fees are
kept apart from realised PnL (positive = paid), funding likewise (received
> 0), so each number reconciles with the venue's own statement of it.

``Book`` holds every ledger of one account: one per strategy (the owner of
the client order id) and symbol, plus ``UNATTRIBUTED`` for fills whose
client order id is not ours (another system trading on the account, or an
order placed by hand). The account's position must equal the opening
position plus the sum of the ledgers: ``drift`` says by how much it does not.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from tradesys.messages import Bbo, Position, Side
from tradesys.numeric import get_decimal, set_decimal

ZERO = Decimal(0)
UNATTRIBUTED = "_unattributed"


def notional(price: Decimal, quantity: Decimal, inverse: bool = False) -> Decimal:
    """What ``quantity`` at ``price`` is worth in the quote currency: price x quantity, or for an inverse
    contract its quantity itself (already in the quote currency)."""
    return quantity if inverse else price * quantity


def bbo_mid(bbo: Bbo) -> Decimal | None:
    """The mid of a BBO message (the mark of every ledger and the gate's reference); None for a one-sided one."""
    bid, ask = get_decimal(bbo.bid_price), get_decimal(bbo.ask_price)
    return (bid + ask) / 2 if bid > 0 and ask > 0 else None


@dataclass
class Ledger:
    strategy_id: str
    symbol: str
    quantity: Decimal = ZERO          # signed: long > 0
    entry_price: Decimal = ZERO       # average entry of the open quantity (0 when flat)
    realized_pnl: Decimal = ZERO
    fees: Decimal = ZERO
    funding: Decimal = ZERO
    fills: int = 0
    volume: Decimal = ZERO            # sum of filled quantity
    notional: Decimal = ZERO          # sum of price x quantity
    buys: Decimal = ZERO
    sells: Decimal = ZERO
    inverse: bool = False             # quantities in the quote currency, PnL in the base coin

    def _pnl(self, entry: Decimal, exit_price: Decimal, signed_quantity: Decimal) -> Decimal:
        if self.inverse:
            return signed_quantity * (1 / entry - 1 / exit_price)
        return (exit_price - entry) * signed_quantity

    def apply_fill(self, side: int, price: Decimal, quantity: Decimal, fee: Decimal = ZERO) -> Decimal:
        """Book one fill; return the PnL it realised."""
        if quantity <= 0 or price <= 0:
            raise ValueError(f"a fill needs a positive price and quantity, got {price} x {quantity}")
        signed = quantity if side == Side.SIDE_BUY else -quantity
        self.fills += 1
        self.volume += quantity
        self.notional += notional(price, quantity, self.inverse)
        if signed > 0:
            self.buys += quantity
        else:
            self.sells += quantity
        self.fees += fee
        realized = ZERO
        if self.quantity == 0 or (self.quantity > 0) == (signed > 0):
            total = abs(self.quantity) + quantity
            if self.inverse:   # USD over coins
                held = abs(self.quantity) / self.entry_price if self.quantity else ZERO
                self.entry_price = total / (held + quantity / price)
            else:
                self.entry_price = (self.entry_price * abs(self.quantity) + price * quantity) / total
            self.quantity += signed
        else:
            closed = min(quantity, abs(self.quantity))
            direction = 1 if self.quantity > 0 else -1
            realized = self._pnl(self.entry_price, price, closed * direction)
            self.realized_pnl += realized
            self.quantity += signed
            if self.quantity == 0:
                self.entry_price = ZERO
            elif (self.quantity > 0) != (direction > 0):   # crossed zero: the rest opened at this price
                self.entry_price = price
        return realized

    def state(self) -> dict:
        """The exact fields, to rebuild the ledger elsewhere with ``Ledger(**state)``."""
        return dataclasses.asdict(self)

    def unrealized(self, mark: Decimal | None) -> Decimal:
        if mark is None or self.quantity == 0:
            return ZERO
        return self._pnl(self.entry_price, mark, self.quantity)

    def as_dict(self, mark: Decimal | None = None) -> dict:
        return {"strategy_id": self.strategy_id, "symbol": self.symbol, "position": str(self.quantity),
                "entry_price": str(self.entry_price), "realized_pnl": str(self.realized_pnl),
                "unrealized_pnl": str(self.unrealized(mark)), "fees": str(self.fees), "funding": str(self.funding),
                "fills": self.fills, "volume": str(self.volume), "notional": str(self.notional),
                "buys": str(self.buys), "sells": str(self.sells)}


@dataclass
class Book:
    """Every ledger of one account, and the account's own view to check them against."""

    ledgers: dict[tuple[str, str], Ledger] = field(default_factory=dict)
    opening: dict[str, Decimal] = field(default_factory=dict)   # symbol -> position when we started
    venue: dict[str, Decimal] = field(default_factory=dict)     # symbol -> the venue's latest position
    inverse: set[str] = field(default_factory=set)              # symbols whose contracts are inverse

    def ledger(self, strategy_id: str, symbol: str) -> Ledger:
        key = (strategy_id, symbol)
        ledger = self.ledgers.get(key)
        if ledger is None:
            ledger = self.ledgers[key] = self.new(strategy_id, symbol)
        return ledger

    def new(self, strategy_id: str, symbol: str) -> Ledger:
        """A ledger of the right kind for ``symbol`` (inverse or linear), not kept in the book."""
        return Ledger(strategy_id, symbol, inverse=symbol in self.inverse)

    def __iter__(self) -> Iterator[Ledger]:
        return iter(self.ledgers.values())

    def symbols(self) -> set[str]:
        return {s for _, s in self.ledgers} | set(self.venue) | set(self.opening)

    def attributed(self, symbol: str) -> Decimal:
        return sum((ledger.quantity for (_, s), ledger in self.ledgers.items() if s == symbol), ZERO)

    def drift(self, symbol: str) -> Decimal:
        """The venue's position minus (opening + every ledger); zero when everything is accounted for."""
        return self.drift_against(symbol, self.venue.get(symbol, ZERO))

    def drift_against(self, symbol: str, venue: Decimal) -> Decimal:
        """What ``drift`` would be were the venue's position ``venue``."""
        return venue - self.opening.get(symbol, ZERO) - self.attributed(symbol)


def exact(value: Decimal) -> Decimal:
    """A ledger value with a bounded number of decimals (average prices can run long), for the bus."""
    return value.quantize(Decimal("1e-12")) if value.as_tuple().exponent < -12 else value


def position_message(ledger: Ledger, venue: str, account: str, mark: Decimal | None) -> Position:
    """A strategy's sub-ledger on one symbol as the ``pos.*`` message the position server publishes (and a
    backtest records), marked to ``mark``."""
    message = Position(venue=venue, account=account, strategy_id=ledger.strategy_id, symbol=ledger.symbol)
    set_decimal(message.quantity, ledger.quantity)
    set_decimal(message.entry_price, exact(ledger.entry_price))
    if mark is not None:
        set_decimal(message.mark_price, mark)
    set_decimal(message.realized_pnl, exact(ledger.realized_pnl))
    set_decimal(message.unrealized_pnl, exact(ledger.unrealized(mark)))
    set_decimal(message.fees, ledger.fees)
    set_decimal(message.funding, ledger.funding)
    return message
