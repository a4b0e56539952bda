"""Public market-data endpoints of the Binance simulator."""

from __future__ import annotations

from typing import TYPE_CHECKING

from exchanges.binance.simulator import errors
from exchanges.binance.simulator.catalog import exchange_info_symbol
from exchanges.binance.simulator.params import DEPTH_LIMITS, Call, fail, instrument_of, instruments_of, int_param
from exchanges.binance.simulator.render import kline_row, money
from tradesys.sim.candles import INTERVAL_MS, fold
from tradesys.sim.orders import Side

if TYPE_CHECKING:
    from exchanges.binance.simulator.venue import BinanceVenue


class MarketData:
    def __init__(self, sim: BinanceVenue):
        self.sim = sim

    def exchange_info(self, call: Call) -> dict:
        return {"timezone": "UTC", "serverTime": self.sim.now_ms(), "futuresType": "U_MARGINED",
                "rateLimits": [
                    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1,
                     "limit": self.sim.limits.ip_weight_per_minute},
                    {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1,
                     "limit": self.sim.limits.orders_per_minute},
                    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10,
                     "limit": self.sim.limits.orders_per_10s}],
                "exchangeFilters": [],
                "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
                "symbols": [exchange_info_symbol(e) for e in self.sim.catalog.values()]}

    def depth(self, call: Call) -> dict:
        instrument = instrument_of(self.sim, call.params)
        raw = call.params.get("limit", "500")
        limit = int(raw) if raw.isdigit() else -1
        if limit not in DEPTH_LIMITS:
            raise errors.depth_limit(raw)
        replay = self.sim.streams.replay
        if replay is not None and instrument.symbol == replay.symbol:
            return replay.depth()            # the state the replayed frames follow
        engine = self.sim.exchange.engines[instrument.symbol]
        now = self.sim.now_ms()
        side = lambda s: [[instrument.price_text(p), instrument.qty_text(q)]  # noqa: E731
                          for p, q in engine.book.levels(s, limit)]
        return {"lastUpdateId": engine.update_id, "E": now, "T": now, "bids": side(Side.BUY),
                "asks": side(Side.SELL)}

    def book_ticker(self, call: Call):
        instruments, many = instruments_of(self.sim, call.params)
        now = self.sim.now_ms()
        out = []
        for i in instruments:
            book = self.sim.exchange.engines[i.symbol].book
            bid, ask = book.best(Side.BUY), book.best(Side.SELL)
            out.append({"symbol": i.symbol,
                        "bidPrice": i.price_text(bid.price) if bid else "0",
                        "bidQty": i.qty_text(bid.total) if bid else "0",
                        "askPrice": i.price_text(ask.price) if ask else "0",
                        "askQty": i.qty_text(ask.total) if ask else "0", "time": now})
        return out if many else out[0]

    def ticker_price(self, call: Call):
        instruments, many = instruments_of(self.sim, call.params)
        out = [{"symbol": i.symbol, "price": f"{self.sim.exchange.mark_price(i.symbol):f}", "time": self.sim.now_ms()}
               for i in instruments]
        return out if many else out[0]

    def premium_index(self, call: Call):
        instruments, many = instruments_of(self.sim, call.params)
        now = self.sim.now_ms()
        out = []
        for i in instruments:
            mark = money(self.sim.exchange.mark_price(i.symbol))
            settings = self.sim.catalog[i.symbol].market
            interval = int(settings.funding_interval_s * 1000)
            out.append({"symbol": i.symbol, "markPrice": mark, "indexPrice": mark, "estimatedSettlePrice": mark,
                        "lastFundingRate": f"{settings.funding_rate:f}", "interestRate": "0.00010000",
                        "nextFundingTime": now - now % interval + interval, "time": now})
        return out if many else out[0]

    def recent_trades(self, call: Call) -> list:
        instrument = instrument_of(self.sim, call.params)
        limit = min(int_param(call.params, "limit") if "limit" in call.params else 500, 1000)
        trades = list(self.sim.exchange.public_trades[instrument.symbol])[-limit:]
        return [{"id": t.trade_id, "price": instrument.price_text(t.price), "qty": instrument.qty_text(t.quantity),
                 "quoteQty": f"{instrument.notional(t.price, t.quantity):f}", "time": t.time_ns // 1_000_000,
                 "isBuyerMaker": t.taker_side is Side.SELL} for t in trades]

    def klines(self, call: Call) -> list:
        """Candles built from the trades the simulator remembers (the last 10,000 per symbol)."""
        instrument = instrument_of(self.sim, call.params)
        interval = call.params.get("interval") or fail(errors.mandatory("interval"))
        width = INTERVAL_MS.get(interval) or fail(errors.invalid("interval"))
        limit = min(int_param(call.params, "limit") if "limit" in call.params else 500, 1500)
        start = int_param(call.params, "startTime") if "startTime" in call.params else 0
        end = int_param(call.params, "endTime") if "endTime" in call.params else self.sim.now_ms()
        candles = fold(self.sim.exchange.public_trades[instrument.symbol], width, start, end)
        return [kline_row(c, instrument) for c in candles[-limit:]]
