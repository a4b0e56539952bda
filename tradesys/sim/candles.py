"""Candles (klines) folded from public trades, in integer mantissas.

One ``Candle`` per (symbol, interval, open time); ``fold`` builds the closed
and open candles of a trade history (for REST queries), ``Candle.add`` grows
one candle trade by trade (for streams). Quote volume is ``price * qty`` at
``price_scale + qty_scale``, so nothing here rounds.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tradesys.sim.orders import PublicTrade, Side

INTERVAL_MS = {"1m": 60_000, "3m": 180_000, "5m": 300_000, "15m": 900_000, "30m": 1_800_000, "1h": 3_600_000,
               "2h": 7_200_000, "4h": 14_400_000, "6h": 21_600_000, "8h": 28_800_000, "12h": 43_200_000,
               "1d": 86_400_000, "3d": 259_200_000, "1w": 604_800_000}


@dataclass(slots=True)
class Candle:
    open_ms: int
    width_ms: int
    open: int = 0
    high: int = 0
    low: int = 0
    close: int = 0
    volume: int = 0              # quantity mantissa
    quote_volume: int = 0        # price * quantity mantissa
    trades: int = 0
    taker_buy_volume: int = 0
    taker_buy_quote_volume: int = 0
    first_trade_id: int = -1
    last_trade_id: int = -1

    @property
    def close_ms(self) -> int:
        """The candle's last millisecond (Binance's ``T``)."""
        return self.open_ms + self.width_ms - 1

    def add(self, trade: PublicTrade) -> None:
        """Fold one trade of this candle's window into it."""
        price = trade.price
        if not self.trades:
            self.open = self.high = self.low = price
            self.first_trade_id = trade.trade_id
        else:
            self.high, self.low = max(self.high, price), min(self.low, price)
        self.close = price
        self.last_trade_id = trade.trade_id
        self.volume += trade.quantity
        self.quote_volume += price * trade.quantity
        self.trades += 1
        if trade.taker_side is Side.BUY:
            self.taker_buy_volume += trade.quantity
            self.taker_buy_quote_volume += price * trade.quantity


def window_start(time_ms: int, width_ms: int) -> int:
    return time_ms - time_ms % width_ms


def fold(trades: Iterable[PublicTrade], width_ms: int, start_ms: int = 0, end_ms: int | None = None) -> list[Candle]:
    """The candles of the trades that happened in ``[start_ms, end_ms]``, oldest first; none without trades."""
    candles: dict[int, Candle] = {}
    for trade in trades:
        ms = trade.time_ns // 1_000_000
        if ms < start_ms or (end_ms is not None and ms > end_ms):
            continue
        opened = window_start(ms, width_ms)
        candle = candles.get(opened)
        if candle is None:
            candle = candles[opened] = Candle(opened, width_ms)
        candle.add(trade)
    return [candles[k] for k in sorted(candles)]
