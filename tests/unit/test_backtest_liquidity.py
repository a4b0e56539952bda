"""The recorded market inside the simulator's matching engine: our order's place in its level's queue, its
fills by recorded trades and crossing levels, and the house liquidity kept apart from ours."""

from decimal import Decimal

from tradesys.backtest.clock import SimClock
from tradesys.backtest.instruments import venue_instruments
from tradesys.backtest.liquidity import HOUSE, RecordedLiquidity, rescale
from tradesys.backtest.queue import QueueModel
from tradesys.messages import BookDelta, BookSnapshot, Side, Trade
from tradesys.numeric import set_decimal
from tradesys.sim.exchange import SimExchange
from tradesys.sim.orders import OrderType
from tradesys.sim.orders import Side as SimSide

SYMBOL = "BTCUSDT"          # price scale 2, quantity scale 3 (lot 0.001)


def market(model: str = "prob"):
    sim, _ = venue_instruments("binance", [SYMBOL])[SYMBOL]
    clock = SimClock(1_700_000_000 * 10**9)
    exchange = SimExchange([sim], clock=clock.time_ns)
    exchange.add_account("us", {"USDT": Decimal(100_000)})
    liquidity = RecordedLiquidity(exchange, QueueModel(model, 3.0))
    liquidity.snapshot(BookSnapshot(symbol=SYMBOL, price_scale=2, size_scale=3, venue_seq=1,
                                    bid_prices=[6500000, 6499900], bid_sizes=[5000, 8000],
                                    ask_prices=[6500100, 6500200], ask_sizes=[4000, 9000]))
    return exchange, liquidity


def delta(bids=(), asks=()) -> BookDelta:
    return BookDelta(symbol=SYMBOL, price_scale=2, size_scale=3, bid_prices=[p for p, _ in bids],
                     bid_sizes=[s for _, s in bids], ask_prices=[p for p, _ in asks], ask_sizes=[s for _, s in asks])


def trade(aggressor: int, price: str, quantity: str) -> Trade:
    out = Trade(symbol=SYMBOL, aggressor=aggressor)
    set_decimal(out.price, Decimal(price))
    set_decimal(out.quantity, Decimal(quantity))
    return out


def bid(exchange, price: int, quantity: int):
    return exchange.place("us", SYMBOL, SimSide.BUY, OrderType.LIMIT, quantity, price=price)


def filled(exchange) -> int:
    return sum(f.quantity for f in exchange.fills("us", SYMBOL))


def ahead_of(exchange, price: int) -> int:
    queue = list(exchange.engines[SYMBOL].book.queue(SimSide.BUY, price))
    mine = next(i for i, o in enumerate(queue) if o.account == "us")
    return sum(o.remaining for o in queue[:mine])


def test_our_order_joins_the_back_and_trades_reach_it_after_everything_ahead():
    exchange, liquidity = market()
    bid(exchange, 6500000, 2000)                             # behind the recorded 5.000
    liquidity.trade(trade(Side.SIDE_SELL, "65000.00", "3"))
    assert filled(exchange) == 0 and ahead_of(exchange, 6500000) == 2000
    liquidity.trade(trade(Side.SIDE_SELL, "65000.00", "3"))
    assert filled(exchange) == 1000                          # 2 of the 3 were ahead of us
    fill = exchange.fills("us", SYMBOL)[0]
    assert fill.is_maker and fill.price == 6500000


def test_a_level_that_shrinks_just_after_we_joined_moves_us_up_and_one_that_grows_does_not():
    exchange, liquidity = market()
    bid(exchange, 6500000, 1000)
    liquidity.delta(delta(bids=[(6500000, 3000)]))           # 2.000 cancelled, all of it ahead (nothing behind)
    assert ahead_of(exchange, 6500000) == 3000
    liquidity.delta(delta(bids=[(6500000, 9000)]))           # 6.000 joins behind us
    assert ahead_of(exchange, 6500000) == 3000
    liquidity.delta(delta(bids=[(6500000, 7000)]))           # 2.000 cancelled: 3**3 / (3**3 + 6**3) of it ahead
    assert ahead_of(exchange, 6500000) == 3000 - round(2000 * 27 / (27 + 216))
    assert liquidity.quantity(SYMBOL, SimSide.BUY, 6500000) == 7000


def test_risk_averse_cancels_come_from_behind_until_the_level_is_below_our_place():
    exchange, liquidity = market("risk_averse")
    bid(exchange, 6500000, 1000)
    liquidity.delta(delta(bids=[(6500000, 9000)]))
    liquidity.delta(delta(bids=[(6500000, 6000)]))
    assert ahead_of(exchange, 6500000) == 5000
    liquidity.delta(delta(bids=[(6500000, 2000)]))
    assert ahead_of(exchange, 6500000) == 2000


def test_a_trade_through_our_price_fills_us_first():
    exchange, liquidity = market()
    bid(exchange, 6500050, 1000)                             # inside the spread, alone at its price
    liquidity.trade(trade(Side.SIDE_SELL, "65000.00", "2"))
    assert filled(exchange) == 1000
    assert exchange.fills("us", SYMBOL)[0].price == 6500050


def test_an_ask_recorded_through_our_bid_trades_with_it_at_our_price_and_still_rests_in_full():
    exchange, liquidity = market()
    bid(exchange, 6500050, 1000)
    liquidity.delta(delta(bids=[(6500000, 0)], asks=[(6500100, 0), (6500000, 4000)]))   # down through our bid
    assert filled(exchange) == 1000
    assert exchange.fills("us", SYMBOL)[0].price == 6500050
    assert liquidity.quantity(SYMBOL, SimSide.SELL, 6500000) == 4000
    resting = [o for o in exchange.engines[SYMBOL].book.queue(SimSide.SELL, 6500000) if o.account == HOUSE]
    assert sum(o.remaining for o in resting) == 4000


def test_a_snapshot_replaces_the_book_and_what_our_taker_took_comes_back_with_the_next_change():
    exchange, liquidity = market()
    exchange.place("us", SYMBOL, SimSide.BUY, OrderType.MARKET, 1000)       # takes 1.000 of the 4.000 ask
    assert liquidity.quantity(SYMBOL, SimSide.SELL, 6500100) == 3000
    liquidity.delta(delta(asks=[(6500100, 4000)]))
    assert liquidity.quantity(SYMBOL, SimSide.SELL, 6500100) == 4000
    liquidity.snapshot(BookSnapshot(symbol=SYMBOL, price_scale=2, size_scale=3, venue_seq=9,
                                    bid_prices=[6490000], bid_sizes=[1000], ask_prices=[6510000], ask_sizes=[1000]))
    assert liquidity.levels[SYMBOL] == {SimSide.BUY: {6490000: 1000}, SimSide.SELL: {6510000: 1000}}
    assert exchange.engines[SYMBOL].book.best_price(SimSide.SELL) == 6510000


def test_levels_at_another_scale_are_rescaled_and_off_grid_ones_counted():
    assert rescale(650001, 1, 2) == 6500010 and rescale(6500010, 2, 1) == 650001 and rescale(6500011, 2, 1) is None
    exchange, liquidity = market()
    liquidity.delta(BookDelta(symbol=SYMBOL, price_scale=3, size_scale=3, bid_prices=[64999005], bid_sizes=[1000]))
    assert liquidity.count["off_grid"] == 1
    liquidity.delta(BookDelta(symbol=SYMBOL, price_scale=1, size_scale=3, bid_prices=[649980], bid_sizes=[1000]))
    assert liquidity.quantity(SYMBOL, SimSide.BUY, 6499800) == 1000
