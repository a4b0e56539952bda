"""Inverse perpetuals in the simulated exchange: USD quantities, coin-denominated money."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradesys.sim.exchange import SimExchange
from tradesys.sim.instruments import SimInstrument
from tradesys.sim.orders import OrderType, Side


def _inverse() -> SimInstrument:
    return SimInstrument.from_decimals("BTC-PERPETUAL", "BTC", "USD", tick="0.5", step="10", min_qty="10",
                                       max_qty="1000000", min_price="0.5", max_price="1000000", min_notional="0",
                                       maker_fee=Decimal("0"), taker_fee=Decimal("0.0005"), settle="BTC",
                                       inverse=True)


def _exchange() -> SimExchange:
    exchange = SimExchange([_inverse()])
    exchange.add_account("maker", {"BTC": "1000"}, house=True)
    exchange.add_account("me", {"BTC": "1"})
    return exchange


def _trade(exchange: SimExchange, side: Side, usd: int, price: str) -> None:
    i = exchange.instruments["BTC-PERPETUAL"]
    exchange.place("maker", "BTC-PERPETUAL", side.opposite, OrderType.LIMIT, i.qty_of(str(usd)),
                   price=i.price_of(price))
    exchange.place("me", "BTC-PERPETUAL", side, OrderType.MARKET, i.qty_of(str(usd)))


def test_a_round_trip_realises_usd_times_the_difference_of_inverse_prices_in_the_coin():
    exchange = _exchange()
    _trade(exchange, Side.BUY, 1000, "50000")
    _trade(exchange, Side.SELL, 1000, "40000")
    position = exchange.accounts["me"].positions["BTC-PERPETUAL"]
    expected = Decimal(1000) * (Decimal(1) / 50000 - Decimal(1) / 40000)  # a loss: -0.005 BTC
    assert position.quantity == 0 and position.realized_pnl == pytest.approx(expected)
    fees = (Decimal(1000) / 50000 + Decimal(1000) / 40000) * Decimal("0.0005")
    assert exchange.accounts["me"].wallet["BTC"] == pytest.approx(1 + expected - fees)


def test_the_entry_is_the_usd_weighted_harmonic_mean_and_unrealised_pnl_follows_the_mark():
    exchange = _exchange()
    _trade(exchange, Side.BUY, 1000, "50000")
    _trade(exchange, Side.BUY, 3000, "60000")
    position = exchange.accounts["me"].positions["BTC-PERPETUAL"]
    coins = Decimal(1000) / 50000 + Decimal(3000) / 60000
    assert position.entry_price == pytest.approx(Decimal(4000) / coins)
    assert position.unrealized_pnl(Decimal(70000)) == pytest.approx(4000 * (1 / position.entry_price -
                                                                          Decimal(1) / 70000))
    # Margin is the coin value of the USD position at the mark, over the leverage.
    marks = {"BTC-PERPETUAL": Decimal(70000)}
    assert exchange.accounts["me"].position_margin(marks, "BTC") == pytest.approx(Decimal(4000) / 70000 / 20)
    assert exchange.accounts["me"].position_margin(marks, "USDC") == 0


def test_margin_is_checked_in_the_coin():
    exchange = _exchange()
    i = exchange.instruments["BTC-PERPETUAL"]
    exchange.set_mark("BTC-PERPETUAL", Decimal(50000))
    # 1 BTC at 20x carries 20 BTC of notional: one million USD at 50,000.
    from tradesys.sim.errors import SimReject
    with pytest.raises(SimReject):
        exchange.place("me", "BTC-PERPETUAL", Side.BUY, OrderType.LIMIT, i.qty_of("1100000"),
                       price=i.price_of("50000"))
    exchange.place("me", "BTC-PERPETUAL", Side.BUY, OrderType.LIMIT, i.qty_of("900000"), price=i.price_of("50000"))
