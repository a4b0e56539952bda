"""The Mini OMS: one strategy's orders as a finite state machine keyed by client order id.

    PENDING_NEW ──reply ok / ACCEPTED──► OPEN ──fill──► PARTIALLY_FILLED ──fill──► FILLED
        │                                 │  ▲                │
        └─reply rejected / REJECTED─► REJECTED                 │
                                          │  └─MODIFIED── PENDING_MODIFY (reply rejected: back)
                                          └──► PENDING_CANCEL ──CANCELLED / EXPIRED──► CANCELLED

Final states (FILLED, CANCELLED, REJECTED) never change again. Two rules
keep a strategy honest: an *intent* (a name such as ``bid`` or ``ask`` on a
symbol) holds at most one live order, so a quote is never doubled by a
retry or a race; and every request has a deadline, after which the order is
reported overdue so the owner reconciles it against the engine instead of
guessing. Pure: no I/O, time is passed in.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal

from tradesys.messages import OrderEvent, OrderEventType, RejectReason
from tradesys.numeric import get_decimal

ET = OrderEventType


class State(enum.Enum):
    PENDING_NEW = "pending_new"
    OPEN = "open"
    PARTIALLY_FILLED = "partially_filled"
    PENDING_CANCEL = "pending_cancel"
    PENDING_MODIFY = "pending_modify"
    FILLED = "filled"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @property
    def final(self) -> bool:
        return self in FINAL

    @property
    def pending(self) -> bool:
        return self in (State.PENDING_NEW, State.PENDING_CANCEL, State.PENDING_MODIFY)


FINAL = frozenset({State.FILLED, State.CANCELLED, State.REJECTED})


class IntentBusy(Exception):
    """The intent already has a live order: modify or cancel it instead of adding another."""


class UnknownOrder(KeyError):
    """No order of this strategy has that client order id."""


@dataclass
class Order:
    client_order_id: str
    symbol: str
    side: int
    price: Decimal | None
    quantity: Decimal
    intent: str
    state: State = State.PENDING_NEW
    filled: Decimal = Decimal(0)
    venue_order_id: str = ""
    reason: int = 0                     # RejectReason of a rejection
    detail: str = ""
    sent_at: float | None = None        # when the request in flight went out (owner's clock); None: none
    before: State | None = None         # the state to return to if a cancel/modify is refused
    target: tuple[Decimal, Decimal] | None = None   # a modify in flight: (price, quantity)
    history: list[str] = field(default_factory=list)

    @property
    def live(self) -> bool:
        return not self.state.final

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.filled


class MiniOMS:
    def __init__(self, strategy_id: str, *, timeout_s: float = 5.0, keep_final: int = 10_000):
        self.strategy_id = strategy_id
        self.timeout_s = timeout_s
        self.keep_final = keep_final
        self.orders: dict[str, Order] = {}
        self._by_intent: dict[tuple[str, str], str] = {}   # (symbol, intent) -> live client order id
        self._final_order: deque[str] = deque()
        self.counters = {"new": 0, "cancel": 0, "modify": 0, "accepted": 0, "rejected": 0, "filled": 0,
                         "cancelled": 0, "stale_events": 0, "unknown_events": 0, "adopted": 0, "timeouts": 0}

    # -- requests the strategy makes ----------------------------------------------------

    def live(self, symbol: str, intent: str) -> Order | None:
        cid = self._by_intent.get((symbol, intent))
        return self.orders.get(cid) if cid else None

    def live_orders(self, symbol: str | None = None) -> list[Order]:
        return [o for o in self.orders.values() if o.live and (symbol is None or o.symbol == symbol)]

    def new(self, client_order_id: str, symbol: str, side: int, price: Decimal | None, quantity: Decimal,
            intent: str, now: float) -> Order:
        """Record a new order about to be sent; IntentBusy if the intent already has a live one."""
        current = self.live(symbol, intent)
        if current is not None:
            raise IntentBusy(f"{symbol}/{intent} already has live order {current.client_order_id} "
                             f"({current.state.value})")
        if client_order_id in self.orders:
            raise ValueError(f"client order id {client_order_id} was used before")
        order = Order(client_order_id, symbol, side, price, quantity, intent, sent_at=now)
        self.orders[client_order_id] = order
        self._by_intent[(symbol, intent)] = client_order_id
        self.counters["new"] += 1
        return order

    def cancel(self, client_order_id: str, now: float) -> Order | None:
        """Mark a cancel in flight; None when there is nothing to cancel (final, or a cancel already pending)."""
        order = self._get(client_order_id)
        if order.state.final or order.state is State.PENDING_CANCEL:
            return None
        order.before = order.state if order.state is not State.PENDING_MODIFY else order.before
        order.target = None
        self._move(order, State.PENDING_CANCEL)
        order.sent_at = now
        self.counters["cancel"] += 1
        return order

    def modify(self, client_order_id: str, price: Decimal, quantity: Decimal, now: float) -> Order | None:
        """Mark a modify in flight; None when the order cannot be modified now (pending or final)."""
        order = self._get(client_order_id)
        if order.state not in (State.OPEN, State.PARTIALLY_FILLED):
            return None
        order.before = order.state
        order.target = (price, quantity)
        self._move(order, State.PENDING_MODIFY)
        order.sent_at = now
        self.counters["modify"] += 1
        return order

    # -- what comes back ----------------------------------------------------------------

    def on_reply(self, client_order_id: str, accepted: bool, reason: int = 0, detail: str = "",
                 venue_order_id: str = "") -> Order | None:
        """The engine's answer to the request in flight for this order."""
        order = self.orders.get(client_order_id)
        if order is None:
            self.counters["unknown_events"] += 1
            return None
        order.sent_at = None
        if venue_order_id:
            order.venue_order_id = venue_order_id
        if accepted:
            if order.state is State.PENDING_NEW:
                self._move(order, State.OPEN)
                self.counters["accepted"] += 1
            return order
        if order.state is State.PENDING_NEW:
            order.reason, order.detail = reason, detail
            self._move(order, State.REJECTED)
            self.counters["rejected"] += 1
        elif order.state in (State.PENDING_CANCEL, State.PENDING_MODIFY):
            if reason == RejectReason.REJECT_REASON_UNKNOWN_ORDER:
                # The engine or venue no longer has it: it filled or was cancelled. Its event may still come;
                # if not, it is reported overdue at once so the owner reconciles it. Until then it stays
                # pending (and counts as live).
                order.detail = detail
                order.sent_at = float("-inf")
                return order
            order.target = None
            self._move(order, order.before or State.OPEN)
            order.detail = detail
        return order

    def on_event(self, event: OrderEvent) -> tuple[Order | None, Decimal]:
        """Apply an order event from the engine; return the order and the newly filled quantity."""
        order = self.orders.get(event.client_order_id)
        if order is None:
            self.counters["unknown_events"] += 1
            return None, Decimal(0)
        if event.venue_order_id:
            order.venue_order_id = event.venue_order_id
        filled = get_decimal(event.filled_quantity) if event.HasField("filled_quantity") else order.filled
        new_fill = filled - order.filled if filled > order.filled else Decimal(0)
        if order.state.final and not new_fill:
            self.counters["stale_events"] += 1
            return order, Decimal(0)
        order.filled = max(order.filled, filled)
        if event.HasField("quantity"):
            order.quantity = get_decimal(event.quantity)
        if event.HasField("price") and (event.price.mantissa or event.price.scale):
            order.price = get_decimal(event.price)
        kind = event.type
        if kind == ET.ORDER_EVENT_TYPE_FILLED or (order.quantity and order.filled >= order.quantity):
            self._move(order, State.FILLED)
            self.counters["filled"] += 1
        elif kind in (ET.ORDER_EVENT_TYPE_CANCELLED, ET.ORDER_EVENT_TYPE_EXPIRED):
            self._move(order, State.CANCELLED)
            self.counters["cancelled"] += 1
        elif kind == ET.ORDER_EVENT_TYPE_REJECTED:
            order.reason, order.detail = event.reason, event.detail
            self._move(order, State.REJECTED)
            self.counters["rejected"] += 1
        elif kind == ET.ORDER_EVENT_TYPE_MODIFIED:
            order.target = None
            self._move(order, State.PARTIALLY_FILLED if order.filled else State.OPEN)
        elif kind in (ET.ORDER_EVENT_TYPE_ACCEPTED, ET.ORDER_EVENT_TYPE_PARTIALLY_FILLED):
            if order.state is State.PENDING_NEW:
                self.counters["accepted"] += 1
            live_state = State.PARTIALLY_FILLED if order.filled else State.OPEN
            if order.state in (State.PENDING_CANCEL, State.PENDING_MODIFY):
                order.before = live_state        # a fill while a request is in flight: stay pending
            else:
                self._move(order, live_state)
        return order, new_fill

    def adopt(self, event: OrderEvent, intent: str) -> Order | None:
        """Take on a live order the engine knows and this OMS does not (recovery after a restart).
        An order already known is updated instead; two live orders for one intent: the second is
        adopted under a ``<intent>~<id>`` intent so it is still tracked (and can be cancelled)."""
        if event.client_order_id in self.orders:
            return self.on_event(event)[0]
        symbol = event.symbol
        if self.live(symbol, intent) is not None:
            intent = f"{intent}~{event.client_order_id}"
        price = get_decimal(event.price) if event.HasField("price") else None
        order = Order(event.client_order_id, symbol, event.side, price, get_decimal(event.quantity), intent,
                      filled=get_decimal(event.filled_quantity), venue_order_id=event.venue_order_id)
        order.state = State.PARTIALLY_FILLED if order.filled else State.OPEN
        order.history.append(order.state.value)
        self.orders[order.client_order_id] = order
        self._by_intent[(symbol, intent)] = order.client_order_id
        self.counters["adopted"] += 1
        return order

    def lost(self, client_order_id: str, detail: str) -> Order | None:
        """The engine never saw this order (its request was lost): it is final, nothing rests."""
        order = self.orders.get(client_order_id)
        if order is None or order.state.final:
            return order
        order.detail = detail
        self._move(order, State.REJECTED if order.state is State.PENDING_NEW else State.CANCELLED)
        return order

    def unanswered(self, client_order_id: str) -> None:
        """The request of this order got no answer in time: report it overdue at the next check."""
        order = self.orders.get(client_order_id)
        if order is not None and order.state.pending:
            order.sent_at = float("-inf")

    def overdue(self, now: float) -> list[Order]:
        """Orders whose request has gone unanswered for longer than the timeout."""
        out = [o for o in self.orders.values()
               if o.state.pending and o.sent_at is not None and now - o.sent_at > self.timeout_s]
        self.counters["timeouts"] += len(out)
        for order in out:
            order.sent_at = now     # report again only after another timeout
        return out

    # -- internals ----------------------------------------------------------------------

    def _get(self, client_order_id: str) -> Order:
        try:
            return self.orders[client_order_id]
        except KeyError:
            raise UnknownOrder(client_order_id) from None

    def _move(self, order: Order, state: State) -> None:
        if order.state is state:
            return
        order.state = state
        order.history.append(state.value)
        if state.final:
            key = (order.symbol, order.intent)
            if self._by_intent.get(key) == order.client_order_id:
                del self._by_intent[key]
            order.target = order.before = None
            self._final_order.append(order.client_order_id)
            if len(self._final_order) > self.keep_final:
                self.orders.pop(self._final_order.popleft(), None)
