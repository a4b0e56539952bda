"""The market as an engine's risk gate sees it: each symbol's mid (from the BBO) and how long its book has
not been live, read off the bus, with the kill switch's venue-down trigger (stale books, or the account's
private stream down) and the ``risk.`` commands."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from decimal import Decimal

from tradesys.bus import topics
from tradesys.messages import Bbo, BookState, BookStatus, RiskAction, RiskCommand
from tradesys.positions.ledger import bbo_mid
from tradesys.risk import KillSwitch, Mode


class MarketWatch:
    """``on_risk(command)`` applies a kill-switch command; ``issue(action, reason)`` is the engine's own;
    ``account_down()`` is how long the account's private stream has been down or its orders unread (0: up)."""

    def __init__(self, venue: str, symbols: tuple[str, ...], kill_switch: KillSwitch, halt_after_s: float,
                 on_risk: Callable[[RiskCommand], None], issue: Callable[[int, str], None],
                 account_down: Callable[[], float] = lambda: 0.0):
        self.venue = venue
        self.symbols = symbols
        self.kill_switch = kill_switch
        self.halt_after_s = halt_after_s
        self.on_risk = on_risk
        self.issue = issue
        self.account_down = account_down
        self.mids: dict[str, Decimal] = {}
        self.book_down_since: dict[str, float] = {}      # symbol -> monotonic time its book stopped being live
        self._seen_live: set[str] = set()                # books that have been live at least once
        self._stale_halt = ""                            # the reason of a halt the stale-book trigger issued

    def prefixes(self) -> list[str]:
        """The topics it reads: each symbol's BBO and book status, and the venue's and the farm's risk."""
        return ([f"md.{self.venue}.{s}.bbo" for s in self.symbols] +
                [f"md.{self.venue}.{s}.status" for s in self.symbols] + [topics.risk(self.venue), topics.risk()])

    def book_down_for(self, symbol: str) -> float:
        """Seconds the book of ``symbol`` has not been live (0 while it is)."""
        down = self.book_down_since.get(symbol)
        return 0.0 if down is None else time.monotonic() - down

    def begin(self) -> None:
        """Every book is down until the market server says it is live."""
        now = time.monotonic()
        for symbol in self.symbols:
            self.book_down_since[symbol] = now

    def on_message(self, message) -> None:
        if isinstance(message, Bbo):
            mid = bbo_mid(message)
            if mid is not None:
                self.mids[message.symbol] = mid
        elif isinstance(message, BookStatus):
            if message.state == BookState.BOOK_STATE_LIVE:
                self.book_down_since.pop(message.symbol, None)
                self._seen_live.add(message.symbol)
            else:
                self.book_down_since.setdefault(message.symbol, time.monotonic())
        elif isinstance(message, RiskCommand):
            self.on_risk(message)

    async def watch_books(self) -> None:
        """The kill switch's venue-down trigger: a book that was live and has not been for longer than
        ``halt_after_s``, or the account's private stream down (or its orders not yet read again) that long,
        halts the venue; when every book is live and the account settled again, the halt this trigger issued
        (and only that one) is lifted."""
        while True:
            await asyncio.sleep(min(0.5, self.halt_after_s / 2))
            self.check_stale(time.monotonic())

    def check_stale(self, now: float) -> None:
        limit = self.halt_after_s
        stale = sorted(s for s, since in self.book_down_since.items() if s in self._seen_live and now - since > limit)
        reasons = [f"the {', '.join(stale)} book has not been live for more than {limit:g}s"] if stale else []
        if self.account_down() > limit:
            reasons.append(f"the account's private stream has been down, or its orders unread, for more than "
                           f"{limit:g}s")
        if reasons and self.kill_switch.mode is Mode.NORMAL:
            self._stale_halt = "; ".join(reasons)
            self.issue(RiskAction.RISK_ACTION_HALT, self._stale_halt)
        elif not reasons and self._stale_halt:
            if self.kill_switch.mode is Mode.HALT and self.kill_switch.reason == self._stale_halt:
                self.issue(RiskAction.RISK_ACTION_RESUME, "every book is live and the account settled again")
            self._stale_halt = ""
