"""The synthetic market: deterministic, liquid on both sides, moving, and filling a market maker's quotes."""

from __future__ import annotations

from decimal import Decimal

from tradesys.sim.exchange import SimExchange
from tradesys.sim.instruments import SimInstrument
from tradesys.sim.market import FLOW_ACCOUNT, LP_ACCOUNT, MarketSettings, SyntheticMarket
from tradesys.sim.orders import OrderStatus, OrderType, Side, TimeInForce

BTC = SimInstrument.from_decimals("BTCUSDT", "BTC", "USDT", tick="0.10", step="0.001", min_qty="0.001",
                                  max_qty="1000", min_price="556.80", max_price="4529764", min_notional="5")
T0 = 1_700_000_000_000_000_000
STEP = 100_000_000  # 100 ms


def build(seed=7, **settings):
    exchange = SimExchange([BTC], seed=seed, clock=lambda: 0)
    market = SyntheticMarket(exchange, {"BTCUSDT": MarketSettings(Decimal("65000"), **settings)}, seed=seed)
    market.start(T0)
    return exchange, market


def run(market, steps, start=T0):
    for i in range(1, steps + 1):
        market.step(start + i * STEP)


def fingerprint(exchange):
    book = exchange.engines["BTCUSDT"].book
    return (book.levels(Side.BUY, 5), book.levels(Side.SELL, 5),
            exchange.accounts[FLOW_ACCOUNT].positions["BTCUSDT"].quantity)


def test_the_same_seed_and_steps_make_the_same_market():
    (a, ma), (b, mb) = build(seed=11), build(seed=11)
    run(ma, 300)
    run(mb, 300)
    assert fingerprint(a) == fingerprint(b) and ma.market_orders == mb.market_orders > 0
    c, mc = build(seed=12)
    run(mc, 300)
    assert fingerprint(c) != fingerprint(a)


def test_the_book_is_liquid_on_both_sides_around_a_moving_mid():
    exchange, market = build(volatility=0.002)
    book = exchange.engines["BTCUSDT"].book
    mids = set()
    for i in range(1, 601):
        market.step(T0 + i * STEP)
        mids.add(market.mid("BTCUSDT"))
        assert not book.is_crossed()
    assert len(book.levels(Side.BUY)) >= 15 and len(book.levels(Side.SELL)) >= 15
    spread = book.best_price(Side.SELL) - book.best_price(Side.BUY)
    assert 0 < spread <= 4 * BTC.tick
    assert len(mids) > 50  # the mid really walks
    assert exchange.marks["BTCUSDT"] == market.mid("BTCUSDT")
    # Flow and liquidity trade with each other: their positions mirror.
    flow = exchange.accounts[FLOW_ACCOUNT].positions["BTCUSDT"].quantity
    assert flow == -exchange.accounts[LP_ACCOUNT].positions["BTCUSDT"].quantity


def test_a_market_maker_that_follows_the_touch_gets_filled():
    exchange, market = build(market_orders_per_second=5.0)
    exchange.add_account("mm", {"USDT": "100000"})
    book = exchange.engines["BTCUSDT"].book
    size = BTC.qty_of("0.005")
    quote = exchange.place("mm", "BTCUSDT", Side.BUY, OrderType.LIMIT, size, price=book.best_price(Side.BUY),
                           time_in_force=TimeInForce.GTX)
    now, steps = T0, 0
    while steps < 3000:
        now += STEP
        steps += 1
        market.step(now)
        current = exchange.order("mm", "BTCUSDT", order_id=quote.order_id)
        if current.status is OrderStatus.FILLED:
            break
        best = book.best_price(Side.BUY)
        if current.price != best:  # re-quote at the touch, as a market maker does
            exchange.modify("mm", "BTCUSDT", Side.BUY, best, size, order_id=quote.order_id)
    assert exchange.order("mm", "BTCUSDT", order_id=quote.order_id).status is OrderStatus.FILLED
    assert exchange.accounts["mm"].positions["BTCUSDT"].quantity == Decimal("0.005")
    assert steps < 3000


def test_funding_is_charged_at_its_interval():
    exchange, market = build(funding_interval_s=10.0, funding_rate=Decimal("0.001"), market_orders_per_second=20.0)
    run(market, 99)  # 9.9 s: not yet
    assert all(p.funding == 0 for a in exchange.accounts.values() for p in a.positions.values())
    run(market, 2, start=T0 + 99 * STEP)
    funded = [p.funding for a in exchange.accounts.values() for p in a.positions.values() if p.quantity]
    assert funded and all(f != 0 for f in funded)
