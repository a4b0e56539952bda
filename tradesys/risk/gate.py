"""The venue-side risk gate: what a trading engine checks before an order may leave for the venue.

One gate per engine (per venue account), in front of every strategy. It is
pure: the engine passes the market (mid, whether the book is live), the
account's position and the quantity already resting on the order's side,
and gets back None (pass) or the reject reason and a sentence that says
which limit and by how much. Cancels are never gated: taking risk off must
always be possible.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradesys.messages import RejectReason, Side
from tradesys.positions.ledger import notional
from tradesys.risk.killswitch import KillSwitch, Mode

R = RejectReason


@dataclass(frozen=True)
class GateLimits:
    max_order_notional: Decimal           # quote currency per order
    max_position_notional: Decimal        # quote currency per symbol, worst case with resting orders
    max_orders_per_second: float          # new and modify requests, per account
    price_band_bps: Decimal               # a limit price further than this from the mid is refused
    halt_on_stale_book_seconds: float     # new orders on a book not live for this long are refused

    @classmethod
    def from_config(cls, risk) -> GateLimits:
        """From a ``RiskConfig``."""
        return cls(Decimal(str(risk.max_order_notional)), Decimal(str(risk.max_position_notional)),
                   float(risk.max_orders_per_second), Decimal(str(risk.price_band_bps)),
                   float(risk.halt_on_stale_book_seconds))


@dataclass(frozen=True)
class OrderCheck:
    """One new or modified order as the gate sees it."""

    symbol: str
    side: int
    quantity: Decimal
    price: Decimal | None          # None: a market order, priced at the mid
    reduce_only: bool = False


class TokenBucket:
    """``rate`` per second with a burst of ``max(1, rate)``; ``take`` says whether one token was there."""

    def __init__(self, rate: float):
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.last = 0.0

    def take(self, now: float) -> bool:
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RiskGate:
    def __init__(self, limits: GateLimits, kill_switch: KillSwitch):
        self.limits = limits
        self.kill_switch = kill_switch
        self._bucket = TokenBucket(limits.max_orders_per_second)
        self.rejected: dict[str, int] = {}

    def check(self, order: OrderCheck, *, mid: Decimal | None, book_down_for: float, position: Decimal,
              resting_same_side: Decimal, now: float, inverse: bool = False) -> tuple[int, str] | None:
        """None when the order may go out; else (RejectReason, why).

        ``book_down_for``: seconds the symbol's book has not been live (0 while live);
        ``position``: the account's signed position; ``resting_same_side``: the quantity of
        open orders on the order's side that could fill on top of it; ``inverse``: quantities
        are in the quote currency already (their notional is the quantity).
        """
        verdict = self._check(order, mid, book_down_for, position, resting_same_side, now, inverse)
        if verdict is not None:
            key = RejectReason.Name(verdict[0]).removeprefix("REJECT_REASON_").lower()
            self.rejected[key] = self.rejected.get(key, 0) + 1
        return verdict

    def _check(self, order: OrderCheck, mid, book_down_for, position, resting, now, inverse):
        limits, switch = self.limits, self.kill_switch
        signed = order.quantity if order.side == Side.SIDE_BUY else -order.quantity
        reduces = position != 0 and (signed > 0) != (position > 0) and order.quantity <= abs(position)
        if order.quantity <= 0:
            return R.REJECT_REASON_INVALID_QUANTITY, f"quantity {order.quantity} must be positive"
        if order.price is not None and order.price <= 0:
            return R.REJECT_REASON_INVALID_PRICE, f"price {order.price} must be positive"
        if switch.mode is Mode.HALT:
            return R.REJECT_REASON_HALTED, f"kill switch: halt ({switch.reason or 'no reason given'})"
        if switch.reduce_only and not reduces:
            return R.REJECT_REASON_HALTED, (f"kill switch: {switch.mode.name.lower().replace('_', '-')} "
                                            f"({switch.reason or 'no reason given'}); this order would not "
                                            f"reduce the position {position}")
        if order.reduce_only and not reduces:
            return R.REJECT_REASON_RISK_LIMIT, f"reduce-only order would not reduce the position {position}"
        if book_down_for > limits.halt_on_stale_book_seconds:
            return R.REJECT_REASON_HALTED, (f"the {order.symbol} book has not been live for {book_down_for:.1f}s "
                                            f"(limit {limits.halt_on_stale_book_seconds:g}s)")
        if mid is None:
            return R.REJECT_REASON_RISK_LIMIT, f"no market price for {order.symbol} yet: cannot check limits"
        price = order.price if order.price is not None else mid
        if order.price is not None:
            distance_bps = abs(order.price - mid) / mid * 10_000
            if distance_bps > limits.price_band_bps:
                return R.REJECT_REASON_INVALID_PRICE, (f"price {order.price} is {distance_bps:.0f} bps from the "
                                                       f"mid {mid} (band {limits.price_band_bps} bps)")
        value = notional(price, order.quantity, inverse)
        if value > limits.max_order_notional:
            return R.REJECT_REASON_RISK_LIMIT, (f"order notional {value:.2f} is above the limit "
                                                f"{limits.max_order_notional}")
        if not reduces:
            worst = abs(position + signed + (resting if signed > 0 else -resting))
            if notional(mid, worst, inverse) > limits.max_position_notional:
                return R.REJECT_REASON_RISK_LIMIT, (
                    f"position notional could reach {notional(mid, worst, inverse):.2f} (position {position}, resting "
                    f"{resting} on this side), above the limit {limits.max_position_notional}")
        if not self._bucket.take(now):
            return R.REJECT_REASON_RATE_LIMIT, f"more than {limits.max_orders_per_second:g} orders per second"
        return None
