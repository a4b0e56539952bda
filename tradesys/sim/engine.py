"""Price-time-priority matching for one symbol.

No clock and no I/O: each call takes the time and returns an ``EngineResult``
with every order update, public trade and changed book level it caused, so
the same engine serves every venue front-end and replays deterministically.
Validation against instrument filters, accounts and margin happens a layer
up (``SimExchange``); the engine only refuses what depends on the book:
post-only that would cross, FOK that cannot fill, and modify rules.

Rules (Binance USD-M semantics where venues differ):
- Limit GTC rests; IOC and market orders expire their remainder; FOK fills
  completely at once or is refused; GTX (post-only) is refused if it would
  take liquidity.
- Self-trade prevention applies to GTC and IOC (not FOK/GTX): EXPIRE_MAKER
  expires the resting order and continues, EXPIRE_TAKER expires the incoming
  order, EXPIRE_BOTH both; the status is EXPIRED_IN_MATCH.
- Modify (limit orders only) keeps the order id and loses queue priority; a
  new quantity at or below the filled quantity, or a post-only price that
  would cross, cancels the order. With ``keep_priority_on_decrease`` (other
  venues' rule), a size decrease at the same price keeps the queue place.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

from tradesys.sim.book import OrderBook
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.orders import (
    EngineResult,
    ExecType,
    Fill,
    OrderStatus,
    OrderType,
    OrderUpdate,
    PublicTrade,
    Side,
    SimOrder,
    StpMode,
    TimeInForce,
)

_STP_APPLIES = {TimeInForce.GTC, TimeInForce.IOC}


def _crosses(side: Side, limit: int, opposite_price: int) -> bool:
    return opposite_price <= limit if side is Side.BUY else opposite_price >= limit


class MatchingEngine:
    def __init__(self, symbol: str, *, keep_priority_on_decrease: bool = False, first_trade_id: int = 1,
                 update_ids: Iterator[int] | None = None):
        self.symbol = symbol
        self.book = OrderBook(symbol)
        self.keep_priority_on_decrease = keep_priority_on_decrease
        self.resting: dict[int, SimOrder] = {}
        self._next_trade_id = first_trade_id
        # Book update ids: per engine by default; a venue whose ids are one sequence across
        # symbols (Binance) passes a shared iterator.
        self._update_ids = update_ids if update_ids is not None else itertools.count(1)
        self.update_id = 0  # the last book update id used

    # -- queries -----------------------------------------------------------------------

    def skip_trade_ids(self, base: int) -> None:
        """Number new trades from ``base`` up (never below the next one)."""
        self._next_trade_id = max(self._next_trade_id, base)

    def would_cross(self, side: Side, price: int) -> bool:
        best = self.book.best_price(side.opposite)
        return best is not None and _crosses(side, price, best)

    def fillable(self, side: Side, limit: int | None, quantity: int) -> int:
        """How much of ``quantity`` the opposite side could fill now at ``limit`` (None: any price)."""
        available = 0
        for price, total in self.book.levels(side.opposite):
            if limit is not None and not _crosses(side, limit, price):
                break
            available += total
            if available >= quantity:
                return quantity
        return available

    def open_orders(self, account: str | None = None) -> list[SimOrder]:
        return sorted((o for o in self.resting.values() if account is None or o.account == account),
                      key=lambda o: o.order_id)

    # -- requests ----------------------------------------------------------------------

    def submit(self, order: SimOrder, now_ns: int) -> EngineResult:
        """Accept a new order: match it, then rest or expire what is left.

        Raises SimReject(POST_ONLY_WOULD_CROSS) or SimReject(FOK_NOT_FILLABLE), changing nothing.
        """
        if order.type is OrderType.LIMIT and order.time_in_force is TimeInForce.GTX \
                and self.would_cross(order.side, order.price):
            raise SimReject(RejectCode.POST_ONLY_WOULD_CROSS)
        if order.time_in_force is TimeInForce.FOK:
            limit = order.price if order.type is OrderType.LIMIT else None
            if self.fillable(order.side, limit, order.quantity) < order.quantity:
                raise SimReject(RejectCode.FOK_NOT_FILLABLE)
        order.created_ns = order.updated_ns = now_ns
        order.status = OrderStatus.NEW
        result = EngineResult()
        result.updates.append(OrderUpdate(ExecType.NEW, order.snapshot()))
        self._match_and_place(order, now_ns, result)
        return self._finish(result)

    def cancel(self, order_id: int, now_ns: int) -> EngineResult:
        """Cancel a resting order; SimReject(UNKNOWN_ORDER) if it is not resting."""
        order = self.resting.get(order_id)
        if order is None:
            raise SimReject(RejectCode.UNKNOWN_ORDER, f"order {order_id}")
        result = EngineResult()
        self._take_off(order, OrderStatus.CANCELED, ExecType.CANCELED, now_ns, result)
        return self._finish(result)

    def cancel_all(self, account: str, now_ns: int) -> EngineResult:
        """Cancel every resting order of ``account`` on this symbol (none is fine)."""
        result = EngineResult()
        for order in self.open_orders(account):
            self._take_off(order, OrderStatus.CANCELED, ExecType.CANCELED, now_ns, result)
        return self._finish(result)

    def modify(self, order_id: int, side: Side, price: int, quantity: int, now_ns: int) -> EngineResult:
        """Change a resting limit order's price and/or quantity (see the module's rules)."""
        order = self.resting.get(order_id)
        if order is None:
            raise SimReject(RejectCode.UNKNOWN_ORDER, f"order {order_id}")
        if order.type is not OrderType.LIMIT:
            raise SimReject(RejectCode.MODIFY_NOT_LIMIT)
        if side is not order.side:
            raise SimReject(RejectCode.MODIFY_SIDE_MISMATCH)
        if price == order.price and quantity == order.quantity:
            raise SimReject(RejectCode.MODIFY_NO_CHANGE)
        result = EngineResult()
        if quantity <= order.filled or (order.time_in_force is TimeInForce.GTX and self.would_cross(side, price)):
            self._take_off(order, OrderStatus.CANCELED, ExecType.CANCELED, now_ns, result)
            return self._finish(result)
        order.modifications += 1
        order.updated_ns = now_ns
        if self.keep_priority_on_decrease and price == order.price and quantity < order.quantity:
            self.book.shrink(order, quantity - order.filled)
            order.quantity = quantity
            result.updates.append(OrderUpdate(ExecType.AMENDMENT, order.snapshot()))
            return self._finish(result)
        self.book.remove(order)
        del self.resting[order.order_id]
        order.price, order.quantity = price, quantity
        result.updates.append(OrderUpdate(ExecType.AMENDMENT, order.snapshot()))
        self._match_and_place(order, now_ns, result)
        return self._finish(result)

    def rest(self, order: SimOrder, now_ns: int) -> None:
        """Put an order that does not cross on the book as it is: no matching, no event, no book update id
        (a backtest's recorded liquidity; the caller checked ``would_cross``)."""
        order.created_ns = order.updated_ns = now_ns
        order.status = OrderStatus.NEW
        self.book.add(order)
        self.resting[order.order_id] = order
        self.book.take_changes()

    def resize(self, order_id: int, remaining: int, now_ns: int) -> None:
        """Set a resting order's remaining quantity in place, keeping its queue place (0 takes it off). No
        event: a backtest reshapes the recorded market's own liquidity with it, which no client follows."""
        order = self.resting[order_id]
        if remaining <= 0:
            self.book.remove(order)
            del self.resting[order_id]
            order.status = OrderStatus.CANCELED
        else:
            self.book.shrink(order, remaining)
            order.quantity = order.filled + remaining
        order.updated_ns = now_ns
        self.book.take_changes()

    # -- internals ---------------------------------------------------------------------

    def _match_and_place(self, taker: SimOrder, now_ns: int, result: EngineResult) -> None:
        self._match(taker, now_ns, result)
        if taker.status.is_final:
            return
        if taker.type is OrderType.MARKET or taker.time_in_force in (TimeInForce.IOC, TimeInForce.FOK):
            taker.status = OrderStatus.EXPIRED
            taker.updated_ns = now_ns
            result.updates.append(OrderUpdate(ExecType.EXPIRED, taker.snapshot()))
            return
        self.book.add(taker)
        self.resting[taker.order_id] = taker

    def _match(self, taker: SimOrder, now_ns: int, result: EngineResult) -> None:
        book = self.book
        maker_side = taker.side.opposite
        limit = taker.price if taker.type is OrderType.LIMIT else None
        stp = taker.stp_mode if taker.time_in_force in _STP_APPLIES else StpMode.NONE
        while taker.remaining > 0:
            level = book.best(maker_side)
            if level is None or (limit is not None and not _crosses(taker.side, limit, level.price)):
                return
            maker = level.orders[0]
            if stp is not StpMode.NONE and maker.account == taker.account:
                if stp in (StpMode.EXPIRE_MAKER, StpMode.EXPIRE_BOTH):
                    self._take_off(maker, OrderStatus.EXPIRED_IN_MATCH, ExecType.EXPIRED, now_ns, result)
                if stp in (StpMode.EXPIRE_TAKER, StpMode.EXPIRE_BOTH):
                    taker.status = OrderStatus.EXPIRED_IN_MATCH
                    taker.updated_ns = now_ns
                    result.updates.append(OrderUpdate(ExecType.EXPIRED, taker.snapshot()))
                    return
                continue
            quantity = min(taker.remaining, maker.remaining)
            price = maker.price
            trade_id = self._next_trade_id
            self._next_trade_id += 1
            for order in (maker, taker):
                order.filled += quantity
                order.cum_quote += price * quantity
                order.status = OrderStatus.FILLED if order.remaining == 0 else OrderStatus.PARTIALLY_FILLED
                order.updated_ns = now_ns
            book.reduce_front(level, maker_side, quantity)
            if maker.remaining == 0:
                del self.resting[maker.order_id]
            result.trades.append(PublicTrade(trade_id, self.symbol, price, quantity, taker.side,
                                             maker.order_id, taker.order_id, now_ns))
            result.updates.append(OrderUpdate(ExecType.TRADE, maker.snapshot(), Fill(trade_id, price, quantity, True)))
            result.updates.append(OrderUpdate(ExecType.TRADE, taker.snapshot(), Fill(trade_id, price, quantity, False)))

    def _take_off(self, order: SimOrder, status: OrderStatus, exec_type: ExecType, now_ns: int,
                  result: EngineResult) -> None:
        self.book.remove(order)
        del self.resting[order.order_id]
        order.status = status
        order.updated_ns = now_ns
        result.updates.append(OrderUpdate(exec_type, order.snapshot()))

    def _finish(self, result: EngineResult) -> EngineResult:
        changes = self.book.take_changes()
        if changes:
            self.update_id = next(self._update_ids)
            result.book_changes = changes
            result.first_update_id = result.last_update_id = self.update_id
        return result
