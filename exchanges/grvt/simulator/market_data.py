"""Market-data REST: instruments, book, ticker, mini ticker, trades, candles, funding, currencies (full names;
the server makes them lite on lite routes)."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from exchanges.grvt.simulator import errors as e
from exchanges.grvt.simulator.catalog import instrument_object
from exchanges.grvt.simulator.render import Whole, text, trade_id
from tradesys.sim.candles import fold
from tradesys.sim.orders import Side

if TYPE_CHECKING:
    from exchanges.grvt.simulator.venue import GrvtVenue


class MarketData:
    def __init__(self, sim: GrvtVenue):
        self.sim = sim

    def _entry(self, body: dict):
        entry = self.sim.catalog.get(body.get("instrument"))
        if entry is None:
            raise e.NOT_FOUND
        return entry

    def instrument(self, body: dict) -> dict:
        return instrument_object(self._entry(body))

    def all_instruments(self, body: dict) -> list[dict]:
        return [instrument_object(x) for x in self.sim.catalog.values()]

    def instruments(self, body: dict) -> list[dict]:
        kinds, bases, quotes = (body.get(k) or [] for k in ("kind", "base", "quote"))
        out = [instrument_object(x) for x in self.sim.catalog.values()
               if (not kinds or "PERPETUAL" in kinds) and (not bases or x.instrument.base in bases)
               and (not quotes or x.instrument.quote in quotes)]
        return out[:int(body.get("limit") or 500)]

    def levels(self, entry, side: Side, depth: int) -> list[dict]:
        i = entry.instrument
        book = self.sim.exchange.engines[entry.name].book
        out = []
        for price, size in book.levels(side, depth):
            # The simulator aggregates a level; one resting order per level is what it reports.
            out.append({"price": text(i.price(price)), "size": text(i.qty(size)), "num_orders": 1})
        return out

    def book(self, body: dict) -> dict:
        entry = self._entry(body)
        depth = int(body.get("depth") or 10)
        if depth not in (10, 50, 100, 500):
            raise e.MALFORMED
        return {"event_time": str(self.sim.now_ns()), "instrument": entry.name,
                "bids": self.levels(entry, Side.BUY, depth), "asks": self.levels(entry, Side.SELL, depth)}

    def ticker(self, body: dict) -> dict:
        entry = self._entry(body)
        i = entry.instrument
        book = self.sim.exchange.engines[entry.name].book
        bid, ask = book.best(Side.BUY), book.best(Side.SELL)
        mark = self.sim.exchange.mark_price(entry.name)
        rate = float(entry.market.funding_rate * 100)
        trades = self.sim.exchange.public_trades[entry.name]
        last = trades[-1] if trades else None
        return {"event_time": str(self.sim.now_ns()), "instrument": entry.name, "mark_price": text(mark),
                "index_price": text(mark), "last_price": text(i.price(last.price)) if last else "0",
                "last_size": text(i.qty(last.quantity)) if last else "0",
                "mid_price": text((i.price(bid.price) + i.price(ask.price)) / 2) if bid and ask else "0",
                "best_bid_price": text(i.price(bid.price)) if bid else "0",
                "best_bid_size": text(i.qty(bid.total)) if bid else "0",
                "best_ask_price": text(i.price(ask.price)) if ask else "0",
                "best_ask_size": text(i.qty(ask.total)) if ask else "0",
                # Funding rates and the interest rate are JSON numbers, in percent (docs/protocols/grvt.md 5.1).
                "funding_rate_8h_curr": rate, "funding_rate_8h_avg": rate, "interest_rate": 0.0,
                "forward_price": "0", "buy_volume_24h_b": "0", "sell_volume_24h_b": "0", "buy_volume_24h_q": "0",
                "sell_volume_24h_q": "0", "high_price": "0", "low_price": "0", "open_price": "0",
                "open_interest": "0", "long_short_ratio": "1", "funding_rate": rate,
                "next_funding_time": str(self.sim.market.next_funding_ns(entry.name))}

    def mini(self, body: dict) -> dict:
        full = self.ticker(body)
        keep = ("event_time", "instrument", "mark_price", "index_price", "last_price", "last_size", "mid_price",
                "best_bid_price", "best_bid_size", "best_ask_price", "best_ask_size")
        return {k: full[k] for k in keep}

    def trade(self, body: dict) -> list[dict]:
        entry = self._entry(body)
        limit = min(int(body.get("limit") or 100), 1000)
        return [trade_object(self.sim, entry, t) for t in list(self.sim.exchange.public_trades[entry.name])[-limit:]]

    def trade_history(self, body: dict) -> Whole:
        """The instrument's trades, newest first, between ``start_time`` and ``end_time`` (ns); one page."""
        entry = self._entry(body)
        try:
            limit = min(int(body.get("limit") or 500), 1000)
            start, end = int(body.get("start_time") or 0), int(body.get("end_time") or 0)
        except (TypeError, ValueError):
            raise e.MALFORMED from None
        trades = [t for t in reversed(self.sim.exchange.public_trades[entry.name])
                  if t.time_ns >= start and (not end or t.time_ns <= end)]
        return Whole(result=[trade_object(self.sim, entry, t) for t in trades[:limit]], next="")

    def kline(self, body: dict) -> Whole:
        """Trade candles (``type`` TRADE) folded from the trades the simulator remembers, newest first."""
        entry = self._entry(body)
        width_ms = CANDLE_WIDTH_MS.get(body.get("interval"))
        if width_ms is None or (body.get("type") or "TRADE") != "TRADE":
            raise e.MALFORMED          # MARK, INDEX and MID candles are not simulated
        try:
            limit = min(int(body.get("limit") or 500), 1000)
            start = int(body.get("start_time") or 0) // 1_000_000
            end = int(body.get("end_time") or 0) // 1_000_000 or self.sim.now_ms()
        except (TypeError, ValueError):
            raise e.MALFORMED from None
        i = entry.instrument
        candles = fold(self.sim.exchange.public_trades[entry.name], width_ms, start, end)
        return Whole(result=[{"open_time": str(c.open_ms * 1_000_000), "close_time": str(c.close_ms * 1_000_000),
                              "open": text(i.price(c.open)), "close": text(i.price(c.close)),
                              "high": text(i.price(c.high)), "low": text(i.price(c.low)),
                              "volume_b": text(i.qty(c.volume)),
                              "volume_q": text(Decimal(c.quote_volume).scaleb(-(i.price_scale + i.qty_scale))),
                              "trades": c.trades, "instrument": entry.name}
                             for c in reversed(candles[-limit:])], next="")

    def funding(self, body: dict) -> Whole:
        return self.sim.account_api.funding_history(body, self._entry(body))

    def currency(self, body: dict) -> list[dict]:
        return [{"id": n, "symbol": c, "balance_decimals": 6 if c == "USDT" else 9,
                 "quantity_multiplier": 1_000_000 if c == "USDT" else 1_000_000_000}
                for n, c in enumerate(("USDT", "BTC", "ETH"), start=1)]


def trade_object(sim: GrvtVenue, entry, trade) -> dict:
    i = entry.instrument
    mark = sim.exchange.mark_price(entry.name)
    return {"event_time": str(trade.time_ns), "instrument": entry.name, "is_taker_buyer": trade.taker_side is Side.BUY,
            "size": text(i.qty(trade.quantity)), "price": text(i.price(trade.price)), "mark_price": text(mark),
            "index_price": text(mark), "interest_rate": 0.0, "forward_price": "0",
            "trade_id": trade_id(sim, entry.name, trade.trade_id),
            "venue": "ORDERBOOK", "is_rpi": False}


ROUTES = {"/instrument": "instrument", "/all_instruments": "all_instruments", "/instruments": "instruments",
          "/book": "book", "/ticker": "ticker", "/mini": "mini", "/trade": "trade", "/currency": "currency",
          "/trade_history": "trade_history", "/kline": "kline", "/funding": "funding"}
# The spec's CandlestickInterval names and their widths.
_MINUTE, _HOUR, _DAY = 60_000, 3_600_000, 86_400_000
CANDLE_WIDTH_MS = {"CI_1_M": _MINUTE, "CI_3_M": 3 * _MINUTE, "CI_5_M": 5 * _MINUTE, "CI_15_M": 15 * _MINUTE,
                   "CI_30_M": 30 * _MINUTE, "CI_1_H": _HOUR, "CI_2_H": 2 * _HOUR, "CI_4_H": 4 * _HOUR,
                   "CI_6_H": 6 * _HOUR, "CI_8_H": 8 * _HOUR, "CI_12_H": 12 * _HOUR, "CI_1_D": _DAY, "CI_3_D": 3 * _DAY,
                   "CI_5_D": 5 * _DAY, "CI_1_W": 7 * _DAY, "CI_2_W": 14 * _DAY, "CI_3_W": 21 * _DAY,
                   "CI_4_W": 28 * _DAY}
