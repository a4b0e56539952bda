"""PositionServer[venue]: positions, balances and PnL of one account, per strategy and in total.

Fills come from the venue's private stream (``IExchangePMS``) and are booked
once each (by trade id) into the ledger of the strategy that owns the
client order id (``tradesys.positions.Book``), and into the account's own
ledger. Marks are the mid of the market server's BBO. At start and every
``reconcile_seconds`` the venue's positions are read (``IExchangeDataFetcher``)
and compared with the opening position plus the sum of the ledgers: a
difference that persists over three checks (10 s and more: longer than a
fill takes to arrive) is a drift alarm (logged,
counted, and, with ``risk.drift_halts``, the kill switch's halt for the
venue). Positions near ``risk.max_position_notional`` (80 %) raise exposure
alerts; past it, the kill switch's reduce-only for the venue.

Funding: each settlement's wallet change is shared among the ledgers in
proportion to their share of the venue's position on the symbol (the part
of an opening position goes to the unattributed ledger).

Published: ``pos.<venue>.<symbol>`` (one Position per strategy ledger,
``strategy_id`` set, plus the account's with ``strategy_id`` empty) after
every fill and every ``publish_seconds``; ``bal.<venue>.<asset>`` for every
balance update.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from tradesys.actors.base import ActorBase, Directory, serve_bus
from tradesys.bus import Subscriber, topics
from tradesys.config.schema import RiskConfig, VenueConfig
from tradesys.messages import Balance, Bbo, Fill, Position, RiskAction, Side
from tradesys.numeric import get_decimal
from tradesys.positions import FillKeys
from tradesys.positions.ledger import UNATTRIBUTED, Book, Ledger, bbo_mid, exact, notional, position_message
from tradesys.risk.killswitch import command
from tradesys.services.account import connect_account
from tradesys.services.raw import RawTap
from tradesys.venue.errors import ExchangeError, TransientError
from tradesys.venue.ids import ClientOrderIds

log = logging.getLogger(__name__)
ACCOUNT = ""          # the account ledger's strategy id (the whole account, as Position.strategy_id says)
KEEP_FILLS = 100_000
RECENT_PER_OWNER = 5_000
EXPOSURE_ALERT = Decimal("0.8")   # of max_position_notional
DRIFT_CHECKS = 3                  # consecutive reconciliations showing the same drift before the alarm
REBUILD_ATTEMPTS = 5              # reads of the history until the positions hold still around one
# At stop, each last read of the venue is tried this often while it answers with a transient error (a 5xx, a
# throttle): the summary's ledgers are the run's last word, and a fill the stream missed is only found here.
STOP_ATTEMPTS = 6
STOP_PAUSE_S = 0.25
STOP_PAUSE_MAX_S = 0.5     # a throttle's own wait, capped: six reads stay well inside the launcher's stop timeout


@dataclass(frozen=True)
class PositionSettings:
    key: str
    config: VenueConfig = field(repr=False)
    risk: RiskConfig = field(default_factory=RiskConfig)
    strategies: tuple[str, ...] = ()
    api_key: str = field(default="", repr=False)
    api_secret: str = field(default="", repr=False)
    reconcile_seconds: float = 5.0
    publish_seconds: float = 1.0
    # Publish the account stream's frames as they arrived (raw.<venue>.<connection>), for the recorder; those
    # that carry a credential withheld, the URL without its query (services/raw.py).
    raw_frames: bool = False


class PositionServer(ActorBase):
    def __init__(self, name: str, settings: PositionSettings):
        super().__init__(name)
        self.settings = settings
        self.venue = settings.config.venue
        self.book = Book()
        self.account: dict[str, Ledger] = {}
        self.marks: dict[str, Decimal] = {}
        self.balances: dict[str, Balance] = {}
        self.pms = self.fetcher = None
        self._fills = FillKeys(KEEP_FILLS)
        self._recent: dict[str, deque[str]] = {}     # owner -> its latest fill keys (for a restarted strategy)
        self._drifting: dict[str, tuple[Decimal, int]] = {}   # symbol -> (drift, checks in a row)
        self._alerted: set[str] = set()
        self._breached: set[str] = set()
        self._market: Subscriber | None = None
        self.count = {"fills": 0, "duplicate_fills": 0, "unattributed_fills": 0, "positions_published": 0,
                      "balances": 0, "reconciles": 0, "reconcile_errors": 0, "drift_alarms": 0,
                      "exposure_alerts": 0, "exposure_breaches": 0,
                      "funding_events": 0, "funding_unbooked": 0, "stream_drops": 0, "recovered_fills": 0,
                      "rebuilt_fills": 0, "raw": 0, "raw_withheld": 0}
        self._started_ns = 0
        self._recovering: asyncio.Task | None = None
        self._raw: RawTap | None = None

    # -- lifecycle ---------------------------------------------------------------------

    async def on_wire(self, directory: Directory) -> None:
        config = self.settings.config
        parts = connect_account(self.settings, directory, roles=("pms", "fetcher"))
        self.own_connection(parts)
        self.pms, self.fetcher = parts.pms, parts.fetcher
        # Inverse contracts (quantities in USD, PnL in the coin) keep their ledgers by the inverse rule.
        self.book.inverse = {i.symbol for i in await self.fetcher.instruments() if i.inverse}
        for balance in await self.fetcher.balances():
            self.balances[balance.asset] = balance
        if self.restarted and self.context.run_started_ns:
            # A new life: the stream first (what fills from now on is heard), then the run so far.
            self._started_ns = self.context.run_started_ns
            await self.pms.start(self)
            await self._rebuild()
        else:
            for symbol, quantity in (await self._venue_positions()).items():
                self.book.opening[symbol] = self.book.venue[symbol] = quantity
            self._started_ns = time.time_ns()
            await self.pms.start(self)
        self._market = self.subscribed(Subscriber([f"md.{self.venue}.{s}.bbo" for s in config.symbols],
                                                  name=f"{self.name}-marks"))
        for name, endpoints in directory.items():
            if "pub" in endpoints and name != self.name:
                self._market.connect(endpoints["pub"])
        serve_bus(self, self._market, self._on_mark)
        self.spawn(self._publish_loop(), "publish")
        self.spawn(self._reconcile_loop(), "reconcile")

    async def on_stop(self) -> None:
        if self.pms is not None:
            await self.pms.stop()
        if self._recovering is not None:
            self._recovering.cancel()
        if self.fetcher is not None:
            # Fills the stream had not delivered when it closed, then the final word on the account.
            await self._recover_fills("stop", attempts=STOP_ATTEMPTS)
            try:
                await patiently(self._reconcile, STOP_ATTEMPTS)
            except ExchangeError as exc:
                log.warning("final reconcile failed", extra={"fields": {"error": str(exc)}})
            await self.fetcher.close()
        if self._market is not None:
            self._market.close()

    def counters(self) -> dict[str, int]:
        return dict(self.count)

    def summary(self) -> dict:
        out = self.status()
        out["ledgers"] = self.ledgers()
        return out

    def strategy_ledger(self, strategy_id: str) -> dict:
        """One strategy's ledgers (exact state per symbol) and its latest fill keys: what a restarted strategy
        starts from (fills it then also hears on the bus are recognised by key and not booked twice)."""
        return {"ledgers": {ledger.symbol: ledger.state() for ledger in self.book
                            if ledger.strategy_id == strategy_id},
                "fill_keys": list(self._recent.get(strategy_id, ()))}

    def ledgers(self) -> dict:
        """Every ledger (per strategy and the account's) with marks, and the venue's positions and drift."""
        strategies: dict[str, dict] = {}
        for ledger in self.book:
            strategies.setdefault(ledger.strategy_id, {})[ledger.symbol] = ledger.as_dict(self.marks.get(ledger.symbol))
        account = {}
        for symbol in sorted(self.book.symbols() | set(self.account) | set(self.settings.config.symbols)):
            ledger = self.account.get(symbol) or self.book.new(ACCOUNT, symbol)
            row = ledger.as_dict(self.marks.get(symbol))
            row.update(venue_position=str(self.book.venue.get(symbol, Decimal(0))),
                       opening_position=str(self.book.opening.get(symbol, Decimal(0))),
                       drift=str(self.book.drift(symbol)), mark=str(self.marks.get(symbol, "")))
            account[symbol] = row
        return {"strategies": strategies, "account": account,
                "balances": {a: {"total": str(get_decimal(b.total)), "available": str(get_decimal(b.available))}
                             for a, b in self.balances.items()}}

    # -- the private stream (AccountHandler) -------------------------------------------

    def on_fill(self, fill: Fill, venue_ts: int, recv_ts: int) -> None:
        if not self._fills.first(fill):
            self.count["duplicate_fills"] += 1
            return
        key = FillKeys.key(fill)
        owner = ClientOrderIds.owner(fill.client_order_id)
        if owner is None or (owner not in self.settings.strategies and owner != "flatten"):
            owner = UNATTRIBUTED
            self.count["unattributed_fills"] += 1
        side, price = fill.side, get_decimal(fill.price)
        quantity, fee = get_decimal(fill.quantity), get_decimal(fill.fee)
        ledger = self.book.ledger(owner, fill.symbol)
        ledger.apply_fill(side, price, quantity, fee)
        self._recent.setdefault(owner, deque(maxlen=RECENT_PER_OWNER)).append(key)
        account = self.account.get(fill.symbol)
        if account is None:
            account = self.account[fill.symbol] = self.book.new(ACCOUNT, fill.symbol)
        account.apply_fill(side, price, quantity, fee)
        self.count["fills"] += 1
        self._publish(ledger)
        self._publish(account)
        self._check_exposure(fill.symbol)

    def on_position(self, position: Position, venue_ts: int, recv_ts: int) -> None:
        if not position.strategy_id:
            self.book.venue[position.symbol] = get_decimal(position.quantity)

    def on_funding(self, symbol: str, balance: Balance, venue_ts: int, recv_ts: int) -> None:
        """Funding settled on ``symbol``: the wallet's change, shared among the ledgers by their positions."""
        before = self.balances.get(balance.asset)
        if before is None:
            self.count["funding_unbooked"] += 1
            log.warning("funding without a known wallet before it: not booked", extra={"fields": {"symbol": symbol}})
            return
        amount = get_decimal(balance.total) - get_decimal(before.total)
        self.count["funding_events"] += 1
        account = self.account.get(symbol)
        if account is None:
            account = self.account[symbol] = self.book.new(ACCOUNT, symbol)
        account.funding += amount
        held = self.book.venue.get(symbol, Decimal(0))
        if not held:
            self.book.ledger(UNATTRIBUTED, symbol).funding += amount
            return
        # Each ledger pays or receives in proportion to its share of the venue's position; what the
        # opening position (held before we started) accounts for goes to the unattributed ledger.
        shared = Decimal(0)
        for ledger in [held for held in self.book if held.symbol == symbol and held.quantity]:
            share = exact(amount * ledger.quantity / held)
            ledger.funding += share
            shared += share
        if amount - shared:
            self.book.ledger(UNATTRIBUTED, symbol).funding += amount - shared
        for ledger in [one for one in self.book if one.symbol == symbol]:
            self._publish(ledger)
        self._publish(account)

    def on_balance(self, balance: Balance, venue_ts: int, recv_ts: int) -> None:
        self.balances[balance.asset] = balance
        self.count["balances"] += 1
        self.publisher.publish_message(topics.bal(self.venue, balance.asset), balance, venue_ts, recv_ts)

    def on_order_event(self, event, venue_ts: int, recv_ts: int) -> None:
        pass  # the engine publishes order lifecycles

    def on_raw(self, connection: str, stream: str, text: str, recv_ts: int) -> None:
        """A frame of the account stream as it arrived (the venue's PMS taps its connection here)."""
        if self.settings.raw_frames:
            if self._raw is None:
                self._raw = RawTap(self.publisher, self.venue, self.count, private=True)
            self._raw(connection, stream, text, recv_ts)

    def on_status(self, connected: bool, reason: str) -> None:
        if not connected:
            self.count["stream_drops"] += 1
            log.warning("private stream down: reconciling", extra={"fields": {"reason": reason}})
        elif self.count["stream_drops"] and (self._recovering is None or self._recovering.done()):
            # Back after a drop: what was filled meanwhile is asked of the venue and booked once.
            self._recovering = self.spawn(self._recover_fills("reconnect"), "recover-fills")

    async def _recover_fills(self, why: str, symbols: list[str] | None = None, *, attempts: int = 1) -> None:
        """Book the fills since start that the venue has and the stream did not bring (by trade id, once);
        each symbol's read is tried ``attempts`` times while the venue's error is transient."""
        for symbol in self.settings.config.symbols if symbols is None else symbols:
            try:
                fills = await patiently(lambda s=symbol: self.fetcher.recent_fills(s, self._started_ns), attempts)
            except ExchangeError as exc:
                log.warning("fill recovery failed", extra={"fields": {"symbol": symbol, "error": str(exc)}})
                continue
            for fill in fills:
                if not self._fills.seen(fill):
                    self.count["recovered_fills"] += 1
                    log.info("fill recovered from the venue", extra={"fields": {
                        "why": why, "symbol": symbol, "trade_id": fill.trade_id}})
                    self.on_fill(fill, 0, time.time_ns())

    async def _venue_positions(self) -> dict[str, Decimal]:
        return {p.symbol: get_decimal(p.quantity) for p in await self.fetcher.positions()}

    async def _rebuild(self) -> None:
        """After a restart: every ledger again from the venue's fills since the run started (attributed by
        client order id, each once), and the opening positions as what the venue holds less those fills. The
        history is read between two reads of the positions that must agree (no fill in between), so that
        the two describe the same moment."""
        for attempt in range(1, REBUILD_ATTEMPTS + 1):
            before = await self._venue_positions()
            history = [fill for symbol in self.settings.config.symbols
                       for fill in await self.fetcher.recent_fills(symbol, self._started_ns)]
            venue = await self._venue_positions()
            if venue == before:
                break
            log.info("positions moved while the history was read: reading again", extra={"fields": {
                "attempt": attempt}})
        else:
            log.warning("positions kept moving while the history was read: the drift check will tell",
                        extra={"fields": {"attempts": REBUILD_ATTEMPTS}})
        traded: dict[str, Decimal] = {}
        for fill in history:
            quantity = get_decimal(fill.quantity)
            traded[fill.symbol] = traded.get(fill.symbol, Decimal(0)) + (
                quantity if fill.side == Side.SIDE_BUY else -quantity)
            if not self._fills.seen(fill):
                self.count["rebuilt_fills"] += 1
                self.on_fill(fill, 0, time.time_ns())
        for symbol in set(venue) | set(traded):
            self.book.venue[symbol] = venue.get(symbol, Decimal(0))
            self.book.opening[symbol] = venue.get(symbol, Decimal(0)) - traded.get(symbol, Decimal(0))
        log.info("ledgers rebuilt from the venue", extra={"fields": {
            "fills": len(history), "opening": {s: str(q) for s, q in self.book.opening.items()}}})

    # -- publishing --------------------------------------------------------------------

    def _publish(self, ledger: Ledger) -> None:
        message = position_message(ledger, self.venue, self.settings.config.account, self.marks.get(ledger.symbol))
        self.publisher.publish_message(topics.pos(self.venue, ledger.symbol), message)
        self.count["positions_published"] += 1

    async def _publish_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.publish_seconds)
            for ledger in list(self.book) + list(self.account.values()):
                self._publish(ledger)
            for symbol in list(self.account):
                self._check_exposure(symbol)     # the market moves positions' notional too

    def _on_mark(self, _, bbo) -> None:
        if isinstance(bbo, Bbo):
            mid = bbo_mid(bbo)
            if mid is not None:
                self.marks[bbo.symbol] = mid

    # -- reconciliation ----------------------------------------------------------------

    async def _reconcile_loop(self) -> None:
        while True:
            await asyncio.sleep(self.settings.reconcile_seconds)
            try:
                await self._reconcile()
            except ExchangeError as exc:
                self.count["reconcile_errors"] += 1
                log.warning("reconcile failed", extra={"fields": {"error": str(exc)}})

    async def _reconcile(self) -> None:
        venue = {p.symbol: get_decimal(p.quantity) for p in await self.fetcher.positions()}
        self.count["reconciles"] += 1
        drifting = [s for s in self.book.symbols() | set(venue)
                    if self.book.drift_against(s, venue.get(s, Decimal(0))) and s not in self._drifting]
        if drifting:
            # A new difference: first look in the venue's fill history for what the stream did not bring (a
            # notification lost on a reconnect); only what remains after that counts toward the alarm.
            await self._recover_fills("drift", [s for s in drifting if s in self.settings.config.symbols])
        for symbol in self.book.symbols() | set(venue):
            self.book.venue[symbol] = venue.get(symbol, Decimal(0))
            drift = self.book.drift(symbol)
            if not drift:
                self._drifting.pop(symbol, None)
                continue
            seen = self._drifting.get(symbol)
            count = seen[1] + 1 if seen is not None and seen[0] == drift else 1
            self._drifting[symbol] = (drift, count)
            if count == DRIFT_CHECKS:   # the same difference for that many checks: not a fill in flight
                self._alarm(symbol, drift)

    def _alarm(self, symbol: str, drift: Decimal) -> None:
        self.count["drift_alarms"] += 1
        reason = (f"position drift on {symbol}: the venue holds {self.book.venue.get(symbol)} but the ledgers "
                  f"account for {self.book.opening.get(symbol, Decimal(0)) + self.book.attributed(symbol)}")
        log.error("drift alarm", extra={"fields": {"symbol": symbol, "drift": str(drift)}})
        self.detail = reason
        if self.settings.risk.drift_halts:
            self.publisher.publish_message(topics.risk(self.venue), command(
                RiskAction.RISK_ACTION_HALT, reason, venue=self.venue, issued_by=self.name))

    def _check_exposure(self, symbol: str) -> None:
        mark = self.marks.get(symbol)
        account = self.account.get(symbol)
        if mark is None or account is None:
            return
        limit = Decimal(str(self.settings.risk.max_position_notional))
        exposure = notional(mark, abs(account.quantity), account.inverse)
        if exposure >= limit * EXPOSURE_ALERT:
            if symbol not in self._alerted:
                self._alerted.add(symbol)
                self.count["exposure_alerts"] += 1
                log.warning("exposure alert", extra={"fields": {"symbol": symbol, "notional": f"{exposure:.2f}",
                                                                "limit": str(limit)}})
        else:
            self._alerted.discard(symbol)
        if exposure > limit and symbol not in self._breached:
            # The gate keeps new orders inside the limit; a breach comes from the market moving or from
            # fills nobody asked for. The venue goes reduce-only until an operator resumes it.
            self._breached.add(symbol)
            self.count["exposure_breaches"] += 1
            reason = f"exposure breach on {symbol}: notional {exposure:.2f} is above the limit {limit}"
            log.error("exposure breach", extra={"fields": {"symbol": symbol, "notional": f"{exposure:.2f}"}})
            self.detail = reason
            self.publisher.publish_message(topics.risk(self.venue), command(
                RiskAction.RISK_ACTION_REDUCE_ONLY, reason, venue=self.venue, issued_by=self.name))
        elif exposure <= limit * EXPOSURE_ALERT:
            self._breached.discard(symbol)


async def patiently(call, attempts: int):
    """``await call()``, again after a short pause while it fails with a transient venue error, ``attempts``
    times in all; the last error is raised."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except TransientError as exc:
            if attempt == attempts:
                raise
            log.info("the venue's answer was a transient error: asking again", extra={"fields": {
                "attempt": attempt, "error": str(exc)}})
            await asyncio.sleep(min(max(getattr(exc, "retry_after_s", 0.0), STOP_PAUSE_S), STOP_PAUSE_MAX_S))
