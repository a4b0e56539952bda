"""Simulator state as Binance JSON: the venue's field names, every number a string at its precision."""

from __future__ import annotations

from decimal import Decimal

from tradesys.numeric import from_scaled
from tradesys.sim.accounts import Account, Position
from tradesys.sim.candles import Candle
from tradesys.sim.instruments import SimInstrument
from tradesys.sim.orders import OrderType, SimOrder, TimeInForce

_MONEY = Decimal("0.00000001")


def money(value: Decimal) -> str:
    """Balances and PnL: 8 decimals, as the venue prints them."""
    return f"{value.quantize(_MONEY):f}"


def order_object(order: SimOrder, instrument: SimInstrument, *, with_time: bool = False) -> dict:
    """The common order object (protocol notes 3.5)."""
    filled = order.filled
    avg = (Decimal(order.cum_quote) / filled).scaleb(-instrument.price_scale) if filled else Decimal(0)
    body = {
        "orderId": order.order_id, "symbol": order.symbol, "status": order.status.value,
        "clientOrderId": order.client_order_id,
        "price": instrument.price_text(order.price) if order.type is OrderType.LIMIT else instrument.price_text(0),
        "avgPrice": f"{avg.quantize(Decimal(1).scaleb(-instrument.price_scale)):f}" if filled else "0.00",
        "origQty": instrument.qty_text(order.quantity), "executedQty": instrument.qty_text(filled),
        "cumQty": instrument.qty_text(filled),
        "cumQuote": f"{Decimal(order.cum_quote).scaleb(-(instrument.price_scale + instrument.qty_scale)):f}",
        "timeInForce": order.time_in_force.value if order.type is OrderType.LIMIT else TimeInForce.GTC.value,
        "type": order.type.value, "reduceOnly": order.reduce_only, "closePosition": False,
        "side": order.side.value, "positionSide": "BOTH", "stopPrice": "0", "workingType": "CONTRACT_PRICE",
        "priceProtect": False, "origType": order.type.value, "priceMatch": "NONE",
        "selfTradePreventionMode": order.stp_mode.value, "goodTillDate": 0,
        "updateTime": order.updated_ns // 1_000_000,
    }
    if with_time:
        body["time"] = order.created_ns // 1_000_000
    return body


def position_v3(position: Position, instrument: SimInstrument, mark: Decimal, leverage: int, now_ms: int) -> dict:
    notional = position.quantity * mark
    margin = abs(notional) / leverage
    return {
        "symbol": instrument.symbol, "positionSide": "BOTH", "positionAmt": f"{position.quantity:f}",
        "entryPrice": money(position.entry_price), "breakEvenPrice": money(position.entry_price),
        "markPrice": money(mark), "unRealizedProfit": money(position.unrealized_pnl(mark)),
        "liquidationPrice": "0", "isolatedMargin": "0", "notional": money(notional), "marginAsset": instrument.settle,
        "isolatedWallet": "0", "initialMargin": money(margin), "maintMargin": money(abs(notional) * Decimal("0.004")),
        "positionInitialMargin": money(margin), "openOrderInitialMargin": "0", "adl": 0, "bidNotional": "0",
        "askNotional": "0", "updateTime": now_ms,
    }


def position_v2(position: Position, instrument: SimInstrument, mark: Decimal, leverage: int, now_ms: int) -> dict:
    return {
        "symbol": instrument.symbol, "positionAmt": f"{position.quantity:f}", "entryPrice": money(position.entry_price),
        "breakEvenPrice": f"{position.entry_price:f}", "markPrice": money(mark),
        "unRealizedProfit": money(position.unrealized_pnl(mark)), "liquidationPrice": "0",
        "leverage": str(leverage), "maxNotionalValue": "100000000", "marginType": "cross",
        "isolatedMargin": "0.00000000", "isAutoAddMargin": "false", "positionSide": "BOTH",
        "notional": money(position.quantity * mark), "isolatedWallet": "0", "updateTime": now_ms,
    }


def balance_item(account: Account, asset: str, available: Decimal, unrealized: Decimal, now_ms: int) -> dict:
    wallet = account.wallet.get(asset, Decimal(0))
    return {"accountAlias": "SimAcct", "asset": asset, "balance": money(wallet), "crossWalletBalance": money(wallet),
            "crossUnPnl": money(unrealized), "availableBalance": money(available),
            "maxWithdrawAmount": money(available), "marginAvailable": True, "updateTime": now_ms}


def _quote_text(value: int, instrument: SimInstrument) -> str:
    """Quote volume: a price * quantity mantissa, printed exactly."""
    return f"{from_scaled(value, instrument.price_scale + instrument.qty_scale):f}"


def kline_row(candle: Candle, instrument: SimInstrument) -> list:
    """A ``GET /fapi/v1/klines`` row: 12 items, times and trade count as ints, the rest strings."""
    p, q = instrument.price_text, instrument.qty_text
    return [candle.open_ms, p(candle.open), p(candle.high), p(candle.low), p(candle.close), q(candle.volume),
            candle.close_ms, _quote_text(candle.quote_volume, instrument), candle.trades,
            q(candle.taker_buy_volume), _quote_text(candle.taker_buy_quote_volume, instrument), "0"]


def kline_object(candle: Candle, instrument: SimInstrument, interval: str, closed: bool) -> dict:
    """The ``k`` object of a ``kline`` stream event (protocol notes 6.8)."""
    p, q = instrument.price_text, instrument.qty_text
    return {"t": candle.open_ms, "T": candle.close_ms, "s": instrument.symbol, "i": interval,
            "f": candle.first_trade_id, "L": candle.last_trade_id, "o": p(candle.open), "c": p(candle.close),
            "h": p(candle.high), "l": p(candle.low), "v": q(candle.volume), "n": candle.trades, "x": closed,
            "q": _quote_text(candle.quote_volume, instrument), "V": q(candle.taker_buy_volume),
            "Q": _quote_text(candle.taker_buy_quote_volume, instrument), "B": "0"}
