"""What an engine knows of its account's orders and positions, and the private stream that moves them.

``AccountStream`` is the engine's ``AccountHandler``: every order event,
from the stream, a request's acknowledgement or a read of the venue's open
orders, is folded into the order table and published on
``oe.<venue>.<strategy>`` only when it moves the order forward (a REST
acknowledgement and the stream's NEW say the same thing once). Fills are
published once each, by trade id, and keep the account's position per
symbol, which the risk gate reads. Orders are attributed by the owner part
of the client order id; others are counted and left alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from decimal import Decimal

from tradesys.bus import topics
from tradesys.messages import Fill, OrderEvent, OrderEventType, Side
from tradesys.numeric import get_decimal, set_decimal
from tradesys.positions import FillKeys
from tradesys.services.engine.orders import EngineOrder, OrderTable
from tradesys.venue.errors import ExchangeError
from tradesys.venue.ids import ClientOrderIds

log = logging.getLogger(__name__)
ET = OrderEventType
FINAL_EVENTS = frozenset({ET.ORDER_EVENT_TYPE_FILLED, ET.ORDER_EVENT_TYPE_CANCELLED, ET.ORDER_EVENT_TYPE_REJECTED,
                          ET.ORDER_EVENT_TYPE_EXPIRED})
KEEP_FINAL = 20_000       # final orders remembered for order_states() and duplicate ids
KEEP_FILLS = 100_000
# How far before a stream drop the fill history is read again (a fill made just before may not have arrived).
FILL_LOOKBACK_NS = 10 * 1_000_000_000
REFRESH_RETRY_S = 0.5       # a failed read of the open orders after a drop: again after this, doubling
REFRESH_RETRY_MAX_S = 15.0


class AccountStream:
    """``publish(topic, message, venue_ts, recv_ts)`` puts a message on the bus; ``spawn(coro, name)`` runs an
    owned task. ``fetcher`` is set once the venue is connected."""

    def __init__(self, venue: str, strategies: tuple[str, ...], publish: Callable, spawn: Callable):
        self.venue = venue
        self.strategies = strategies
        self.publish = publish
        self.spawn = spawn
        self.fetcher = None
        self.on_raw = None       # the engine's tap on its account stream's frames, if it keeps them (the PMS reads it)
        self.instruments: dict[str, object] = {}
        self.orders = OrderTable(KEEP_FINAL)
        self.positions: dict[str, Decimal] = {}          # symbol -> account position (from fills)
        self._fills_seen = FillKeys(KEEP_FILLS)
        self._refreshing: asyncio.Task | None = None     # the open-orders refresh after a stream drop
        # Monotonic time the private stream dropped, until it is back and the orders are read again: the
        # engine knows nothing certain of its orders meanwhile (the kill switch's venue-down trigger).
        self.down_since: float | None = None
        self._down_since_ns = 0
        self.count = {"events": 0, "fills": 0, "duplicate_fills": 0, "foreign_events": 0, "adopted": 0,
                      "stream_drops": 0, "reconciles": 0, "settled_gone": 0, "recovered_fills": 0,
                      "refresh_retries": 0}

    async def reconcile(self) -> None:
        """At start: adopt the venue's open orders that belong to our strategies; take the account's positions."""
        self.count["reconciles"] += 1
        allowed = set(self.strategies)
        for event in await self.fetcher.open_orders(None):
            owner = ClientOrderIds.owner(event.client_order_id)
            if event.symbol not in self.instruments or owner not in allowed:
                self.count["foreign_events"] += 1
                log.warning("open order not ours: left alone", extra={"fields": {
                    "client_order_id": event.client_order_id, "symbol": event.symbol}})
                continue
            event.strategy_id = owner
            order = self.track(event, owner)
            order.last = event
            self.count["adopted"] += 1
        for position in await self.fetcher.positions():
            self.positions[position.symbol] = get_decimal(position.quantity)

    def track(self, event: OrderEvent, owner: str) -> EngineOrder:
        """The table's order for ``event``, added if new."""
        order = self.orders.get(event.client_order_id)
        if order is None:
            price = get_decimal(event.price) if event.HasField("price") else None
            order = EngineOrder(owner, event.symbol, event.side, price, get_decimal(event.quantity))
            self.orders.remember(event.client_order_id, order)
        return order

    def owner(self, client_order_id: str) -> str | None:
        order = self.orders.get(client_order_id)
        if order is not None:
            return order.strategy_id
        owner = ClientOrderIds.owner(client_order_id)
        return owner if owner in self.strategies else None

    def apply(self, event: OrderEvent, *, source: str, venue_ts: int = 0, recv_ts: int = 0) -> None:
        """Fold an event into the order table and publish it if it moves the order forward. ``source``
        (``stream``, ``ack``, ``reconcile``) says where it came from."""
        owner = self.owner(event.client_order_id)
        if owner is None:
            self.count["foreign_events"] += 1
            return
        order = self.track(event, owner)
        filled = get_decimal(event.filled_quantity) if event.HasField("filled_quantity") else order.filled
        final = event.type in FINAL_EVENTS
        price = get_decimal(event.price) if event.HasField("price") and event.price.mantissa else order.price
        quantity = get_decimal(event.quantity) if event.HasField("quantity") and event.quantity.mantissa \
            else order.quantity
        changed = event.type == ET.ORDER_EVENT_TYPE_MODIFIED and (price, quantity) != (order.price, order.quantity)
        progressed = filled > order.filled or (final and not order.final) or order.last is None or changed
        if order.final and not (filled > order.filled):
            return
        if not progressed:
            return
        order.filled = max(order.filled, filled)
        order.final = order.final or final
        if event.venue_order_id:
            order.venue_order_id = event.venue_order_id
        order.price, order.quantity = price, quantity
        event.strategy_id = owner
        event.venue = self.venue
        order.last = event
        self.count["events"] += 1
        self.publish(topics.oe(self.venue, owner), event, venue_ts, recv_ts)

    # -- AccountHandler ------------------------------------------------------------------

    def on_order_event(self, event: OrderEvent, venue_ts: int, recv_ts: int) -> None:
        self.apply(event, source="stream", venue_ts=venue_ts, recv_ts=recv_ts)

    def on_fill(self, fill: Fill, venue_ts: int, recv_ts: int) -> None:
        if not self._fills_seen.first(fill):
            self.count["duplicate_fills"] += 1
            return
        quantity = get_decimal(fill.quantity)
        signed = quantity if fill.side == Side.SIDE_BUY else -quantity
        self.positions[fill.symbol] = self.positions.get(fill.symbol, Decimal(0)) + signed
        owner = self.owner(fill.client_order_id)
        if owner is None:
            self.count["foreign_events"] += 1
            return
        fill.strategy_id = owner
        self.count["fills"] += 1
        self.publish(topics.oe(self.venue, owner), fill, venue_ts, recv_ts)

    def on_position(self, position, venue_ts: int, recv_ts: int) -> None:
        if not position.strategy_id:
            self.positions[position.symbol] = get_decimal(position.quantity)

    def on_balance(self, balance, venue_ts: int, recv_ts: int) -> None:
        pass  # the position server publishes balances

    def on_funding(self, symbol: str, balance, venue_ts: int, recv_ts: int) -> None:
        pass  # the position server books funding

    def on_status(self, connected: bool, reason: str) -> None:
        if not connected:
            self.count["stream_drops"] += 1
            if self._refreshing is not None and not self._refreshing.done():
                self._refreshing.cancel()     # a read from before this drop would settle nothing: again when back
            if self.down_since is None:
                self.down_since = time.monotonic()
                self._down_since_ns = time.time_ns()
            log.warning("private stream down: open orders are read again when it is back",
                        extra={"fields": {"reason": reason}})
        elif self.count["stream_drops"] and (self._refreshing is None or self._refreshing.done()):
            # Back after a drop: what happened to our orders meanwhile is read from the venue (the stream
            # did not bring it). Read at the drop instead, the outage itself would go unseen.
            self._refreshing = self.spawn(self._refresh_open_orders(), "refresh-open-orders")

    def down_for(self) -> float:
        """Seconds the private stream has been down or its orders not read again since (0 when settled)."""
        return 0.0 if self.down_since is None else time.monotonic() - self.down_since

    async def _refresh_open_orders(self) -> None:
        """After a private-stream drop, once it is back: read the venue's open orders, publish what changed,
        and ask the venue for each order we hold live that it no longer lists (filled or cancelled meanwhile,
        or gone with a venue that lost its memory). Until that read succeeds the venue stays down for the
        kill switch: a failed one (the venue still refusing, its breaker open) is tried again with backoff,
        not left for a next reconnect that may never come."""
        delay = REFRESH_RETRY_S
        while True:
            try:
                await self._refresh_once()
            except ExchangeError as exc:
                self.count["refresh_retries"] += 1
                log.warning("open orders refresh failed: trying again", extra={"fields": {
                    "error": str(exc), "in_seconds": delay}})
                await asyncio.sleep(delay)
                delay = min(delay * 2, REFRESH_RETRY_MAX_S)
                continue
            self.count["reconciles"] += 1
            self.down_since = None
            return

    async def _refresh_once(self) -> None:
        resting = {e.client_order_id: e for e in await self.fetcher.open_orders(None)}
        for event in resting.values():
            self.apply(event, source="reconcile")
        for cid, order in self.orders.live():
            if cid not in resting:
                await self._settle_missing(cid, order)
        await self._recover_fills()

    async def _recover_fills(self) -> None:
        """The fills the venue made while the stream was down, published to their strategies once each (a
        strategy's ledger is built from them)."""
        since = self._down_since_ns - FILL_LOOKBACK_NS
        for symbol in self.instruments:
            for fill in await self.fetcher.recent_fills(symbol, since):
                if not self._fills_seen.seen(fill):
                    self.count["recovered_fills"] += 1
                    self.on_fill(fill, 0, time.time_ns())

    async def _settle_missing(self, cid: str, order: EngineOrder) -> None:
        found = await self.fetcher.order_status(order.symbol, cid)
        if found is None:
            # The venue does not know it any more: it rests nowhere. Settled as cancelled, saying why.
            found = OrderEvent(client_order_id=cid, symbol=order.symbol, side=order.side,
                               type=ET.ORDER_EVENT_TYPE_CANCELLED, venue_order_id=order.venue_order_id,
                               detail="the venue no longer knows the order (it came back without it)")
            set_decimal(found.filled_quantity, order.filled)
            self.count["settled_gone"] += 1
            log.warning("an order the venue no longer knows: settled as cancelled", extra={"fields": {
                "client_order_id": cid, "symbol": order.symbol}})
        self.apply(found, source="reconcile")
