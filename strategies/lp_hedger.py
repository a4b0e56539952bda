"""Hedges external (DeFi LP) inventory on the venue: holds the opposite of what the LP holds.

Inventory deltas arrive on ``inv.<asset>`` (``python -m tradesys.inventory``);
each ``reference`` is applied once. The hedge target is ``-ratio x
inventory`` in the strategy's symbol; whenever the hedge position (own
fills) differs from the target by at least ``min_hedge`` it sends one
immediate-or-cancel limit order for the difference, at most ``max_order``
a time, priced ``slippage_bps`` through the touch so it trades now but
never at any price. Its pre-trade limits bound the hedge: an order is cut
to what ``max_position`` still allows, and what stays unhedged is counted
and logged once per change. A refused hedge order is tried again on the
timer (every ``timer_seconds``), not at once. It hedges only while the book
is live and the kill switch allows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from tradesys.messages import Side
from tradesys.numeric import get_decimal
from tradesys.strategy import AbstractStrategy, IntentBusy, PreTradeRejected, State

log = logging.getLogger(__name__)
BPS = Decimal(10_000)


@dataclass(frozen=True)
class LPHedgerParams:
    asset: str = "ETH"                        # the inventory asset this hedger answers to (inv.<asset>)
    ratio: Decimal = Decimal("1")             # hedge this fraction of the inventory
    min_hedge: Decimal = Decimal("0.001")     # ignore differences smaller than this (base units)
    max_order: Decimal = Decimal("0.5")       # largest hedge order (base units)
    slippage_bps: Decimal = Decimal("5")      # IOC price this far through the touch


class LPHedger(AbstractStrategy):
    Params = LPHedgerParams
    timer_seconds = 0.5

    def __init__(self, ctx, params: LPHedgerParams):
        super().__init__(ctx, params)
        self.symbol = ctx.symbols[0]
        self.inventory = Decimal(0)
        self.references: set[str] = set()
        self.unhedged_reason = ""
        self.counts = {"deltas": 0, "repeated_deltas": 0, "hedge_orders": 0, "refused": 0}

    @property
    def target(self) -> Decimal:
        return -self.inventory * self.params.ratio

    def on_inventory(self, delta) -> None:
        if delta.asset != self.params.asset:
            return
        if delta.reference and delta.reference in self.references:
            self.counts["repeated_deltas"] += 1
            return
        self.references.add(delta.reference)
        self.inventory += get_decimal(delta.delta)
        self.counts["deltas"] += 1
        log.info("inventory %s now %s (from %s); hedge target %s", self.params.asset, self.inventory, delta.source,
                 self.target)
        self._hedge()

    def on_timer(self, now: float) -> None:
        self._hedge()

    def on_order_event(self, order, event) -> None:
        if order is None or order.live:
            return
        if order.state is State.REJECTED:
            # Refused (the engine's gate, the venue): the timer tries again, not a loop at the bus's speed.
            self.counts["refused"] += 1
            reason = f"hedge order refused: {order.detail or 'no reason given'}"
            if reason != self.unhedged_reason:
                self.unhedged_reason = reason
                log.warning("%s; trying again every %.1f s", reason, self.timer_seconds)
            return
        self._hedge()      # an IOC ended: hedge what is left

    def _hedge(self) -> None:
        if not self.ctx.trading_allowed or not self.ctx.is_live(self.symbol):
            return
        if self.ctx.live(self.symbol, "hedge") is not None:
            return      # one hedge order at a time: its outcome decides the next
        need = self.target - self.ctx.position(self.symbol)
        if abs(need) < self.params.min_hedge:
            self.unhedged_reason = ""
            return
        book = self.ctx.book(self.symbol)
        if book is None or book.best_bid is None or book.best_ask is None:
            return
        side = Side.SIDE_BUY if need > 0 else Side.SIDE_SELL
        position = self.ctx.position(self.symbol)
        # Within limits: never more than the strategy's max_position allows on that side.
        room = self.ctx.limits.max_position - position if side == Side.SIDE_BUY \
            else self.ctx.limits.max_position + position
        quantity = self.ctx.round_quantity(self.symbol, min(abs(need), self.params.max_order, max(room, Decimal(0))))
        if quantity <= 0:
            reason = f"at the position limit {self.ctx.limits.max_position}: {need} {self.symbol} stays unhedged"
            if reason != self.unhedged_reason:
                self.unhedged_reason = reason
                self.counts["refused"] += 1
                log.warning("hedge limited: %s", reason)
            return
        touch = book.price(book.best_ask) if side == Side.SIDE_BUY else book.price(book.best_bid)
        through = touch * (1 + self.params.slippage_bps / BPS) if side == Side.SIDE_BUY \
            else touch * (1 - self.params.slippage_bps / BPS)
        # Rounded away from the touch, so the order still reaches it.
        price = self.ctx.round_price(self.symbol, Side.SIDE_SELL if side == Side.SIDE_BUY else Side.SIDE_BUY, through)
        try:
            self.ctx.place(self.symbol, side, price, quantity, intent="hedge", ioc=True)
            self.counts["hedge_orders"] += 1
        except (PreTradeRejected, IntentBusy) as exc:
            self.counts["refused"] += 1
            if str(exc) != self.unhedged_reason:
                self.unhedged_reason = str(exc)
                log.warning("hedge of %s %s not sent: %s", need, self.symbol, exc)
