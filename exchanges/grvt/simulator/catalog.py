"""The simulator's GRVT instruments, shaped like ``full/v1/instruments``.

Hashes and decimals are the ones the signing vectors use (BTC_USDT_Perp
0x030501, ETH_USDT_Perp 0x030401, base_decimals 9); ticks, minimum sizes,
start prices and fees are the simulator's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradesys.sim.instruments import SimInstrument
from tradesys.sim.market import MarketSettings

CREATE_TIME_NS = "1704067200000000000"


@dataclass(frozen=True)
class CatalogEntry:
    instrument: SimInstrument
    instrument_hash: str
    base_decimals: int
    quote_decimals: int
    max_position_size: str
    market: MarketSettings

    @property
    def name(self) -> str:
        return self.instrument.symbol

    @property
    def asset_id(self) -> int:
        return int(self.instrument_hash, 16)


def _entry(name, base, *, hash_, tick, min_size, start, gap, lots, flow, max_position):
    instrument = SimInstrument.from_decimals(
        name, base, "USDT", tick=tick, step=min_size, min_qty=min_size, max_qty=max_position, min_price=tick,
        max_price="10000000", min_notional="1", maker_fee=Decimal("-0.0001"), taker_fee=Decimal("0.00045"),
        max_open_orders=500, price_band=Decimal("0.10"), settle="USDT")
    market = MarketSettings(Decimal(start), level_gap_ticks=gap, level_lots=lots, market_order_lots=flow)
    return CatalogEntry(instrument, hash_, 9, 6, max_position, market)


CATALOG: dict[str, CatalogEntry] = {e.name: e for e in (
    _entry("BTC_USDT_Perp", "BTC", hash_="0x030501", tick="0.1", min_size="0.001", start="65000", gap=2,
           lots=(5, 500), flow=(1, 40), max_position="1000"),
    _entry("ETH_USDT_Perp", "ETH", hash_="0x030401", tick="0.01", min_size="0.01", start="3400", gap=2,
           lots=(5, 500), flow=(1, 40), max_position="10000"),
)}
DEFAULT_SYMBOLS = tuple(CATALOG)


def instrument_object(entry: CatalogEntry) -> dict:
    """One instrument in full names (``names.to_lite("Instrument", ...)`` gives the lite form)."""
    i = entry.instrument
    return {"instrument": i.symbol, "instrument_hash": entry.instrument_hash, "base": i.base, "quote": i.quote,
            "kind": "PERPETUAL", "venues": ["ORDERBOOK", "RFQ"], "settlement_period": "PERPETUAL",
            "base_decimals": entry.base_decimals, "quote_decimals": entry.quote_decimals,
            "tick_size": i.price_text(i.tick), "min_size": i.qty_text(i.min_qty), "create_time": CREATE_TIME_NS,
            "max_position_size": entry.max_position_size, "funding_interval_hours": 8, "adjusted_funding_rate_cap": 0.3,
            "adjusted_funding_rate_floor": -0.3, "min_notional": f"{i.min_notional:f}"}
