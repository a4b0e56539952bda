"""Venue-shaped objects in full names (the server turns them lite on lite routes): orders with their
state, fills, positions, the sub-account summary. Numbers are decimal strings; ids and times past 2**53
are strings too; the rates the protocol notes call numbers (fee rates, interest rates, the estimated
liquidation price) are JSON numbers (docs/protocols/grvt.md 5.2)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from tradesys.sim.orders import OrderStatus, SimOrder

if TYPE_CHECKING:
    from exchanges.grvt.simulator.venue import GrvtVenue

ZERO = Decimal(0)
_STATUS = {OrderStatus.NEW: "OPEN", OrderStatus.PARTIALLY_FILLED: "OPEN", OrderStatus.FILLED: "FILLED",
           OrderStatus.CANCELED: "CANCELLED", OrderStatus.EXPIRED: "CANCELLED",
           OrderStatus.EXPIRED_IN_MATCH: "CANCELLED"}


class Whole(dict):
    """A handler's answer that is the whole body (``result`` with its ``next`` cursor), not only its result."""


def trade_id(sim: GrvtVenue, symbol: str, engine_trade_id: int) -> str:
    """A trade id as the venue's: globally unique and increasing (spec ``Fill.trade_id``), the same in
    market data and fills. The engine counts per instrument, so the instrument's place in the catalog
    is folded into the first component."""
    return f"{engine_trade_id * 16 + sim.instrument_index[symbol]}-1"


def text(value: Decimal) -> str:
    return f"{value.normalize():f}" if value else "0"


def order_object(sim: GrvtVenue, record, order: SimOrder | None) -> dict:
    """The order as the venue returns it: the request's fields, ``order_id`` and ``state``."""
    request = record.request
    entry = sim.catalog[record.symbol]
    i = entry.instrument
    if order is None:    # refused at matching (post-only would cross): REJECTED, nothing booked
        status, book, traded, avg, update = "REJECTED", ZERO, ZERO, ZERO, sim.now_ns()
        reason = record.reject_reason
        if record.cancelled_on_arrival:      # a cancel by its client order id was waiting for it
            status, reason = "CANCELLED", record.cancel_reason
    else:
        status = _STATUS[order.status]
        book = i.qty(order.remaining) if status == "OPEN" else ZERO
        traded = i.qty(order.filled)
        avg = Decimal(order.cum_quote) / order.filled / 10**i.price_scale if order.filled else ZERO
        update = order.updated_ns
        reason = "UNSPECIFIED"
        if status == "CANCELLED":
            reason = (record.cancel_reason if order.status is OrderStatus.CANCELED else
                      {"IMMEDIATE_OR_CANCEL": "IOC_CANCEL", "FILL_OR_KILL": "FOK_CANCEL"}.get(
                          request.get("time_in_force"), "MARKET_CANCEL"))
    metadata = {"broker": "UNSPECIFIED", **(request.get("metadata") or {})}
    return {**{k: v for k, v in request.items() if k not in ("order_id", "state")}, "metadata": metadata,
            "order_id": record.order_id,
            "state": {"status": status, "reject_reason": reason, "book_size": [text(book)],
                      "traded_size": [text(traded)], "update_time": str(update),
                      "avg_fill_price": [text(avg.quantize(Decimal(1).scaleb(-9)) if avg else ZERO)]}}


def fill_object(sim: GrvtVenue, entry, fill, record) -> dict:
    i = entry.instrument
    mark = sim.exchange.mark_price(entry.name)
    price, size = i.price(fill.price), i.qty(fill.quantity)
    rate = i.maker_fee if fill.is_maker else i.taker_fee
    metadata = record.request.get("metadata", {}) if record is not None else {}
    return {"event_time": str(fill.time_ns), "sub_account_id": sim.sub_account_id, "instrument": entry.name,
            "is_buyer": fill.side.name == "BUY", "is_taker": not fill.is_maker, "size": text(size),
            "price": text(price), "mark_price": text(mark), "index_price": text(mark), "interest_rate": 0.0,
            "forward_price": "0", "realized_pnl": text(fill.realized_pnl), "fee": text(fill.fee),
            "fee_rate": float(rate * 100), "trade_id": trade_id(sim, entry.name, fill.trade_id),
            "order_id": record.order_id if record is not None else "0x00",
            "venue": "ORDERBOOK", "is_liquidation": False, "client_order_id": str(metadata.get("client_order_id", "0")),
            "signer": sim.signer.lower(), "broker": "UNSPECIFIED", "is_rpi": False, "fee_currency": i.settle,
            **_builder_fee(record, price * size)}


def _builder_fee(record, notional: Decimal) -> dict:
    """A fill of an order that names a builder carries the builder, its rate and its fee (the venue adds the
    fee for the builder on top of its own)."""
    request = record.request if record is not None else {}
    if not request.get("builder"):
        return {}
    rate = Decimal(str(request.get("builder_fee") or "0"))
    return {"builder": request["builder"], "builder_fee_rate": float(rate), "builder_fee": text(notional * rate)}


def position_object(sim: GrvtVenue, account, entry) -> dict:
    i = entry.instrument
    position = account.positions[i.symbol]
    mark = sim.exchange.mark_price(i.symbol, position.entry_price)
    unrealized = position.unrealized_pnl(mark)
    return {"event_time": str(sim.now_ns()), "sub_account_id": sim.sub_account_id, "instrument": i.symbol,
            "size": text(position.quantity), "notional": text(abs(position.quantity) * mark),
            "entry_price": text(position.entry_price), "exit_price": "0", "mark_price": text(mark),
            "unrealized_pnl": text(unrealized), "realized_pnl": text(position.realized_pnl),
            "total_pnl": text(unrealized + position.realized_pnl), "roi": "0", "quote_index_price": "1",
            # A JSON number; 0.0 without a position.
            "est_liquidation_price": float(position.liquidation_estimate(account.leverage_of(i.symbol)) or 0),
            "leverage": str(account.leverage_of(i.symbol)),
            "cumulative_fee": text(position.fees), "cumulative_realized_funding_payment": text(position.funding),
            "margin_type": "CROSS", "isolated_balance": "0", "isolated_im": "0", "isolated_mm": "0"}


def summary_object(sim: GrvtVenue, account) -> dict:
    marks = sim.marks_of(account)
    upl = account.unrealized_pnl(marks)
    balance = account.wallet.get("USDT", ZERO)
    available = account.available("USDT", marks, sim.exchange.order_margin(account.account_id, "USDT"))
    im = account.position_margin(marks) + sim.exchange.order_margin(account.account_id, "USDT")
    positions = [position_object(sim, account, sim.catalog[s]) for s, p in account.positions.items()
                 if p.quantity and s in sim.catalog]
    return {"event_time": str(sim.now_ns()), "sub_account_id": sim.sub_account_id, "margin_type": "SIMPLE_CROSS_MARGIN",
            "settle_currency": "USDT", "unrealized_pnl": text(upl), "total_equity": text(balance + upl),
            "initial_margin": text(im), "maintenance_margin": text(im / 2), "available_balance": text(available),
            "spot_balances": [spot_balance(balance, available)],
            "positions": positions, "settle_index_price": "1", "is_vault": False, "vault_im_additions": "0",
            "derisk_margin": text(im / 2), "derisk_to_maintenance_margin_ratio": "1",
            "total_cross_equity": text(balance + upl), "cross_unrealized_pnl": text(upl),
            "sub_account_mode": "SINGLE_ASSET_MODE", "margin_balance": text(balance + upl)}


def spot_balance(balance: Decimal, available: Decimal) -> dict:
    """The USDT balance as a SpotBalance (the settlement currency: no entry price or PnL of its own)."""
    return {"currency": "USDT", "balance": text(balance), "index_price": "1", "entry_price": "0",
            "realized_pnl": "0", "unrealized_pnl": "0", "available_to_transfer": text(max(available, ZERO))}
