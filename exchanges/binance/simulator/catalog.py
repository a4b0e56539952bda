"""The simulator's Binance instruments, shaped like the real exchangeInfo.

Filters are those of the venue's 2021-07-22 exchangeInfo capture
(tests/fixtures/binance/exchange_info_2021-07-22_subset.json); start prices
and fees are the simulator's own. CTKUSDT is the small-tick symbol.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradesys.sim.instruments import SimInstrument
from tradesys.sim.market import MarketSettings


@dataclass(frozen=True)
class CatalogEntry:
    instrument: SimInstrument
    price_precision: int
    quantity_precision: int
    market: MarketSettings
    onboard_ms: int = 1569398400000
    sub_types: tuple[str, ...] = ()        # exchangeInfo's underlyingSubType, e.g. ("BSC",)
    liquidation_fee: str = "0.012000"
    trigger_protect: str = "0.0500"


def _entry(symbol, base, *, tick, step, min_qty, max_qty, min_price, max_price, price_precision,
           quantity_precision, start, levels_gap=1, lots=(5, 50), flow_lots=(1, 20), **meta):
    instrument = SimInstrument.from_decimals(
        symbol, base, "USDT", tick=tick, step=step, min_qty=min_qty, max_qty=max_qty, min_price=min_price,
        max_price=max_price, min_notional="5", price_precision=price_precision, qty_precision=quantity_precision,
        maker_fee=Decimal("0.0002"), taker_fee=Decimal("0.0004"), max_open_orders=200, price_band=Decimal("0.15"))
    settings = MarketSettings(Decimal(start), level_gap_ticks=levels_gap, level_lots=lots, market_order_lots=flow_lots)
    return CatalogEntry(instrument, price_precision, quantity_precision, settings, **meta)


CATALOG: dict[str, CatalogEntry] = {
    e.instrument.symbol: e for e in (
        _entry("BTCUSDT", "BTC", tick="0.01", step="0.001", min_qty="0.001", max_qty="1000", min_price="556.72",
               max_price="1000000", price_precision=2, quantity_precision=3, start="65000", levels_gap=10),
        _entry("ETHUSDT", "ETH", tick="0.01", step="0.001", min_qty="0.001", max_qty="10000", min_price="39.86",
               max_price="100000", price_precision=2, quantity_precision=3, start="3400", levels_gap=2,
               lots=(50, 500), flow_lots=(10, 200), liquidation_fee="0.005000"),
        _entry("CTKUSDT", "CTK", tick="0.00100", step="1", min_qty="1", max_qty="10000000", min_price="0.02600",
               max_price="100", price_precision=5, quantity_precision=0, start="1.006",
               lots=(500, 20000), flow_lots=(20, 2000), sub_types=("BSC",), liquidation_fee="0.007500",
               trigger_protect="0.1500"),
    )
}
DEFAULT_SYMBOLS = tuple(CATALOG)


def exchange_info_symbol(entry: CatalogEntry) -> dict:
    """One element of exchangeInfo's ``symbols``, with the venue's field names and JSON types."""
    i = entry.instrument
    tick, step = i.price_text(i.tick), i.qty_text(i.step)
    return {
        "symbol": i.symbol, "pair": i.symbol, "contractType": "PERPETUAL", "deliveryDate": 4133404800000,
        "onboardDate": entry.onboard_ms, "status": "TRADING", "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000", "baseAsset": i.base, "quoteAsset": i.quote, "marginAsset": i.settle,
        "pricePrecision": entry.price_precision, "quantityPrecision": entry.quantity_precision,
        "baseAssetPrecision": 8, "quotePrecision": 8, "underlyingType": "COIN",
        "underlyingSubType": list(entry.sub_types), "settlePlan": 0, "triggerProtect": entry.trigger_protect,
        "liquidationFee": entry.liquidation_fee, "marketTakeBound": "0.30",
        "filters": [
            {"minPrice": i.price_text(i.min_price), "maxPrice": i.price_text(i.max_price),
             "filterType": "PRICE_FILTER", "tickSize": tick},
            {"stepSize": step, "filterType": "LOT_SIZE", "maxQty": i.qty_text(i.max_qty),
             "minQty": i.qty_text(i.min_qty)},
            {"stepSize": step, "filterType": "MARKET_LOT_SIZE", "maxQty": i.qty_text(i.max_qty),
             "minQty": i.qty_text(i.min_qty)},
            {"limit": i.max_open_orders, "filterType": "MAX_NUM_ORDERS"},
            {"limit": 10, "filterType": "MAX_NUM_ALGO_ORDERS"},
            {"notional": f"{i.min_notional:f}", "filterType": "MIN_NOTIONAL"},
            {"multiplierDown": f"{1 - i.price_band:.4f}", "multiplierUp": f"{1 + i.price_band:.4f}",
             "multiplierDecimal": "4", "filterType": "PERCENT_PRICE"},
        ],
        "orderTypes": ["LIMIT", "MARKET", "STOP", "STOP_MARKET", "TAKE_PROFIT", "TAKE_PROFIT_MARKET",
                       "TRAILING_STOP_MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
    }
