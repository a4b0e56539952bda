"""Deribit order entry over one authenticated WebSocket: buy, sell, edit, cancel, cancel-all.

Our client order id travels as the order's ``label`` (at most 64 characters),
so every venue event names its order. Deribit cancels and edits by its own
``order_id``: the OMS keeps the map from the replies it gets, and looks a
label up among the instrument's open orders when it does not know it (after
a restart). ``POST_ONLY`` is sent as ``post_only`` with ``reject_post_only``,
so a crossing quote is refused (11054) rather than moved by the venue.

Cancel-on-disconnect is the venue's own, scope ``connection``, enabled on
every (re)connect: if this process dies or loses the socket, the venue
cancels the orders placed on it. Amounts are the venue's: USD for inverse
perpetuals (multiples of the contract size), the coin for linear ones.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from exchanges.deribit import parse
from exchanges.deribit.constants import LABEL_MAX, VENUE
from exchanges.deribit.http import DeribitApi
from exchanges.deribit.rpc import RpcSession
from tradesys.messages import OrderEvent, OrderType, TimeInForce
from tradesys.venue.base import IExchangeOMS, ModifySpec, OrderSpec
from tradesys.venue.errors import ExchangeError, InvalidOrder, InvalidPrice, UnknownOrder
from tradesys.venue.grid import Grid, Grids
from tradesys.venue.memory import BoundedDict

log = logging.getLogger(__name__)
REMEMBERED = 50_000


class DeribitOMS(Grids, IExchangeOMS):
    venue = VENUE

    def __init__(self, api: DeribitApi, session: RpcSession):
        self.api = api                  # over ``session``
        self.session = session
        self.grids: dict[str, Grid] = {}
        self._order_ids = BoundedDict(REMEMBERED)   # client order id -> venue order id
        self.counters = {"placed": 0, "rejected": 0, "cancelled": 0, "modified": 0, "label_lookups": 0}

    def keep_frames(self, tap) -> None:
        self.session.ws.on_raw = tap

    async def start(self) -> None:
        await self.session.start()
        self.grids = {i.instrument_name: Grid(parse.instrument(i)) for i in await self.api.get_instruments()}

    async def stop(self) -> None:
        await self.session.stop()

    # -- filters -----------------------------------------------------------------------

    def _check(self, symbol: str, side: int, price: Decimal | None, quantity: Decimal, request: str) -> None:
        self.grid(symbol).check(side, price, quantity, request)

    def _params(self, order: OrderSpec) -> dict:
        if not order.client_order_id or len(order.client_order_id) > LABEL_MAX:
            raise InvalidOrder(f"client order id {order.client_order_id!r} does not fit a label of {LABEL_MAX}",
                               request="order")
        params = {"instrument_name": order.symbol, "amount": order.quantity, "label": order.client_order_id}
        if order.type == OrderType.ORDER_TYPE_LIMIT:
            if order.price is None:
                raise InvalidPrice("a limit order needs a price", request="order")
            self._check(order.symbol, order.side, order.price, order.quantity, "order")
            params |= {"type": "limit", "price": order.price,
                       "time_in_force": parse.TIME_IN_FORCE_NAMES[order.time_in_force]}
            if order.time_in_force == TimeInForce.TIME_IN_FORCE_POST_ONLY:
                params |= {"post_only": True, "reject_post_only": True}
        elif order.type == OrderType.ORDER_TYPE_MARKET:
            self._check(order.symbol, order.side, None, order.quantity, "order")
            params["type"] = "market"
        else:
            raise InvalidOrder(f"order type {order.type} is not supported", request="order")
        if order.reduce_only:
            params["reduce_only"] = True
        # Exact decimals go out as JSON numbers with their own digits.
        params["amount"] = _number(params["amount"])
        if "price" in params:
            params["price"] = _number(params["price"])
        return params

    def _remember(self, client_order_id: str, order_id: str) -> None:
        if client_order_id:
            self._order_ids.put(client_order_id, order_id)

    # -- requests ----------------------------------------------------------------------

    async def place(self, order: OrderSpec) -> OrderEvent:
        params = self._params(order)
        try:
            reply = await self.api.place(parse.SIDE_NAMES[order.side], params)
        except ExchangeError:
            self.counters["rejected"] += 1
            raise
        self.counters["placed"] += 1
        self._remember(order.client_order_id, reply.order.order_id)
        return parse.order_event(reply.order)

    async def _order_id(self, symbol: str, client_order_id: str) -> str:
        known = self._order_ids.get(client_order_id)
        if known is not None:
            return known
        self.counters["label_lookups"] += 1
        for order in await self.api.open_orders_by_instrument(symbol):
            self._remember(order.label, order.order_id)
        known = self._order_ids.get(client_order_id)
        if known is None:
            raise UnknownOrder(f"no open order labelled {client_order_id!r} on {symbol}", request="cancel")
        return known

    async def cancel(self, symbol: str, client_order_id: str) -> OrderEvent:
        self.grid(symbol)
        order_id = await self._order_id(symbol, client_order_id)
        order = await self.api.cancel(order_id)
        self.counters["cancelled"] += 1
        return parse.order_event(order)

    async def modify(self, change: ModifySpec) -> OrderEvent:
        self._check(change.symbol, change.side, change.price, change.quantity, "modify")
        order_id = await self._order_id(change.symbol, change.client_order_id)
        reply = await self.api.edit({"order_id": order_id, "amount": _number(change.quantity),
                                     "price": _number(change.price)})
        self.counters["modified"] += 1
        return parse.order_event(reply.order)

    async def cancel_all(self, symbol: str) -> None:
        self.grid(symbol)
        await self.api.cancel_all_by_instrument(symbol)


def _number(value: Decimal) -> int | float:
    """A Decimal as the JSON number with the same digits (float's repr is the shortest that round-trips)."""
    if value == value.to_integral_value():
        return int(value)
    number = float(value)
    if Decimal(repr(number)) != value:
        raise InvalidOrder(f"{value} cannot travel exactly as a JSON number", request="order")
    return number
