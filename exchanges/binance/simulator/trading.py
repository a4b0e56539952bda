"""Order endpoints of the Binance simulator (TRADE and USER_DATA)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from exchanges.binance.simulator import errors
from exchanges.binance.simulator.errors import ApiError
from exchanges.binance.simulator.params import (
    CLIENT_ORDER_ID,
    Call,
    bool_param,
    decimal_param,
    fail,
    instrument_of,
    instruments_of,
    int_param,
    order_ref_param,
    side_param,
)
from exchanges.binance.simulator.render import money, order_object
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.orders import OrderType, Side, StpMode, TimeInForce

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue

_CONDITIONAL = {"STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET", "TRAILING_STOP_MARKET"}
_TIF = {"GTC": TimeInForce.GTC, "IOC": TimeInForce.IOC, "FOK": TimeInForce.FOK, "GTX": TimeInForce.GTX}


class Trading:
    def __init__(self, sim: BinanceVenue):
        self.sim = sim

    def new_order(self, call: Call) -> dict:
        p = call.params
        instrument = instrument_of(self.sim, p)
        side = side_param(p)
        kind = p.get("type") or fail(errors.mandatory("type"))
        if kind in _CONDITIONAL:
            raise errors.ALGO_ONLY
        if kind not in ("LIMIT", "MARKET"):
            raise errors.INVALID_ORDER_TYPE
        order_type = OrderType(kind)
        if p.get("positionSide", "BOTH") != "BOTH":
            raise errors.POSITION_SIDE
        quantity = decimal_param(p, "quantity", instrument.qty_of)
        price = 0
        tif = TimeInForce.GTC
        if order_type is OrderType.LIMIT:
            price = decimal_param(p, "price", instrument.price_of)
            tif_text = p.get("timeInForce") or fail(errors.mandatory("timeInForce"))
            tif = _TIF.get(tif_text) or fail(errors.invalid("timeInForce"))
        client_id = p.get("newClientOrderId") or None
        if client_id is not None and not CLIENT_ORDER_ID.match(client_id):
            raise errors.BAD_CLIENT_ORDER_ID
        stp_text = p.get("selfTradePreventionMode")
        try:
            stp = StpMode(stp_text) if stp_text else None
        except ValueError:
            raise errors.BAD_STP from None
        respond = p.get("newOrderRespType", "ACK")
        if respond not in ("ACK", "RESULT"):
            raise errors.invalid("newOrderRespType")
        order = self.sim.exchange.place(call.account, instrument.symbol, side, order_type, quantity, price=price,
                                        time_in_force=tif, client_order_id=client_id,
                                        reduce_only=bool_param(p, "reduceOnly"), stp_mode=stp)
        body = order_object(order, instrument)
        if respond == "ACK":  # the venue's ACK shows the order as accepted, whatever matching did since
            body.update(status="NEW", executedQty=instrument.qty_text(0), cumQty=instrument.qty_text(0),
                        cumQuote="0", avgPrice="0.00")
        return body

    def modify_order(self, call: Call) -> dict:
        p = call.params
        instrument = instrument_of(self.sim, p)
        side = side_param(p)
        quantity = decimal_param(p, "quantity", instrument.qty_of)
        price = decimal_param(p, "price", instrument.price_of)
        order_id, client_id = order_ref_param(p)
        order = self.sim.exchange.modify(call.account, instrument.symbol, side, price, quantity, order_id=order_id,
                                         client_order_id=client_id)
        body = order_object(order, instrument)
        body.update(pair=instrument.symbol, cumBase=body["executedQty"])
        return body

    def cancel_order(self, call: Call) -> dict:
        instrument = instrument_of(self.sim, call.params)
        order_id, client_id = order_ref_param(call.params)
        try:
            order = self.sim.exchange.cancel(call.account, instrument.symbol, order_id=order_id,
                                             client_order_id=client_id)
        except SimReject as reject:
            raise errors.from_reject(reject.code, unknown_order=-2011) from None
        return order_object(order, instrument)

    def query_order(self, call: Call) -> dict:
        instrument = instrument_of(self.sim, call.params)
        order_id, client_id = order_ref_param(call.params)
        order = self.sim.exchange.order(call.account, instrument.symbol, order_id=order_id, client_order_id=client_id)
        return order_object(order, instrument, with_time=True)

    def open_order(self, call: Call) -> dict:
        body = self.query_order(call)
        if body["status"] not in ("NEW", "PARTIALLY_FILLED"):
            raise errors.from_reject(RejectCode.UNKNOWN_ORDER)
        return body

    def open_orders(self, call: Call) -> list:
        instruments, _ = instruments_of(self.sim, call.params)
        return [order_object(o, i, with_time=True) for i in instruments
                for o in self.sim.exchange.engines[i.symbol].open_orders(call.account)]

    def all_orders(self, call: Call) -> list:
        """Oldest first: from ``orderId`` up, or from ``startTime``; without either, the newest ``limit``."""
        instrument = instrument_of(self.sim, call.params)
        window = history_window(call.params, self.sim.now_ms())
        start_id = int_param(call.params, "orderId") if "orderId" in call.params else None
        orders = [o for o in self.sim.exchange.orders(call.account, instrument.symbol)
                  if window.holds(o.created_ns // 1_000_000) and (start_id is None or o.order_id >= start_id)]
        orders.sort(key=lambda o: o.order_id)
        return [order_object(o, instrument, with_time=True) for o in window.page(orders, start_id is not None)]

    def cancel_all(self, call: Call) -> dict:
        instrument = instrument_of(self.sim, call.params)
        self.sim.exchange.cancel_all(call.account, instrument.symbol)
        return {"code": 200, "msg": "The operation of cancel all open order is done."}

    # -- batches ---------------------------------------------------------------------------

    def batch_new(self, call: Call) -> list:
        """Up to 5 orders; each item answers with its order or its own error, in input order."""
        return [self._item(self.new_order, call, item) for item in _batch(call.params, "batchOrders", 5)]

    def batch_modify(self, call: Call) -> list:
        return [self._item(self.modify_order, call, item) for item in _batch(call.params, "batchOrders", 5)]

    def batch_cancel(self, call: Call) -> list:
        # ccxt sends the list names in lower case: accept any case.
        lowered = {k.lower(): v for k, v in call.params.items()}
        instrument = instrument_of(self.sim, call.params)
        if "orderidlist" in lowered:
            refs = [{"orderId": str(i)} for i in _json_list(lowered["orderidlist"], "orderIdList", 10)]
        elif "origclientorderidlist" in lowered:
            refs = [{"origClientOrderId": str(c)} for c in
                    _json_list(lowered["origclientorderidlist"], "origClientOrderIdList", 10)]
        else:
            raise errors.mandatory("orderIdList")
        return [self._item(self.cancel_order, call, {"symbol": instrument.symbol, **ref}) for ref in refs]

    def _item(self, handler, call: Call, item: dict[str, str]):
        try:
            return handler(Call(item, call.account, call.api_key))
        except ApiError as error:
            return error.body()
        except SimReject as reject:
            return errors.from_reject(reject.code, detail=reject.detail).body()

    # -- cancel-on-disconnect and fills -------------------------------------------------------

    def countdown_cancel_all(self, call: Call) -> dict:
        """Arm (or with 0 disarm) the dead-man switch: all orders of the symbol go when it lapses."""
        instrument = instrument_of(self.sim, call.params)
        countdown = int_param(call.params, "countdownTime")
        if countdown < 0:
            raise errors.invalid("countdownTime")
        key = (call.account, instrument.symbol)
        if countdown == 0:
            self.sim.countdowns.pop(key, None)
        else:
            self.sim.countdowns[key] = self.sim.now_ms() + countdown
        return {"symbol": instrument.symbol, "countdownTime": str(countdown)}

    def user_trades(self, call: Call) -> list:
        """Oldest first: from ``fromId`` up, or from ``startTime``; without either, the newest ``limit`` (of the
        last 7 days). ``fromId`` cannot go with a time (protocol notes 3.11)."""
        instrument = instrument_of(self.sim, call.params)
        window = history_window(call.params, self.sim.now_ms())
        order_id = int_param(call.params, "orderId") if "orderId" in call.params else None
        from_id = int_param(call.params, "fromId") if "fromId" in call.params else None
        if from_id is not None and window.timed:
            raise errors.BAD_COMBINATION
        out = []
        fills = sorted(self.sim.exchange.fills(call.account, instrument.symbol), key=lambda f: f.trade_id)
        for fill in fills:
            if order_id is not None and fill.order_id != order_id:
                continue
            if from_id is not None and fill.trade_id < from_id:
                continue
            if not window.holds(fill.time_ns // 1_000_000):
                continue
            out.append({
                "buyer": fill.side is Side.BUY, "commission": money(fill.fee), "commissionAsset": fill.fee_asset,
                "id": fill.trade_id, "maker": fill.is_maker, "orderId": fill.order_id,
                "price": instrument.price_text(fill.price), "qty": instrument.qty_text(fill.quantity),
                "quoteQty": f"{instrument.notional(fill.price, fill.quantity):f}",
                "realizedPnl": money(fill.realized_pnl),
                "side": fill.side.value, "positionSide": "BOTH", "symbol": instrument.symbol,
                "time": fill.time_ns // 1_000_000})
        return window.page(out, from_id is not None)


WEEK_MS = 7 * 86_400_000


class HistoryWindow:
    """The time filter and page of a history query: ``startTime``/``endTime`` (at most 7 days apart; without
    either, the last 7 days) and ``limit`` (default 500, at most 1000)."""

    def __init__(self, start_ms: int | None, end_ms: int | None, limit: int, now_ms: int):
        self.timed = start_ms is not None or end_ms is not None
        self.from_start = start_ms is not None
        if start_ms is None and end_ms is None:
            start_ms = now_ms - WEEK_MS
        self.start_ms = start_ms if start_ms is not None else end_ms - WEEK_MS
        self.end_ms = end_ms if end_ms is not None else self.start_ms + WEEK_MS
        self.limit = limit

    def holds(self, time_ms: int) -> bool:
        return self.start_ms <= time_ms <= self.end_ms

    def page(self, items: list, from_id: bool) -> list:
        """Oldest-first ``items``: the first ``limit`` when the query names where to start, else the newest."""
        return items[:self.limit] if from_id or self.from_start else items[-self.limit:]


def history_window(params: dict[str, str], now_ms: int) -> HistoryWindow:
    start = int_param(params, "startTime") if "startTime" in params else None
    end = int_param(params, "endTime") if "endTime" in params else None
    if start is not None and end is not None and (end < start or end - start > WEEK_MS):
        raise errors.INTERVAL_TOO_BIG
    limit = min(int_param(params, "limit") if "limit" in params else 500, 1000)
    return HistoryWindow(start, end, max(1, limit), now_ms)


def _json_list(text: str, name: str, most: int) -> list:
    try:
        values = json.loads(text)
    except ValueError:
        raise errors.mandatory(name) from None
    if not isinstance(values, list) or not values:
        raise errors.mandatory(name)
    if len(values) > most:
        raise errors.ApiError(400, -4082 if name == "batchOrders" else -1130,
                               "Invalid number of batch place orders." if name == "batchOrders"
                               else f"Data sent for parameter '{name}' is not valid.")
    return values


def _batch(params: dict[str, str], name: str, most: int) -> list[dict[str, str]]:
    items = _json_list(params.get(name) or fail(errors.mandatory(name)), name, most)
    if not all(isinstance(i, dict) for i in items):
        raise errors.mandatory(name)
    # Items carry strings, but some clients send JSON numbers and booleans: read them as the venue does.
    return [{k: ("true" if v is True else "false" if v is False else str(v)) for k, v in i.items()} for i in items]
