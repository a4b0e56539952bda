"""Settling a strategy's orders against its engine: requests that went unanswered, and now and then every
order the Mini OMS holds open (one cancelled at the venue while the engine was down, or whose event was
lost, is settled here)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import ray

from tradesys.messages import Fill, OrderEvent
from tradesys.strategy.context import snapshot
from tradesys.strategy.oms import MiniOMS, Order, State

log = logging.getLogger(__name__)
RECONCILE_SECONDS = 5.0
ANSWER_SECONDS = 15.0     # longer than the engine waits to reconcile after a restart


class Reconciler:
    """``due(now)`` names the orders to ask the engine about; ``run`` asks and applies the answers, telling
    ``settled(order, before)`` of each order it touched."""

    def __init__(self, strategy_id: str, oms: MiniOMS, settled: Callable[[Order, tuple], None], now: float,
                 filled: Callable[[Fill], None] = lambda fill: None):
        self.strategy_id = strategy_id
        self.oms = oms
        self.settled = settled
        self.filled = filled            # a fill the venue made that no engine reported (booked once, by key)
        self.engine = None              # the engine's Ray handle, once wired
        self.engine_name = ""
        self.next_check = now + RECONCILE_SECONDS
        self.count = {"reconciled": 0, "reconcile_unanswered": 0, "settled_from_venue": 0}

    def due(self, now: float) -> list[str]:
        overdue = self.oms.overdue(now)
        if overdue:
            return [o.client_order_id for o in overdue]
        if now < self.next_check:
            return []
        self.next_check = now + RECONCILE_SECONDS
        # Every live order with no request in flight: a resting one, and one whose cancel or modify the
        # engine acknowledged but whose event has not come (it may have been lost while the engine restarted).
        return [o.client_order_id for o in self.oms.live_orders() if o.sent_at is None]

    async def run(self, client_order_ids: list[str]) -> None:
        try:
            states = await asyncio.wait_for(self.engine.order_states.remote(self.strategy_id, client_order_ids),
                                            ANSWER_SECONDS)
        except (ray.exceptions.RayError, TimeoutError) as exc:   # restarting, not reconciled yet: next time
            self.count["reconcile_unanswered"] += 1
            if self.engine_name:
                # A call caught in the engine's restart may never be answered, and the handle's later calls
                # queue behind it; an engine made again on another node is another actor: the next attempt
                # goes through a fresh handle.
                with contextlib.suppress(ValueError):
                    self.engine = await asyncio.to_thread(ray.get_actor, self.engine_name)
            log.warning("reconcile: engine unavailable", extra={"fields": {
                "error": f"{type(exc).__name__}: {str(exc)[:200]}"}})
            for cid in client_order_ids:
                self.oms.unanswered(cid)
            return
        for cid, raw in states.items():
            self.count["reconciled"] += 1
            order = self.oms.orders.get(cid)
            if order is None:
                continue
            before = snapshot(order)
            event = OrderEvent.FromString(raw) if raw is not None else await self._from_the_venue(order)
            self._apply(cid, event)
            self.settled(order, before)

    async def _from_the_venue(self, order: Order) -> OrderEvent | None:
        """An order the engine never saw: an engine before it placed it and went (its node lost, its process
        killed) before saying what became of it. The venue's word, and the fills it made meanwhile."""
        try:
            raw, fills = await asyncio.wait_for(self.engine.venue_order.remote(
                self.strategy_id, order.client_order_id, order.symbol), ANSWER_SECONDS)
        except (ray.exceptions.RayError, TimeoutError) as exc:
            log.warning("reconcile: the venue's word on an order unknown to the engine not had", extra={"fields": {
                "client_order_id": order.client_order_id, "error": f"{type(exc).__name__}: {str(exc)[:200]}"}})
            return None
        for fill in fills:
            self.filled(Fill.FromString(fill))
        if raw is not None:
            self.count["settled_from_venue"] += 1
        return None if raw is None else OrderEvent.FromString(raw)

    def _apply(self, cid: str, event: OrderEvent | None) -> None:
        if event is None:
            self.oms.lost(cid, "the engine does not know the order (never received, or gone while it was down)")
            return
        order, _ = self.oms.on_event(event)
        if order is None or not order.state.pending or order.sent_at is None:
            return      # settled, or an acknowledged request whose event will settle it
        # The engine has the order and its state did not settle the request: the request itself was lost
        # (the engine died with it, or its reply did). A new order is there; a cancel or modify never
        # happened, so the order is back as it was and the strategy may ask again.
        if order.state is State.PENDING_NEW:
            self.oms.on_reply(cid, True, venue_order_id=event.venue_order_id)
        else:
            self.oms.on_reply(cid, False, detail="request lost: the engine still has the order as it was")
