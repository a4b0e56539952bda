"""The three venues as the farm tests trade them: each one's sample market maker, its symbol, a probe's size,
and how the venue prints money and keeps client order ids (for ``reconcile.assert_every_fill_reconciles``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from exchanges.grvt.ids import ClientIdCodec

D = Decimal


@dataclass(frozen=True)
class Venue:
    strategy: str
    symbol: str
    size: Decimal                                 # a probe's size (Deribit: USD of inverse contracts)
    printed: Callable[[Decimal], Decimal]         # a value as the venue prints it in its events
    tolerance: Decimal
    ours: Callable[[str], str] = str              # a client order id as the venue keeps it -> ours


VENUES = {
    "binance": Venue("mm_btc", "BTCUSDT", D("0.002"), lambda d: d.quantize(D("1e-8")), D("1e-8")),
    "deribit": Venue("mm_btc_perp", "BTC-PERPETUAL", D("100"), lambda d: D(repr(float(d))), D("1e-15")),
    "grvt": Venue("mm_btc_grvt", "BTC_USDT_Perp", D("0.002"), lambda d: d, D("1e-15"),
                  ClientIdCodec(("mm_btc_grvt", "flatten")).decode),
}
