"""Subscriptions: which channels exist, who needs auth, and what each sends when the exchange moves.

Book channels (``book.<instrument>.raw|100ms|agg2``) are kept per connection:
the first notification is a snapshot with the book's ``change_id``, each
later one a ``change`` whose ``prev_change_id`` is the previous notification's
``change_id``. ``raw`` sends every change at once, the others every 100 ms.
Entries are ``new`` / ``change`` / ``delete`` relative to what the subscriber
was last sent. ``book.<instrument>.<group>.<depth>.<interval>`` sends full
top-N snapshots. The fault ``skip_depth_updates`` loses change notifications
(the chain then shows a break).

Private channels (``user.*``, and ``book.*.raw``) need an authenticated
connection; subscribing without one leaves them out of the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from exchanges.deribit.simulator import render
from exchanges.deribit.simulator.catalog import CURRENCIES
from tradesys.sim.exchange import ExchangeEvent
from tradesys.sim.orders import Side

if TYPE_CHECKING:
    from exchanges.deribit.simulator.connection import Connection
    from exchanges.deribit.simulator.venue import DeribitVenue

_INTERVALS = {"raw": 0, "100ms": 100, "agg2": 100}
_KINDS = {"future", "any"}
_GROUPS = {"none", "1", "2", "5", "10", "25", "100", "250"}
_DEPTHS = {"1", "10", "20"}


@dataclass(frozen=True)
class Channel:
    name: str
    kind: str                      # book | book_top | ticker | trades | orders | user_trades | portfolio | changes
    instrument: str | None = None  # one instrument, or None with a (kind, currency) selector
    currency: str = "any"
    interval_ms: int = 0
    depth: int = 0
    private: bool = False

    def covers(self, instrument: str, currency: str) -> bool:
        if self.instrument is not None:
            return self.instrument == instrument
        return self.currency in ("any", currency)


def parse_channel(name: str, instruments: dict[str, str]) -> Channel | None:
    """The channel a name denotes (``instruments``: name -> currency), or None when it is none we serve."""
    parts = name.split(".")
    head = parts[0]
    if head == "book" and len(parts) == 3 and parts[1] in instruments and parts[2] in _INTERVALS:
        return Channel(name, "book", parts[1], interval_ms=_INTERVALS[parts[2]], private=parts[2] == "raw")
    if head == "book" and len(parts) == 5 and parts[1] in instruments and parts[2] in _GROUPS \
            and parts[3] in _DEPTHS and parts[4] == "100ms":
        return Channel(name, "book_top", parts[1], interval_ms=100, depth=int(parts[3]))
    if head in ("ticker", "trades") and len(parts) == 3 and parts[1] in instruments and parts[2] in ("raw", "100ms"):
        return Channel(name, head, parts[1], interval_ms=_INTERVALS[parts[2]], private=parts[2] == "raw")
    if head == "trades" and len(parts) == 4 and _selector(parts[1], parts[2]) and parts[3] in ("raw", "100ms"):
        return Channel(name, "trades", None, parts[2], _INTERVALS[parts[3]], private=parts[3] == "raw")
    if head == "user" and len(parts) >= 3:
        sub = {"orders": "orders", "trades": "user_trades", "changes": "changes"}.get(parts[1])
        if parts[1] == "portfolio" and len(parts) == 3 and parts[2].upper() in (*CURRENCIES, "ANY"):
            return Channel(name, "portfolio", None, parts[2].upper().replace("ANY", "any"), private=True)
        if sub is not None and len(parts) == 4 and parts[2] in instruments and parts[3] in ("raw", "100ms"):
            return Channel(name, sub, parts[2], interval_ms=_INTERVALS[parts[3]], private=True)
        if sub is not None and len(parts) == 5 and _selector(parts[2], parts[3]) and parts[4] in ("raw", "100ms"):
            return Channel(name, sub, None, parts[3], _INTERVALS[parts[4]], private=True)
    return None


def _selector(kind: str, currency: str) -> bool:
    return kind in _KINDS and currency in (*CURRENCIES, "any")


@dataclass
class BookState:
    """One connection's view of one book channel."""

    sent: dict[tuple[Side, int], int] = field(default_factory=dict)      # what it was last told
    pending: dict[tuple[Side, int], int] = field(default_factory=dict)
    prev_change_id: int = 0
    change_id: int = 0
    pending_ms: int = 0


class ChannelHub:
    def __init__(self, sim: DeribitVenue):
        self.sim = sim
        self.instruments = {name: e.currency for name, e in sim.catalog.items()}
        sim.exchange.listeners.append(self._on_event)
        sim.exchange.funding_listeners.append(self._on_funding)

    def subscribe(self, conn: Connection, names: list[str], *, authenticated: bool) -> list[str]:
        """Add the channels ``conn`` may have; return those subscribed (the venue's result)."""
        done = []
        for name in names:
            channel = parse_channel(name, self.instruments)
            if channel is None or (channel.private and not authenticated):
                continue
            if name not in conn.channels:
                conn.channels[name] = channel
                if channel.kind == "book":
                    conn.books[name] = self._snapshot(conn, channel)
                elif channel.kind == "book_top":
                    self._send_top(conn, channel)
                elif channel.kind == "portfolio":
                    self._send_portfolio(conn, channel)
            done.append(name)
        return done

    def unsubscribe(self, conn: Connection, names: list[str]) -> list[str]:
        done = []
        for name in names:
            if conn.channels.pop(name, None) is not None:
                conn.books.pop(name, None)
                done.append(name)
        return done

    # -- books -------------------------------------------------------------------------

    def _snapshot(self, conn: Connection, channel: Channel) -> BookState:
        engine = self.sim.exchange.engines[channel.instrument]
        entry = self.sim.catalog[channel.instrument]
        state = BookState(change_id=engine.update_id, prev_change_id=engine.update_id)
        bids, asks = engine.book.levels(Side.BUY), engine.book.levels(Side.SELL)
        state.sent = {**{(Side.BUY, p): q for p, q in bids}, **{(Side.SELL, p): q for p, q in asks}}
        conn.send_notification(channel.name, {
            "type": "snapshot", "timestamp": self.sim.now_ms(), "instrument_name": channel.instrument,
            "change_id": state.change_id, "bids": self._entries(entry, Side.BUY, state.sent, {}, snapshot=True),
            "asks": self._entries(entry, Side.SELL, state.sent, {}, snapshot=True)})
        return state

    @staticmethod
    def _entries(entry, side: Side, changes: dict, before: dict, *, snapshot: bool = False) -> list:
        i = entry.instrument
        out = []
        for (s, price), qty in sorted(changes.items(), key=lambda kv: kv[0][1], reverse=side is Side.BUY):
            if s is not side:
                continue
            if snapshot:
                out.append(["new", render.number(i.price(price)), render.number(i.qty(qty))])
            elif qty == 0:
                if (s, price) in before:
                    out.append(["delete", render.number(i.price(price)), 0.0])
            else:
                out.append(["change" if (s, price) in before else "new", render.number(i.price(price)),
                            render.number(i.qty(qty))])
        return out

    def _flush_book(self, conn: Connection, channel: Channel, state: BookState) -> None:
        if not state.pending:
            return
        entry = self.sim.catalog[channel.instrument]
        changes, state.pending = state.pending, {}
        bids = self._entries(entry, Side.BUY, changes, state.sent)
        asks = self._entries(entry, Side.SELL, changes, state.sent)
        for key, qty in changes.items():
            if qty:
                state.sent[key] = qty
            else:
                state.sent.pop(key, None)
        if not bids and not asks:
            return  # a level came and went between two notifications
        payload = {"type": "change", "timestamp": self.sim.now_ms(), "instrument_name": channel.instrument,
                   "prev_change_id": state.prev_change_id, "change_id": state.change_id, "bids": bids, "asks": asks}
        state.prev_change_id = state.change_id
        if self.sim.faults.skip_depth_updates > 0:  # fault: this notification is lost, the chain breaks
            self.sim.faults.skip_depth_updates -= 1
            return
        conn.send_notification(channel.name, payload)

    def _send_top(self, conn: Connection, channel: Channel) -> None:
        engine = self.sim.exchange.engines[channel.instrument]
        entry = self.sim.catalog[channel.instrument]
        conn.send_notification(channel.name, {
            "timestamp": self.sim.now_ms(), "instrument_name": channel.instrument, "change_id": engine.update_id,
            "bids": render.book_levels(entry, engine.book.levels(Side.BUY, channel.depth)),
            "asks": render.book_levels(entry, engine.book.levels(Side.SELL, channel.depth))})

    # -- events ------------------------------------------------------------------------

    def _on_event(self, event: ExchangeEvent) -> None:
        connections = self.sim.connections
        if not connections:
            return
        symbol = event.symbol
        entry = self.sim.catalog[symbol]
        currency = entry.currency
        result = event.result
        now = self.sim.now_ms()
        mark = self.sim.exchange.mark_price(symbol)
        public_trades = None
        for conn in list(connections):
            if not conn.channels:
                continue
            for name, channel in list(conn.channels.items()):
                if not channel.covers(symbol, currency):
                    continue
                if channel.kind == "book" and result.book_changes:
                    state = conn.books[name]
                    state.pending.update(result.book_changes)
                    state.change_id = result.last_update_id
                    if channel.interval_ms == 0:
                        self._flush_book(conn, channel, state)
                elif channel.kind == "ticker" and channel.interval_ms == 0 and result.book_changes:
                    conn.send_notification(name, render.ticker_object(self.sim, entry, now))
                elif channel.kind == "trades" and result.trades:
                    if public_trades is None:
                        public_trades = [render.public_trade_object(entry, t, mark) for t in result.trades]
                    conn.send_notification(name, public_trades)
                elif conn.account is not None and channel.private:
                    self._user(conn, channel, event, entry, mark, now)

    def _user(self, conn: Connection, channel: Channel, event: ExchangeEvent, entry, mark, now: int) -> None:
        mine = [u for u in event.result.updates if u.order.account == conn.account]
        if not mine and channel.kind != "portfolio":
            return
        sim = self.sim
        if channel.kind == "portfolio":
            if conn.account in event.accounts and channel.currency in ("any", entry.currency):
                self._send_portfolio(conn, channel)
            return
        orders = [render.order_object(entry, u.order, sim.meta(entry.name, u.order.order_id)) for u in mine]
        trades = [render.trade_object(entry, u.order, u.fill, event.bookings[(u.order.order_id, u.fill.trade_id)],
                                      sim.meta(entry.name, u.order.order_id), mark, now)
                  for u in mine if u.fill is not None]
        if channel.kind == "orders":
            if channel.interval_ms == 0:
                for order in orders:
                    conn.send_notification(channel.name, order)
            else:
                conn.send_notification(channel.name, orders)
        elif channel.kind == "user_trades" and trades:
            conn.send_notification(channel.name, trades)
        elif channel.kind == "changes":
            account = sim.exchange.accounts[conn.account]
            positions = [render.position_object(sim, account, entry)] if trades else []
            conn.send_notification(channel.name, {"instrument_name": entry.name, "orders": orders, "trades": trades,
                                                  "positions": positions})

    def _on_funding(self, event) -> None:
        """A funding settlement moved positions' ``realized_funding`` and the wallet: tell the accounts."""
        entry = self.sim.catalog[event.symbol]
        for conn in list(self.sim.connections):
            account = conn.account
            if account is None or account not in event.received:
                continue
            for name, channel in list(conn.channels.items()):
                if not channel.covers(event.symbol, entry.currency):
                    continue
                if channel.kind == "changes":
                    position = render.position_object(self.sim, self.sim.exchange.accounts[account], entry)
                    conn.send_notification(name, {"instrument_name": event.symbol, "orders": [], "trades": [],
                                                  "positions": [position]})
                elif channel.kind == "portfolio":
                    self._send_portfolio(conn, channel)

    def _send_portfolio(self, conn: Connection, channel: Channel) -> None:
        account = self.sim.exchange.accounts[conn.account]
        currencies = CURRENCIES if channel.currency == "any" else (channel.currency,)
        for currency in currencies:
            conn.send_notification(channel.name, render.account_summary(self.sim, account, currency))

    def tick(self) -> None:
        """Every 50 ms: flush the timed book channels, send timed tickers and top-N snapshots."""
        now = self.sim.now_ms()
        for conn in list(self.sim.connections):
            for name, channel in list(conn.channels.items()):
                if channel.interval_ms == 0:
                    continue
                if now - conn.last_sent.get(name, 0) < channel.interval_ms:
                    continue
                if channel.kind == "book":
                    conn.last_sent[name] = now
                    self._flush_book(conn, channel, conn.books[name])
                elif channel.kind == "ticker":
                    conn.last_sent[name] = now
                    conn.send_notification(name, render.ticker_object(self.sim, self.sim.catalog[channel.instrument],
                                                                      now))
                elif channel.kind == "book_top":
                    conn.last_sent[name] = now
                    self._send_top(conn, channel)
