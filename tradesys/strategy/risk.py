"""Pre-trade risk of one strategy: checked in the strategy's own process before a request is sent.

The engine's gate protects the account; this protects the strategy from
itself (a bug that quotes 100 BTC, or a loop that stacks orders). Limits
are the strategy's own (``strategy.<id>.risk``). Worst case counts what is
resting: a buy is judged as if every open buy of the symbol filled too.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradesys.messages import Side
from tradesys.positions.ledger import notional


class PreTradeRejected(Exception):
    """A strategy's own limit refused an order; the message says which limit and by how much."""

    def __init__(self, limit: str, detail: str):
        super().__init__(f"pre-trade risk ({limit}): {detail}")
        self.limit = limit
        self.detail = detail

    def __reduce__(self):    # picklable with its fields (it crosses Ray when a caller places by RPC)
        return type(self), (self.limit, self.detail)


@dataclass(frozen=True)
class StrategyLimits:
    max_position: Decimal          # the instrument's units (base; USD for inverse contracts), absolute, per symbol
    max_order_size: Decimal        # the instrument's units per order
    max_open_orders: int           # per strategy, all symbols
    max_notional: Decimal          # quote units per order

    @classmethod
    def from_config(cls, risk) -> StrategyLimits:
        return cls(Decimal(str(risk.max_position)), Decimal(str(risk.max_order_size)), int(risk.max_open_orders),
                   Decimal(str(risk.max_notional)))


def check_new(limits: StrategyLimits, *, side: int, price: Decimal | None, quantity: Decimal, reference: Decimal | None,
              position: Decimal, resting_same_side: Decimal, open_orders: int, reduce_only: bool = False,
              inverse: bool = False) -> None:
    """Raise PreTradeRejected when the order breaks a limit; ``reference`` prices a market order; ``inverse``:
    the quantity is in the quote currency already (an inverse contract's notional is its quantity)."""
    if quantity <= 0:
        raise PreTradeRejected("quantity", f"quantity {quantity} must be positive")
    if price is not None and price <= 0:
        raise PreTradeRejected("price", f"price {price} must be positive")
    if quantity > limits.max_order_size:
        raise PreTradeRejected("max_order_size", f"quantity {quantity} is above {limits.max_order_size}")
    if open_orders >= limits.max_open_orders:
        raise PreTradeRejected("max_open_orders", f"{open_orders} orders are open (limit {limits.max_open_orders})")
    unit = price if price is not None else reference
    if unit is None and not inverse:
        raise PreTradeRejected("max_notional", "a market order needs a market price to be checked")
    value = notional(unit, quantity, inverse)
    if value > limits.max_notional:
        raise PreTradeRejected("max_notional", f"notional {value:.2f} is above {limits.max_notional}")
    signed = quantity if side == Side.SIDE_BUY else -quantity
    reduces = position != 0 and (signed > 0) != (position > 0) and quantity <= abs(position)
    if reduce_only and not reduces:
        raise PreTradeRejected("reduce_only", f"the order would not reduce the position {position}")
    if not reduces:
        worst = abs(position + signed + (resting_same_side if signed > 0 else -resting_same_side))
        if worst > limits.max_position:
            raise PreTradeRejected("max_position", f"position could reach {worst} (now {position}, resting "
                                                   f"{resting_same_side} on this side), above {limits.max_position}")
