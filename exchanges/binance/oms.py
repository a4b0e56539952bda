"""Binance USD-M order entry: new, cancel, modify, cancel-all, batches, over REST or the WebSocket API.

The transport is chosen in config (``rest`` | ``ws_api``); cancel-all,
batches and the dead-man switch always use REST (the WS API has no twin).
Prices and sizes are checked against the instrument's filters here, before
anything is sent: ``round_to_filters`` is the one place that rounds, and
``place`` refuses what is not on the grid rather than rounding it behind the
caller's back. Cancel-on-disconnect is Binance's ``countdownCancelAll``,
re-armed every few seconds for every symbol we trade: if this process dies
or loses the venue, the venue cancels our orders when the countdown lapses.
``stop`` leaves it armed on purpose (stopping is not a reason to leave
orders unattended); ``disarm`` turns it off.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence

from exchanges.binance import messages as m
from exchanges.binance import parse
from exchanges.binance.constants import (
    CLIENT_ORDER_ID_MAX,
    COUNTDOWN_CANCEL_MS,
    COUNTDOWN_REFRESH_S,
    MAX_BATCH_ORDERS,
    VENUE,
)
from exchanges.binance.errors import classify
from exchanges.binance.http import BinanceHttp
from exchanges.binance.rpc import BinanceWsApi
from tradesys.aio import cancel_and_wait
from tradesys.messages import OrderEvent, OrderType
from tradesys.venue.base import IExchangeOMS, ModifySpec, OrderSpec
from tradesys.venue.errors import ExchangeError, InvalidOrder, InvalidPrice, InvalidQuantity
from tradesys.venue.grid import Grid, Grids

log = logging.getLogger(__name__)
_CLIENT_ORDER_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,%d}$" % CLIENT_ORDER_ID_MAX)


class BinanceOMS(Grids, IExchangeOMS):
    venue = VENUE

    def __init__(self, http: BinanceHttp, *, ws_api: BinanceWsApi | None = None, cancel_on_disconnect: bool = True,
                 countdown_ms: int = COUNTDOWN_CANCEL_MS, refresh_s: float = COUNTDOWN_REFRESH_S,
                 symbols: Sequence[str] = ()):
        self.http = http
        self.ws_api = ws_api
        self.transport = ws_api if ws_api is not None else http
        self.cancel_on_disconnect = cancel_on_disconnect
        self.countdown_ms = countdown_ms
        self.refresh_s = refresh_s
        self._armed: set[str] = set(symbols) if cancel_on_disconnect else set()
        self.grids: dict[str, Grid] = {}
        self._keeper: asyncio.Task | None = None
        self.counters = {"placed": 0, "rejected": 0, "cancelled": 0, "modified": 0, "countdown_errors": 0}

    def keep_frames(self, tap) -> None:
        self.http.keep_answers(tap)
        if self.ws_api is not None:
            self.ws_api.session.on_raw = tap

    async def start(self) -> None:
        await self.http.start()
        await self.http.sync_clock()
        info = await self.http.exchange_info()
        self.grids = {i.symbol: Grid(parse.instrument(i)) for i in info.symbols}
        await self.http.limiter.declared(parse.rate_limits(info))
        if self.ws_api is not None:
            await self.ws_api.start()
        if self.cancel_on_disconnect:
            for symbol in self._armed:
                await self.http.countdown_cancel_all(symbol, self.countdown_ms)
            self._keeper = asyncio.create_task(self._keep_countdowns(), name="binance-countdown")

    async def stop(self) -> None:
        await cancel_and_wait(self._keeper)
        self._keeper = None
        if self.ws_api is not None:
            await self.ws_api.stop()
        await self.http.close()

    async def disarm(self) -> None:
        """Turn the venue's cancel-on-disconnect off for every symbol (orders then rest unattended)."""
        await cancel_and_wait(self._keeper)
        self._keeper = None
        for symbol in sorted(self._armed):
            await self.http.countdown_cancel_all(symbol, 0)
        self._armed.clear()

    # -- filters -----------------------------------------------------------------------

    def _order_params(self, order: OrderSpec) -> dict[str, str]:
        grid = self.grid(order.symbol)
        if not _CLIENT_ORDER_ID.match(order.client_order_id):
            raise InvalidOrder(f"client order id {order.client_order_id!r} is not valid for the venue",
                               request="order")
        price, quantity = self.round_to_filters(order.symbol, order.side, order.price, order.quantity)
        if quantity != order.quantity or quantity < grid.min_quantity:
            raise InvalidQuantity(f"quantity {order.quantity} is not a multiple of {grid.lot} of at least "
                                  f"{grid.min_quantity}", request="order")
        params = {"symbol": order.symbol, "side": parse.SIDE_NAMES[order.side], "quantity": f"{quantity:f}",
                  "newClientOrderId": order.client_order_id}
        if order.type == OrderType.ORDER_TYPE_LIMIT:
            if order.price is None or price != order.price or price <= 0:
                raise InvalidPrice(f"price {order.price} is not on the tick {grid.tick}", request="order")
            if not order.reduce_only and price * quantity < grid.min_notional:
                raise InvalidQuantity(f"notional {price * quantity} is below {grid.min_notional}", request="order")
            params |= {"type": "LIMIT", "price": f"{price:f}",
                       "timeInForce": parse.TIME_IN_FORCE_NAMES[order.time_in_force]}
        elif order.type == OrderType.ORDER_TYPE_MARKET:
            params["type"] = "MARKET"
        else:
            raise InvalidOrder(f"order type {order.type} is not supported", request="order")
        if order.reduce_only:
            params["reduceOnly"] = "true"
        return params

    # -- requests ----------------------------------------------------------------------

    async def place(self, order: OrderSpec) -> OrderEvent:
        params = self._order_params(order)
        await self._arm(order.symbol)
        try:
            answer = await self.transport.new_order(params)
        except ExchangeError:
            self.counters["rejected"] += 1
            raise
        self.counters["placed"] += 1
        return parse.order_event(answer)

    async def place_batch(self, orders: Sequence[OrderSpec]) -> list[OrderEvent | ExchangeError]:
        results: list[OrderEvent | ExchangeError] = []
        for start in range(0, len(orders), MAX_BATCH_ORDERS):
            chunk = orders[start:start + MAX_BATCH_ORDERS]
            outcome: list[OrderEvent | ExchangeError | None] = [None] * len(chunk)
            to_send: list[tuple[int, dict[str, str]]] = []
            for index, order in enumerate(chunk):
                try:
                    to_send.append((index, self._order_params(order)))
                except ExchangeError as exc:   # refused here: the venue never sees it
                    outcome[index] = exc
            for symbol in {chunk[index].symbol for index, _ in to_send}:
                await self._arm(symbol)
            if to_send:
                answers = await self.http.batch_orders([params for _, params in to_send])
                for (index, _), answer in zip(to_send, answers):
                    if isinstance(answer, m.ErrorBody):
                        self.counters["rejected"] += 1
                        outcome[index] = classify(400, answer.code, answer.msg, request="POST /fapi/v1/batchOrders")
                    else:
                        self.counters["placed"] += 1
                        outcome[index] = parse.order_event(answer)
            results.extend(outcome)
        return results

    async def cancel(self, symbol: str, client_order_id: str) -> OrderEvent:
        self.grid(symbol)
        answer = await self.transport.cancel_order(symbol, client_order_id)
        self.counters["cancelled"] += 1
        return parse.order_event(answer)

    async def modify(self, change: ModifySpec) -> OrderEvent:
        grid = self.grid(change.symbol)
        price, quantity = self.round_to_filters(change.symbol, change.side, change.price, change.quantity)
        if price != change.price or quantity != change.quantity:
            raise InvalidOrder(f"modify to {change.price} x {change.quantity} is off the grid "
                               f"(tick {grid.tick}, lot {grid.lot})", request="modify")
        answer = await self.transport.modify_order({
            "symbol": change.symbol, "origClientOrderId": change.client_order_id,
            "side": parse.SIDE_NAMES[change.side], "price": f"{price:f}", "quantity": f"{quantity:f}"})
        self.counters["modified"] += 1
        return parse.order_event(answer)

    async def cancel_all(self, symbol: str) -> None:
        self.grid(symbol)
        await self.http.cancel_all(symbol)

    # -- cancel on disconnect ----------------------------------------------------------

    async def _arm(self, symbol: str) -> None:
        """Arm cancel-on-disconnect for a symbol before its first order goes out; the keeper re-arms it."""
        if self.cancel_on_disconnect and symbol not in self._armed:
            await self.http.countdown_cancel_all(symbol, self.countdown_ms)
            self._armed.add(symbol)

    async def _keep_countdowns(self) -> None:
        while True:
            await asyncio.sleep(self.refresh_s)
            for symbol in sorted(self._armed):
                try:
                    await self.http.countdown_cancel_all(symbol, self.countdown_ms)
                except ExchangeError as exc:
                    self.counters["countdown_errors"] += 1
                    log.warning("binance: countdownCancelAll %s failed: %s", symbol, exc)

