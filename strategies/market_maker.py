"""A two-sided market maker: a bid and an ask around a fair price, skewed by inventory.

Fair price: the mid, or the micro-price (the touch weighted by the size on
the other side). Quotes sit ``half_spread_bps`` either side of it, shifted
against the position by up to ``skew_bps`` at the strategy's
``max_position``, so a long book sells more readily than it buys. A quote
is replaced (modified in place) only when its price is ``requote_bps`` or
more away from where it should be, and at most once per
``min_requote_seconds``, which keeps the request rate and the queue
position sane. A side whose fill would take the position past the
limit is pulled, and both sides are pulled the moment the book stops being
live (out of sync, stale, disconnected). Prices go to the tick (bids down,
asks up) and sizes to the lot through the context, the one rounding place.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from tradesys.messages import Side
from tradesys.strategy import AbstractStrategy, IntentBusy, PreTradeRejected, State
from tradesys.venue.book import L2Book

log = logging.getLogger(__name__)
BPS = Decimal(10_000)
QUOTING = (State.OPEN, State.PARTIALLY_FILLED)


@dataclass(frozen=True)
class MarketMakerParams:
    size: Decimal = Decimal("0.01")           # base units per quote
    half_spread_bps: Decimal = Decimal("1")   # each quote's distance from the fair price
    skew_bps: Decimal = Decimal("2")          # fair-price shift at max_position (against the position)
    requote_bps: Decimal = Decimal("0.5")     # move a quote only when it is this far off
    fair: str = "mid"                         # mid | micro
    post_only: bool = True                    # never take: a quote that would cross is refused by the venue
    min_requote_seconds: float = 0.25         # at most one modify per quote in this time (and none while refused)


class MarketMaker(AbstractStrategy):
    Params = MarketMakerParams
    timer_seconds = 1.0

    def __init__(self, ctx, params: MarketMakerParams):
        super().__init__(ctx, params)
        if params.fair not in ("mid", "micro"):
            raise ValueError(f"fair must be mid or micro, not {params.fair!r}")
        self.max_position = ctx.limits.max_position
        self.refused = 0
        self._last_request: dict[tuple[str, str], float] = {}   # (symbol, intent) -> when it was last changed

    def on_book(self, symbol: str, book: L2Book) -> None:
        if not self.ctx.trading_allowed:
            return
        if book.best_bid is None or book.best_ask is None:
            return
        best_bid, bid_size = book.price(book.best_bid), book.size(book.bids[book.best_bid])
        best_ask, ask_size = book.price(book.best_ask), book.size(book.asks[book.best_ask])
        fair = (best_bid + best_ask) / 2
        if self.params.fair == "micro" and bid_size + ask_size > 0:
            fair = (best_bid * ask_size + best_ask * bid_size) / (bid_size + ask_size)
        position = self.ctx.position(symbol)
        skew = -position / self.max_position * self.params.skew_bps if self.max_position else Decimal(0)
        centre = fair * (1 + skew / BPS)
        bid = self.ctx.round_price(symbol, Side.SIDE_BUY, centre * (1 - self.params.half_spread_bps / BPS))
        ask = self.ctx.round_price(symbol, Side.SIDE_SELL, centre * (1 + self.params.half_spread_bps / BPS))
        if self.params.post_only:   # join the touch rather than cross it
            bid, ask = min(bid, best_bid), max(ask, best_ask)
        size = self.ctx.round_quantity(symbol, self.params.size)
        self._quote(symbol, "bid", Side.SIDE_BUY, bid, size, fair, allowed=position + size <= self.max_position)
        self._quote(symbol, "ask", Side.SIDE_SELL, ask, size, fair, allowed=position - size >= -self.max_position)

    def _quote(self, symbol: str, intent: str, side: int, price: Decimal, size: Decimal, fair: Decimal,
               *, allowed: bool) -> None:
        live = self.ctx.live(symbol, intent)
        if not allowed:
            if live is not None and live.state in QUOTING:
                self.ctx.cancel(live.client_order_id)
            return
        if live is None:
            if size <= 0:
                return
            try:
                self.ctx.place(symbol, side, price, size, intent=intent, post_only=self.params.post_only)
            except (PreTradeRejected, IntentBusy) as exc:
                self.refused += 1
                log.debug("quote not placed: %s", exc)
            return
        if live.state in QUOTING and live.price is not None:
            if abs(live.price - price) / fair * BPS >= self.params.requote_bps:
                # A quote chasing every tick (or retrying a refused change at once) only burns the order rate.
                now = self.ctx.now()
                if now - self._last_request.get((symbol, intent), 0.0) >= self.params.min_requote_seconds:
                    self._last_request[(symbol, intent)] = now
                    self.ctx.modify(live.client_order_id, price, live.quantity)

    def recovered_intent(self, order) -> str | None:
        """A restarted market maker takes its resting quotes back as its bid and ask (a second one on a side
        is cancelled by the actor)."""
        return "bid" if order.side == Side.SIDE_BUY else "ask"

    def on_book_status(self, symbol: str, live: bool, reason: str) -> None:
        if not live:
            self.ctx.cancel_all(symbol)

    def on_order_event(self, order, event) -> None:
        # A post-only quote refused for crossing, or a quote cancelled by the venue: the next book
        # update places a fresh one; nothing to do here.
        pass

    def on_kill_switch(self, mode: str, reason: str) -> None:
        log.warning("market maker: kill switch %s (%s)", mode, reason)
