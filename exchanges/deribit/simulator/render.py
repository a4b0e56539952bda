"""Venue-shaped JSON objects from the simulated exchange's state: orders, trades, positions, summaries,
tickers, books. Numbers are JSON numbers, as the venue sends them; ids are strings with the
instrument's prefix ("ETH-123")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from exchanges.deribit.simulator.catalog import CatalogEntry
from tradesys.sim.accounts import Account, FillBooking
from tradesys.sim.instruments import value_of
from tradesys.sim.orders import Fill, OrderStatus, OrderType, Side, SimOrder, TimeInForce

if TYPE_CHECKING:
    from exchanges.deribit.simulator.venue import DeribitVenue

ZERO = Decimal(0)
_TIF = {TimeInForce.GTC: "good_til_cancelled", TimeInForce.GTX: "good_til_cancelled",
        TimeInForce.IOC: "immediate_or_cancel", TimeInForce.FOK: "fill_or_kill"}
_STATE = {OrderStatus.NEW: "open", OrderStatus.PARTIALLY_FILLED: "open", OrderStatus.FILLED: "filled",
          OrderStatus.CANCELED: "cancelled", OrderStatus.EXPIRED: "cancelled",
          OrderStatus.EXPIRED_IN_MATCH: "cancelled"}


@dataclass
class OrderMeta:
    """What the venue knows of an order that the matching engine does not."""

    label: str = ""
    post_only: bool = False
    time_in_force: str = "good_til_cancelled"
    connection: int | None = None      # the WebSocket it was placed on (cancel-on-disconnect)
    cancel_reason: str = "user_request"
    replaced: bool = False


def number(value: Decimal) -> float:
    return float(value)


def _optional(value: Decimal | None) -> float | None:
    return None if value is None else number(value)


def direction(side: Side) -> str:
    return "buy" if side is Side.BUY else "sell"


def order_object(entry: CatalogEntry, order: SimOrder, meta: OrderMeta) -> dict:
    i = entry.instrument
    amount, filled = i.qty(order.quantity), i.qty(order.filled)
    average = i.price(0) if not order.filled else Decimal(order.cum_quote) / order.filled / (10 ** i.price_scale)
    state = _STATE[order.status]
    obj = {
        "order_id": f"{entry.order_prefix}{order.order_id}", "label": meta.label, "instrument_name": i.symbol,
        "direction": direction(order.side), "order_type": "market" if order.type is OrderType.MARKET else "limit",
        "order_state": state,
        "price": "market_price" if order.type is OrderType.MARKET else number(i.price(order.price)),
        "amount": number(amount), "contracts": number(amount / entry.contract_size), "filled_amount": number(filled),
        "average_price": number(average), "time_in_force": meta.time_in_force, "post_only": meta.post_only,
        "reject_post_only": False, "reduce_only": order.reduce_only, "replaced": meta.replaced, "api": True,
        "web": False, "creation_timestamp": order.created_ns // 1_000_000,
        "last_update_timestamp": order.updated_ns // 1_000_000, "is_liquidation": False,
        "risk_reducing": False, "mmp": False, "is_rebalance": False, "mmp_cancelled": False,
    }
    if state == "cancelled":
        obj["cancel_reason"] = meta.cancel_reason
    return obj


def trade_object(entry: CatalogEntry, order: SimOrder, fill: Fill, booking: FillBooking, meta: OrderMeta,
                 mark: Decimal, timestamp_ms: int) -> dict:
    """One user trade: this account's side of one execution."""
    i = entry.instrument
    return {
        "trade_id": f"{entry.order_prefix}{fill.trade_id}", "trade_seq": fill.trade_id,
        "order_id": f"{entry.order_prefix}{order.order_id}", "order_type": "market" if order.type is OrderType.MARKET
        else "limit", "instrument_name": i.symbol, "direction": direction(order.side),
        "price": number(i.price(fill.price)), "amount": number(i.qty(fill.quantity)), "fee": number(booking.fee),
        "fee_currency": booking.fee_asset, "liquidity": "M" if fill.is_maker else "T", "timestamp": timestamp_ms,
        "index_price": number(mark), "mark_price": number(mark), "state": _STATE[order.status], "label": meta.label,
        "tick_direction": 0, "matching_id": None, "post_only": meta.post_only, "reduce_only": order.reduce_only,
        "profit_loss": number(booking.realized_pnl), "api": True, "mmp": False, "risk_reducing": False,
    }


def public_trade_object(entry: CatalogEntry, trade, mark: Decimal) -> dict:
    i = entry.instrument
    return {"trade_id": f"{entry.order_prefix}{trade.trade_id}", "trade_seq": trade.trade_id,
            "timestamp": trade.time_ns // 1_000_000, "price": number(i.price(trade.price)),
            "amount": number(i.qty(trade.quantity)),
            "contracts": number(i.qty(trade.quantity) / entry.contract_size),
            "direction": direction(trade.taker_side), "tick_direction": 0, "index_price": number(mark),
            "mark_price": number(mark), "instrument_name": i.symbol}


def position_object(sim: DeribitVenue, account: Account, entry: CatalogEntry) -> dict:
    i = entry.instrument
    position = account.positions.get(i.symbol)
    size = position.quantity if position else ZERO
    entry_price = position.entry_price if position else ZERO
    mark = sim.exchange.mark_price(i.symbol, entry_price)
    floating = position.unrealized_pnl(mark) if position else ZERO
    realized = position.realized_pnl if position else ZERO
    value = value_of(abs(size), mark, inverse=i.inverse) if mark else ZERO
    leverage = account.leverage_of(i.symbol)
    initial = value / leverage
    coins = value_of(size, mark, inverse=True) if i.inverse and mark else size
    return {
        "instrument_name": i.symbol, "kind": "future",
        "direction": "zero" if size == 0 else ("buy" if size > 0 else "sell"),
        "size": number(size), "size_currency": number(coins), "average_price": number(entry_price),
        "mark_price": number(mark), "index_price": number(mark), "settlement_price": number(mark),
        "initial_margin": number(initial), "maintenance_margin": number(initial / 2),
        "open_orders_margin": number(sim.open_orders_margin(account.account_id, i.symbol)),
        "floating_profit_loss": number(floating), "realized_profit_loss": number(realized),
        "total_profit_loss": number(floating + realized), "delta": number(coins), "leverage": leverage,
        "realized_funding": number(position.funding if position else ZERO),
        "interest_value": 0.0, "average_price_usd": number(entry_price),   # USD and USDC prices alike
        "estimated_liquidation_price": _optional(position.liquidation_estimate(leverage) if position else None),
    }


def account_summary(sim: DeribitVenue, account: Account, currency: str) -> dict:
    marks = sim.marks_of(account)
    upl = account.unrealized_pnl(marks, currency)
    rpl = sum((p.realized_pnl for p in account.positions.values() if p.settle == currency), ZERO)
    order_margin = sim.exchange.order_margin(account.account_id, currency)
    position_margin = account.position_margin(marks, currency)
    balance = account.wallet.get(currency, ZERO)
    available = account.available(currency, marks, order_margin)
    initial = position_margin + order_margin
    delta = sum((value_of(p.quantity, marks[s], inverse=True) if p.inverse else p.quantity
                 for s, p in account.positions.items() if p.settle == currency and p.quantity), ZERO)
    return {
        "currency": currency, "balance": number(balance), "equity": number(balance + upl),
        "margin_balance": number(balance + upl), "available_funds": number(available),
        "available_withdrawal_funds": number(max(ZERO, min(available, balance))),
        "initial_margin": number(initial), "maintenance_margin": number(position_margin / 2),
        "projected_initial_margin": number(initial), "projected_maintenance_margin": number(position_margin / 2),
        "total_pl": number(upl + rpl), "session_upl": number(upl), "session_rpl": number(rpl),
        "futures_pl": number(upl + rpl), "futures_session_upl": number(upl), "futures_session_rpl": number(rpl),
        "options_pl": 0.0, "options_session_upl": 0.0, "options_session_rpl": 0.0, "options_value": 0.0,
        "options_delta": 0.0, "options_gamma": 0.0, "options_vega": 0.0, "options_theta": 0.0,
        "options_gamma_map": {}, "options_theta_map": {}, "options_vega_map": {},
        "delta_total": number(delta), "projected_delta_total": number(delta), "fee_balance": 0.0,
        "spot_reserve": 0.0, "portfolio_margining_enabled": False, "cross_collateral_enabled": False,
        "margin_model": "segregated_sm", "total_equity_usd": 0.0, "limits": {},
    }


def account_fields(sim: DeribitVenue, account: Account) -> dict:
    """The account's own fields, which the venue adds to summaries when asked with ``extended: true``."""
    return {"id": sim.user_id, "email": "sim@localhost", "system_name": "sim", "username": "sim", "type": "main",
            "security_keys_enabled": False, "mmp_enabled": False, "interuser_transfers_enabled": False,
            "login_enabled": False, "creation_timestamp": sim.started_ms, "self_trading_reject_mode": "cancel_maker"}


def book_levels(entry: CatalogEntry, levels: list[tuple[int, int]]) -> list[list[float]]:
    i = entry.instrument
    return [[number(i.price(p)), number(i.qty(q))] for p, q in levels]


def ticker_object(sim: DeribitVenue, entry: CatalogEntry, now_ms: int) -> dict:
    i = entry.instrument
    book = sim.exchange.engines[i.symbol].book
    bid, ask = book.best(Side.BUY), book.best(Side.SELL)
    mark = sim.exchange.mark_price(i.symbol)
    last = sim.last_price(i.symbol)
    band = i.price_band
    return {
        "instrument_name": i.symbol, "timestamp": now_ms, "state": "open",
        "best_bid_price": number(i.price(bid.price)) if bid else 0.0, "best_bid_amount": number(i.qty(bid.total))
        if bid else 0.0, "best_ask_price": number(i.price(ask.price)) if ask else 0.0,
        "best_ask_amount": number(i.qty(ask.total)) if ask else 0.0, "last_price": number(last) if last else None,
        "mark_price": number(mark), "index_price": number(mark), "estimated_delivery_price": number(mark),
        "settlement_price": number(mark), "min_price": number(mark * (1 - band)),
        "max_price": number(mark * (1 + band)),
        "open_interest": number(sim.open_interest(i.symbol)), "current_funding": 0.0, "funding_8h": 0.0001,
        "interest_value": 0.0,
        "stats": dict(sim.day_stats.of(sim, entry, now_ms)),
    }


class DayStats:
    """The ticker's 24-hour statistics per instrument, folded from the trades the simulator remembers at most
    once a second: ``ticker.*.raw`` sends a ticker on every book change, and a fold walks up to 10,000 trades."""

    def __init__(self):
        self._cache: dict[str, tuple[int, dict]] = {}    # symbol -> (second folded, stats)

    def of(self, sim: DeribitVenue, entry: CatalogEntry, now_ms: int) -> dict:
        """Volume in the base coin and in USD, low, high, price change in percent (0.0 before the first trade)."""
        second = now_ms // 1000
        cached = self._cache.get(entry.instrument.symbol)
        if cached is None or cached[0] != second:
            cached = self._cache[entry.instrument.symbol] = (second, _fold_day(sim, entry, now_ms))
        return cached[1]


def _fold_day(sim: DeribitVenue, entry: CatalogEntry, now_ms: int) -> dict:
    i = entry.instrument
    since_ns = (now_ms - 86_400_000) * 1_000_000
    trades = [t for t in sim.exchange.public_trades[i.symbol] if t.time_ns >= since_ns]
    if not trades:
        return {"volume": 0.0, "volume_usd": 0.0, "price_change": 0.0, "low": 0.0, "high": 0.0}
    prices = [i.price(t.price) for t in trades]
    amounts = [i.qty(t.quantity) for t in trades]
    # Inverse amounts are USD; linear amounts are the coin.
    coins = sum((a / p for a, p in zip(amounts, prices)), ZERO) if i.inverse else sum(amounts, ZERO)
    usd = sum(amounts, ZERO) if i.inverse else sum((a * p for a, p in zip(amounts, prices)), ZERO)
    change = (prices[-1] - prices[0]) / prices[0] * 100
    return {"volume": number(coins), "volume_usd": number(usd), "price_change": round(number(change), 4),
            "low": number(min(prices)), "high": number(max(prices))}
