"""Deribit private stream over one authenticated WebSocket: ``user.changes.any.any.raw`` (orders, trades and
positions of one change together) and ``user.portfolio.<currency>`` (balances), translated once.

A fill whose trade id was already delivered is dropped (a reconnect may
repeat it), and so is an exact repeat of an order update or one older than
what was seen (an earlier update time, a lower filled amount, anything after
a final state). An open order whose price or amount changed is MODIFIED.
Funding: Deribit books it into the position's ``realized_funding``; when
that moves, the next portfolio of the settlement currency is reported with
``on_funding`` and then ``on_balance``. Every drop is ``on_status(False)``:
the owner reconciles through the fetcher; a reconnect authenticates and
subscribes again (``RpcSession``).
"""

from __future__ import annotations

import logging
from decimal import Decimal

import msgspec

from exchanges.deribit import messages as m
from exchanges.deribit import parse
from exchanges.deribit.constants import VENUE
from exchanges.deribit.http import DeribitApi
from exchanges.deribit.rpc import RpcSession
from tradesys.venue.base import AccountHandler, IExchangePMS
from tradesys.venue.errors import ExchangeError
from tradesys.venue.memory import BoundedDict

log = logging.getLogger(__name__)
REMEMBERED = 50_000
CHANGES = "user.changes.any.any.raw"


class DeribitPMS(IExchangePMS):
    venue = VENUE

    def __init__(self, api: DeribitApi, session: RpcSession, *, account: str = "main"):
        self.api = api
        self.session = session
        self.account = account
        self.handler: AccountHandler | None = None
        self.settle: dict[str, str] = {}        # instrument -> settlement currency
        self._fills = BoundedDict(REMEMBERED)      # trade id -> None
        self._orders = BoundedDict(REMEMBERED)     # order id -> (update ms, filled, final, price, amount, state)
        self._funding: dict[str, Decimal] = {}  # instrument -> realized_funding last seen
        self._funded: dict[str, str] = {}       # currency -> instrument whose funding moved, until its balance
        self._counters = {"events": 0, "order_events": 0, "fills": 0, "positions": 0, "balances": 0, "funding": 0,
                          "duplicate_fills": 0, "duplicate_events": 0, "out_of_order": 0, "malformed": 0,
                          "unknown_state": 0}
        session.on_notification = self._on_notification
        session.on_ready = self._on_ready
        session.on_lost = self._on_lost
        session.on_signed_in_again = self._signed_in_again

    @property
    def counters(self) -> dict[str, int]:
        return {**self._counters, "reconnects": self.session.reconnects}

    async def start(self, handler: AccountHandler) -> None:
        self.handler = handler
        self.session.ws.on_raw = getattr(handler, "on_raw", None)     # the frames as they arrived, if it keeps them
        await self.session.start()

    async def stop(self) -> None:
        await self.session.stop()

    async def _on_ready(self, session: RpcSession) -> None:
        if not self.settle:
            self.settle = {i.instrument_name: parse.instrument(i).settle for i in await self.api.get_instruments()}
        channels = [CHANGES, *(f"user.portfolio.{c.lower()}" for c in sorted(set(self.settle.values())))]
        done = set(await self.api.subscribe(channels, private=True))
        missing = [c for c in channels if c not in done]
        if missing:
            raise ExchangeError(f"deribit: private channels not subscribed: {', '.join(missing)}",
                                request="private/subscribe")
        self.handler.on_status(True, "private stream connected")

    def _on_lost(self, reason: str) -> None:
        if self.handler is not None:
            self.handler.on_status(False, f"private stream lost: {reason}")

    def _signed_in_again(self, why: str) -> None:
        """The token had lapsed: the venue sent no notifications meanwhile, as after a drop; the owner reads
        again what it may have missed."""
        if self.handler is not None:
            self.handler.on_status(False, f"private stream token lapsed: {why}")
            self.handler.on_status(True, "private stream signed in again")

    # -- notifications -----------------------------------------------------------------

    def _on_notification(self, channel: str, data: msgspec.Raw, recv_ns: int) -> None:
        self._counters["events"] += 1
        try:
            if channel.startswith("user.changes."):
                self._changes(m.changes_decoder.decode(data), recv_ns)
            elif channel.startswith("user.portfolio."):
                self._portfolio(m.summary_decoder.decode(data), recv_ns)
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError) as exc:   # ValueError: a number
            self._counters["malformed"] += 1                                        # too big for our messages
            log.error("deribit: malformed %s notification (%s): %.300s", channel, exc, bytes(data))
        except ExchangeError as exc:   # an unknown state or direction: someone must see it
            self._counters["unknown_state"] += 1
            log.error("deribit: %s notification not understood (%s): %.300s", channel, exc, bytes(data))

    def _changes(self, changes: m.Changes, recv_ns: int) -> None:
        # Translate everything first: an unknown state raises before any of it is delivered.
        fills = [(t, parse.fill(t)) for t in changes.trades]
        orders = [(o, parse.order_event(o, modified=self._is_modify(o))) for o in changes.orders]
        positions = [(p, parse.position(p, self.account)) for p in changes.positions]
        for trade, fill in fills:
            if trade.trade_id in self._fills:
                self._counters["duplicate_fills"] += 1
                continue
            self._fills.put(trade.trade_id, None)
            self._counters["fills"] += 1
            self.handler.on_fill(fill, trade.timestamp * parse.MS, recv_ns)
        for order, event in orders:
            if self._fresh(order):
                self._counters["order_events"] += 1
                self.handler.on_order_event(event, order.last_update_timestamp * parse.MS, recv_ns)
        for item, position in positions:
            if item.realized_funding is not None:
                before = self._funding.get(item.instrument_name)
                self._funding[item.instrument_name] = item.realized_funding
                if before is not None and item.realized_funding != before and item.instrument_name in self.settle:
                    self._funded[self.settle[item.instrument_name]] = item.instrument_name
            self._counters["positions"] += 1
            self.handler.on_position(position, recv_ns, recv_ns)

    def _is_modify(self, order: m.Order) -> bool:
        seen = self._orders.get(order.order_id)
        if seen is None or order.order_state != parse.OPEN:
            return False
        _, filled, _, price, amount, _ = seen
        return order.filled_amount == filled and (bytes(order.price), order.amount) != (price, amount)

    def _fresh(self, order: m.Order) -> bool:
        state = (order.last_update_timestamp, order.filled_amount, order.order_state in parse.FINAL_STATES,
                 bytes(order.price), order.amount, order.order_state)
        seen = self._orders.get(order.order_id)
        if seen is not None:
            if seen == state:
                self._counters["duplicate_events"] += 1
                return False
            seen_time, seen_filled, seen_final = seen[0], seen[1], seen[2]
            if seen_final or order.filled_amount < seen_filled or order.last_update_timestamp < seen_time:
                self._counters["out_of_order"] += 1
                return False
        self._orders.put(order.order_id, state)
        return True

    def _portfolio(self, summary: m.AccountSummary, recv_ns: int) -> None:
        balance = parse.balance(summary, self.account)
        symbol = self._funded.pop(summary.currency, None)
        if symbol is not None:
            self._counters["funding"] += 1
            self.handler.on_funding(symbol, balance, recv_ns, recv_ns)
        self._counters["balances"] += 1
        self.handler.on_balance(balance, recv_ns, recv_ns)
