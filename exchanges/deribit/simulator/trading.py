"""Private order and account methods: buy, sell, edit, the cancels, open orders, order state, user
trades, positions and account summaries.

Amounts are in the instrument's unit (USD for inverse, the coin for linear)
and must be multiples of the contract size; ``contracts`` may be given
instead. ``post_only`` without ``reject_post_only`` moves a crossing price to
one tick inside the spread, as the venue does; with it, the order is refused
(11054). Order ids carry the instrument's prefix ("ETH-123").
"""

from __future__ import annotations

from exchanges.deribit.simulator import params as p
from exchanges.deribit.simulator import render
from exchanges.deribit.simulator.catalog import CURRENCIES
from exchanges.deribit.simulator.errors import NOT_OPEN_ORDER, ORDER_NOT_FOUND, from_reject, invalid_arguments
from exchanges.deribit.simulator.market_data import Call, currency_of, entry_of
from exchanges.deribit.simulator.render import OrderMeta
from exchanges.deribit.simulator.rpc import RpcError
from tradesys.sim.errors import RejectCode, SimReject
from tradesys.sim.instruments import PrecisionError
from tradesys.sim.orders import OrderType, Side, TimeInForce

_TIF = {"good_til_cancelled": TimeInForce.GTC, "good_til_day": TimeInForce.GTC,
        "immediate_or_cancel": TimeInForce.IOC, "fill_or_kill": TimeInForce.FOK}
MAX_LABEL = 64


def _amount(entry, params: dict) -> int:
    amount = p.decimal(params, "amount")
    contracts = p.decimal(params, "contracts")
    if amount is None and contracts is None:
        raise p.invalid_params("amount", "amount or contracts is required")
    if amount is None:
        amount = contracts * entry.contract_size
    elif contracts is not None and contracts * entry.contract_size != amount:
        raise invalid_arguments("contracts", "does not match amount")
    try:
        return entry.instrument.qty_of(amount)
    except PrecisionError:
        raise RpcError(10021, "invalid_amount", {"reason": f"must be a multiple of {entry.contract_size}"}) from None


def _price(entry, params: dict, *, required: bool) -> int:
    price = p.decimal(params, "price", required=required)
    if price is None:
        return 0
    try:
        return entry.instrument.price_of(price)
    except PrecisionError:
        tick = entry.instrument.price(entry.instrument.tick)
        raise RpcError(10043, "price_wrong_tick", {"reason": f"tick size is {tick}"}) from None


def _label(params: dict) -> str:
    label = p.text(params, "label", "") or ""
    if len(label) > MAX_LABEL:
        raise invalid_arguments("label", f"at most {MAX_LABEL} characters")
    return label


def _place(call: Call, params: dict, side: Side):
    sim = call.sim
    account = call.account(params)
    entry = entry_of(sim, params)
    instrument = entry.instrument
    kind = p.text(params, "type", "limit")
    if kind not in ("limit", "market"):
        raise invalid_arguments("type", "the simulator takes limit and market orders")
    quantity = _amount(entry, params)
    price = _price(entry, params, required=kind == "limit")
    tif_name = p.text(params, "time_in_force", "good_til_cancelled")
    if tif_name not in _TIF:
        raise invalid_arguments("time_in_force", "unknown time in force")
    tif = _TIF[tif_name]
    post_only = p.flag(params, "post_only")
    reject_post_only = p.flag(params, "reject_post_only")
    if post_only and (kind != "limit" or tif is not TimeInForce.GTC):
        raise invalid_arguments("post_only", "only for good_til_cancelled limit orders")
    engine = sim.exchange.engines[entry.name]
    if post_only:
        if engine.would_cross(side, price):
            if reject_post_only:
                raise from_reject(RejectCode.POST_ONLY_WOULD_CROSS)
            best = engine.book.best_price(side.opposite)
            price = best - instrument.tick if side is Side.BUY else best + instrument.tick
        tif = TimeInForce.GTX
    meta = OrderMeta(label=_label(params), post_only=post_only, time_in_force=tif_name,
                     connection=call.conn.id if call.conn else None)
    if tif is TimeInForce.IOC or kind == "market":
        meta.cancel_reason = "immediate_or_cancel" if kind == "limit" else "market_remainder"
    # Known before matching: the stream events the order causes already carry its label.
    sim.remember(entry.name, sim.exchange.next_order_id(entry.name), meta)
    with sim.capture() as events:
        try:
            order = sim.exchange.place(account, entry.name, side, OrderType.MARKET if kind == "market"
                                       else OrderType.LIMIT, quantity, price=price, time_in_force=tif,
                                       reduce_only=p.flag(params, "reduce_only"), stp_mode=None)
        except SimReject as exc:
            sim.forget(entry.name, sim.exchange.next_order_id(entry.name))
            raise from_reject(exc.code, exc.detail) from None
    return _with_trades(sim, entry, account, order, meta, events)


def _with_trades(sim, entry, account, order, meta, events) -> dict:
    mark = sim.exchange.mark_price(entry.name)
    now = sim.now_ms()
    trades = [render.trade_object(entry, u.order, u.fill, event.bookings[(u.order.order_id, u.fill.trade_id)],
                                  meta, mark, now)
              for event in events for u in event.result.updates
              if u.fill is not None and u.order.order_id == order.order_id and u.order.account == account]
    latest = sim.exchange.order(account, entry.name, order_id=order.order_id)
    return {"order": render.order_object(entry, latest, meta), "trades": trades}


async def buy(call: Call, params: dict):
    return _place(call, params, Side.BUY)


async def sell(call: Call, params: dict):
    return _place(call, params, Side.SELL)


def _order_ref(call: Call, params: dict):
    """(entry, engine order id) of the ``order_id`` param; 10004 when no instrument has it."""
    order_id = p.text(params, "order_id", required=True)
    for entry in sorted(call.sim.catalog.values(), key=lambda e: -len(e.order_prefix)):
        rest = order_id[len(entry.order_prefix):] if order_id.startswith(entry.order_prefix) else None
        if rest and rest.isdigit():
            return entry, int(rest)
    raise ORDER_NOT_FOUND


def _known(sim, account: str, entry, order_id: int):
    try:
        return sim.exchange.order(account, entry.name, order_id=order_id)
    except SimReject:
        raise ORDER_NOT_FOUND from None


async def edit(call: Call, params: dict):
    sim = call.sim
    account = call.account(params)
    entry, order_id = _order_ref(call, params)
    order = _known(sim, account, entry, order_id)
    if order.status.is_final:
        raise NOT_OPEN_ORDER
    quantity = _amount(entry, params)
    price = _price(entry, params, required=False) or order.price
    meta = sim.meta(entry.name, order_id)
    if meta.post_only and sim.exchange.engines[entry.name].would_cross(order.side, price):
        if p.flag(params, "reject_post_only"):
            raise from_reject(RejectCode.POST_ONLY_WOULD_CROSS)
        best = sim.exchange.engines[entry.name].book.best_price(order.side.opposite)
        price = best - entry.instrument.tick if order.side is Side.BUY else best + entry.instrument.tick
    with sim.capture() as events:
        try:
            sim.exchange.modify(account, entry.name, order.side, price, quantity, order_id=order_id)
        except SimReject as exc:
            raise from_reject(exc.code, exc.detail) from None
    meta.replaced = True
    return _with_trades(sim, entry, account, order, meta, events)


async def cancel(call: Call, params: dict):
    sim = call.sim
    account = call.account(params)
    entry, order_id = _order_ref(call, params)
    order = _known(sim, account, entry, order_id)
    if order.status.is_final:
        raise NOT_OPEN_ORDER
    sim.meta(entry.name, order_id).cancel_reason = "user_request"
    try:
        sim.exchange.cancel(account, entry.name, order_id=order_id)
    except SimReject:
        raise NOT_OPEN_ORDER from None
    return render.order_object(entry, sim.exchange.order(account, entry.name, order_id=order_id),
                               sim.meta(entry.name, order_id))


def _cancel_where(call: Call, account: str, entries, keep=lambda order: True) -> int:
    count = 0
    for entry in entries:
        for order in list(call.sim.exchange.engines[entry.name].open_orders(account)):
            if keep(order):
                call.sim.meta(entry.name, order.order_id).cancel_reason = "user_request"
                call.sim.exchange.cancel(account, entry.name, order_id=order.order_id)
                count += 1
    return count


async def cancel_all(call: Call, params: dict):
    return _cancel_where(call, call.account(params), call.sim.catalog.values())


async def cancel_all_by_instrument(call: Call, params: dict):
    account = call.account(params)
    return _cancel_where(call, account, [entry_of(call.sim, params)])


async def cancel_all_by_currency(call: Call, params: dict):
    account = call.account(params)
    currency = currency_of(params)
    return _cancel_where(call, account, [e for e in call.sim.catalog.values() if e.currency == currency])


async def cancel_by_label(call: Call, params: dict):
    account = call.account(params)
    label = p.text(params, "label", required=True)
    currency = currency_of(params, required=False)
    entries = [e for e in call.sim.catalog.values() if currency in (None, e.currency)]
    return _cancel_where(call, account, entries,
                         lambda order: call.sim.meta(order.symbol, order.order_id).label == label)


def _open(call: Call, account: str, entries) -> list[dict]:
    sim = call.sim
    return [render.order_object(entry, o, sim.meta(entry.name, o.order_id))
            for entry in entries for o in sim.exchange.engines[entry.name].open_orders(account)]


async def get_open_orders_by_currency(call: Call, params: dict):
    account = call.account(params)
    currency = currency_of(params)
    return _open(call, account, [e for e in call.sim.catalog.values() if e.currency == currency])


async def get_open_orders_by_instrument(call: Call, params: dict):
    account = call.account(params)
    return _open(call, account, [entry_of(call.sim, params)])


async def get_open_orders(call: Call, params: dict):
    return _open(call, call.account(params), call.sim.catalog.values())


async def get_order_state(call: Call, params: dict):
    sim = call.sim
    account = call.account(params)
    entry, order_id = _order_ref(call, params)
    return render.order_object(entry, _known(sim, account, entry, order_id), sim.meta(entry.name, order_id))


async def get_order_state_by_label(call: Call, params: dict):
    """Every order of the account with the label in the currency, open or recently closed, oldest first."""
    sim = call.sim
    account = call.account(params)
    currency = currency_of(params)
    label = p.text(params, "label", required=True)
    return [render.order_object(entry, o, sim.meta(entry.name, o.order_id))
            for entry in sim.catalog.values() if entry.currency == currency
            for o in sim.exchange.orders(account, entry.name) if sim.meta(entry.name, o.order_id).label == label]


def _user_trades(call: Call, account: str, entries, params: dict) -> dict:
    sim = call.sim
    count = p.integer(params, "count", 10, low=1, high=1000)
    start_seq = p.integer(params, "start_seq", 0, low=0, high=2**62)
    end_seq = p.integer(params, "end_seq", 2**62, low=0, high=2**62)
    start_ms = p.integer(params, "start_timestamp", 0, low=0, high=2**62)
    end_ms = p.integer(params, "end_timestamp", 2**62, low=0, high=2**62)
    out = []
    for entry in entries:
        i = entry.instrument
        mark = sim.exchange.mark_price(entry.name)
        orders = {o.order_id: o for o in sim.exchange.orders(account, entry.name)}   # one pass, not one per fill
        for fill in sim.exchange.fills(account, entry.name):
            if not (start_seq <= fill.trade_id <= end_seq and start_ms <= fill.time_ns // 1_000_000 <= end_ms):
                continue
            order = orders.get(fill.order_id) or sim.exchange.order(account, entry.name, order_id=fill.order_id)
            meta = sim.meta(entry.name, fill.order_id)
            out.append({
                "trade_id": f"{entry.order_prefix}{fill.trade_id}", "trade_seq": fill.trade_id,
                "order_id": f"{entry.order_prefix}{fill.order_id}", "order_type": order.type.value.lower(),
                "instrument_name": entry.name, "direction": render.direction(fill.side),
                "price": render.number(i.price(fill.price)), "amount": render.number(i.qty(fill.quantity)),
                "fee": render.number(fill.fee), "fee_currency": fill.fee_asset,
                "liquidity": "M" if fill.is_maker else "T", "timestamp": fill.time_ns // 1_000_000,
                "index_price": render.number(mark), "mark_price": render.number(mark),
                "state": render.order_object(entry, order, meta)["order_state"], "label": meta.label,
                "tick_direction": 0, "profit_loss": render.number(fill.realized_pnl), "post_only": meta.post_only,
                "reduce_only": order.reduce_only, "api": True, "mmp": False, "risk_reducing": False,
                "matching_id": None})
    newest_first = p.text(params, "sorting", "asc") == "desc"
    out.sort(key=lambda t: (t["timestamp"], t["trade_seq"]), reverse=newest_first)
    return {"trades": out[:count], "has_more": len(out) > count}


async def get_user_trades_by_instrument(call: Call, params: dict):
    account = call.account(params)
    return _user_trades(call, account, [entry_of(call.sim, params)], params)


async def get_user_trades_by_currency(call: Call, params: dict):
    account = call.account(params)
    currency = currency_of(params)
    return _user_trades(call, account, [e for e in call.sim.catalog.values() if e.currency == currency], params)


async def get_positions(call: Call, params: dict):
    sim = call.sim
    account = sim.exchange.account(call.account(params))
    currency = currency_of(params, allow_any=True, required=False) or "any"
    kind = p.text(params, "kind", "future")
    if kind not in ("future", "any"):
        return []
    return [render.position_object(sim, account, e) for e in sim.catalog.values()
            if currency in ("any", e.currency) and e.name in account.positions]


async def get_position(call: Call, params: dict):
    sim = call.sim
    account = sim.exchange.account(call.account(params))
    return render.position_object(sim, account, entry_of(sim, params))


async def get_account_summary(call: Call, params: dict):
    sim = call.sim
    account = sim.exchange.account(call.account(params))
    summary = render.account_summary(sim, account, currency_of(params))
    return summary | render.account_fields(sim, account) if p.flag(params, "extended") else summary


async def get_account_summaries(call: Call, params: dict):
    sim = call.sim
    account = sim.exchange.account(call.account(params))
    summaries = {"summaries": [render.account_summary(sim, account, c) for c in CURRENCIES]}
    return render.account_fields(sim, account) | summaries if p.flag(params, "extended") else summaries


PRIVATE = {
    "private/buy": buy, "private/sell": sell, "private/edit": edit, "private/cancel": cancel,
    "private/cancel_all": cancel_all, "private/cancel_all_by_instrument": cancel_all_by_instrument,
    "private/cancel_all_by_currency": cancel_all_by_currency, "private/cancel_by_label": cancel_by_label,
    "private/get_open_orders": get_open_orders,
    "private/get_open_orders_by_currency": get_open_orders_by_currency,
    "private/get_open_orders_by_instrument": get_open_orders_by_instrument,
    "private/get_order_state": get_order_state,
    "private/get_order_state_by_label": get_order_state_by_label,
    "private/get_user_trades_by_instrument": get_user_trades_by_instrument,
    "private/get_user_trades_by_currency": get_user_trades_by_currency,
    "private/get_positions": get_positions, "private/get_position": get_position,
    "private/get_account_summary": get_account_summary, "private/get_account_summaries": get_account_summaries,
}

