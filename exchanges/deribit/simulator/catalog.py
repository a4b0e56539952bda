"""The simulator's Deribit instruments, shaped like today's ``public/get_instruments``.

Facts (tick, contract size, minimum amount, commissions, leverage, ids,
creation times) are those of the venue's instrument capture
(tests/fixtures/deribit/instruments_2021-07-22_subset.jsonl); start prices
are the simulator's own. BTC- and ETH-PERPETUAL are inverse: amounts in USD,
money in the coin. BTC_USDC-PERPETUAL is linear: amounts in BTC, money in USDC.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from tradesys.sim.instruments import SimInstrument
from tradesys.sim.market import MarketSettings

PERPETUAL_EXPIRY_MS = 32503708800000


@dataclass(frozen=True)
class CatalogEntry:
    instrument: SimInstrument
    instrument_id: int
    contract_size: Decimal
    max_leverage: int
    max_liquidation_commission: str
    creation_ms: int
    order_prefix: str        # order and trade ids: "ETH-123" on ETH-PERPETUAL, "123" on BTC-PERPETUAL
    market: MarketSettings

    @property
    def name(self) -> str:
        return self.instrument.symbol

    @property
    def currency(self) -> str:
        """The currency the venue files it under (get_instruments' ``currency``): the settlement currency."""
        return self.instrument.settle


def _entry(name: str, base: str, quote: str, settle: str, *, inverse: bool, tick: str, contract_size: str,
           instrument_id: int, max_leverage: int, liquidation: str, created: int, prefix: str, start: str,
           gap: int, lots: tuple[int, int], flow: tuple[int, int], taker: str = "0.0005",
           maker: str = "0") -> CatalogEntry:
    instrument = SimInstrument.from_decimals(
        name, base, quote, tick=tick, step=contract_size, min_qty=contract_size, max_qty="1000000000",
        min_price=tick, max_price="10000000", min_notional="0", maker_fee=Decimal(maker), taker_fee=Decimal(taker),
        max_open_orders=500, price_band=Decimal("0.05"), settle=settle, inverse=inverse)
    market = MarketSettings(Decimal(start), level_gap_ticks=gap, level_lots=lots, market_order_lots=flow)
    return CatalogEntry(instrument, instrument_id, Decimal(contract_size), max_leverage, liquidation, created,
                        prefix, market)


CATALOG: dict[str, CatalogEntry] = {e.name: e for e in (
    _entry("BTC-PERPETUAL", "BTC", "USD", "BTC", inverse=True, tick="0.5", contract_size="10",
           instrument_id=124972, max_leverage=50, liquidation="0.005", created=1534242287000, prefix="",
           start="65000", gap=2, lots=(100, 2000), flow=(10, 400)),
    _entry("ETH-PERPETUAL", "ETH", "USD", "ETH", inverse=True, tick="0.05", contract_size="1",
           instrument_id=124951, max_leverage=50, liquidation="0.009", created=1552568454000, prefix="ETH-",
           start="3400", gap=2, lots=(500, 20000), flow=(50, 4000)),
    _entry("BTC_USDC-PERPETUAL", "BTC", "USDC", "USDC", inverse=False, tick="1", contract_size="0.001",
           instrument_id=211704, max_leverage=50, liquidation="0.0075", created=1646824342000, prefix="USDC-",
           start="65000", gap=1, lots=(5, 500), flow=(1, 40)),
)}
DEFAULT_SYMBOLS = tuple(CATALOG)
CURRENCIES = ("BTC", "ETH", "USDC")
# The venue's matching rule beyond price-time priority: an edit that only lowers the amount keeps the order's
# place in the queue (the simulator's exchange and a backtest's both take it).
MATCHING = {"keep_priority_on_decrease": True}


def _number(value: Decimal) -> float | int:
    """A JSON number the way the venue prints it (integers stay integers: the capture has ``"contract_size": 1``)."""
    return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)


def instrument_object(entry: CatalogEntry) -> dict:
    """One element of ``public/get_instruments``, with every field today's API returns."""
    i = entry.instrument
    tick = i.price(i.tick)
    inverse = i.inverse
    return {
        "tick_size": float(tick), "tick_size_steps": [], "taker_commission": float(i.taker_fee),
        "settlement_period": "perpetual", "settlement_currency": i.settle, "rfq": False,
        "quote_currency": i.quote, "price_index": f"{i.base.lower()}_{i.quote.lower()}",
        "min_trade_amount": _number(entry.contract_size),
        "max_liquidation_commission": float(entry.max_liquidation_commission),
        "max_leverage": entry.max_leverage, "maker_commission": float(i.maker_fee), "kind": "future",
        "is_active": True, "instrument_name": i.symbol, "instrument_id": entry.instrument_id,
        "future_type": "reversed" if inverse else "linear", "instrument_type": "reversed" if inverse else "linear",
        "expiration_timestamp": PERPETUAL_EXPIRY_MS, "creation_timestamp": entry.creation_ms,
        "counter_currency": i.quote, "contract_size": _number(entry.contract_size),
        "block_trade_commission": 0.0001, "block_trade_min_trade_amount": 200000 if inverse else 25,
        "block_trade_tick_size": 0.01, "base_currency": i.base, "underlying_type": "crypto",
    }


def currency_object(currency: str) -> dict:
    """One element of ``public/get_currencies``."""
    return {"currency": currency, "currency_long": {"BTC": "Bitcoin", "ETH": "Ethereum", "USDC": "USD Coin"}[currency],
            "fee_precision": 4 if currency != "USDC" else 2, "min_confirmations": 1 if currency == "BTC" else 6,
            "min_withdrawal_fee": 0.0001, "withdrawal_fee": 0.0001, "withdrawal_priorities": [],
            "coin_type": {"BTC": "BITCOIN", "ETH": "ETHER", "USDC": "USDC"}[currency], "in_cross_collateral_pool": True,
            "apr": 0, "decimals": 8 if currency != "USDC" else 6}
